"""SGD that reproduces PyTorch 1.0's update of a parameter listed k times in one group."""
import torch
from mmseg.registry import OPTIMIZERS
from torch.optim import Optimizer


@OPTIMIZERS.register_module()
class RepeatedSGD(Optimizer):
    """SGD (momentum, L2 weight decay) applying ``repeats`` updates per step to each parameter
    of a group, as official CLAN's duplicated backbone parameters did; ``repeats=1`` is SGD."""

    def __init__(self, params, lr: float, momentum: float = 0.0, weight_decay: float = 0.0,
                 repeats: int = 1) -> None:
        if lr < 0 or momentum < 0 or weight_decay < 0:
            raise ValueError(f'RepeatedSGD: lr={lr}, momentum={momentum} and '
                             f'weight_decay={weight_decay} must be >= 0')
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay,
                                      repeats=repeats))
        for group in self.param_groups:
            if not isinstance(group['repeats'], int) or group['repeats'] < 1:
                raise ValueError(f'RepeatedSGD: repeats must be an int >= 1, '
                                 f'got {group["repeats"]!r}')

    @torch.no_grad()
    def step(self, closure=None):
        """One optimiser step; each parameter is updated ``repeats`` times."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, momentum, weight_decay = group['lr'], group['momentum'], group['weight_decay']
            for param in group['params']:
                if param.grad is None:
                    continue
                grad = param.grad.clone()
                state = self.state[param]
                for _ in range(group['repeats']):
                    if weight_decay != 0:
                        grad.add_(param, alpha=weight_decay)  # accumulates, as in place on .grad
                    update = grad
                    if momentum != 0:
                        if 'momentum_buffer' not in state:
                            state['momentum_buffer'] = grad.clone()
                        else:
                            state['momentum_buffer'].mul_(momentum).add_(grad)
                        update = state['momentum_buffer']
                    param.add_(update, alpha=-lr)
        return loss
