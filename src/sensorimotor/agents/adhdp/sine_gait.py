"""A sine gait whose parameters are the action: HDPy's Puppy policy, for MuJoCo's Ant."""

from __future__ import annotations

import math

import numpy as np

from sensorimotor.agents.adhdp.policy import Policy
from sensorimotor.base.bounds import FINITE, NON_NEGATIVE, POSITIVE, check_value, is_real
from sensorimotor.nets.reservoir import check_input

TWO_PI = 2.0 * math.pi

# The action, in this order: one frequency for all legs (legs at different frequencies
# do not keep a gait), then amplitude, phase and offset of the hips of each leg group.
GAIT_PARAMETERS = (
    "frequency",
    "front_amplitude",
    "front_phase",
    "front_offset",
    "rear_amplitude",
    "rear_phase",
    "rear_offset",
)
GAIT_LOW = np.array([0.25, 0.0, -math.pi, -0.4, 0.0, -math.pi, -0.4])
GAIT_HIGH = np.array([2.0, 0.5, math.pi, 0.4, 0.5, math.pi, 0.4])
PHASES = np.array([False, False, True, False, False, True, False])
# The Ant's legs 1..4 (MuJoCo's numbering): legs 1 and 4 stand at the front (x > 0).
# HIP_SIGN mirrors the hips so that one phase means the same stroke on every leg (a
# positive hip velocity sweeps legs 1 and 2 backwards, legs 3 and 4 forwards);
# ANKLE_SIGN is the side of each ankle's range (legs 2 and 3 bend the other way).
LEG_GROUP = np.array([0, 1, 1, 0])  # 0 front, 1 rear
HIP_SIGN = np.array([1.0, 1.0, -1.0, -1.0])
ANKLE_SIGN = np.array([1.0, -1.0, -1.0, 1.0])
JOINT_NAMES = tuple(f"{j}_{k}" for k in range(1, 5) for j in ("hip", "ankle"))


def sine_gait_targets(params, clock):
    r"""The eight joint targets of the gait ``params`` (shape ``(7,)``, ``GAIT_PARAMETERS``)
    at the gait's clock angle ``clock`` (:math:`2\pi f t` for a constant frequency):

    .. math::
        q_{\mathrm{hip},k} = h_k \big(o_g + A_g \sin(\theta + \phi_g)\big), \qquad
        q_{\mathrm{ankle},k} = s_k \big(o_a + A_a \sin(\theta + \phi_g + \psi)\big)

    for leg :math:`k` in group :math:`g` (front: legs 1, 4; rear: legs 2, 3), with
    :math:`h_k`, :math:`s_k` the legs' mirror signs (``HIP_SIGN``, ``ANKLE_SIGN``) and the
    ankles' amplitude :math:`A_a = 0.3`, offset :math:`o_a = 0.8` and lag :math:`\psi = 0`
    fixed (an ankle lifts its foot in step with its hip's stroke). Returns ``(8,)`` in
    ``JOINT_NAMES`` order (``hip_1, ankle_1, ..., ankle_4``).

    >>> q = sine_gait_targets(np.array([1.0, 0.2, 0.0, 0.1, 0.2, math.pi, 0.0]), math.pi / 2)
    >>> print(q.round(3))
    [ 0.3  1.1 -0.2 -0.5  0.2 -0.5 -0.3  1.1]
    >>> sine_gait_targets(np.zeros(3), 0.0)
    Traceback (most recent call last):
    ...
    ValueError: params must have shape (7,), got (3,)
    """
    # NaN gave eight NaN targets, a short array an IndexError naming no argument
    params = check_input("params", params, (len(GAIT_PARAMETERS),), np.float64)
    if not is_real(clock) or not math.isfinite(clock):  # an array broadcast over the legs
        raise ValueError(f"clock must be a finite number (an angle), got {clock!r}")
    return _targets(params, clock, 0.3, 0.8, 0.0)


def _targets(p, clock, ankle_amplitude, ankle_offset, ankle_lag):
    amplitude = np.where(LEG_GROUP == 0, p[1], p[4])
    phase = np.where(LEG_GROUP == 0, p[2], p[5])
    offset = np.where(LEG_GROUP == 0, p[3], p[6])
    theta = clock + phase
    q = np.empty(8)
    q[0::2] = HIP_SIGN * (offset + amplitude * np.sin(theta))
    q[1::2] = ANKLE_SIGN * (ankle_offset + ankle_amplitude * np.sin(theta + ankle_lag))
    return q


