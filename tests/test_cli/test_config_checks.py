"""The typo check of top-level config keys counts edits with difflib."""
from mmseg_clan.cli.config_checks import KNOWN_TOP_LEVEL_KEYS, edit_count, likely_typo


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
