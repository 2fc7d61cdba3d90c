from .clan import CLAN, NonFiniteLossError

__all__ = ['CLAN', 'NonFiniteLossError']
