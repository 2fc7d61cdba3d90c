"""Distributed training on CPU-only hosts (gloo), which mmengine's init_dist cannot start."""
import os
import subprocess
from typing import Dict, Mapping

import torch
import torch.distributed as torch_dist
from mmengine.config import Config

DEFAULT_MASTER_PORT = '29500'  # torch.distributed's default, as mmengine uses it


def slurm_process_env(environ: Mapping[str, str]) -> Dict[str, str]:
    """The torch.distributed variables (MASTER_ADDR/PORT, WORLD_SIZE, RANK, LOCAL_RANK) of a
    process started by srun, derived from its ``SLURM_*`` variables as mmengine's slurm launcher
    does: the master is the first host of ``SLURM_NODELIST`` (``scontrol show hostname``)
    unless MASTER_ADDR is set."""
    missing = [k for k in ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST') if k not in environ]
    if missing:
        raise KeyError(f'--launcher slurm: {", ".join(missing)} not set; start the job with '
                       'srun (tools/slurm_train.sh)')
    rank = int(environ['SLURM_PROCID'])
    master = environ.get('MASTER_ADDR')
    if master is None:
        hosts = subprocess.run(['scontrol', 'show', 'hostname', environ['SLURM_NODELIST']],
                               capture_output=True, text=True, check=True).stdout.split()
        if not hosts:
            raise ValueError(f'scontrol lists no host for SLURM_NODELIST='
                             f'{environ["SLURM_NODELIST"]}')
        master = hosts[0]
    return dict(MASTER_ADDR=master, MASTER_PORT=environ.get('MASTER_PORT', DEFAULT_MASTER_PORT),
                WORLD_SIZE=environ['SLURM_NTASKS'], RANK=str(rank),
                LOCAL_RANK=environ.get('SLURM_LOCALID', '0'))


def init_cpu_distributed(cfg: Config, launcher: str) -> bool:
    """With ``--launcher pytorch`` or ``slurm`` and no CUDA, start the process group with
    ``env_cfg.dist_cfg.backend`` (must be 'gloo') and give the DDP wrapper no device ids.
    Returns whether it started one."""
    if (launcher not in ('pytorch', 'slurm') or torch.cuda.is_available()
            or torch_dist.is_initialized()):
        return False
    backend = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('backend', 'nccl')
    if backend != 'gloo':
        raise ValueError(f'no CUDA device: distributed training on CPU needs '
                         f"env_cfg.dist_cfg.backend='gloo', the config has {backend!r}")
    if launcher == 'slurm':
        os.environ.update(slurm_process_env(os.environ))
    torch_dist.init_process_group(backend='gloo')
    if cfg.get('model_wrapper_cfg') is not None:
        cfg.model_wrapper_cfg.device_ids = None  # mmengine passes [LOCAL_RANK], a GPU index
    return True
