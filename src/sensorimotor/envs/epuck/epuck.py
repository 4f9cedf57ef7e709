"""HDPy's 2D ePuck: a point robot with 8 infrared rays in a walled arena with polygon obstacles.

The dynamics are pure functions of an ``EpuckState`` (``epuck_sensors``, ``epuck_move``,
``random_start``); ``Epuck2D`` is the thin stateful ``Environment`` around them, and
``sensorimotor/Epuck2D-v0`` (``Epuck2DEnv``) the Gymnasium face.
"""

import math
from typing import NamedTuple

import numpy as np

from sensorimotor.base.bounds import is_real
from sensorimotor.envs.environment import Environment
from sensorimotor.envs.epuck.arena_geometry import (
    inside_polygon,
    ray_distances,
    segment_clearance,
    segments_from,
)
from sensorimotor.rules.array_namespace import namespace
from sensorimotor.signals import Channel

TWO_PI = 2.0 * math.pi
N_SENSORS = 8
# Sensor k looks at pose + k * 45 degrees: 0 ahead, 1 front-left, 2 left, ..., 7 front-right.
SENSOR_ANGLES = np.arange(N_SENSORS) * (TWO_PI / N_SENSORS)
# How far short of an obstacle a colliding robot stops: it stays on the free side in
# floating point, so that a heading away from the wall moves it off again.
CONTACT_GAP = 1e-9

# HDPy's arena (``HDPy.epuck.env``): the box of walls at +-10 and the four training obstacles
# of its ePuck example (``train_lower``, ``train_middle``, ``train_left``, ``train_upper``).
HDPY_WALLS = (
    (10.0, -10.0, 10.0, 10.0),
    (-10.0, -10.0, -10.0, 10.0),
    (-10.0, 10.0, 10.0, 10.0),
    (-10.0, -10.0, 10.0, -10.0),
)
HDPY_OBSTACLES = (
    ((6.0, -6.0), (10.0, -6.0), (10.0, -10.0), (6.0, -10.0)),
    ((0.0, -3.0), (2.0, -5.0), (0.0, -7.0), (-2.0, -5.0)),
    ((-6.0, 4.0), (-4.0, 4.0), (-4.0, -2.0), (-6.0, -2.0)),
    ((5.0, 6.0), (6.0, 2.0), (5.0, -1.0), (0.0, 4.0)),
)


class EpuckState(NamedTuple):
    """The robot: ``position`` ``(..., 2)`` and ``pose`` ``(...)`` (heading, radians).

    >>> edges = segments_from(HDPY_WALLS, HDPY_OBSTACLES)
    >>> state = random_start(np.random.default_rng(0), edges, HDPY_OBSTACLES, (-10, -10), (10, 10), 0.5)
    >>> state.position.shape, np.shape(state.pose)
    ((2,), ())
    """

    position: np.ndarray
    pose: np.ndarray


def epuck_sensors(state: EpuckState, edges, ir_max: float = 15.0):
    """The 8 infrared readings ``(..., 8)``: distances along ``pose + k pi / 4``, capped.

    ``ir_k = min(ir_max, distance to the nearest edge along pose + k pi / 4)`` (HDPy's
    ``Robot.read_ir``: a reading is a distance, small means near). NumPy or JAX.

    >>> edges = segments_from([(2, -5, 2, 5)])
    >>> epuck_sensors(EpuckState(np.zeros(2), np.float64(0.0)), edges)[:2].round(4).tolist()
    [2.0, 2.8284]
    """
    xp = namespace(state.position)
    angles = xp.asarray(state.pose)[..., None] + xp.asarray(SENSOR_ANGLES)
    return ray_distances(state.position, angles, edges, ir_max)


