"""Incremental delta-bar-delta (Sutton 1992)."""

from __future__ import annotations

from typing import Any, NamedTuple

from sensorimotor.base.bounds import NON_NEGATIVE, POSITIVE, check_settings
from sensorimotor.rules.array_namespace import full, namespace


class IDBDState(NamedTuple):
    """IDBD meta-state: log step sizes ``beta`` and the trace ``h``, both shape ``(n,)``.

    Example:
        >>> import numpy as np
        >>> state = IDBD(initial_step_size=0.1).init(3)
        >>> print(state.beta.shape, np.round(np.exp(state.beta), 3), state.h)
        (3,) [0.1 0.1 0.1] [0. 0. 0.]
    """

    beta: Any
    h: Any


class IDBD(NamedTuple):
    r"""Incremental delta-bar-delta: one step size per weight, adapted by meta-gradient.

    Sutton (1992), "Adapting bias by gradient descent: an incremental version of
    delta-bar-delta", AAAI, Figure 2. For each weight :math:`i`, in this order:

    .. math::
        \delta &= y - w^\top x \\
        \beta_i &\leftarrow \beta_i + \theta\,\delta\,x_i\,h_i \\
        \alpha_i &= e^{\beta_i} \\
        w_i &\leftarrow w_i + \alpha_i\,\delta\,x_i \\
        h_i &\leftarrow h_i\,[1 - \alpha_i x_i^2]^+ + \alpha_i\,\delta\,x_i

    with :math:`\beta_i = \ln(\text{initial\_step\_size})` and :math:`h_i = 0` at start.
    No departure from the paper. The paper calls it prudent, though its results did not need
    it, to bound :math:`\beta_i` below by -10 and its change per step to :math:`\pm 2`;
    neither is done here. alberta-framework's IDBD (and its TDIDBD, AutoTDIDBD) clips
    :math:`\beta_i` itself to :math:`[-10, 2]`, i.e. :math:`\alpha_i` to
    :math:`[4.5\times10^{-5}, 7.4]`, and adapts a bias step size of its own: the two agree
    while the step sizes stay inside that range. With too large a meta step size (e.g. 0.02 on
    Experiment 1) the rule fails in two ways: the step sizes grow until
    :math:`\sum_i \alpha_i x_i^2 > 2` and the weights blow up (the learners' divergence
    guard, :mod:`sensorimotor.rules.guard`, restarts them when the error overflows), or
    one such burst drives a log step size to about -500, after which that weight never
    learns again (a finite state, which no guard flags). :class:`Autostep` is the remedy
    the authors proposed; prefer it when the meta step size cannot be tuned.

    ``update_from_error(state, z, error)`` returns the weight increment
    :math:`\alpha\,\delta\,z`; ``z`` is ``x`` for a linear learner.

    Example:
        >>> import numpy as np
        >>> rule = IDBD(initial_step_size=0.1, meta_step_size=0.01)
        >>> state = rule.init(2)
        >>> state, inc = rule.update_from_error(state, np.array([1.0, -1.0]), 2.0)
        >>> print(inc, state.h)
        [ 0.2 -0.2] [ 0.2 -0.2]
    """

    initial_step_size: float = 0.01
    meta_step_size: float = 0.01

    BOUNDS = dict(initial_step_size=POSITIVE, meta_step_size=NON_NEGATIVE)

    def init(self, n: int, xp=None, dtype=None) -> IDBDState:
        """State for ``n`` weights; ``xp`` is the engine (``numpy`` default, or ``jax.numpy``)."""
        check_settings(self)
        xp = xp if xp is not None else namespace(self.initial_step_size)
        beta = xp.log(full(xp, n, self.initial_step_size, dtype))
        return IDBDState(beta, xp.zeros_like(beta))

    def update_from_error(self, state: IDBDState, z, error):
        """Return ``(state, alpha * error * z)`` after the meta-step on ``beta`` and ``h``."""
        xp = namespace(z)
        beta = state.beta + ((self.meta_step_size * error) * z) * state.h
        alpha = xp.exp(beta)
        az = alpha * z
        inc = az * error
        h = state.h * xp.maximum(1.0 - az * z, 0.0) + inc
        return IDBDState(beta, h), inc

    def step_sizes(self, state: IDBDState, z=None):
        """Per-weight step sizes ``exp(beta)``."""
        return namespace(state.beta).exp(state.beta)
