"""What ``learn`` returns: the episodes finished and the losses of the training phases."""

from __future__ import annotations

import sys
import time
from typing import NamedTuple

import numpy as np

__all__ = ["TrainingStats"]


class TrainingStats(NamedTuple):
    """Statistics of one call of an agent's ``learn``.

    Attributes:
        episode_returns: undiscounted return of each episode finished, in order, ``(E,)``.
        episode_lengths: its number of steps, ``(E,)`` int.
        losses: mean loss of each training phase, ``(P,)``.
        num_timesteps: the agent's step counter at the end.
        seconds: wall time of the call.

    >>> stats = TrainingStats(np.array([9.0, 11.0]), np.array([9, 11]), np.zeros(0), 20, 0.1)
    >>> print(stats.mean_return(last=1))
    11.0
    """

    episode_returns: np.ndarray
    episode_lengths: np.ndarray
    losses: np.ndarray
    num_timesteps: int
    seconds: float

    def mean_return(self, last: int = 100) -> float:
        """Mean return of the last ``last`` finished episodes (NaN if none)."""
        tail = self.episode_returns[-last:]
        return float(tail.mean()) if tail.size else float("nan")


class Progress:
    """A one-line progress report on stderr at every tenth of ``total`` steps (the command
    line's bar lives in ``run``, above the agents)."""

    def __init__(self, total: int, desc: str, enabled: bool):
        self.total, self.desc, self.enabled = total, desc, enabled
        self.next = total / 10
        self.start = time.perf_counter()

    def update(self, done: int, mean_return: float) -> None:
        if self.enabled and done >= self.next:
            self.next += self.total / 10
            print(
                f"{self.desc} {100 * done / self.total:3.0f}% {done}/{self.total} steps, "
                f"{time.perf_counter() - self.start:.1f}s, mean return {mean_return:.1f}",
                file=sys.stderr,
            )