def epuck_move(state: EpuckState, heading, edges, step_length: float):
    """Turn to the absolute ``heading`` and drive ``step_length`` forward, or stop at a wall.

    With ``d`` the distance to the nearest edge along the heading ``h``::

        collided = step_length >= d
        travel   = step_length if not collided else max(d - CONTACT_GAP, 0)
        position' = position + travel (cos h, sin h),   pose' = h mod 2 pi

    (HDPy's ``AbsoluteRobot.take_action`` with ``tol=0``, stopping ``CONTACT_GAP`` short
    of the wall.) Returns ``(state', collided)``. Batched over leading axes; NumPy or JAX.

    >>> edges = segments_from([(1, -5, 1, 5)])
    >>> state, hit = epuck_move(EpuckState(np.zeros(2), np.float64(0.0)), np.float64(0.0), edges, 0.75)
    >>> state.position.tolist(), bool(hit)
    ([0.75, 0.0], False)
    >>> state, hit = epuck_move(state, np.float64(0.0), edges, 0.75)
    >>> round(float(state.position[0]), 6), bool(hit)
    (1.0, True)
    """
    xp = namespace(state.position)
    heading = xp.asarray(heading)
    ahead = ray_distances(state.position, heading[..., None], edges)[..., 0]
    collided = step_length >= ahead
    travel = xp.where(collided, xp.maximum(ahead - CONTACT_GAP, 0.0), step_length)
    direction = xp.stack([xp.cos(heading), xp.sin(heading)], axis=-1)
    position = state.position + travel[..., None] * direction
    return EpuckState(position, heading % TWO_PI), collided


def random_start(
    rng: np.random.Generator, edges: np.ndarray, obstacles, low, high, clearance: float
) -> EpuckState:
    """A start pose: a position uniform in the box ``[low, high]`` outside every obstacle
    polygon and at least ``clearance`` from every edge, and a pose uniform in ``[0, 2 pi)``.

    Positions are drawn 64 at a time and the first free one is taken; then the pose is
    drawn. Raises ``RuntimeError`` when 64 rounds find none.
    (HDPy's ``reset_random`` drew from ``[-10, 10]^2`` and refused a start inside an
    obstacle or whose first step collided; a clearance of one step length refuses the
    starts from which any first step could collide.)

    >>> edges = segments_from(HDPY_WALLS, HDPY_OBSTACLES)
    >>> start = random_start(np.random.default_rng(0), edges, HDPY_OBSTACLES, (-10, -10), (10, 10), 0.5)
    >>> bool(segment_clearance(start.position, edges) >= 0.5)
    True
    """
    low, high = np.asarray(low, np.float64), np.asarray(high, np.float64)
    for _ in range(64):
        candidates = rng.uniform(low, high, size=(64, 2))
        free = segment_clearance(candidates, edges) >= clearance
        for polygon in obstacles:
            free &= ~inside_polygon(candidates, polygon)
        if free.any():
            position = candidates[int(np.argmax(free))]
            return EpuckState(position, np.float64(rng.uniform(0.0, TWO_PI)))
    raise RuntimeError(
        f"no free start position in the box {low.tolist()}..{high.tolist()} with clearance "
        f"{clearance} after 4096 draws: the obstacles leave no room"
    )


def _polygons(obstacles) -> tuple:
    try:
        polygons = tuple(np.asarray(p, dtype=np.float64) for p in obstacles)
    except (TypeError, ValueError):
        polygons = (np.zeros(0),)
    for p in polygons:
        if p.ndim != 2 or p.shape[1] != 2 or p.shape[0] < 3 or not np.all(np.isfinite(p)):
            raise ValueError(
                f"Epuck2D: obstacles must be polygons of at least 3 finite (x, y) corners, got {obstacles!r}"
            )
    return polygons


