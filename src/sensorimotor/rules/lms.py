"""Least mean squares (Widrow-Hoff delta rule) with a fixed step size."""

from __future__ import annotations

from typing import NamedTuple

from sensorimotor.base.bounds import NON_NEGATIVE, check_settings
from sensorimotor.rules.array_namespace import default_float, namespace
from sensorimotor.rules.as_optax import as_optax, mean_step_size


class LMSState(NamedTuple):
    """LMS keeps no state besides the weights (held by the learner).

    Example:
        >>> print(len(LMS(step_size=0.1).init(3)))  # no fields
        0
    """


class LMS(NamedTuple):
    r"""Least mean squares: a fixed scalar step size.

    .. math::  \delta = y - w^\top x, \qquad w \leftarrow w + \alpha\,\delta\,x

    (Widrow & Hoff 1960). ``update_from_error(state, z, error)`` returns the increment
    ``alpha * error * z``; for a linear learner ``z`` is the feature vector ``x``, for a
    network it is the gradient of the output with respect to the (flattened) parameters.

    Args:
        step_size: the step size :math:`\alpha` (a float leaf: a sweep over it does not
            recompile a compiled loop), or an array of per-weight step sizes, e.g. zero for
            inputs known to be irrelevant.

    Example:
        >>> import numpy as np
        >>> rule = LMS(step_size=0.1)
        >>> state = rule.init(2)
        >>> state, inc = rule.update_from_error(state, np.array([1.0, 2.0]), 0.5)
        >>> print(inc)
        [0.05 0.1 ]
    """

    step_size: float = 0.01

    BOUNDS = dict(step_size=NON_NEGATIVE)

    def init(self, n: int, xp=None, dtype=None) -> LMSState:
        """State for ``n`` weights (empty for LMS)."""
        check_settings(self)
        return LMSState()

    def update_from_error(self, state: LMSState, z, error):
        """Return ``(state, alpha * error * z)`` for the error ``y - prediction``; for a
        vector of errors (several outputs sharing ``z``) the outer product
        ``alpha z error^T``, shape ``(n, m)``."""
        if getattr(error, "ndim", 0) == 1:
            return state, (self.step_size * z)[:, None] * error[None, :]
        return state, (self.step_size * error) * z

    def to_optax(self):
        """These settings as an optax transformation for a network's parameters:
        :func:`~sensorimotor.rules.as_optax.as_optax` (the rule over the flattened gradient).

        >>> import jax.numpy as jnp
        >>> tx = LMS(step_size=0.5).to_optax()
        >>> updates, _ = tx.update((jnp.array([1.0, -2.0]),), tx.init((jnp.zeros(2),)), error=0.2)
        >>> print(updates[0])
        [ 0.1 -0.2]
        """
        return as_optax(self)

    def effective_step_size(self, opt_state, z, error=None, z_l1=None):
        """Mean step size of the update :meth:`to_optax` just made (``opt_state`` is its state
        after it, ``z`` the trace; :func:`~sensorimotor.rules.as_optax.mean_step_size`)."""
        return mean_step_size(self, opt_state, z)

    def step_sizes(self, state: LMSState, z):
        """Per-weight step sizes, shape of ``z`` (all equal to ``step_size``)."""
        xp = namespace(z)
        return xp.zeros(z.shape, dtype=default_float(xp, z.dtype)) + self.step_size
