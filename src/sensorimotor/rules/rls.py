"""Recursive least squares with exponential forgetting."""

from __future__ import annotations

from typing import Any, NamedTuple

from sensorimotor.base.bounds import POSITIVE, Bounds, check_settings
from sensorimotor.rules.array_namespace import default_float, namespace


class RLSState(NamedTuple):
    """RLS state: the inverse correlation matrix ``P``, shape ``(n, n)``."""

    P: Any


class RLS(NamedTuple):
    r"""Recursive least squares (exponentially weighted), Haykin's formulation.

    .. math::
        k &= \frac{P x}{\lambda + x^\top P x}, \qquad
        w \leftarrow w + k\,\delta, \\
        P &\leftarrow \tfrac{1}{\lambda}\big(P - k\,(x^\top P)\big), \qquad
        P \leftarrow \tfrac12 (P + P^\top)

    with :math:`P_0 = \delta^{-1} I` (``delta`` is the regulariser) and forgetting factor
    :math:`\lambda` (``forgetting``). After :math:`t` samples the weights (from zero) equal
    the batch ridge solution
    :math:`\big(\sum_s \lambda^{t-s} x_s x_s^\top + \lambda^t \delta I\big)^{-1}
    \sum_s \lambda^{t-s} x_s y_s` (Haykin, *Adaptive Filter Theory*, ch. 10).

    Departure: the explicit symmetrisation of ``P`` after each step, a standard
    remedy for the loss of symmetry (and then of positive definiteness) by round-off.

    Precision: in float32 the inverse correlation matrix loses positive definiteness on
    long runs with :math:`\lambda < 1` and ill-conditioned inputs; prefer float64 for
    ``P`` (the NumPy path is float64 by default; on JAX enable x64 yourself or accept
    the float32 risk, which the divergence guard of the learners then catches).

    Example:
        >>> import numpy as np
        >>> rule = RLS(forgetting=1.0, delta=1e-3)
        >>> state = rule.init(1)
        >>> state, inc = rule.update_from_error(state, np.array([2.0]), 4.0)
        >>> print(round(float(inc[0]), 4))
        2.0
    """

    forgetting: float = 1.0
    delta: float = 1.0

    BOUNDS = dict(forgetting=Bounds(0.0, 1.0, False, True), delta=POSITIVE)

    def init(self, n: int, xp=None, dtype=None) -> RLSState:
        """State for ``n`` weights; ``xp`` is the engine (``numpy`` default, or ``jax.numpy``)."""
        check_settings(self)
        xp = xp if xp is not None else namespace(self.delta)
        dtype = default_float(xp, dtype)
        return RLSState(xp.eye(n, dtype=dtype) / xp.asarray(self.delta, dtype=dtype))

    def update_from_error(self, state: RLSState, z, error):
        """Return ``(state, k * error)`` with the gain ``k`` above."""
        xp = namespace(z)
        Pz = state.P @ z
        k = Pz / (self.forgetting + xp.vecdot(z, Pz))
        P = (state.P - k[:, None] * Pz[None, :]) / self.forgetting
        P = 0.5 * (P + P.T)
        return RLSState(P), k * error

    def step_sizes(self, state: RLSState, z=None):
        """Diagonal of ``P`` (the per-weight gains for a unit input)."""
        xp = namespace(state.P)
        return xp.linalg.diagonal(state.P)