class Epuck2D(Environment):
    """HDPy's simulated ePuck: a point robot steered by its absolute heading.

    ================  =========================================  ======================
    channels          meaning                                    bounds
    ================  =========================================  ======================
    ``heading``       motor: the absolute heading to turn to     ``(0, 2 pi)`` (wrapped
                      before driving, radians, 0 = +x            mod 2 pi, as executed)
    ``ir0..ir7``      distance to the nearest obstacle along     ``(0, ir_max)``
                      ``pose + k * 45 deg`` (0 ahead, 1 front-
                      left, ..., 7 front-right), capped
    ``x``, ``y``      position                                   the arena's box
    ``pose``          heading the robot faces (HDPy's ``pose``)  ``(0, 2 pi)``
    ``collision``     1.0 if this step hit an obstacle, else 0.0  ``(0, 1)``
    ================  =========================================  ======================

    Each ``execute`` turns the robot to ``heading`` and drives it ``step_length`` forward,
    or until the first wall or obstacle side on its way, where it stops and reports
    ``collision = 1`` (``epuck_move``); then it reads its sensors (``epuck_sensors``).
    The robot is a point, so it passes between obstacles wherever a line does. The
    environment is stateful (it is a robot): ``reset(position, pose, seed)`` puts it at
    a given or a seeded random start. Episodes (a collision ends one; 200 steps at most)
    belong to its users: the Gymnasium face ``Epuck2DEnv`` and the actor-critic.

    Config (``defcfg``), HDPy's example setting by default:

    - ``walls``: segments ``(x0, y0, x1, y1)``; default the box ``[-10, 10]^2``.
    - ``obstacles``: polygons (corner lists); default HDPy's four training obstacles
      (a square in the lower right corner, a diamond below the centre, an upright
      rectangle on the left, a quadrilateral upper right; ``HDPY_OBSTACLES``).
    - ``step_length``: 0.25, the distance per step (HDPy's ``speed * step_time``,
      0.5 * 0.5).
    - ``ir_max``: 15.0, the sensors' range.
    - ``start_box``: ``((x_lo, y_lo), (x_hi, y_hi))`` where random starts are drawn;
      default the walls' bounding box (walls that enclose their box, like the default).
    - ``start_clearance``: minimal distance of a random start from every edge; default
      ``None``, i.e. ``step_length`` (so that no first step can collide).

    >>> robot = Epuck2D()
    >>> robot.reset(position=(0.0, 0.0), pose=0.0)['x']
    0.0
    >>> s = robot.execute({'heading': math.pi})['s_signal']
    >>> s['x'], s['ir0'], s['collision']   # the rectangle's side at x = -4 is 3.75 ahead
    (-0.25, 3.75, 0.0)
    """

    defcfg = {
        "walls": HDPY_WALLS,
        "obstacles": HDPY_OBSTACLES,
        "step_length": 0.25,
        "ir_max": 15.0,
        "start_box": None,
        "start_clearance": None,
    }

    def __init__(self, cfg=None):
        super().__init__(cfg)
        cfg = self.cfg
        self.polygons = _polygons(cfg.obstacles)
        try:
            edges = segments_from(cfg.walls, self.polygons)
        except (TypeError, ValueError):
            edges = np.zeros((0,))
        if edges.ndim != 3 or edges.shape[0] == 0 or not np.all(np.isfinite(edges)):
            raise ValueError(
                f"Epuck2D: walls must be finite segments (x0, y0, x1, y1) and the arena must "
                f"have at least one edge, got walls={cfg.walls!r}"
            )
        if np.any(np.all(edges[:, 0] == edges[:, 1], axis=-1)):
            raise ValueError("Epuck2D: a wall or an obstacle side has zero length")
        self.edges = edges
        self.step_length = _positive("step_length", cfg.step_length)
        self.ir_max = _positive("ir_max", cfg.ir_max)
        if cfg.start_box is None:
            flat = edges.reshape(-1, 2)
            low, high = flat.min(axis=0), flat.max(axis=0)
        else:
            try:
                low, high = (np.asarray(c, dtype=np.float64) for c in cfg.start_box)
            except (TypeError, ValueError):
                low = high = np.zeros(0)
            if low.shape != (2,) or high.shape != (2,) or not np.all(low < high):
                raise ValueError(
                    f"Epuck2D: start_box must be ((x_lo, y_lo), (x_hi, y_hi)) with lo < hi, got {cfg.start_box!r}"
                )
        self.start_low, self.start_high = low, high
        clearance = self.step_length if cfg.start_clearance is None else cfg.start_clearance
        self.start_clearance = _positive("start_clearance", clearance)
        flat = edges.reshape(-1, 2)
        box_lo, box_hi = np.minimum(flat.min(0), low), np.maximum(flat.max(0), high)
        self.m_channels = [Channel("heading", (0.0, TWO_PI), unit="rad")]
        self.s_channels = [
            *(Channel(f"ir{k}", (0.0, self.ir_max)) for k in range(N_SENSORS)),
            Channel("x", (box_lo[0], box_hi[0])),
            Channel("y", (box_lo[1], box_hi[1])),
            Channel("pose", (0.0, TWO_PI), unit="rad"),
            Channel("collision", (0.0, 1.0)),
        ]
        self.state = None
        self.collided = False
        self.reset(seed=0)  # a robot is somewhere from the start: a seeded free pose

    # -- the pure functions, bound to this arena -------------------------------------------
    def sensors(self, state: EpuckState | None = None) -> np.ndarray:
        """The 8 readings ``(8,)`` at ``state`` (default: the robot's)."""
        return epuck_sensors(self.state if state is None else state, self.edges, self.ir_max)

    def random_start(self, rng: np.random.Generator) -> EpuckState:
        """A free start pose drawn from ``rng`` (see ``random_start``)."""
        return random_start(
            rng, self.edges, self.polygons, self.start_low, self.start_high, self.start_clearance
        )

    def observation(self, collided: bool = False) -> np.ndarray:
        """The sensory array ``(12,)`` in channel order, at the robot's state."""
        return np.concatenate(
            [self.sensors(), self.state.position, [float(self.state.pose), float(collided)]]
        )

    # -- the stateful wrapper --------------------------------------------------------------
    def reset(self, position=None, pose=None, seed=None) -> dict:
        """Place the robot; return the sensory signal there.

        ``position`` ``(x, y)`` and ``pose`` (radians) as given, or drawn by
        ``random_start`` from ``seed`` (a new generator) or from the environment's own
        generator. A given position inside an obstacle or outside the start box is
        refused with a ``ValueError`` naming it; the robot, its generator included, is then
        unchanged.
        """
        # Everything given is checked before anything is drawn or replaced, so that a
        # refused reset leaves the next random start what it would have been.
        p, angle = self._check_start(position, pose)
        rng = self.rng if seed is None else np.random.default_rng(seed)
        if position is None or pose is None:
            start = self.random_start(rng)
            p = start.position if position is None else p
            angle = start.pose if pose is None else angle
        self.rng = rng
        self.state = EpuckState(p, angle)
        self.collided = False
        return self.s_set.from_array(self.observation())

    def _check_start(self, position=None, pose=None) -> tuple:
        """``(position (2,), pose in [0, 2 pi))`` as ``reset`` takes them (``None`` where not
        given), or a ``ValueError`` naming the bad one; nothing is drawn or changed."""
        p = angle = None
        if position is not None:
            p = np.asarray(position, dtype=np.float64) if _numeric(position) else None
            if p is None or p.shape != (2,) or not np.all(np.isfinite(p)):
                raise ValueError(
                    f"Epuck2D.reset: position must be a finite (x, y), got {position!r}"
                )
            inside = any(bool(inside_polygon(p, poly)) for poly in self.polygons)
            if inside or np.any(p < self.s_set.low[8:10]) or np.any(p > self.s_set.high[8:10]):
                raise ValueError(f"Epuck2D.reset: position {p.tolist()} is not in the free arena")
        if pose is not None:
            if not _numeric(pose) or np.ndim(pose) != 0 or not math.isfinite(float(pose)):
                raise ValueError(f"Epuck2D.reset: pose must be a finite number, got {pose!r}")
            angle = np.float64(float(pose) % TWO_PI)
        return p, angle

    def _motor_command(self, m_array: np.ndarray) -> np.ndarray:
        return m_array % TWO_PI

    def _execute_vector(self, m: np.ndarray, meta=None) -> np.ndarray:
        state, collided = epuck_move(self.state, np.float64(m[0]), self.edges, self.step_length)
        self.state, self.collided = state, bool(collided)
        return self.observation(self.collided)

    def _execute(self, m_signal: dict, meta=None) -> dict:
        """The seed's dict path (``execute`` takes the array path, ``_execute_vector``)."""
        m = self._motor_command(np.array([m_signal["heading"]], dtype=np.float64))
        return self.s_set.from_array(self._execute_vector(m, meta))

    def __repr__(self) -> str:
        return (
            f"Epuck2D(edges={len(self.edges)}, step_length={self.step_length}, "
            f"ir_max={self.ir_max})"
        )


def _numeric(value) -> bool:
    try:
        return np.asarray(value).dtype.kind in "iuf"
    except (TypeError, ValueError):
        return False


def _positive(name: str, value) -> float:
    if not is_real(value):  # not a bool, a timedelta64 or an int no float holds
        raise ValueError(f"Epuck2D: {name} must be a positive number, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"Epuck2D: {name} must be positive and finite, got {value!r}")
    return float(value)
