from .clan_progress_hook import CLANProgressHook

__all__ = ['CLANProgressHook']
