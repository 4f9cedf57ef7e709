"""The Ant's walking plant as a Gymnasium episode task (``sensorimotor/AntGait-v0``; the
``mujoco`` extra)."""

from __future__ import annotations

import numpy as np

from sensorimotor.base.bounds import COUNT, check_value
from sensorimotor.envs.ant.ant_gait import AntGait
from sensorimotor.envs.ant.ant_plant import ForwardDistance
from sensorimotor.envs.bridge.to_gym import EnvironmentGymEnv, box_space


class AntGaitEnv(EnvironmentGymEnv):
    """Walk forward with MuJoCo's Ant, commanding joint targets (:class:`AntGait`) and
    rewarded by :class:`ForwardDistance`, the plant of ``sensorimotor adhdp ant``.

    ==================  ===============================================================
    space / value       meaning
    ==================  ===============================================================
    action              the eight joint targets ``hip_1, ankle_1, ..., hip_4, ankle_4``,
                        each in ``[-1, 1]`` over its joint's range (0: the range's
                        middle), held for one step of ``AntGait``'s PD servo (0.02 s)
    observation         ``AntGait``'s sensory channels in order: ``x, y, z, up, vx, vy,
                        time`` (``x, y`` from the episode's start); the ``Box`` is what
                        an episode can reach (``|x|, |y| <= 20 m/s`` times its length,
                        ``|vx|, |vy| <= 20``, ``z`` in ``[0, 5]``)
    reward              ``ForwardDistance``: the forward distance covered in the step,
                        ``x_{t+1} - x_t`` (m)
    terminated          the Ant flipped (``up < 0``)
    truncated           ``max_steps`` steps (1000 by default: 20 s)
    ==================  ===============================================================

    A sine gait over these targets is ``sensorimotor.agents.SineGait`` (HDPy's Puppy
    role: the gait's parameters are the actor-critic's action; the agents layer drives
    this environment's ``AntGait`` through it). ``reset(seed=...)`` is ``Ant-v5``'s seeded
    reset. A bad action (wrong shape, NaN) raises a ``SignalError`` naming it and the Ant
    does not move.

    >>> import gymnasium
    >>> import sensorimotor.envs  # registers sensorimotor/AntGait-v0
    >>> env = gymnasium.make('sensorimotor/AntGait-v0')
    >>> obs, info = env.reset(seed=0)
    >>> for _ in range(50):   # every joint at the middle of its range: standing
    ...     obs, reward, terminated, truncated, info = env.step(np.zeros(8))
    >>> print(round(float(obs[6]), 2), terminated, abs(reward) < 0.01)   # 1 s, standing
    1.0 False True
    """

    def __init__(self, ant=None, max_steps: int = 1000, render_mode=None):
        check_value("AntGaitEnv", "max_steps", max_steps, COUNT)
        ant = ant if isinstance(ant, AntGait) else AntGait(ant)
        super().__init__(ant, normalize_actions=True, dtype=np.float64, render_mode=render_mode)
        # AntGait's position and speed channels are unbounded; the task's box is what an
        # episode can reach (the fastest gaits cover about 1.5 m/s), so that agents that
        # scale by the box, and Gymnasium's checks, get finite bounds
        reach = 20.0 * self.env.dt * max_steps  # metres at 20 m/s: far beyond any gait
        low = np.array([-reach, -reach, 0.0, -1.0, -20.0, -20.0, 0.0])
        high = np.array([reach, reach, 5.0, 1.0, 20.0, 20.0, self.env.dt * max_steps])
        self.observation_space = box_space(low, high, np.float64)
        self.plant = ForwardDistance()
        self.max_steps = int(max_steps)
        self.steps = 0
        self.done = True  # until reset

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        # refused before the generator is reseeded or drawn from
        if options:
            raise ValueError(f"AntGaitEnv.reset takes no options, got {sorted(options)}")
        super().reset(seed=seed, options=options)
        # Ant-v5's reset noise comes from the env's own generator: seed it from ours
        s_signal = self.env.reset(seed=int(self.np_random.integers(2**31)))
        self.plant.reset()
        self.steps = 0
        self.done = False
        return self._observation(s_signal), {}

    def _observation(self, s_signal) -> np.ndarray:
        return np.asarray(self.env.s_set.array_of(s_signal), dtype=self.observation_space.dtype)

    def reward(self, m_signal: dict, s_signal: dict) -> float:
        """``ForwardDistance.reward``: the forward distance since the last step."""
        return self.plant.reward(s_signal)

    def step(self, action):
        if self.done:
            raise RuntimeError("AntGaitEnv: the episode has ended (or not begun); call reset()")
        m = self.motor_command(action)  # validates before the Ant moves
        feedback = self.env.execute(self.env.m_set.from_array(m))
        s_signal = feedback["s_signal"]
        self.steps += 1
        reward = self.plant.reward(s_signal)
        terminated = self.plant.terminal(s_signal)
        truncated = (not terminated) and self.steps >= self.max_steps
        self.done = terminated or truncated
        info = {"m_signal": dict(feedback["m_signal"]), "steps": self.steps}
        return self._observation(s_signal), reward, terminated, truncated, info


__doctest_requires__ = ("mujoco",)  # the root conftest skips the doctests without it

__all__ = ["AntGaitEnv"]
