"""Rare-class sampling of source samples (DAFormer, Hoyer et al. CVPR 2022)."""
import numpy as np


def rare_class_probabilities(class_pixel_counts: np.ndarray, temperature: float) -> np.ndarray:
    """Probability of each class: softmax over classes of (1 - pixel frequency) / temperature."""
    frequency = class_pixel_counts / class_pixel_counts.sum()
    logits = (1 - frequency) / temperature
    weights = np.exp(logits - logits.max())
    return weights / weights.sum()


class RareClassSampler:
    """Draws a class by rare-class probability, then a sample holding enough of its pixels."""

    def __init__(self, class_stats: dict[str, dict[str, int]], sample_names: list[str],
                 temperature: float, min_pixels: int) -> None:
        unknown = [name for name in sample_names if name not in class_stats]
        if unknown:
            raise ValueError(f'{len(unknown)} samples have no class statistics, e.g. '
                             f'{unknown[0]!r}; re-run the converter')
        pixel_counts: dict[int, int] = {}
        samples_of_class: dict[int, list[int]] = {}
        for index, name in enumerate(sample_names):
            for train_id, count in class_stats[name].items():
                pixel_counts[int(train_id)] = pixel_counts.get(int(train_id), 0) + count
                if count >= min_pixels:
                    samples_of_class.setdefault(int(train_id), []).append(index)
        if not samples_of_class:
            raise ValueError(f'no sample holds min_pixels={min_pixels} pixels of any class')
        self.classes = np.array(sorted(samples_of_class))
        self.samples_of_class = {c: np.array(idx) for c, idx in samples_of_class.items()}
        self.class_probabilities = rare_class_probabilities(
            np.array([pixel_counts[c] for c in self.classes], dtype=np.float64), temperature)

    def sample(self, rng: np.random.Generator) -> int:
        """Index of a sample (in ``sample_names``) drawn with ``rng``."""
        train_id = rng.choice(self.classes, p=self.class_probabilities)
        return int(rng.choice(self.samples_of_class[int(train_id)]))
