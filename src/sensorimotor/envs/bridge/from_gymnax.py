"""A gymnax environment under the library's ``JaxEnv`` protocol (gymnax is not a dependency)."""

import gymnasium
import jax.numpy as jnp
import numpy as np

from sensorimotor.envs.jax_env import JaxEnv


class FromGymnax(JaxEnv):
    """A gymnax (1.0) environment seen as a ``JaxEnv``: ``done`` split in two.

    gymnax's ``step_env(key, state, action, params)`` returns ``(obs, state, reward, done,
    info)`` without resetting; here it returns::

        truncated  = done & (state.time >= params.max_steps_in_episode)
        terminated = done & ~truncated

    (an environment without ``time`` or ``max_steps_in_episode`` never truncates). An
    episode that fails on its very last allowed step reads as truncated: gymnax does not
    tell the two apart there. gymnax's spaces become Gymnasium's (``Discrete`` and
    ``Box``). Use it as any ``JaxEnv``, ``AutoReset`` included; gymnax itself is needed
    only to build the environment handed in (``gymnax.make(name)``)::

        env, params = gymnax.make('CartPole-v1')
        env = FromGymnax(env, params)

    >>> class Coin:  # the smallest thing with gymnax's methods
    ...     default_params = None
    ...     num_actions = 2
    ...     def reset_env(self, key, params):
    ...         return jnp.zeros(1), jnp.zeros(())
    ...     def step_env(self, key, state, action, params):
    ...         return jnp.ones(1), state, jnp.ones(()), jnp.asarray(True), {}
    >>> env = FromGymnax(Coin())
    >>> obs, state = env.reset(None)
    >>> _, _, reward, terminated, truncated, _ = env.step(None, state, 0)
    >>> float(reward), bool(terminated), bool(truncated)
    (1.0, True, False)
    """

    def __init__(self, env, params=None):
        for method in ("reset_env", "step_env"):
            if not callable(getattr(env, method, None)):
                raise TypeError(f"FromGymnax needs a gymnax environment, got {env!r} (no {method})")
        self.env = env
        self._params = params

    @property
    def name(self) -> str:
        return f"FromGymnax({getattr(self.env, 'name', type(self.env).__name__)})"

    @property
    def default_params(self):
        return self.env.default_params if self._params is None else self._params

    def reset_env(self, key, params):
        return self.env.reset_env(key, params)

    def step_env(self, key, state, action, params):
        obs, state, reward, done, info = self.env.step_env(key, state, action, params)
        done = jnp.asarray(done, bool)
        time = getattr(state, "time", None)
        limit = getattr(params, "max_steps_in_episode", None)
        if time is None or limit is None:
            truncated = jnp.zeros_like(done)
        else:
            truncated = done & (time >= limit)
        return obs, state, reward, done & ~truncated, truncated, dict(info)

    def observation_space(self, params=None):
        return gymnasium_space(
            self.env.observation_space(self.default_params if params is None else params)
        )

    def action_space(self, params=None):
        return gymnasium_space(
            self.env.action_space(self.default_params if params is None else params)
        )

    @property
    def num_actions(self) -> int:
        return int(self.env.num_actions)


def gymnasium_space(space):
    """The Gymnasium space of a gymnax ``Discrete`` or ``Box`` (one with ``n``, or with
    ``low``, ``high``, ``shape`` and ``dtype``).

    >>> class Box:
    ...     low, high, shape, dtype = -1.0, 1.0, (2,), jnp.float32
    >>> gymnasium_space(Box())
    Box(-1.0, 1.0, (2,), float32)
    """
    if isinstance(space, gymnasium.spaces.Space):
        return space
    n = getattr(space, "n", None)
    if n is not None:
        return gymnasium.spaces.Discrete(int(n))
    dtype = np.dtype(space.dtype)
    shape = tuple(int(d) for d in space.shape)
    low = np.broadcast_to(np.asarray(space.low, dtype), shape)
    high = np.broadcast_to(np.asarray(space.high, dtype), shape)
    return gymnasium.spaces.Box(low, high, shape, dtype)
