"""TD(lambda) with IDBD step sizes: TIDBD (Kearney et al. 2019)."""

from __future__ import annotations

from typing import Any, NamedTuple

from sensorimotor.base.bounds import NON_NEGATIVE, POSITIVE, UNIT, check_flag, check_settings
from sensorimotor.rules.array_namespace import full, namespace


class TDIDBDState(NamedTuple):
    """TIDBD state: ``beta`` (log step sizes), ``h``, the eligibility trace ``z`` (all
    ``(n,)``), and ``decay``, the scalar :math:`\\gamma\\lambda` of the previous transition.

    Example:
        >>> import numpy as np
        >>> rule = TDIDBD(initial_step_size=0.1, trace_decay=0.5)
        >>> state = rule.init(2)
        >>> state, _ = rule.update_from_td_error(state, np.array([1.0, 0.0]), np.zeros(2), 1.0, 0.9)
        >>> print(state.z, float(state.decay))  # decay = gamma * trace_decay, for the next step
        [1. 0.] 0.45
    """

    beta: Any
    h: Any
    z: Any
    decay: Any

    #: fields no update makes negative: ``load_state`` refuses a saved state (tampered) where
    #: one is, since the learner would then predict NaN or reject every update
    NON_NEGATIVE_FIELDS = ("decay",)


class TDIDBD(NamedTuple):
    r"""TIDBD: temporal-difference learning with per-weight IDBD step sizes.

    Kearney, Veeriah, Travnik, Pilarski & Sutton (2019), "Learning feature relevance
    through step size adaptation in temporal-difference learning" (and arXiv:1804.03334).
    With :math:`\delta = r + \gamma w^\top x' - w^\top x` (given), accumulating traces:

    .. math::
        z &\leftarrow \gamma_{\text{prev}}\lambda\, z + x \\
        \beta_i &\leftarrow \beta_i + \theta\,\delta\,x_i\,h_i
              \quad\text{(semi-gradient)} \qquad
        \beta_i \leftarrow \beta_i - \theta\,\delta\,(\gamma x'_i - x_i)\,h_i
              \quad\text{(full gradient)} \\
        \alpha_i &= e^{\beta_i}, \qquad w_i \leftarrow w_i + \alpha_i\,\delta\,z_i \\
        h_i &\leftarrow h_i\,[1 - \alpha_i x_i z_i]^+ + \alpha_i\,\delta\,z_i
              \quad\text{(semi)} \qquad
        h_i \leftarrow h_i\,[1 + \alpha_i z_i(\gamma x'_i - x_i)]^+ + \alpha_i\,\delta\,z_i
              \quad\text{(full)}

    Departure: the trace decays by the discount of the *previous* transition
    (:math:`\gamma_{\text{prev}}`, kept in the state), so a transition with ``gamma = 0``
    (an episode's end) clears the trace for the next episode; in the paper's continuing
    tasks with a constant :math:`\gamma` the two coincide. alberta-framework's TDIDBD decays
    the trace by the *current* transition's discount instead, so on an episode's last
    transition (``gamma = 0``) its trace is :math:`x` alone and the final TD error reaches
    no earlier state of the episode; here it reaches them through the trace, as in episodic
    TD(:math:`\lambda`) with the trace zeroed at each episode's start. With
    ``trace_decay = 0`` the two agree. alberta-framework also adds a bias weight with its own
    step size and clips the log step sizes (see :class:`IDBD`); neither is done here. With
    ``meta_step_size = 0`` this is plain linear TD(:math:`\lambda`) with step size
    ``initial_step_size``.

    ``semi_gradient`` is a bool (static structure of a compiled loop).

    Provenance: checked line by line against the printed algorithms (Kearney et al.
    2018, arXiv:1804.03334, Algorithm 1, semi-gradient TIDBD(:math:`\lambda`), and the
    full-gradient form of arXiv:1903.03252, whose meta-step and ``h`` decay use
    :math:`\gamma x'_i - x_i`): a per-element transcription of each runs side by side
    with this rule in the tests. The order of the trace update (before or after the
    meta-step) does not matter here, since the meta-step does not read the trace.

    Example:
        >>> import numpy as np
        >>> rule = TDIDBD(initial_step_size=0.1, meta_step_size=0.0, trace_decay=0.5)
        >>> s = rule.init(2)
        >>> x, x2 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
        >>> s, inc = rule.update_from_td_error(s, x, x2, 1.0, 0.9)
        >>> s, inc = rule.update_from_td_error(s, x2, x, 1.0, 0.9)
        >>> print(s.z)
        [0.45 1.  ]
    """

    initial_step_size: float = 0.01
    meta_step_size: float = 0.01
    trace_decay: float = 0.0
    semi_gradient: bool = True

    BOUNDS = dict(initial_step_size=POSITIVE, meta_step_size=NON_NEGATIVE, trace_decay=UNIT)

    def init(self, n: int, xp=None, dtype=None) -> TDIDBDState:
        """State for ``n`` weights; ``xp`` is the engine (``numpy`` default, or ``jax.numpy``)."""
        check_settings(self)
        check_flag("TDIDBD.semi_gradient", self.semi_gradient)  # "False" ran semi-gradient
        xp = xp if xp is not None else namespace(self.initial_step_size)
        beta = xp.log(full(xp, n, self.initial_step_size, dtype))
        zero = xp.zeros_like(beta)
        return TDIDBDState(beta, zero, zero, xp.zeros((), dtype=beta.dtype))

    def update_from_td_error(self, state: TDIDBDState, x, next_x, td_error, gamma):
        """Return ``(state, alpha * td_error * z)`` for one transition ``x -> next_x``."""
        xp = namespace(x)
        z = state.decay * state.z + x
        if self.semi_gradient:
            dx = x  # -d(delta)/dw, ignoring the bootstrap target
        else:
            dx = x - gamma * next_x
        beta = state.beta + self.meta_step_size * (td_error * dx * state.h)
        alpha = xp.exp(beta)
        inc = alpha * (td_error * z)
        h = state.h * xp.maximum(1.0 - alpha * dx * z, 0.0) + inc
        decay = xp.asarray(gamma * self.trace_decay, dtype=state.decay.dtype)
        return TDIDBDState(beta, h, z, decay), inc

    def step_sizes(self, state: TDIDBDState, z=None):
        """Per-weight step sizes ``exp(beta)``."""
        return namespace(state.beta).exp(state.beta)
