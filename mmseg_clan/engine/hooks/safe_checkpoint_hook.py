"""CheckpointHook whose checkpoints survive a kill at any moment."""
import os
import os.path as osp
import re

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmseg.registry import HOOKS

from ...models.segmentors import CountsAppliedUpdates
from ...models.segmentors.nonfinite_guard import nonfinite_parameters
from ...utils.atomic_file import (
    TEMP_SUFFIX,
    replace_durably,
    write_failure,
    write_text_atomically,
)
from ...utils.model_unwrap import unwrap_model


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """mmengine's CheckpointHook (same arguments) made crash-safe: every checkpoint is written
    to ``<name>.writing``, fsynced and renamed into place, then ``last_checkpoint`` is replaced
    atomically, and only then are outdated checkpoints (``max_keep_ckpts``, previous best)
    deleted. Nothing is saved while the model reports ``applied_updates == 0``.
    """

    def before_train(self, runner) -> None:
        self._forget_other_folders_checkpoints(runner)
        super().before_train(runner)
        backend = getattr(self.file_backend, 'client', self.file_backend)
        if not isinstance(backend, LocalBackend):
            raise ValueError(f'SafeCheckpointHook: out_dir {self.out_dir} is not a local folder '
                             f'({type(backend).__name__}); its atomic renames need one')
        if is_main_process():
            for folder in {self.out_dir, runner.work_dir}:
                self._remove_interrupted_writes(runner, folder)
            if self.max_keep_ckpts > 0 and self.keep_ckpt_ids and osp.isdir(self.out_dir):
                self._remove_untracked_outdated(runner)

    def _checkpoint_folder(self, runner) -> str:
        """The folder this hook saves to (mmengine: ``out_dir/<work dir name>`` or work dir)."""
        if self.out_dir is None or self.out_dir == runner.work_dir:
            return runner.work_dir
        return osp.join(self.out_dir, osp.basename(runner.work_dir.rstrip(osp.sep)))

    def _forget_other_folders_checkpoints(self, runner) -> None:
        """Drop the kept- and best-checkpoint records of a checkpoint resumed from another
        folder (another run, or this work dir before a move): they name none of this folder's
        files, and mmengine would delete this folder's checkpoints by their numbers."""
        info = runner.message_hub.runtime_info
        saved_as = info.get('last_ckpt')
        folder = self._checkpoint_folder(runner)
        if saved_as is None or osp.realpath(osp.dirname(saved_as)) == osp.realpath(folder):
            return
        dropped = [key for key in list(info) if key == 'keep_ckpt_ids'
                   or key.startswith('best_ckpt')]
        for key in dropped:
            info.pop(key)
        runner.logger.warning(
            f'SafeCheckpointHook: the resumed checkpoint was saved as {saved_as}, outside '
            f'{folder}; its records {dropped} of kept and best checkpoints are dropped, so '
            'no checkpoint is deleted by them')

    def _in_checkpoint_folder(self, path: str) -> bool:
        return osp.realpath(osp.dirname(path)) == osp.realpath(self.out_dir)

    @staticmethod
    def _remove_interrupted_writes(runner, folder: str) -> None:
        if not osp.isdir(folder):
            return
        for name in sorted(os.listdir(folder)):
            if name.endswith(TEMP_SUFFIX):
                os.remove(osp.join(folder, name))
                runner.logger.warning(f'SafeCheckpointHook: removed {osp.join(folder, name)}, '
                                      'the incomplete file of an interrupted save')

    def _remove_untracked_outdated(self, runner) -> None:
        """Delete checkpoints older than the kept ones that a kill stopped this hook from
        deleting (they are not in ``keep_ckpt_ids``), as ``max_keep_ckpts`` asks."""
        pattern = re.compile(re.escape(self.filename_tmpl).replace(r'\{\}', r'(\d+)'))
        newest = max(self.keep_ckpt_ids)
        for name in sorted(os.listdir(self.out_dir)):
            match = pattern.fullmatch(name)
            if match and int(match.group(1)) < newest and (int(match.group(1))
                                                           not in self.keep_ckpt_ids):
                self._remove(runner, osp.join(self.out_dir, name))

    def _no_update_yet(self, runner, what: str) -> bool:
        """True (with a warning) when the model says it has applied no optimiser update."""
        model = unwrap_model(runner.model)
        if not isinstance(model, CountsAppliedUpdates) or model.applied_updates != 0:
            return False
        runner.logger.warning(
            f'SafeCheckpointHook: {what} not saved: the model has applied no optimiser update '
            'in this run (applied_updates=0, every step skipped?), so it would only hold the '
            'weights the run started from')
        return True

    @staticmethod
    def _check_finite_weights(runner, what: str) -> None:
        """Refuse to save (or name as resume point) weights holding NaN or Inf."""
        names = nonfinite_parameters(unwrap_model(runner.model))
        if names:
            raise FloatingPointError(
                f'SafeCheckpointHook: {what} not saved: parameters {", ".join(names[:8])} '
                f'({len(names)} in all) are non-finite; the previous checkpoint stays the '
                'resume point')

    def _save_checkpoint(self, runner) -> None:
        step = runner.epoch + 1 if self.by_epoch else runner.iter + 1
        if not self._no_update_yet(runner, self.filename_tmpl.format(step)):
            self._check_finite_weights(runner, self.filename_tmpl.format(step))
            super()._save_checkpoint(runner)

    def _write(self, runner, filename: str, **kwargs) -> None:
        """Save a checkpoint to ``filename`` + TEMP_SUFFIX, then fsync and rename it; a failed
        write (e.g. a full disk) removes the partial file and names the path and free space."""
        path = self.file_backend.join_path(self.out_dir, filename)
        try:
            runner.save_checkpoint(self.out_dir, filename + TEMP_SUFFIX, self.file_client_args,
                                   backend_args=self.backend_args, **kwargs)
            if is_main_process():
                replace_durably(path + TEMP_SUFFIX, path)
        except (OSError, RuntimeError) as e:  # torch's zip writer reports ENOSPC as RuntimeError
            if osp.exists(path + TEMP_SUFFIX):
                os.remove(path + TEMP_SUFFIX)
            raise write_failure(path, e) from e

    def _remove(self, runner, path: str) -> None:
        if not self._in_checkpoint_folder(path):
            runner.logger.warning(f'SafeCheckpointHook: kept {path}: it is outside {self.out_dir}'
                                  ', and only that folder\'s outdated checkpoints are deleted')
            return
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):  # checkpoints saved by deepspeed are directories
            self.file_backend.rmtree(path)
        else:
            return
        runner.logger.info(f'SafeCheckpointHook: removed the outdated checkpoint {path}')

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        outdated = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids
                                            and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        self._write(runner, filename, save_optimizer=self.save_optimizer,
                    save_param_scheduler=self.save_param_scheduler, meta=meta,
                    by_epoch=self.by_epoch, **self.args)
        if not is_main_process():
            return
        write_text_atomically(osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        if outdated is not None:
            self._remove(runner, self.file_backend.join_path(
                self.out_dir, self.filename_tmpl.format(outdated)))

    def _save_best_checkpoint(self, runner, metrics) -> None:
        if not self.save_best or self._no_update_yet(runner, 'best checkpoint'):
            return
        self._check_finite_weights(runner, 'best checkpoint')
        if self.by_epoch:
            cur_type, cur_time = 'epoch', runner.epoch
        else:
            cur_type, cur_time = 'iter', runner.iter
        ckpt_filename = self.filename_tmpl.format(cur_time)
        meta = dict(epoch=runner.epoch, iter=runner.iter)
        if 'auto' in self.key_indicators:
            self._init_rule(self.rules, [list(metrics.keys())[0]])

        single = len(self.key_indicators) == 1
        updated, outdated = False, []
        for key_indicator, rule in zip(self.key_indicators, self.rules):
            score_key = 'best_score' if single else f'best_score_{key_indicator}'
            ckpt_key = 'best_ckpt' if single else f'best_ckpt_{key_indicator}'
            previous = self.best_ckpt_path if single else self.best_ckpt_path_dict[key_indicator]
            best_score = runner.message_hub.runtime_info.get(score_key,
                                                             self.init_value_map[rule])
            key_score = metrics[key_indicator]
            if key_score is None or not self.is_better_than[key_indicator](key_score, best_score):
                continue

            updated = True
            runner.message_hub.update_info(score_key, key_score)
            best_name = f'best_{key_indicator}_{ckpt_filename}'.replace('/', '_')
            best_path = self.file_backend.join_path(self.out_dir, best_name)
            if single:
                self.best_ckpt_path = best_path
            else:
                self.best_ckpt_path_dict[key_indicator] = best_path
            runner.message_hub.update_info(ckpt_key, best_path)
            self._write(runner, best_name, save_optimizer=False, save_param_scheduler=False,
                        meta=meta, by_epoch=False)
            runner.logger.info(f'The best checkpoint with {key_score:0.4f} {key_indicator} '
                               f'at {cur_time} {cur_type} is saved to {best_name}.')
            if previous and previous != best_path:
                outdated.append(previous)

        # re-save the latest checkpoint so that its message hub names the new best ones
        if updated and self.last_ckpt is not None:
            self._save_checkpoint_with_step(runner, cur_time, meta)
        if is_main_process():
            for path in outdated:
                self._remove(runner, path)
