"""A planar arm of revolute joints: joint angles in, end-effector position out."""

import math

import numpy as np

from sensorimotor.base.bounds import holds_non_number, is_int
from sensorimotor.envs.environment import Environment
from sensorimotor.signals import Channel

MAX_JOINTS = 100_000  # a bound that keeps a mistyped dim from allocating without end


def _numbers(value) -> np.ndarray:
    """``value`` as a float64 array, or an empty one (refused by the caller's shape check)
    if it is not made of numbers: ``np.asarray(..., float64)`` alone reads the string
    ``'0.5'`` as 0.5 and ``True`` as 1.0."""
    try:
        if holds_non_number(value) or np.asarray(value).dtype.kind not in "iuf":
            return np.zeros((0,))
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):  # ragged nesting; an int beyond float64
        return np.zeros((0,))


def arm_forward(angles_deg, lengths, origin=(0.0, 0.0)):
    """End-effector position of a planar arm, for one posture or a batch.

    With joint angles ``a_j`` in degrees (joint 0 at the base, each angle relative to the
    previous link) and link lengths ``l_j``::

        phi_i = sum_{j <= i} a_j * pi / 180
        x = x0 + sum_i l_i cos(phi_i),   y = y0 + sum_i l_i sin(phi_i)

    At the zero posture the arm lies along the x axis. Works on NumPy or JAX arrays.

    Args:
        angles_deg: shape ``(dim,)`` or ``(N, dim)``.
        lengths: shape ``(dim,)``.
        origin: the base position ``(x0, y0)``.

    Returns:
        shape ``(2,)`` or ``(N, 2)``.

    >>> arm_forward(np.array([90.0, -90.0]), np.array([1.0, 1.0]))
    array([1., 1.])
    """
    xp = angles_deg.__array_namespace__()
    phi = xp.cumulative_sum(angles_deg * (math.pi / 180.0), axis=-1)
    x = origin[0] + xp.sum(lengths * xp.cos(phi), axis=-1)
    y = origin[1] + xp.sum(lengths * xp.sin(phi), axis=-1)
    return xp.stack([x, y], axis=-1)


def arm_joint_positions(angles_deg: np.ndarray, lengths, origin=(0.0, 0.0)) -> np.ndarray:
    """Positions of the base, every joint and the tip: shape ``(dim + 1, 2)``, for plotting.

    The last row is the tip, ``arm_forward``'s position.

    >>> arm_joint_positions(np.array([90.0, -90.0]), np.array([1.0, 1.0])).round(6).tolist()
    [[0.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    """
    phi = np.cumsum(np.radians(angles_deg))
    out = np.zeros((phi.shape[0] + 1, 2))
    # the positions accumulate link by link, each coordinate on its own (one pass each)
    np.cumsum(lengths * np.cos(phi), out=out[1:, 0])
    np.cumsum(lengths * np.sin(phi), out=out[1:, 1])
    out += origin
    return out


