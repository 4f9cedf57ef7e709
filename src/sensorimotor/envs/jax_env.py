"""The functional JAX environment protocol (gymnax's shape, terminated and truncated apart)."""

from typing import Any

import gymnasium
import jax


class JaxEnv:
    """An environment written as pure functions of JAX arrays, for compiled training.

    The shape is gymnax 1.0's, except that ``step`` returns Gymnasium's ``terminated`` and
    ``truncated`` apart where gymnax returns one ``done``, and does not reset by itself
    (wrap the environment in ``AutoReset`` for the form a ``lax.scan`` over many episodes
    needs)::

        obs, state = env.reset(key, params)
        obs, state, reward, terminated, truncated, info = env.step(key, state, action, params)

    ``state`` is a ``NamedTuple`` of arrays (a pytree: it crosses ``jit``, ``vmap`` and
    ``lax.scan``), ``params`` a ``NamedTuple`` of numbers whose values can change from one
    call to the next without a recompile (``None`` means ``default_params``), and ``info``
    a dict of arrays with the same keys at every step. ``terminated`` says the episode
    reached a terminal state (no bootstrap past it); ``truncated`` that it was cut short
    (by a time limit). Neither ``reset`` nor ``step`` has a Python side effect, so both
    ``jax.jit`` and ``jax.vmap`` apply; shapes of one environment (no batch axis) are
    stated by each class, and ``vmap`` makes batches.

    A subclass implements ``default_params``, ``reset_env``, ``step_env``,
    ``observation_space`` and ``action_space`` (Gymnasium spaces, read for shapes and
    bounds, not used inside compiled code), as a gymnax environment does.

    >>> import jax
    >>> from sensorimotor.envs import CartPole
    >>> env = CartPole()
    >>> obs, state = env.reset(jax.random.key(0))
    >>> obs, state, reward, terminated, truncated, info = env.step(jax.random.key(1), state, 1)
    >>> obs.shape, float(reward), bool(terminated), bool(truncated), env.num_actions
    ((4,), 1.0, False, False, 2)
    """

    @property
    def name(self) -> str:
        return type(self).__name__

    @property
    def default_params(self) -> Any:
        raise NotImplementedError(f"{self.name} must define default_params")

    def reset(self, key, params=None):
        """``(obs, state)`` at the start of an episode drawn with ``key``."""
        if params is None:
            params = self.default_params
        self.check_params(params)
        return self.reset_env(key, params)

    def step(self, key, state, action, params=None):
        """``(obs, state, reward, terminated, truncated, info)`` after ``action`` in ``state``."""
        if params is None:
            params = self.default_params
        self.check_params(params)
        return self.step_env(key, state, action, params)

    def check_params(self, params) -> None:
        """Refuse ``params`` outside their bounds, naming the field (values known here: an
        eager call's, or constants under ``jit``; traced ones pass). By default nothing."""

    def reset_env(self, key, params):
        raise NotImplementedError(f"{self.name} must implement reset_env")

    def step_env(self, key, state, action, params):
        raise NotImplementedError(f"{self.name} must implement step_env")

    def observation_space(self, params=None):
        raise NotImplementedError(f"{self.name} must implement observation_space")

    def action_space(self, params=None):
        raise NotImplementedError(f"{self.name} must implement action_space")

    @property
    def num_actions(self) -> int:
        """The number of discrete actions, or the action dimension of a ``Box``."""
        space = self.action_space(self.default_params)
        n = getattr(space, "n", None)
        if n is not None:
            return int(n)
        size = 1
        for d in space.shape:
            size *= int(d)
        return size

    def __repr__(self) -> str:
        return f"{self.name}()"


def require_jax_env(owner: str, env) -> None:
    """A ``TypeError`` naming ``owner`` unless ``env`` has the protocol's ``reset`` and
    ``step`` (a Gymnasium id or env, which trains with the agent's ``learn``, has not).

    >>> require_jax_env("DQN.make_train", "CartPole-v1")
    Traceback (most recent call last):
    ...
    TypeError: DQN.make_train trains on a JAX environment (JaxEnv: reset(key, params), step(key, state, action, params)), got 'CartPole-v1'; a Gymnasium one trains with the agent's learn()
    """
    if (
        isinstance(env, str | gymnasium.Env)
        or not callable(getattr(env, "reset", None))
        or not callable(getattr(env, "step", None))
    ):
        raise TypeError(
            f"{owner} trains on a JAX environment (JaxEnv: reset(key, params), "
            f"step(key, state, action, params)), got {env!r}; a Gymnasium one trains with "
            "the agent's learn()"
        )


def check_jax_env(owner: str, env, params, action) -> Any:
    """The shape of ``env``'s observation, once ``env`` is checked against the protocol
    without running it (``jax.eval_shape``: no compile): ``reset`` returns ``(obs,
    state)``, ``step`` with ``action`` returns the six values of ``JaxEnv.step`` with an
    observation of the shape of ``reset``'s and scalar ``reward``,
    ``terminated`` and ``truncated``. Anything else is a ``TypeError`` (not an environment)
    or a ``ValueError`` naming ``owner`` and what was wrong, raised before a compiled loop
    fails with a message about its own internals.

    >>> import jax, jax.numpy as jnp
    >>> from sensorimotor.envs import CartPole
    >>> check_jax_env("DQN.make_train", CartPole(), None, jnp.int32(0))
    ShapeDtypeStruct(shape=(4,), dtype=float32)
    >>> check_jax_env("DQN.make_train", "CartPole-v1", None, jnp.int32(0))
    Traceback (most recent call last):
    ...
    TypeError: DQN.make_train trains on a JAX environment (JaxEnv: reset(key, params), step(key, state, action, params)), got 'CartPole-v1'; a Gymnasium one trains with the agent's learn()
    """
    require_jax_env(owner, env)
    if params is None:
        params = env.default_params
    reset = jax.eval_shape(env.reset, jax.random.key(0), params)
    if not isinstance(reset, tuple) or len(reset) != 2:
        raise ValueError(f"{owner}: {env!r}.reset must return (obs, state), got {reset}")
    obs, state = reset
    if not hasattr(obs, "shape"):
        raise ValueError(f"{owner}: {env!r}.reset's observation must be an array, got {obs}")
    out = jax.eval_shape(env.step, jax.random.key(0), state, action, params)
    if not isinstance(out, tuple) or len(out) != 6:
        size = len(out) if isinstance(out, tuple) else 1
        raise ValueError(
            f"{owner}: {env!r}.step must return 6 values (obs, state, reward, terminated, "
            f"truncated, info), got {size}; a gymnax environment (done in one) goes in "
            "FromGymnax"
        )
    step_obs, _, reward, terminated, truncated, _ = out
    if getattr(step_obs, "shape", None) != obs.shape:
        raise ValueError(
            f"{owner}: {env!r}.step's observation must have reset's shape {obs.shape}, "
            f"got {step_obs}"
        )
    for name, value in (("reward", reward), ("terminated", terminated), ("truncated", truncated)):
        if getattr(value, "shape", None) != ():
            raise ValueError(f"{owner}: {env!r}.step's {name} must be a scalar, got {value}")
    return obs
