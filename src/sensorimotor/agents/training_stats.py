"""What ``learn`` returns: the episodes finished and the losses of the training phases."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sensorimotor.base.progress_bar import progress_bar

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
    """The progress of ``learn`` on stderr (``base.progress_bar``, tqdm): a live bar on a
    terminal, elsewhere a line at every tenth of ``total`` steps; both show the value named
    ``shows`` (the mean return of the last episodes; imitation's loss).

    >>> import io
    >>> out = io.StringIO()
    >>> bar = Progress(100, "DQN", True, file=out)
    >>> for done in range(10, 101, 10):
    ...     bar.update(done, done / 10)
    >>> bar.close()
    >>> out.getvalue().splitlines()[-1].split()[:3], out.getvalue().count("\\n")
    (['DQN:', '100%', '100/100'], 10)
    """

    def __init__(self, total: int, desc: str, enabled: bool, file=None, shows="mean return"):
        self.shows = shows
        self.bar = progress_bar(total, desc=desc, file=file, disable=not enabled, lines=10)

    def update(self, done: int, value: float) -> None:
        """Advance to ``done`` steps of the call, showing ``value``."""
        if self.bar.disable:  # off, or closed
            return
        self.bar.set_postfix_str(f"{self.shows} {value:.3g}", refresh=False)
        self.bar.update(min(done, self.bar.total) - self.bar.n)
        if done >= self.bar.total:
            self.close()

    def close(self) -> None:
        self.bar.close()