class KinematicArm2D(Environment):
    """A planar arm with ``dim`` revolute joints (kinematics only, no dynamics).

    ============  ======================================  ==========================
    channels      meaning                                 bounds
    ============  ======================================  ==========================
    ``j0..j{d-1}``  joint angles, degrees, base first      ``limits`` (commands clipped)
    ``x``, ``y``    end-effector position                  the reachable disc's box
    ============  ======================================  ==========================

    Config (``defcfg``): ``dim`` (7); ``lengths``: one float for every link or a list
    (default: ``1/dim`` each, total length 1); ``limits`` in degrees: one pair for every
    joint or a list of pairs (default ``(-150, 150)``); ``origin`` (``(0, 0)``).
    Forward kinematics: see ``arm_forward``. ``execute_array`` is the vectorised path.

    Presets: ``KinematicArm2D.mid7()`` (7 joints, limits +-60 degrees, lengths proportional
    to ``1.5**-i`` summing to 1: the 'mid-dimensional' arm of the exploration literature)
    and ``KinematicArm2D.arm20()`` (20 joints of length 1/20, limits +-150 degrees).

    >>> arm = KinematicArm2D({'dim': 2, 'lengths': 0.5})
    >>> arm.execute({'j0': 90.0, 'j1': -90.0})['s_signal']
    {'x': 0.5, 'y': 0.5}
    >>> arm.execute({'j0': 200.0, 'j1': 0.0})['m_signal']  # clipped to the limits
    {'j0': 150.0, 'j1': 0.0}
    """

    defcfg = {"dim": 7, "lengths": None, "limits": (-150.0, 150.0), "origin": (0.0, 0.0)}

    def __init__(self, cfg=None):
        super().__init__(cfg)
        dim = self.cfg.dim
        if not is_int(dim) or not 1 <= dim <= MAX_JOINTS:
            raise ValueError(
                f"KinematicArm2D: dim must be an int in [1, {MAX_JOINTS}], got {dim!r}"
            )
        dim = int(dim)
        lengths = self.cfg.lengths
        if lengths is None:
            lengths = 1.0 / dim
        try:
            lengths = np.broadcast_to(_numbers(lengths), (dim,)).copy()
        except ValueError:
            raise ValueError(
                f"KinematicArm2D: lengths must be one number or {dim} of them (dim={dim}), "
                f"got {self.cfg.lengths!r}"
            ) from None
        if not (np.all(np.isfinite(lengths)) and np.all(lengths > 0)):
            raise ValueError(f"KinematicArm2D: lengths must be positive and finite, got {lengths}")
        limits = _numbers(self.cfg.limits)  # refused below if it is none, saying why
        if limits.shape == (2,):
            limits = np.tile(limits, (dim, 1))
        if (
            limits.shape != (dim, 2)
            or not np.all(np.isfinite(limits))
            or np.any(limits[:, 0] > limits[:, 1])
        ):
            raise ValueError(
                f"KinematicArm2D: limits must be a finite (lo, hi) pair or {dim} of them, "
                f"got {self.cfg.limits!r}"
            )
        self.dim = dim
        self.lengths = lengths
        self.limits = limits
        origin = _numbers(self.cfg.origin)  # refused just below if it is none
        if origin.shape != (2,) or not np.all(np.isfinite(origin)):
            raise ValueError(
                f"KinematicArm2D: origin must be a finite (x, y) pair, got {self.cfg.origin!r}"
            )
        self.origin = (float(origin[0]), float(origin[1]))
        reach = float(lengths.sum())
        self.m_channels = [Channel(f"j{i}", tuple(limits[i]), unit="deg") for i in range(dim)]
        self.s_channels = [
            Channel("x", (self.origin[0] - reach, self.origin[0] + reach)),
            Channel("y", (self.origin[1] - reach, self.origin[1] + reach)),
        ]
        self.posture = None  # joint positions of the last executed command

    @classmethod
    def mid7(cls) -> "KinematicArm2D":
        """The 7-joint preset: limits +-60 degrees, lengths ~ 1.5**-i, total length 1."""
        lengths = 1.5 ** -np.arange(7.0)
        return cls(
            {"dim": 7, "limits": (-60.0, 60.0), "lengths": (lengths / lengths.sum()).tolist()}
        )

    @classmethod
    def arm20(cls) -> "KinematicArm2D":
        """The 20-joint preset: lengths 1/20, limits +-150 degrees."""
        return cls({"dim": 20, "limits": (-150.0, 150.0), "lengths": 1.0 / 20})

    @property
    def total_length(self) -> float:
        return float(self.lengths.sum())

    def _motor_command(self, m_array: np.ndarray) -> np.ndarray:
        # np.clip's min(max(m, lo), hi), without its dispatch
        return np.minimum(np.maximum(m_array, self.limits[:, 0]), self.limits[:, 1])

    def _execute_vector(self, m: np.ndarray, meta=None) -> np.ndarray:
        self.posture = arm_joint_positions(m, self.lengths, self.origin)
        return self.posture[-1].copy()  # the tip; the batch path computes it with arm_forward

    def _execute(self, m_signal: dict, meta=None) -> dict:
        """The seed's dict path (``execute`` takes the array path, ``_execute_vector``)."""
        angles = np.array([m_signal[ch.name] for ch in self.m_channels])
        return self.s_set.from_array(self._execute_vector(angles, meta))

    def _execute_array(self, m_batch: np.ndarray) -> np.ndarray:
        return arm_forward(m_batch, self.lengths, self.origin)

    def __repr__(self) -> str:
        return f"KinematicArm2D(dim={self.dim}, lengths={self.lengths.tolist()}, limits={self.limits.tolist()})"
