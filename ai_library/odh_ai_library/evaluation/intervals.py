"""Bootstrap 95% intervals for a metric of the served model, of the reference, and of their paired difference.

Each test set is resampled with replacement ``RESAMPLES`` times (a fixed seed, so the figures reproduce); a
metric is recomputed on every resample for both methods on the same items, and the interval is the 2.5th to
97.5th percentile. The difference is served minus reference, signed so that positive means the served model
is better; where its interval holds zero the verdict is "tie".
"""

from collections.abc import Callable
from typing import Any

import numpy as np

RESAMPLES = 1000
SEED = 0
Metric = Callable[[np.ndarray], float]  # the metric on a set of item indices (with repeats)


def samples(items: int, seed: int = SEED) -> np.ndarray:
    """``RESAMPLES`` rows of item indices drawn with replacement."""
    return np.random.default_rng(seed).integers(0, items, size=(RESAMPLES, items))


def interval(values: np.ndarray) -> list[float]:
    return [round(float(np.percentile(values, 2.5)), 3), round(float(np.percentile(values, 97.5)), 3)]


def estimate(metric: Metric, items: int) -> dict[str, Any]:
    """The metric on all items, with its bootstrap interval."""
    return {"value": round(metric(np.arange(items)), 3), "ci95": interval(np.array([metric(s) for s in samples(items)]))}


def compare(reference: Metric, served: Metric, items: int, higher_is_better: bool = True) -> dict[str, Any]:
    """Both methods' figures and their paired difference (positive: served better), with intervals and a verdict."""
    rows = samples(items)
    sign = 1.0 if higher_is_better else -1.0
    ref = np.array([reference(s) for s in rows])
    new = np.array([served(s) for s in rows])
    everything = np.arange(items)
    difference = sign * (served(everything) - reference(everything))
    low, high = interval(sign * (new - ref))
    verdict = "tie" if low <= 0 <= high else "served better" if low > 0 else "reference better"
    return {
        "reference": {"value": round(reference(everything), 3), "ci95": interval(ref)},
        "served": {"value": round(served(everything), 3), "ci95": interval(new)},
        "difference": {"value": round(difference, 3), "ci95": [low, high], "verdict": verdict},
    }


def mean_of(hits: np.ndarray) -> Metric:
    """A share (Recall@k, accuracy...): the mean of a boolean per item."""
    return lambda index: float(np.mean(hits[index]))


def weighted_f1(truth: np.ndarray, predicted: np.ndarray) -> Metric:
    """Class-weighted F1 (as scikit-learn's ``average="weighted"``) over labels -1, 0, 1."""
    def metric(index: np.ndarray) -> float:
        t, p = truth[index], predicted[index]
        total = 0.0
        for label in (-1, 0, 1):
            support = np.count_nonzero(t == label)
            if support == 0:
                continue
            hit = np.count_nonzero((t == label) & (p == label))
            guessed = np.count_nonzero(p == label)
            f1 = 2.0 * hit / (support + guessed) if support + guessed else 0.0
            total += support * f1
        return total / len(t)
    return metric
