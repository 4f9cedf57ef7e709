"""The ePuck as a Gymnasium episode task (``sensorimotor/Epuck2D-v0``)."""

import math
from collections.abc import Mapping

import numpy as np

from sensorimotor.envs.bridge.to_gym import EnvironmentGymEnv
from sensorimotor.envs.epuck.epuck import Epuck2D
from sensorimotor.envs.epuck.epuck_baseline import MAX_STEPS
from sensorimotor.envs.epuck.epuck_plant import FRONTAL_SENSORS, THETA, avoidance_reward


class Epuck2DEnv(EnvironmentGymEnv):
    """Collision avoidance with HDPy's ePuck: steer by heading, do not hit anything.

    ==================  ===============================================================
    space / value       meaning
    ==================  ===============================================================
    action              ``a`` in ``[-1, 1]``: the absolute heading ``pi (a + 1)``
                        radians (``-1`` and ``1`` both face +x, ``0`` faces -x)
    observation         ``Epuck2D``'s sensory channels in order: ``ir0..ir7``, ``x``,
                        ``y``, ``pose``, ``collision`` (``Box`` = their bounds)
    reward              ``avoidance_reward``: ``sum_k min(ir_k - theta, 0)`` over the
                        frontal sensors 0, 1, 7 (ahead, +-45 degrees), ``theta = 1``
                        (HDPy's ``CollisionAvoidanceFrontal`` in its ePuck example)
    terminated          the step hit a wall or an obstacle (the robot stopped there)
    truncated           ``max_steps`` (200) steps without a collision
    info (step)         ``{'m_signal': {'heading': executed}, 'collision': bool,
                        'steps': steps so far}``
    ==================  ===============================================================

    ``reset(seed=..., options=...)`` draws a free start (``Epuck2D.random_start``, from
    the env's ``np_random``), or takes ``options={'position': (x, y), 'pose': angle}``;
    bad options are refused before the generator is reseeded or drawn from.
    ``robot`` is an ``Epuck2D`` config (custom ``obstacles``, ``walls``, ``step_length``,
    ...). Stepping before ``reset`` or after the episode ended raises ``RuntimeError``;
    a bad action (wrong shape, NaN, not a number) raises a ``SignalError`` naming the
    ``heading`` channel, and the robot stays where it was.

    >>> import gymnasium
    >>> import sensorimotor.envs  # registers sensorimotor/Epuck2D-v0
    >>> env = gymnasium.make('sensorimotor/Epuck2D-v0').unwrapped
    >>> obs, info = env.reset(options={'position': (0.0, 0.0), 'pose': 0.0})
    >>> obs, reward, terminated, truncated, info = env.step(np.zeros(1, np.float32))
    >>> float(obs[8]), reward, terminated   # heading pi: west, 0.25 per step
    (-0.25, 0.0, False)
    """

    def __init__(
        self,
        robot=None,
        theta: float = THETA,
        max_steps: int = MAX_STEPS,
        dtype=np.float32,
        render_mode=None,
    ):
        robot = robot if isinstance(robot, Epuck2D) else Epuck2D(robot)
        if (
            isinstance(theta, bool)
            or not isinstance(theta, int | float)
            or not math.isfinite(theta)
        ):
            raise ValueError(f"theta must be a finite number, got {theta!r}")
        if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
            raise ValueError(f"max_steps must be a positive int, got {max_steps!r}")
        super().__init__(robot, normalize_actions=True, dtype=dtype, render_mode=render_mode)
        self.theta = float(theta)
        self.max_steps = max_steps
        self.steps = 0
        self.done = True  # until reset

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        # the options are checked before the generator is reseeded or drawn from, so that a
        # refused reset leaves the next random start what it would have been
        if options is not None and not isinstance(options, Mapping):
            raise TypeError(f"Epuck2DEnv.reset: options must be a dict, got {options!r}")
        options = dict(options or {})
        unknown = set(options) - {"position", "pose"}
        if unknown:
            raise ValueError(
                f"Epuck2DEnv.reset: unknown options {sorted(unknown)} (known: position, pose)"
            )
        robot = self.env
        robot._check_start(options.get("position"), options.get("pose"))
        super().reset(seed=seed, options=options)
        start = robot.random_start(self.np_random)
        position = options.get("position", start.position)
        pose = options.get("pose", float(start.pose))
        robot.reset(position=position, pose=pose)
        self.steps = 0
        self.done = False
        return self._observation(robot.observation()), {}

    def _observation(self, s_array) -> np.ndarray:
        return np.asarray(s_array, dtype=self.observation_space.dtype)

    def reward(self, m_signal: dict, s_signal: dict) -> float:
        """``avoidance_reward`` of the sensory signal's readings (``step`` computes it so)."""
        ir = np.array([s_signal[f"ir{k}"] for k in range(8)])
        return float(avoidance_reward(ir, self.theta, FRONTAL_SENSORS))

    def step(self, action):
        if self.done:
            raise RuntimeError("Epuck2DEnv: the episode has ended (or not begun); call reset()")
        m = self.motor_command(action)  # validates before the robot moves
        feedback = self.env.execute(self.env.m_set.from_array(m))
        s_signal = feedback["s_signal"]
        self.steps += 1
        collided = self.env.collided
        truncated = (not collided) and self.steps >= self.max_steps
        self.done = collided or truncated
        info = {"m_signal": dict(feedback["m_signal"]), "collision": collided, "steps": self.steps}
        s_array = self.env.s_set.array_of(s_signal)
        reward = float(avoidance_reward(s_array[:8], self.theta, FRONTAL_SENSORS))
        return self._observation(s_array), reward, collided, truncated, info
