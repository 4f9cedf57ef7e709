"""Autostep (Mahmood, Sutton, Degris & Pilarski 2012)."""

from __future__ import annotations

from typing import Any, NamedTuple

from sensorimotor.base.bounds import NON_NEGATIVE, POSITIVE, check_settings
from sensorimotor.rules.array_namespace import full, namespace
from sensorimotor.rules.as_optax import as_optax, mean_step_size


class AutostepState(NamedTuple):
    """Autostep meta-state, each of shape ``(n,)``: step sizes ``alpha``, trace ``h``,
    and the running normaliser ``v`` of the meta-gradient.

    Example:
        >>> state = Autostep(initial_step_size=0.1).init(3)
        >>> print(state.alpha, state.h, state.v)
        [0.1 0.1 0.1] [0. 0. 0.] [0. 0. 0.]
    """

    alpha: Any
    h: Any
    v: Any

    #: fields no update makes negative: ``load_state`` refuses a saved state (tampered) where
    #: one is, since the learner would then predict NaN or reject every update
    NON_NEGATIVE_FIELDS = ("alpha", "v")


class Autostep(NamedTuple):
    r"""Autostep: IDBD made tuning-free by normalising the meta-step and the step size.

    Mahmood, Sutton, Degris & Pilarski (2012), "Tuning-free step-size adaptation",
    ICASSP, Table 1. With :math:`\delta = y - w^\top x`, for each weight :math:`i`:

    .. math::
        v_i &\leftarrow \max\!\Big(|\delta x_i h_i|,\;
              v_i + \tfrac{1}{\tau}\,\alpha_i x_i^2\,\big(|\delta x_i h_i| - v_i\big)\Big) \\
        \alpha_i &\leftarrow \alpha_i \exp\!\big(\mu\,\delta x_i h_i / v_i\big)
              \quad\text{if } v_i \neq 0 \\
        M &= \max\!\big(\textstyle\sum_j \alpha_j x_j^2,\; 1\big), \qquad
              \alpha_i \leftarrow \alpha_i / M \\
        w_i &\leftarrow w_i + \alpha_i\,\delta\,x_i \\
        h_i &\leftarrow h_i\,(1 - \alpha_i x_i^2) + \alpha_i\,\delta\,x_i

    starting from :math:`\alpha_i = \text{initial\_step\_size}`, :math:`h_i = v_i = 0`.
    The paper's defaults are :math:`\mu = 10^{-2}` and :math:`\tau = 10^4` (its example
    initial step size is 0.1; 0.01 here, as in alberta-framework). No departure from the
    paper. alberta-framework's Autostep also clips :math:`\alpha_i` to :math:`[10^{-8}, 1]`
    after the normalisation, which the paper does not; its MLP runs the rule on each
    parameter array separately (one :math:`M` per layer's weights and per layer's biases),
    where :func:`~sensorimotor.rules.as_optax.as_optax` normalises over the whole network.
    Because the effective step :math:`\sum_j \alpha_j x_j^2` never exceeds
    one, the update never overshoots the current target.

    ``update_from_error(state, z, error)`` takes a precomputed error and a vector ``z``
    (the features ``x`` of a linear learner, or the gradient of a network's output with
    respect to its flattened parameters) and returns ``(state, increment)`` with
    ``increment = alpha * error * z``; the normalisation :math:`M` is over all of ``z``.

    Example:
        >>> import numpy as np
        >>> rule = Autostep(initial_step_size=0.1, meta_step_size=0.01)
        >>> state = rule.init(2)
        >>> state, inc = rule.update_from_error(state, np.array([1.0, 1.0]), 1.0)
        >>> print(inc, state.alpha)
        [0.1 0.1] [0.1 0.1]
    """

    initial_step_size: float = 0.01
    meta_step_size: float = 0.01
    tau: float = 10000.0

    BOUNDS = dict(initial_step_size=POSITIVE, meta_step_size=NON_NEGATIVE, tau=POSITIVE)

    def init(self, n: int, xp=None, dtype=None) -> AutostepState:
        """State for ``n`` weights; ``xp`` is the engine (``numpy`` default, or ``jax.numpy``)."""
        check_settings(self)
        xp = xp if xp is not None else namespace(self.initial_step_size)
        alpha = full(xp, n, self.initial_step_size, dtype)
        return AutostepState(alpha, xp.zeros_like(alpha), xp.zeros_like(alpha))

    def update_from_error(self, state: AutostepState, z, error):
        """Return ``(state, alpha * error * z)`` after the normalised meta-step."""
        xp = namespace(z)
        dz = error * z
        g = dz * state.h  # delta x_i h_i, the meta-gradient
        abs_g = xp.abs(g)
        z2 = z * z
        v = xp.maximum(abs_g, state.v + (state.alpha * z2) * ((1.0 / self.tau) * (abs_g - state.v)))
        # v >= |g|, so where v == 0 also g == 0: dividing by max(v, tiny) gives the
        # paper's "if v != 0" without a branch
        tiny = xp.finfo(v.dtype).tiny
        alpha = state.alpha * xp.exp((self.meta_step_size * g) / xp.maximum(v, tiny))
        alpha = alpha / xp.maximum(xp.vecdot(alpha, z2), 1.0)
        inc = alpha * dz
        h = state.h * (1.0 - alpha * z2) + inc
        return AutostepState(alpha, h, v), inc

    def to_optax(self):
        """These settings as an optax transformation for a network's parameters:
        :func:`~sensorimotor.rules.as_optax.as_optax` (the rule over the flattened gradient).

        >>> import jax.numpy as jnp
        >>> tx = Autostep(initial_step_size=0.1).to_optax()
        >>> print(tx.init((jnp.zeros((2, 3)), jnp.zeros(3))).alpha.shape)
        (9,)
        """
        return as_optax(self)

    def effective_step_size(self, opt_state, z, error=None, z_l1=None):
        """Mean step size of the update :meth:`to_optax` just made (``opt_state`` is its state
        after it, ``z`` the trace; :func:`~sensorimotor.rules.as_optax.mean_step_size`)."""
        return mean_step_size(self, opt_state, z)

    def step_sizes(self, state: AutostepState, z=None):
        """Per-weight step sizes ``alpha``."""
        return state.alpha
