"""Draws from a NumPy ``Generator``, the very numbers its methods give, without their checks.

``Generator.uniform`` and ``Generator.choice`` validate and broadcast their arguments on
every call, which costs more than the draw in a per-step exploration loop. Their arguments
here are the explorers' own, checked once when the explorer is made, so these functions make
the same draws directly: the same numbers from the same generator state (the exploration of a
seed does not change), in a fraction of the time.
"""

import numpy as np


def uniform(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """``rng.uniform(low, high)`` for finite float64 arrays of one shape, ``low <= high``.

    ``low + (high - low) * U`` with ``U = rng.random(low.shape)``, as NumPy computes it.

    >>> low, high = np.array([0.0, -1.0]), np.array([1.0, 3.0])
    >>> a, b = np.random.default_rng(0), np.random.default_rng(0)
    >>> bool(np.array_equal(uniform(a, low, high), b.uniform(low, high)))
    True
    """
    return low + (high - low) * rng.random(low.shape)


def cumulative(p) -> np.ndarray:
    """The cumulative distribution ``choice_index`` draws from, for probabilities ``p``."""
    cdf = np.cumsum(np.asarray(p, dtype=np.float64))
    cdf /= cdf[-1]
    return cdf


def choice_index(rng: np.random.Generator, cdf: np.ndarray) -> int:
    """``int(rng.choice(len(p), p=p))`` for ``cdf = cumulative(p)`` (``p >= 0``, sum 1).

    >>> p = np.array([0.2, 0.5, 0.3])
    >>> a, b = np.random.default_rng(1), np.random.default_rng(1)
    >>> [choice_index(a, cumulative(p)) for _ in range(6)] == [int(b.choice(3, p=p)) for _ in range(6)]
    True
    """
    return int(cdf.searchsorted(rng.random(), side="right"))
