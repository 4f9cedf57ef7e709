"""AutoTIDBD: TIDBD with Autostep's normalisations (Kearney et al. 2019)."""

from __future__ import annotations

from typing import Any, NamedTuple

from sensorimotor.rules._common import full, namespace


class AutoTDIDBDState(NamedTuple):
    """AutoTIDBD state: ``beta``, ``h``, trace ``z``, normaliser ``eta`` (all ``(n,)``) and
    the scalar ``decay`` (:math:`\\gamma\\lambda` of the previous transition)."""

    beta: Any
    h: Any
    z: Any
    eta: Any
    decay: Any


class AutoTDIDBD(NamedTuple):
    r"""AutoTIDBD: TD(:math:`\lambda`) with IDBD step sizes normalised as in Autostep.

    Kearney, Veeriah, Travnik, Pilarski & Sutton (2019), "Learning feature relevance
    through step size adaptation in temporal-difference learning", AutoTIDBD. With the
    given TD error :math:`\delta` and :math:`d_i = x_i - \gamma x'_i` (minus the gradient
    of :math:`\delta`):

    .. math::
        z &\leftarrow \gamma_{\text{prev}}\lambda\, z + x, \qquad
        g_i = \delta\,x_i\,h_i \\
        \eta_i &\leftarrow \max\!\Big(|g_i|,\;
            \eta_i + \tfrac1\tau\,\alpha_i\, d_i z_i\,\big(|g_i| - \eta_i\big)\Big) \\
        \beta_i &\leftarrow \beta_i + \theta\, g_i / \eta_i \quad (\eta_i \ne 0) \\
        M &= \max\!\big(\textstyle\sum_j e^{\beta_j} d_j z_j,\; 1\big), \qquad
        \beta_i \leftarrow \beta_i - \ln M \\
        \alpha_i &= e^{\beta_i}, \qquad w_i \leftarrow w_i + \alpha_i\,\delta\,z_i \\
        h_i &\leftarrow h_i\,[1 - \alpha_i d_i z_i]^+ + \alpha_i\,\delta\,z_i

    (:math:`\alpha_i` in the :math:`\eta` update is the step size before this step.)
    Departures: as in :class:`TDIDBD`, the trace decays by the previous transition's
    discount; and :math:`[\cdot]^+` on the ``h`` decay, as in TIDBD, because with a
    trace :math:`d_i z_i` can be negative for single weights even when :math:`M \le 1`.

    Provenance: written from the published description (Autostep's two normalisations,
    with :math:`\alpha_i x_i^2` replaced by :math:`\alpha_i d_i z_i`), not checked line by
    line against the paper's pseudocode; tested for NumPy == JAX and for recovering the
    values of the random-walk chain.

    Example:
        >>> import numpy as np
        >>> rule = AutoTDIDBD(initial_step_size=0.8, meta_step_size=0.01, trace_decay=0.0)
        >>> s = rule.init(2)
        >>> x, x2 = np.array([1.0, 1.0]), np.array([0.0, 1.0])
        >>> s, inc = rule.update_from_td_error(s, x, x2, 1.0, 0.0)
        >>> print(np.exp(s.beta))  # normalised so that the effective step is 1
        [0.5 0.5]
    """

    initial_step_size: float = 0.01
    meta_step_size: float = 0.01
    trace_decay: float = 0.0
    tau: float = 10000.0

    def init(self, n: int, xp=None, dtype=None) -> AutoTDIDBDState:
        """State for ``n`` weights; ``xp`` is the engine (``numpy`` default, or ``jax.numpy``)."""
        xp = xp if xp is not None else namespace(self.initial_step_size)
        beta = xp.log(full(xp, n, self.initial_step_size, dtype))
        zero = xp.zeros_like(beta)
        return AutoTDIDBDState(beta, zero, zero, zero, xp.zeros((), dtype=beta.dtype))

    def update_from_td_error(self, state: AutoTDIDBDState, x, next_x, td_error, gamma):
        """Return ``(state, alpha * td_error * z)`` for one transition ``x -> next_x``."""
        xp = namespace(x)
        z = state.decay * state.z + x
        d = x - gamma * next_x
        g = td_error * x * state.h
        abs_g = xp.abs(g)
        dz = d * z
        eta = xp.maximum(
            abs_g, state.eta + (xp.exp(state.beta) * dz) * ((1.0 / self.tau) * (abs_g - state.eta))
        )
        safe = xp.where(eta > 0, eta, 1.0)
        beta = state.beta + xp.where(eta > 0, (self.meta_step_size * g) / safe, 0.0)
        m = xp.maximum(xp.vecdot(xp.exp(beta), dz), 1.0)
        beta = beta - xp.log(m)
        alpha = xp.exp(beta)
        inc = alpha * (td_error * z)
        h = state.h * xp.maximum(1.0 - alpha * dz, 0.0) + inc
        decay = xp.asarray(gamma * self.trace_decay, dtype=state.decay.dtype)
        return AutoTDIDBDState(beta, h, z, eta, decay), inc

    def step_sizes(self, state: AutoTDIDBDState, z=None):
        """Per-weight step sizes ``exp(beta)``."""
        return namespace(state.beta).exp(state.beta)
