"""Recursive least-squares temporal-difference learning (Bradtke and Barto 1996)."""

from __future__ import annotations

from typing import Any, NamedTuple

from sensorimotor.base.bounds import POSITIVE, Bounds, check_settings
from sensorimotor.rules.array_namespace import default_float, namespace


class RLSTDState(NamedTuple):
    """RLS-TD state: the matrix ``P``, shape ``(n, n)`` (not symmetric in general).

    Example:
        >>> print(RLSTD(delta=0.5).init(2).P)  # P_0 = I / delta
        [[2. 0.]
         [0. 2.]]
    """

    P: Any


class RLSTD(NamedTuple):
    r"""Recursive least-squares TD(0) (Bradtke and Barto 1996): the recursive form of LSTD,
    the weights that make the TD errors of all samples so far orthogonal to the features.

    With :math:`d = z - \gamma z'` (:math:`z'` the next sample's features, zero past a
    terminal state) and :math:`\delta` the TD error :math:`r + \gamma w^\top z' - w^\top z`:

    .. math::
        k = \frac{P z}{\lambda + d^\top P z}, \qquad
        w \leftarrow w + k\, \delta, \qquad
        P \leftarrow \tfrac{1}{\lambda}\big(P - k\, (d^\top P)\big),
        \qquad P_0 = \delta_0^{-1} I

    After :math:`t` samples (from zero weights, :math:`\lambda = 1`) the weights solve
    :math:`\big(\sum_s z_s d_s^\top + \delta_0 I\big) w = \sum_s z_s r_s`: LSTD's solution,
    regularised. Where plain RLS fits each TD target as if it were fixed (the targets move
    as the weights do), RLS-TD accounts for the bootstrapped term in its gain; on a
    critic with rare failure rewards (the cart-pole's) this is the difference between
    learning and not.

    Example:
        >>> import numpy as np
        >>> rule = RLSTD(delta=1e-6)
        >>> state, w = rule.init(1), np.zeros(1)
        >>> for _ in range(50):  # one state, reward 1, gamma 0.5: the value is 2
        ...     z = np.array([1.0])
        ...     delta = 1.0 + 0.5 * w @ z - w @ z
        ...     state, inc = rule.update_td(state, z, z - 0.5 * z, delta)
        ...     w = w + inc
        >>> print(np.round(w, 4))
        [2.]
    """

    forgetting: float = 1.0
    delta: float = 1.0

    BOUNDS = dict(forgetting=Bounds(0.0, 1.0, False, True), delta=POSITIVE)

    def init(self, n: int, xp=None, dtype=None) -> RLSTDState:
        """State for ``n`` weights on ``xp`` (``numpy`` default, or ``jax.numpy``)."""
        check_settings(self)
        xp = xp if xp is not None else namespace(self.delta)
        dtype = default_float(xp, dtype)
        return RLSTDState(xp.eye(n, dtype=dtype) / xp.asarray(self.delta, dtype=dtype))

    def update_td(self, state: RLSTDState, z, d, error):
        """Return ``(state, k * error)`` for the features ``z``, the difference
        ``d = z - gamma z'`` and the TD error (a scalar, or a vector of outputs sharing
        ``z``: the increment is then ``k error^T``, shape ``(n, m)``)."""
        xp = namespace(z)
        P = state.P
        Pz = P @ z
        k = Pz / (self.forgetting + xp.vecdot(d, Pz))
        P = P - k[:, None] * (d @ P)[None, :]
        if type(self.forgetting) is not float or self.forgetting != 1.0:
            P = P / self.forgetting
        if getattr(error, "ndim", 0) == 1:
            return RLSTDState(P), k[:, None] * error[None, :]
        return RLSTDState(P), k * error


__all__ = ["RLSTD", "RLSTDState"]
