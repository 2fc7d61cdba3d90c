"""randomness=dict(seed=S, deterministic=True): two CPU runs log identical losses."""
import json

import mmseg_clan  # noqa: F401
from tests.test_engine.test_resume import make_data, train, write_config

LOSS_KEYS = ('loss_seg', 'loss_adv', 'loss_weight', 'loss_d_source', 'loss_d_target')


def logged_losses(work_dir):
    scalars = next(work_dir.glob('*/vis_data/scalars.json'))
    records = [json.loads(line) for line in scalars.read_text().splitlines()]
    return [[record[key] for key in LOSS_KEYS] for record in records if 'loss_seg' in record]


def test_two_seeded_deterministic_runs_log_identical_losses(tmp_path):
    config = write_config(tmp_path / 'cfg.py', make_data(tmp_path), max_iters=4,
                          checkpoint_interval=100, batch_size=2,
                          randomness=dict(seed=7, deterministic=True))
    runs = []
    for name in ('first', 'second'):
        result = train(config, tmp_path / name)
        assert result.returncode == 0, result.stderr[-3000:]
        runs.append(logged_losses(tmp_path / name))
    assert len(runs[0]) == 4
    assert runs[0] == runs[1]
    assert len({tuple(losses) for losses in runs[0]}) == 4  # the iterations differ
