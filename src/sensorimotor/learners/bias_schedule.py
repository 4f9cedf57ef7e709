"""When a learner chooses its bias neighbours again, the work spread over its updates."""

from collections.abc import Callable

import numpy as np

from sensorimotor.learners.bias_neighbours import CHOICES, BiasChoice, decide, residual_statistics

_EVERY = 4096  # observations between choices, once that many
_SAMPLES = 64  # observations sampled for one choice ...
_PART = 8  # ... of which one single update handles this many: no step pays for the whole


class BiasSchedule:
    """The number of bias neighbours a learner uses, and the choice of it under way.

    With ``auto``, a choice (:func:`~sensorimotor.learners.bias_neighbours.decide` on
    :func:`~sensorimotor.learners.bias_neighbours.residual_statistics`) starts at 64, 128,
    ... 4096 observations, then every 4096: ``S = 64`` observations are sampled, drawn from
    ``(seed, N)`` so that a saved learner continues identically, and their residual sums are
    added ``8`` at a time, one part per single update (a batch takes the rest), so that no
    step of a robot's loop pays for the whole choice. ``k`` starts at 1 (exact sensors) and
    becomes the choice once all ``S`` are in. Without ``auto``, ``k`` is the given number and
    nothing is chosen.

    >>> from sensorimotor.learners import Memory
    >>> schedule = BiasSchedule(seed=0, auto=True, k_max=32)
    >>> mem = Memory(1, 1)
    >>> x = np.linspace(0, 1, 64)[:, None]
    >>> mem.append(x, x ** 2)
    >>> schedule.after_update(mem, lambda m: m ** 2, single=False)  # exact: no noise
    >>> schedule.k, schedule.choice.k, schedule.next_choice
    (1, 1, 128)
    """

    def __init__(self, seed: int, auto: bool, k_max: int):
        self.seed, self.auto, self.k_max = int(seed), bool(auto), int(k_max)
        self.k = 1 if self.auto else self.k_max  # bias neighbours in use
        self.next_choice = 2 * max(CHOICES)  # observations at which the next choice starts
        self.choice: BiasChoice | None = None  # the last choice, for the curious
        self.choice_stats = np.zeros(0)  # the summed statistics it was decided from
        # a choice under way: the sampled observations, how many are done, their sums
        self.pending = np.zeros(0, np.int64)
        self.done = 0
        self.stats = np.zeros(0)

    def after_update(self, memory, forward: Callable, single: bool) -> None:
        """Advance the choice after an update of ``memory`` (one row if ``single``, else a
        batch); ``forward`` is the learner's model on scaled motor rows."""
        if not self.auto:
            return
        if not self.pending.size and len(memory) >= self.next_choice:
            self._start(len(memory))
        if self.pending.size:
            self._continue(memory, forward, _PART if single else self.pending.size)

    def _start(self, n: int) -> None:
        rng = np.random.default_rng([self.seed, n])
        self.pending = rng.choice(n, size=min(_SAMPLES, n), replace=False)
        self.done = 0
        self.stats = np.zeros(6 + len(CHOICES))
        self.next_choice = 2 * n if n < _EVERY else n + _EVERY

    def _continue(self, memory, forward: Callable, count: int) -> None:
        part = self.pending[self.done : self.done + count]
        self.stats = self.stats + residual_statistics(
            memory.m, memory.s, forward, lambda q, k: memory.nearest("m", q, k, check=False), part
        )
        self.done += part.size
        if self.done >= self.pending.size:
            self.choice, self.choice_stats = decide(self.stats, memory.n_s), self.stats
            self.k = self.choice.k
            self.pending, self.stats, self.done = np.zeros(0, np.int64), np.zeros(0), 0

    # -- persistence ------------------------------------------------------------------------
    def arrays(self) -> dict:
        """The state as arrays, under the names of the learner's saved file."""
        return {
            "bias_choice": np.array([self.k, self.next_choice, self.done], np.int64),
            "bias_pending": self.pending.astype(np.int64),
            "bias_pending_stats": self.stats.astype(np.float64),
            "bias_choice_stats": self.choice_stats.astype(np.float64),
        }

    def set_arrays(self, arrays: dict, n: int, n_s: int) -> None:
        """Take the state from ``arrays`` (a learner of ``n`` observations, ``n_s`` sensory
        channels), all or nothing: a ValueError names what does not fit and the schedule is
        left as it was. A file from before the schedule (no ``'bias_choice'``) leaves it as
        it is; one from before ``'bias_choice_stats'`` restores ``k`` without the choice."""
        if "bias_choice" not in arrays:
            return
        bias = arrays["bias_choice"]
        pending = arrays.get("bias_pending", np.zeros(0, np.int64))
        stats = arrays.get("bias_pending_stats", np.zeros(0))
        chosen = arrays.get("bias_choice_stats", np.zeros(0))
        sums = (6 + len(CHOICES),)
        ok = (
            bias.shape == (3,)
            and bias.dtype.kind in "iu"
            and (
                bias[0] in CHOICES and bias[0] <= self.k_max if self.auto else bias[0] == self.k_max
            )
            and bias[1] >= 2 * max(CHOICES)  # where the schedule starts; later ones are further
            and pending.ndim == 1
            and pending.dtype.kind in "iu"
            and np.all((pending >= 0) & (pending < max(n, 1)))
            and 0 <= bias[2] <= pending.size
            and stats.shape == (sums if pending.size else (0,))
            and np.all(np.isfinite(stats))
            and chosen.shape in (sums, (0,))
            and chosen.dtype.kind == "f"
            and np.all(np.isfinite(chosen))
        )
        choice = decide(chosen, n_s) if ok and chosen.size else None
        if not ok or (choice is not None and choice.k != bias[0]):
            raise ValueError("saved bias_choice does not fit the configuration")
        self.k, self.next_choice, self.done = int(bias[0]), int(bias[1]), int(bias[2])
        self.pending, self.stats = pending.astype(np.int64), stats.astype(np.float64)
        self.choice, self.choice_stats = choice, chosen.astype(np.float64)
