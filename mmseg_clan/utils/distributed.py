"""Distributed training on CPU-only hosts (gloo), which mmengine's init_dist cannot start."""
import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def init_cpu_distributed(cfg: Config, launcher: str) -> bool:
    """With ``--launcher pytorch`` and no CUDA, start the process group with
    ``env_cfg.dist_cfg.backend`` (must be 'gloo') and give the DDP wrapper no device ids.
    Returns whether it started one."""
    if launcher != 'pytorch' or torch.cuda.is_available() or torch_dist.is_initialized():
        return False
    backend = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('backend', 'nccl')
    if backend != 'gloo':
        raise ValueError(f'no CUDA device: distributed training on CPU needs '
                         f"env_cfg.dist_cfg.backend='gloo', the config has {backend!r}")
    torch_dist.init_process_group(backend='gloo')
    if cfg.get('model_wrapper_cfg') is not None:
        cfg.model_wrapper_cfg.device_ids = None  # mmengine passes [LOCAL_RANK], a GPU index
    return True
