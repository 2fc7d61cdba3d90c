"""Checks and settings for a run that starts from a checkpoint (``--resume``, ``load_from``)."""
from mmengine.config import Config
from mmengine.runner import find_latest_checkpoint

from .checkpoint_guard import read_checkpoint


def prepare_checkpoint_start(cfg: Config) -> str | None:
    """Read the checkpoint the run will start from (clear error if it is unreadable) and, on
    resume with ``randomness.seed=None``, take its seed. Returns the checkpoint path or None.

    mmengine re-seeds a resumed run only after building the sampler, dataset and workers, so
    their random draws would differ from the interrupted run's without this.
    """
    checkpoint_file = cfg.get('load_from')
    if checkpoint_file is None and cfg.get('resume', False):
        checkpoint_file = find_latest_checkpoint(cfg.work_dir)
    if checkpoint_file is None:
        return None
    checkpoint = read_checkpoint(checkpoint_file)
    randomness = cfg.get('randomness') or {}
    seed = checkpoint.get('meta', {}).get('seed')
    if cfg.get('resume', False) and randomness.get('seed') is None and seed is not None:
        cfg.randomness = dict(randomness, seed=seed)
    return checkpoint_file
