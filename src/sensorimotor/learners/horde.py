"""A Horde: many linear TD predictions (general value functions) from one feature stream."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from sensorimotor.learners._checks import check_vector
from sensorimotor.learners.td_linear import TDLinearLearner
from sensorimotor.learners.update_result import UpdateResult
from sensorimotor.rules.td_idbd import TDIDBD


class GVF(NamedTuple):
    r"""One general value function (a "demon"): its question and its learning rule.

    Attributes:
        optimizer: its TD rule (``TDIDBD`` or ``AutoTDIDBD``), with its own step sizes and
            trace decay :math:`\lambda`.
        gamma: its own discount (continuation) :math:`\gamma_k`; the discount used on a
            transition is :math:`\gamma_k\,\gamma_t` where :math:`\gamma_t` is the stream's
            (0 at an episode's end, usually 1 inside an episode).
        cumulant: ``None`` for the stream's reward, or an index ``i``: the cumulant is
            then ``next_x[i]``, the next value of feature ``i`` ("nexting").
    """

    optimizer: Any = TDIDBD()
    gamma: float = 0.9
    cumulant: int | None = None


class HordeState(NamedTuple):
    """One :class:`~sensorimotor.learners.TDLinearState` per GVF, in order."""

    demons: tuple


class HordeMetrics(NamedTuple):
    """Per-GVF metrics, each of shape ``(num_gvfs,)``: ``squared_td_error`` and ``guard``."""

    squared_td_error: Any
    guard: Any


class Horde(NamedTuple):
    r"""Many GVFs learned in parallel, off one stream of features (Sutton et al. 2011,
    "Horde: a scalable real-time architecture for learning knowledge from unsupervised
    sensorimotor interaction", AAMAS).

    Each GVF :math:`k` is a linear TD learner (:class:`TDLinearLearner`) with its own
    cumulant :math:`c_k`, discount :math:`\gamma_k`, trace decay and step-size rule:

    .. math::
        \delta_k = c_k + \gamma_k\gamma_t\, w_k^\top x' - w_k^\top x

    Every GVF has its own divergence guard (a diverging demon restarts alone). The
    update loops over the GVFs (unrolled inside ``jit``); predictions, TD errors and
    metrics are stacked into vectors of length ``num_gvfs``.

    Example:
        >>> import numpy as np
        >>> horde = Horde((GVF(TDIDBD(0.5, 0.0), gamma=0.0),
        ...                GVF(TDIDBD(0.5, 0.0), gamma=0.0, cumulant=1)))
        >>> s = horde.init(2)
        >>> x = np.array([1.0, 0.0])
        >>> for _ in range(20):
        ...     s = horde.update(s, x, 3.0, np.array([1.0, 2.0]), 1.0).state
        >>> print(np.round(horde.predict(s, x), 3))
        [3. 2.]
    """

    gvfs: tuple = ()
    guard: str = "reset"

    def _demons(self):
        return [TDLinearLearner(g.optimizer, self.guard) for g in self.gvfs]

    def init(self, feature_dim: int, xp=None, dtype=None) -> HordeState:
        """Initial state for features of shape ``(feature_dim,)``."""
        if len(self.gvfs) == 0:
            raise ValueError("a Horde needs at least one GVF")
        for k, g in enumerate(self.gvfs):
            if g.cumulant is not None and not 0 <= int(g.cumulant) < int(feature_dim):
                raise ValueError(
                    f"gvfs[{k}].cumulant={g.cumulant} is not a feature index "
                    f"(feature_dim={feature_dim})"
                )
        return HordeState(tuple(d.init(feature_dim, xp, dtype) for d in self._demons()))

    @property
    def normalizer(self):
        """A Horde has no input normaliser (``None``)."""
        return None

    def step_sizes(self, state: HordeState):
        """Per-GVF, per-weight step sizes, shape ``(num_gvfs, feature_dim)``."""
        rows = [d.step_sizes(s) for d, s in zip(self._demons(), state.demons, strict=True)]
        xp = rows[0].__array_namespace__()
        return xp.stack(rows)

    def predict(self, state: HordeState, x):
        """All GVFs' predictions for ``x``, shape ``(num_gvfs,)``."""
        xp = check_vector("x", x, state.demons[0].weights.shape[0])
        return xp.stack(
            [d.predict(s, x) for d, s in zip(self._demons(), state.demons, strict=True)]
        )

    def update(self, state: HordeState, x, reward, next_x, gamma) -> UpdateResult:
        """Update every GVF on the transition ``x -> next_x`` (arguments as
        :meth:`TDLinearLearner.update`).

        Returns:
            ``UpdateResult(state, predictions, td_errors, HordeMetrics)``, vectors of
            length ``num_gvfs``. Bad input raises before any GVF is updated.
        """
        n = state.demons[0].weights.shape[0]
        xp = check_vector("x", x, n)
        check_vector("next_x", next_x, n)
        results = []
        for d, g, s in zip(self._demons(), self.gvfs, state.demons, strict=True):
            c = reward if g.cumulant is None else next_x[int(g.cumulant)]
            results.append(d.update(s, x, c, next_x, g.gamma * gamma))
        stack = xp.stack if xp is not np else np.array
        metrics = HordeMetrics(
            stack([r.metrics.squared_td_error for r in results]),
            stack([r.metrics.guard for r in results]),
        )
        return UpdateResult(
            HordeState(tuple(r.state for r in results)),
            stack([r.prediction for r in results]),
            stack([r.error for r in results]),
            metrics,
        )
