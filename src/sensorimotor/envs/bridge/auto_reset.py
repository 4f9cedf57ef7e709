"""Reset a functional JAX environment where its episode ends, inside compiled code."""

import jax
import jax.numpy as jnp

from sensorimotor.envs.jax_env import JaxEnv


def auto_reset_step(env: JaxEnv, key, state, action, params=None):
    """``env.step``, then, where the episode ended, the first state of a new one.

    With ``done = terminated | truncated``::

        obs, state = where(done, env.reset(k_reset), (obs', state'))
        info['final_observation'] = obs'   (the observation the episode ended on)

    (kept from ``env``'s ``info`` when ``env`` already resets itself, e.g. is an
    ``AutoReset``, so that wrapping twice, or handing ``make_train`` an ``AutoReset``,
    still bootstraps from the true last observation).

    Reward, ``terminated`` and ``truncated`` are those of the step taken, so a learner
    bootstraps from ``info['final_observation']`` where ``truncated``. Both branches are
    computed and selected (no Python ``if``), as ``lax.scan`` and ``vmap`` need.

    >>> import jax
    >>> from sensorimotor.envs import CartPole
    >>> env = CartPole()
    >>> _, state = env.reset(jax.random.key(0))
    >>> state = state._replace(time=state.time + 499)  # one step before the time limit
    >>> obs, state, _, _, truncated, info = auto_reset_step(env, jax.random.key(1), state, 0)
    >>> bool(truncated), int(state.time), bool((obs != info['final_observation']).any())
    (True, 0, True)
    """
    if params is None:
        params = env.default_params
    key_step, key_reset = jax.random.split(key)
    obs_step, state_step, reward, terminated, truncated, info = env.step(
        key_step, state, action, params
    )
    obs_reset, state_reset = env.reset(key_reset, params)
    done = jnp.logical_or(terminated, truncated)
    state = jax.tree.map(lambda r, s: jnp.where(done, r, s), state_reset, state_step)
    obs = jnp.where(done, obs_reset, obs_step)
    # An env that resets itself (an AutoReset, as the docs build one) already knows the
    # observation its episode ended on; obs_step is then the new episode's first one.
    final = info.get("final_observation", obs_step)
    return obs, state, reward, terminated, truncated, {**info, "final_observation": final}


class AutoReset(JaxEnv):
    """A ``JaxEnv`` whose ``step`` is ``auto_reset_step`` of the wrapped ``env``: one
    ``lax.scan`` runs episode after episode.

    >>> import jax
    >>> from sensorimotor.envs import CartPole
    >>> env = AutoReset(CartPole())
    >>> obs, state = env.reset(jax.random.key(0))
    >>> def body(carry, key):
    ...     state, = carry
    ...     obs, state, reward, terminated, truncated, _ = env.step(key, state, 0)
    ...     return (state,), terminated
    >>> _, terminated = jax.lax.scan(body, (state,), jax.random.split(jax.random.key(1), 100))
    >>> int(terminated.sum()) > 3  # always pushing left: many short episodes
    True
    """

    def __init__(self, env: JaxEnv):
        if not isinstance(env, JaxEnv):
            raise TypeError(f"AutoReset wraps a JaxEnv, got {type(env).__name__}")
        self.env = env

    @property
    def name(self) -> str:
        return f"AutoReset({self.env.name})"

    @property
    def default_params(self):
        return self.env.default_params

    def check_params(self, params) -> None:
        """The wrapped environment's check."""
        self.env.check_params(params)

    def reset_env(self, key, params):
        return self.env.reset(key, params)

    def step_env(self, key, state, action, params):
        return auto_reset_step(self.env, key, state, action, params)

    def observation_space(self, params=None):
        return self.env.observation_space(params)

    def action_space(self, params=None):
        return self.env.action_space(params)

    def __repr__(self) -> str:
        return f"AutoReset({self.env!r})"
