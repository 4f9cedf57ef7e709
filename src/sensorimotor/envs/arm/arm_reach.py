"""The planar arm as a one-step Gymnasium reaching task (``sensorimotor/ArmReach-v0``)."""

import math
from collections.abc import Mapping

import numpy as np

from sensorimotor.envs.arm.kinematic_arm import KinematicArm2D, arm_forward
from sensorimotor.envs.bridge.to_gym import EnvironmentGymEnv

ARM_PRESETS = {"mid7": KinematicArm2D.mid7, "arm20": KinematicArm2D.arm20}


def make_arm(arm) -> KinematicArm2D:
    """An arm from a preset name (``'mid7'``, ``'arm20'``), a config dict, or an arm.

    >>> make_arm('arm20').dim, make_arm({'dim': 3}).dim
    (20, 3)
    """
    if isinstance(arm, KinematicArm2D):
        return arm
    if isinstance(arm, str):
        try:
            return ARM_PRESETS[arm]()
        except KeyError:
            raise ValueError(f"unknown arm preset {arm!r} (known: {sorted(ARM_PRESETS)})") from None
    if isinstance(arm, Mapping):
        return KinematicArm2D(arm)
    raise TypeError(f"arm must be a preset name, a config dict or a KinematicArm2D, got {arm!r}")


class ArmReachEnv(EnvironmentGymEnv):
    """Reach a random goal with a planar arm in one step.

    ==================  ===============================================================
    space / value       meaning
    ==================  ===============================================================
    observation         the goal ``(x, y)`` after ``reset``; the tip ``(x, y)`` after
                        ``step``. ``Box`` = the arm's reach box ``origin +- length``
    action              joint angles normalised by the joint limits: ``a_j`` in
                        ``[-1, 1]`` is the angle ``lo_j + (a_j + 1) (hi_j - lo_j) / 2``
    reward              ``-|tip - goal|`` (Euclidean distance, same units as lengths)
    termination         after the one step (``terminated=True``, never truncated)
    info (step)         ``{'m_signal': joint angles in degrees, 'distance': |tip - goal|}``
    ==================  ===============================================================

    ``reset`` draws joint angles uniformly within the limits from the environment's
    ``np_random`` and takes their tip as the goal, so every goal is reachable (goals follow
    the arm's own distribution: denser near the centre for many joints). ``arm`` chooses the
    arm: ``'mid7'`` (default), ``'arm20'``, a ``KinematicArm2D`` config dict, or an arm.
    ``dtype`` is that of both spaces (``float32`` by default, the convention of RL agents);
    the reward is computed in float64.

    >>> import gymnasium
    >>> import sensorimotor.envs  # registers sensorimotor/ArmReach-v0
    >>> env = gymnasium.make('sensorimotor/ArmReach-v0', arm={'dim': 2, 'lengths': 0.5})
    >>> goal, info = env.reset(seed=0)
    >>> obs, reward, terminated, truncated, info = env.step(np.zeros(2, np.float32))
    >>> obs.tolist(), terminated  # straight arm: the tip is at (1, 0)
    ([1.0, 0.0], True)
    >>> bool(np.isclose(reward, -np.hypot(goal[0] - 1.0, goal[1])))
    True
    """

    def __init__(self, arm="mid7", dtype=np.float32, render_mode=None):
        super().__init__(
            make_arm(arm), normalize_actions=True, dtype=dtype, render_mode=render_mode
        )
        self.goal = None  # float64 (x, y) of the current goal
        self.goal_angles = None  # a posture (degrees) that reaches it

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed, options=options)
        arm = self.env
        self.goal_angles = arm.m_set.random(self.np_random)
        self.goal = arm_forward(self.goal_angles, arm.lengths, arm.origin)
        return self.goal.astype(self.observation_space.dtype), {}

    def reward(self, m_signal: dict, s_signal: dict) -> float:
        return -self.distance(s_signal)

    def distance(self, s_signal: dict) -> float:
        """Distance from the tip in ``s_signal`` to the current goal."""
        if self.goal is None:
            raise RuntimeError("ArmReachEnv: call reset() before step()")
        return math.hypot(s_signal["x"] - self.goal[0], s_signal["y"] - self.goal[1])

    def step(self, action):
        if self.goal is None:  # before the arm moves: without a goal there is no reward
            raise RuntimeError("ArmReachEnv: call reset() before step()")
        obs, reward, terminated, truncated, info = super().step(action)
        info["distance"] = -reward
        return obs, reward, terminated, truncated, info
