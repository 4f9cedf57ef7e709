"""Normalised least mean squares."""

from __future__ import annotations

from typing import NamedTuple

from sensorimotor.base.bounds import NON_NEGATIVE, POSITIVE, check_settings
from sensorimotor.rules.array_namespace import default_float, namespace


class NLMSState(NamedTuple):
    """NLMS keeps no state besides the weights (held by the learner).

    Example:
        >>> print(len(NLMS(step_size=0.5).init(3)))  # no fields
        0
    """


class NLMS(NamedTuple):
    r"""Normalised LMS: the step is divided by the squared norm of the input.

    .. math::
        \delta = y - w^\top x, \qquad
        w \leftarrow w + \frac{\alpha}{\epsilon + x^\top x}\,\delta\,x

    (Nagumo & Noda 1967; Haykin, *Adaptive Filter Theory*, ch. 6). With
    ``0 < step_size < 2`` it is stable for any input scale, which is why it is a safe
    default on raw robot signals.

    Example:
        >>> import numpy as np
        >>> rule = NLMS(step_size=0.5, eps=1e-12)
        >>> _, inc = rule.update_from_error(rule.init(2), np.array([3.0, 4.0]), 1.0)
        >>> print(inc)
        [0.06 0.08]
    """

    step_size: float = 0.5
    eps: float = 1e-6

    # eps > 0: an input of zeros with eps 0 gave 0 / 0, NaN weights
    BOUNDS = dict(step_size=NON_NEGATIVE, eps=POSITIVE)

    def init(self, n: int, xp=None, dtype=None) -> NLMSState:
        """State for ``n`` weights (empty for NLMS)."""
        check_settings(self)
        return NLMSState()

    def update_from_error(self, state: NLMSState, z, error):
        """Return ``(state, alpha / (eps + z.z) * error * z)``."""
        xp = namespace(z)
        return state, (self.step_size * error / (self.eps + xp.vecdot(z, z))) * z

    def step_sizes(self, state: NLMSState, z):
        """Nominal per-weight step sizes (``step_size``, shape of ``z``); the effective
        step for an input ``x`` is ``step_size / (eps + x.x)``."""
        xp = namespace(z)
        return xp.zeros(z.shape, dtype=default_float(xp, z.dtype)) + self.step_size
