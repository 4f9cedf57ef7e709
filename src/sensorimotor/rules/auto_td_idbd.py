"""AutoTIDBD: TIDBD with Autostep's normalisations (Kearney et al. 2019)."""

from __future__ import annotations

from typing import Any, NamedTuple

from sensorimotor.base.bounds import NON_NEGATIVE, POSITIVE, UNIT, check_settings
from sensorimotor.rules.array_namespace import full, namespace


class AutoTDIDBDState(NamedTuple):
    """AutoTIDBD state: ``beta``, ``h``, trace ``z``, normaliser ``eta`` (all ``(n,)``) and
    the scalar ``decay`` (:math:`\\gamma\\lambda` of the previous transition).

    Example:
        >>> import numpy as np
        >>> rule = AutoTDIDBD(initial_step_size=0.1, trace_decay=0.5)
        >>> state = rule.init(2)
        >>> state, _ = rule.update_from_td_error(state, np.array([1.0, 0.0]), np.zeros(2), 1.0, 0.9)
        >>> print(state.z, state.eta.shape, float(state.decay))
        [1. 0.] (2,) 0.45
    """

    beta: Any
    h: Any
    z: Any
    eta: Any
    decay: Any

    #: fields no update makes negative: ``load_state`` refuses a saved state (tampered) where
    #: one is, since the learner would then predict NaN or reject every update
    NON_NEGATIVE_FIELDS = ("eta", "decay")


class AutoTDIDBD(NamedTuple):
    r"""AutoTIDBD: TD(:math:`\lambda`) with IDBD step sizes normalised as in Autostep.

    Kearney, Veeriah, Travnik, Pilarski & Sutton (2019), "Learning feature relevance
    through step size adaptation in temporal-difference learning" (arXiv:1903.03252),
    Algorithm 6, "AutoStep style normalized TIDBD(:math:`\lambda`)". With the given TD
    error :math:`\delta`, :math:`d_i = x_i - \gamma x'_i` (minus the paper's
    :math:`\gamma\phi_i(s') - \phi_i(s)`), :math:`z` the trace *before* this step and
    :math:`\alpha_i = e^{\beta_i}` the step sizes before this step, line by line:

    .. math::
        \eta_i &\leftarrow \max\!\Big(|\delta\,d_i\,h_i|,\;
            \eta_i + \tfrac1\tau\,\alpha_i\, d_i z_i\,
            \big(|\delta\,x_i\,h_i| - \eta_i\big)\Big) \\
        \beta_i &\leftarrow \beta_i + \theta\,\delta\,d_i\,h_i / \eta_i
            \quad (\eta_i \ne 0) \\
        M &= \max\!\big(\textstyle\sum_j e^{\beta_j} d_j z_j,\; 1\big), \qquad
        \beta_i \leftarrow \beta_i - \ln M, \qquad \alpha_i = e^{\beta_i} \\
        z &\leftarrow \gamma_{\text{prev}}\lambda\, z + x, \qquad
        w_i \leftarrow w_i + \alpha_i\,\delta\,z_i \\
        h_i &\leftarrow h_i\,[1 - \alpha_i d_i z_i]^+ + \alpha_i\,\delta\,z_i

    As printed, the first argument of the max uses :math:`d_i` while the running average
    uses :math:`x_i`, and :math:`\eta`, :math:`M` see the trace before it is updated
    (line 13 comes after lines 5-12): both kept. The paper does not state the initial
    :math:`\eta`; it is 0 here (the first meta-step is then skipped, as :math:`h = 0`
    makes it zero anyway), so the meta-steps are normalised from the first non-zero
    :math:`|\delta d_i h_i|` on. alberta-framework starts :math:`\eta` at 1 (and floors it
    at :math:`10^{-8}`): where :math:`|\delta d_i h_i| < 1` its early meta-steps are divided
    by about 1, i.e. not normalised, until :math:`\eta` has decayed at the slow rate
    :math:`\alpha_i d_i z_i / \tau`; the two differ most on small TD errors.

    Departure: as in :class:`TDIDBD`, the trace decays by the previous transition's
    discount, so that ``gamma = 0`` at an episode's end clears it;
    with a constant :math:`\gamma` this is the paper's :math:`z_i \gamma\lambda + x_i`
    (alberta-framework decays it by the current transition's discount, see :class:`TDIDBD`).
    A consequence at an episode's first step: :math:`\eta` and :math:`M` read the trace as
    the last episode left it (the clearing is applied at line 13), where alberta-framework's
    holds only the terminal step's :math:`x`; the paper, on continuing tasks, does not say.
    Checked line by line against the printed algorithm (a transcription of it runs side
    by side with this rule in the tests).

    Example:
        >>> import numpy as np
        >>> rule = AutoTDIDBD(initial_step_size=0.8, meta_step_size=0.01, trace_decay=0.5)
        >>> s = rule.init(2)
        >>> x, x2 = np.array([1.0, 1.0]), np.array([0.0, 1.0])
        >>> s, inc = rule.update_from_td_error(s, x, x2, 1.0, 0.0)
        >>> s, inc = rule.update_from_td_error(s, x, x2, 1.0, 0.0)
        >>> print(np.exp(s.beta))  # normalised: sum of alpha * d * z (old trace) is 1
        [0.5 0.5]
    """

    initial_step_size: float = 0.01
    meta_step_size: float = 0.01
    trace_decay: float = 0.0
    tau: float = 10000.0

    BOUNDS = dict(
        initial_step_size=POSITIVE,
        meta_step_size=NON_NEGATIVE,
        trace_decay=UNIT,
        tau=POSITIVE,
    )

    def init(self, n: int, xp=None, dtype=None) -> AutoTDIDBDState:
        """State for ``n`` weights; ``xp`` is the engine (``numpy`` default, or ``jax.numpy``)."""
        check_settings(self)
        xp = xp if xp is not None else namespace(self.initial_step_size)
        beta = xp.log(full(xp, n, self.initial_step_size, dtype))
        zero = xp.zeros_like(beta)
        return AutoTDIDBDState(beta, zero, zero, zero, xp.zeros((), dtype=beta.dtype))

    def update_from_td_error(self, state: AutoTDIDBDState, x, next_x, td_error, gamma):
        """Return ``(state, alpha * td_error * z)`` for one transition ``x -> next_x``."""
        xp = namespace(x)
        d = x - gamma * next_x  # -(gamma x' - x)
        dz = d * state.z  # with the trace before this step (lines 5-10)
        abs_g = xp.abs(td_error * x * state.h)
        eta = xp.maximum(
            xp.abs(td_error * d * state.h),
            state.eta + (xp.exp(state.beta) * dz) * ((1.0 / self.tau) * (abs_g - state.eta)),
        )
        safe = xp.where(eta > 0, eta, 1.0)
        meta = (self.meta_step_size * td_error) * (d * state.h)
        beta = state.beta + xp.where(eta > 0, meta / safe, 0.0)
        m = xp.maximum(xp.vecdot(xp.exp(beta), dz), 1.0)
        beta = beta - xp.log(m)
        alpha = xp.exp(beta)
        z = state.decay * state.z + x  # line 13
        inc = alpha * (td_error * z)
        h = state.h * xp.maximum(1.0 - alpha * (d * z), 0.0) + inc
        decay = xp.asarray(gamma * self.trace_decay, dtype=state.decay.dtype)
        return AutoTDIDBDState(beta, h, z, eta, decay), inc

    def step_sizes(self, state: AutoTDIDBDState, z=None):
        """Per-weight step sizes ``exp(beta)``."""
        return namespace(state.beta).exp(state.beta)
