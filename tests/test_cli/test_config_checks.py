"""The typo check of top-level config keys: known keys from the installed runners, edits counted
with difflib."""
import inspect

from mmengine.runner import Runner

from mmseg_clan.cli.config_checks import KNOWN_TOP_LEVEL_KEYS, RUNNER_KEYS, edit_count, likely_typo


def test_edit_count_counts_inserted_deleted_and_replaced_characters():
    assert edit_count('train_dataloader', 'train_dataloader') == 0
    assert edit_count('train_dataloder', 'train_dataloader') == 1
    assert edit_count('default_hook', 'default_hooks') == 1
    assert edit_count('optim_wrpaper', 'optim_wrapper') == 2  # a swap
    assert edit_count('model', 'mdl') == 2


def test_likely_typo_names_the_runner_key_only_within_two_edits():
    assert likely_typo('optim_wrpaper', KNOWN_TOP_LEVEL_KEYS) == 'optim_wrapper'
    assert likely_typo('param_schedular', KNOWN_TOP_LEVEL_KEYS) == 'param_scheduler'
    assert likely_typo('my_max_iters', KNOWN_TOP_LEVEL_KEYS) is None
    assert likely_typo('val_pipeline', KNOWN_TOP_LEVEL_KEYS) is None  # mmseg helper, exempt


def test_runner_keys_come_from_the_installed_runners():
    assert set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'} <= RUNNER_KEYS
    assert {'strategy', 'compile', 'sync_bn', 'model_wrapper_cfg'} <= RUNNER_KEYS
    assert not {'self', 'cfg', 'max_iters'} & RUNNER_KEYS