class SineGait(Policy):
    r"""A sine gait whose parameters are the action (HDPy's Puppy policy: an abstract
    action turned into a sequence of motor targets for one control period).

    The action is the seven ``GAIT_PARAMETERS``: ``frequency`` (Hz, in ``[0.25, 2]``),
    and for each leg group (front, rear) the hips' ``amplitude`` (``[0, 0.5]`` rad),
    ``phase`` (rad, wrapped to ``[-pi, pi)``) and ``offset`` (``[-0.4, 0.4]`` rad); the
    targets are :func:`sine_gait_targets`. ``motor_signals`` returns the targets of one
    control period: ``round(period / dt)`` motor signals (dicts of ``JOINT_NAMES``), the
    :math:`k`-th at the clock :math:`\theta_0 + 2 \pi f k\, dt`; the clock then runs on
    from where it stopped, so a change of frequency does not jump the legs. ``dt`` is the
    environment's time per motor signal (``AntGait.dt``). ``reset()`` sets the clock to 0
    and the action to the initial one. ``ankle_amplitude``, ``ankle_offset`` and
    ``ankle_lag`` set the ankles' fixed stroke.

    A NaN, inf or wrong-shaped action is refused (a ``ValueError`` naming ``action``, or
    the gait parameter that is not finite), the policy unchanged.

    >>> gait = SineGait(dt=0.25, period=1.0)
    >>> signals = gait.motor_signals(None)
    >>> len(signals), round(signals[1]['hip_1'], 3), round(signals[0]['ankle_2'], 3)
    (4, 0.2, -0.8)
    """

    def __init__(
        self,
        initial=None,
        dt: float = 0.02,
        period: float = 1.0,
        ankle_amplitude: float = 0.3,
        ankle_offset: float = 0.8,
        ankle_lag: float = 0.0,
    ):
        self.dt = float(check_value("SineGait", "dt", dt, POSITIVE))
        self.period = float(check_value("SineGait", "period", period, POSITIVE))
        self.steps = max(1, round(self.period / self.dt))
        self.ankle_amplitude = float(
            check_value("SineGait", "ankle_amplitude", ankle_amplitude, NON_NEGATIVE)
        )
        self.ankle_offset = float(check_value("SineGait", "ankle_offset", ankle_offset, POSITIVE))
        self.ankle_lag = float(check_value("SineGait", "ankle_lag", ankle_lag, FINITE))
        if initial is None:
            initial = np.array([1.0, 0.2, 0.0, 0.0, 0.2, 0.0, 0.0])
        self._check_parameters("initial", initial)
        super().__init__(len(GAIT_PARAMETERS), initial)
        self._initial = self.bound(self._initial)
        self.action = self._initial.copy()
        self.clock = 0.0

    @staticmethod
    def _check_parameters(name, action):
        """Name the first gait parameter that is not finite; anything else that is not seven
        real numbers is left to the policy's own check (``check_input``), which names
        ``action``."""
        try:
            arr = np.asarray(action)
        except (TypeError, ValueError):  # ragged
            return
        if arr.dtype.kind not in "iuf" or arr.shape != (len(GAIT_PARAMETERS),):
            return
        for key, value in zip(GAIT_PARAMETERS, arr.astype(np.float64), strict=True):
            if not math.isfinite(value):
                raise ValueError(f"{name}: gait parameter {key} is {value} (not finite)")

    def update(self, action) -> None:
        self._check_parameters("action", action)
        super().update(action)

    def bound(self, action) -> np.ndarray:
        """The action clipped to ``[GAIT_LOW, GAIT_HIGH]``, its phases wrapped to ``[-pi, pi)``."""
        a = np.clip(action, GAIT_LOW, GAIT_HIGH)
        return np.where(PHASES, (np.asarray(action) + math.pi) % TWO_PI - math.pi, a)

    def reset(self) -> None:
        super().reset()
        self.clock = 0.0

    def motor_signals(self, s_signal):
        step = TWO_PI * float(self.action[0]) * self.dt
        signals = []
        for k in range(self.steps):
            q = _targets(
                self.action,
                self.clock + k * step,
                self.ankle_amplitude,
                self.ankle_offset,
                self.ankle_lag,
            )
            signals.append(dict(zip(JOINT_NAMES, q.tolist(), strict=True)))
        self.clock = (self.clock + self.steps * step) % TWO_PI
        return signals

    def __repr__(self) -> str:
        return f"SineGait(dt={self.dt}, period={self.period}, action={self.action.tolist()})"


__all__ = ["SineGait", "sine_gait_targets", "GAIT_PARAMETERS", "GAIT_LOW", "GAIT_HIGH"]
