"""The toy humanoid as a Gymnasium environment (``sensorimotor/ToyHumanoid-v0`` and
``sensorimotor/ToyHumanoidDiscrete-v0``)."""

import gymnasium
import numpy as np

from sensorimotor.envs.action_checks import check_box_action, check_discrete_action
from sensorimotor.envs.bridge.to_gym import box_space
from sensorimotor.envs.humanoid.toy_humanoid_dynamics import (
    N_JOINTS,
    ToyHumanoidParams,
    check_toy_humanoid_params,
    discrete_torques,
    toy_humanoid_bounds,
    toy_humanoid_reward,
    toy_humanoid_step,
)


class ToyHumanoidEnv(gymnasium.Env):
    """The robot-learning lesson's toy humanoid, repaired, as a Gymnasium environment.

    ==============  ================================================================
    space / value   meaning
    ==============  ================================================================
    observation     6 joint angles then 6 velocities, float32, shape ``(12,)``, in
                    the box no episode can leave (``toy_humanoid_bounds``)
    action          6 torques in ``[-1, 1]`` (outside clipped); with
                    ``discrete_actions`` an int in ``[0, 13)``: 0 no torque,
                    ``1 + 2j`` +1 on joint ``j``, ``2 + 2j`` -1 on it
    reward          ``-|q[:3] - target| + 0.1 [q[2] > 0.5] - 0.5 #{|q_j| > 1.5}``
    terminated      never
    truncated       after ``max_steps`` = 100 steps
    info (step)     ``{'torque': the torques applied}``
    ==============  ================================================================

    The step and the reward are ``toy_humanoid_step`` and ``toy_humanoid_reward``, as in
    the JAX face ``ToyHumanoid``; the state is kept in float64. Keyword arguments:
    ``discrete_actions`` (``False``; ``sensorimotor/ToyHumanoidDiscrete-v0`` sets it),
    and any field of ``ToyHumanoidParams`` (``target``, ``max_steps``, ...). A bad
    action (NaN, a wrong shape, a float or out-of-range discrete action) raises an error
    naming ``action`` and leaves the episode as it was; so does a step past the end.

    >>> env = ToyHumanoidEnv()
    >>> obs, info = env.reset(seed=0)
    >>> total = 0.0
    >>> for _ in range(100):
    ...     obs, reward, terminated, truncated, info = env.step(np.array([1, 0, 1, 0, 0, 0], np.float32))
    ...     total += reward
    >>> truncated, round(total, 1)
    (True, -107.4)
    """

    metadata = {"render_modes": []}

    def __init__(self, discrete_actions: bool = False, render_mode: str | None = None, **params):
        if render_mode is not None:
            raise ValueError(f"ToyHumanoidEnv has no render modes, got {render_mode!r}")
        if not isinstance(discrete_actions, bool):
            raise TypeError(f"discrete_actions must be a bool, got {discrete_actions!r}")
        unknown = sorted(set(params) - set(ToyHumanoidParams._fields))
        if unknown:
            raise TypeError(f"ToyHumanoidEnv: unknown keyword arguments {unknown}")
        self.params = check_toy_humanoid_params(ToyHumanoidParams(**params))
        self.render_mode = None
        self.discrete_actions = discrete_actions
        self._table = discrete_torques()
        high = toy_humanoid_bounds(self.params)
        self.observation_space = box_space(-high, high, np.float32)
        if discrete_actions:
            self.action_space = gymnasium.spaces.Discrete(len(self._table))
        else:
            self.action_space = gymnasium.spaces.Box(-1.0, 1.0, (N_JOINTS,), np.float32)
        self.state = None  # float64 (12,)
        self.steps = 0

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        r = self.params.init_range
        self.state = self.np_random.uniform(-r, r, 2 * N_JOINTS)
        self.steps = 0
        return self.state.astype(np.float32), {}

    def torque(self, action) -> np.ndarray:
        """The torques (float64, ``(6,)``) an action applies, or an error naming ``action``."""
        if self.discrete_actions:
            return self._table[check_discrete_action(action, self.action_space)].copy()
        return check_box_action(action, self.action_space)

    def step(self, action):
        if self.state is None:
            raise RuntimeError("ToyHumanoidEnv: call reset() before step()")
        torque = self.torque(action)
        if self.steps >= self.params.max_steps:
            raise RuntimeError("ToyHumanoidEnv: the episode was truncated; call reset()")
        self.state = toy_humanoid_step(self.state, torque, self.params)
        self.steps += 1
        reward = float(toy_humanoid_reward(self.state, self.params))
        truncated = self.steps >= self.params.max_steps
        return self.state.astype(np.float32), reward, False, truncated, {"torque": torque}
