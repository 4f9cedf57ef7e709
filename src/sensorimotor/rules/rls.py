"""Recursive least squares with exponential forgetting."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from sensorimotor.base.bounds import POSITIVE, Bounds, check_settings
from sensorimotor.rules.array_namespace import default_float, namespace


class RLSState(NamedTuple):
    """RLS state: the inverse correlation matrix ``P``, shape ``(n, n)``.

    Example:
        >>> print(RLS(delta=0.5).init(2).P)  # P_0 = I / delta
        [[2. 0.]
         [0. 2.]]
    """

    P: Any


class RLS(NamedTuple):
    r"""Recursive least squares (exponentially weighted), Haykin's formulation.

    .. math::
        k &= \frac{P x}{\lambda + x^\top P x}, \qquad
        w \leftarrow w + k\,\delta, \\
        P &\leftarrow \tfrac{1}{\lambda}\big(P - k\,(x^\top P)\big)

    with :math:`P_0 = \delta^{-1} I` (``delta`` is the regulariser) and forgetting factor
    :math:`\lambda` (``forgetting``). After :math:`t` samples the weights (from zero) equal
    the batch ridge solution
    :math:`\big(\sum_s \lambda^{t-s} x_s x_s^\top + \lambda^t \delta I\big)^{-1}
    \sum_s \lambda^{t-s} x_s y_s` (Haykin, *Adaptive Filter Theory*, ch. 10).

    Departure: the correction is computed as :math:`g g^\top` with
    :math:`g = P x / \sqrt{\lambda + x^\top P x}` (the same matrix as :math:`k\,(x^\top
    P)`), so that ``P`` stays exactly symmetric under round-off, without the usual
    symmetrisation step (the loss of symmetry is how ``P`` loses positive definiteness).
    ``error`` may be a vector: several outputs share one ``P`` (an RLS readout).

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
        """Return ``(state, k * error)`` with the gain ``k`` above.

        ``error`` is a scalar (one output: the increment has the shape of ``z``) or a
        vector of ``m`` outputs sharing the input ``z`` (the increment is the outer product
        ``k error^T``, shape ``(n, m)``: one ``P`` serves every output of a readout).
        """
        P = state.P
        # P - k (Pz)^T is computed as P - g g^T with g = Pz / sqrt(c): each product g_i g_j
        # is the same float as g_j g_i, so a symmetric P stays exactly symmetric
        if type(P) is np.ndarray:  # the per-sample path: ndarray methods, BLAS outer product
            Pz = P.dot(z)
            c = self.forgetting + z.dot(Pz)
            s = 1.0 / math.sqrt(c) if c > 0.0 else math.nan  # NaN: P lost positive definiteness
            g = Pz * s
            k = g * s
            gg = np.dot(g[:, None], g[None, :])
            P = np.subtract(P, gg, out=gg)
        else:
            xp = namespace(z)
            Pz = P @ z
            c = self.forgetting + xp.vecdot(z, Pz)
            k = Pz / c
            g = Pz / xp.sqrt(c)
            P = P - g[:, None] * g[None, :]
        if type(self.forgetting) is not float or self.forgetting != 1.0:
            P = P / self.forgetting
        if getattr(error, "ndim", 0) == 1:
            return RLSState(P), k[:, None] * error[None, :]
        return RLSState(P), k * error

    def step_sizes(self, state: RLSState, z=None):
        """Diagonal of ``P`` (the per-weight gains for a unit input)."""
        xp = namespace(state.P)
        return xp.linalg.diagonal(state.P)
