"""Tiny solvable environments for the agents' tests (SB3's identity environments): the
observation is a one-hot code of a target drawn at random at every step, and the reward
is 1 when the action names the target, else 0. Episodes are ``length`` steps long
(truncated, never terminated), so a perfect agent returns ``length``."""

from typing import NamedTuple

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.envs.jax_env import JaxEnv


class IdentityEnv(gym.Env):
    """The identity task as a Gymnasium environment (NumPy)."""

    def __init__(self, n: int = 3, length: int = 10):
        self.n, self.length = n, length
        self.observation_space = gym.spaces.Box(0.0, 1.0, (n,), np.float32)
        self.action_space = gym.spaces.Discrete(n)

    def _obs(self):
        return np.eye(self.n, dtype=np.float32)[self._target]

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._t = 0
        self._target = int(self.np_random.integers(self.n))
        return self._obs(), {}

    def step(self, action):
        reward = float(int(action) == self._target)
        self._t += 1
        self._target = int(self.np_random.integers(self.n))
        return self._obs(), reward, False, self._t >= self.length, {}


class IdentityParams(NamedTuple):
    length: int = 10


class IdentityState(NamedTuple):
    target: jax.Array
    time: jax.Array


class IdentityJaxEnv(JaxEnv):
    """The identity task under the functional JAX protocol."""

    def __init__(self, n: int = 3):
        self.n = n

    @property
    def default_params(self):
        return IdentityParams()

    def reset_env(self, key, params):
        state = IdentityState(jax.random.randint(key, (), 0, self.n), jnp.int32(0))
        return jax.nn.one_hot(state.target, self.n), state

    def step_env(self, key, state, action, params):
        reward = (action == state.target).astype(jnp.float32)
        state = IdentityState(jax.random.randint(key, (), 0, self.n), state.time + 1)
        obs = jax.nn.one_hot(state.target, self.n)
        return obs, state, reward, jnp.bool_(False), state.time >= params.length, {}

    def observation_space(self, params=None):
        return gym.spaces.Box(0.0, 1.0, (self.n,), np.float32)

    def action_space(self, params=None):
        return gym.spaces.Discrete(self.n)


class NaNEnv(IdentityEnv):
    """Returns a NaN observation at its third step."""

    def step(self, action):
        obs, reward, terminated, truncated, info = super().step(action)
        if self._t == 3:
            obs = np.full(self.n, np.nan, np.float32)
        return obs, reward, terminated, truncated, info
