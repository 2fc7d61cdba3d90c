"""``init_cfg=dict(type='Pretrained', ...)`` that refuses a file whose keys do not fit."""
import logging

from mmengine.logging import print_log
from mmengine.model.weight_init import PretrainedInit, update_init_info
from mmengine.registry import WEIGHT_INITIALIZERS
from mmengine.runner.checkpoint import _load_checkpoint, load_state_dict
from torch import nn

from ...utils.checkpoint import check_pretrained_fit, checkpoint_state_dict, read_checkpoint


@WEIGHT_INITIALIZERS.register_module(name='Pretrained', force=True)  # every scope's Pretrained
class CheckedPretrainedInit(PretrainedInit):
    """mmengine's PretrainedInit (same arguments) with the file's keys checked against the
    module first: most keys not fitting is an error naming the file, the module and example
    keys; a few (e.g. a classifier left out) are a warning."""

    def __call__(self, module: nn.Module) -> None:
        source = f'pretrained checkpoint {self.checkpoint}'
        checkpoint = (_load_checkpoint(self.checkpoint, map_location=self.map_location)
                      if '://' in self.checkpoint else read_checkpoint(self.checkpoint))
        state_dict = checkpoint_state_dict(checkpoint, self.checkpoint)
        if self.prefix is not None:
            prefix = self.prefix if self.prefix.endswith('.') else self.prefix + '.'
            state_dict = {k[len(prefix):]: v for k, v in state_dict.items()
                          if k.startswith(prefix)}
            source += f' (keys under {prefix})'
        report = check_pretrained_fit(module, state_dict, source)
        if report:
            print_log(f'{source} leaves keys of {type(module).__name__} unloaded or unused:\n'
                      f'{report}', logger='current', level=logging.WARNING)
        print_log(f'load {type(module).__name__} from: {self.checkpoint}', logger='current')
        load_state_dict(module, state_dict, strict=False)
        if hasattr(module, '_params_init_info'):
            update_init_info(module, init_info=self._get_init_info())
