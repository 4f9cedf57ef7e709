"""A tiny continuous task for the policy agents' tests: the observation is a random sign
``s`` in {-1, 1} (shape ``(1,)``), the action one number in ``[-1, 1]``, the reward
``-|a - 0.5 s|``; episodes are ``length`` steps (truncated). A perfect agent returns 0."""

import gymnasium as gym
import numpy as np


class SignEnv(gym.Env):
    def __init__(self, length: int = 5):
        self.length = length
        self.observation_space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)

    def _draw(self):
        self._sign = float(self.np_random.choice([-1.0, 1.0]))
        return np.array([self._sign], np.float32)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._t = 0
        return self._draw(), {}

    def step(self, action):
        reward = -abs(float(np.asarray(action).reshape(-1)[0]) - 0.5 * self._sign)
        self._t += 1
        return self._draw(), reward, False, self._t >= self.length, {}
