"""Image loading with an explicit policy for corrupted files."""
from mmcv.transforms import LoadImageFromFile
from mmengine.logging import MMLogger
from mmseg.registry import TRANSFORMS


# Also registered as mmseg's ``LoadImageFromFile``: mmseg's inference APIs find the image loader
# of a test pipeline by that name (MMSegInferencer raises without it), so the test pipelines use
# the name and still load through this class.
@TRANSFORMS.register_module(name=['CheckedLoadImageFromFile', 'LoadImageFromFile'])
class CheckedLoadImageFromFile(LoadImageFromFile):
    """LoadImageFromFile that raises naming a corrupted file, or skips it.

    With ``on_error='skip'`` it logs the file and the number skipped so far in this process and
    returns None, so a training dataset draws another index (mmengine ``BaseDataset``; test-mode
    datasets raise instead).
    """

    def __init__(self, on_error: str = 'raise', **kwargs) -> None:
        if on_error not in ('raise', 'skip'):
            raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
        super().__init__(**kwargs)
        self.on_error = on_error
        self.num_skipped = 0

    def transform(self, results: dict) -> dict | None:
        """Load ``results['img_path']``."""
        try:
            return super().transform(results)
        except Exception as e:
            message = f'cannot load image {results["img_path"]}: {e}'
            if self.on_error == 'raise':
                raise OSError(message) from e
            self.num_skipped += 1
            MMLogger.get_current_instance().warning(
                f'skipped: {message} ({self.num_skipped} skipped so far in this process)')
            return None

    def __repr__(self) -> str:
        return f'{super().__repr__()[:-1]}, on_error={self.on_error!r})'
