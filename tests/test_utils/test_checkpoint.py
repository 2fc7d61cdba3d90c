import os
import pickle
import zipfile

import pytest
import torch
import torch.nn as nn
from mmengine.logging import HistoryBuffer
from mmengine.model import BaseModel
from mmengine.runner import Runner, load_checkpoint
from torch.utils.data import Dataset

import mmseg_clan  # noqa: F401  (registers the allow-list)


class TinyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(torch.stack(inputs))
        return dict(loss=out.pow(2).mean()) if mode == 'loss' else out


class TinyDataset(Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, index):
        return dict(inputs=torch.full((2, ), float(index)))


def make_runner(work_dir, max_iters, resume=False):
    return Runner(
        model=TinyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=TinyDataset(),
            sampler=dict(type='DefaultSampler', shuffle=True),
            batch_size=2,
            collate_fn=dict(type='pseudo_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9)),
        param_scheduler=dict(type='PolyLR', by_epoch=False, begin=0, end=max_iters),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=2, by_epoch=False)),
        randomness=dict(seed=0),
        resume=resume)


def test_mmengine_checkpoint_resumes_with_safe_loading(tmp_path):
    make_runner(tmp_path, max_iters=4).train()
    checkpoint = torch.load(tmp_path / 'iter_4.pth', weights_only=True)
    assert checkpoint['meta']['iter'] == 4
    runner = make_runner(tmp_path, max_iters=6, resume=True)
    runner.train()
    assert runner.iter == 6
    assert runner.message_hub.get_info('iter') is not None


class Exploit:

    def __reduce__(self):
        return (os.system, ('echo pwned', ))


class SneakyGetattr:

    def __reduce__(self):
        return (getattr, (HistoryBuffer, '__init__'))


def write_checkpoint_with_pickle(path, payload):
    """Write a torch zip checkpoint whose pickle is ``payload`` (as an attacker would)."""
    torch.save({}, path)
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    pickle_name = next(name for name in contents if name.endswith('data.pkl'))
    contents[pickle_name] = pickle.dumps(payload, protocol=2)
    with zipfile.ZipFile(path, 'w') as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def test_malicious_pickle_is_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    write_checkpoint_with_pickle(path, {'state_dict': {}, 'meta': Exploit()})
    with pytest.raises(pickle.UnpicklingError, match='system'):
        torch.load(path)
    with pytest.raises(pickle.UnpicklingError):
        load_checkpoint(TinyModel(), str(path))


def test_getattr_is_restricted_to_history_buffer_statistics(tmp_path):
    path = tmp_path / 'getattr.pth'
    write_checkpoint_with_pickle(path, {'x': SneakyGetattr()})
    with pytest.raises(pickle.UnpicklingError, match='__init__'):
        torch.load(path)
