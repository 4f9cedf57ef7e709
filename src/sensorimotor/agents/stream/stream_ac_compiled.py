r"""StreamAC compiled end to end on a JAX environment: ``make_train(env, total_timesteps,
**hyperparameters) -> train(key)``, ``jax.vmap(train)`` over seeds; the loop of
:mod:`~sensorimotor.agents.stream.stream_q_compiled` with the policy sampled instead of
epsilon-greedy and :func:`~sensorimotor.agents.stream.stream_ac_update.update` as the step. A
``Discrete`` action space gets the categorical policy, a ``Box`` one the Gaussian (the
environment receives the sample clipped to the box's bounds).

>>> import jax
>>> from sensorimotor.envs import ToyHumanoid
>>> train = make_train(ToyHumanoid(), 400, report_every=200, net_arch=[16])
>>> out = jax.jit(jax.vmap(train))(jax.random.split(jax.random.key(0), 2))
>>> print(out.metrics.episodes.tolist())
[[2, 2], [2, 2]]
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import gymnasium as gym
import jax
import jax.numpy as jnp

from sensorimotor.agents.stream.stream_ac_update import (
    StreamACConfig,
    actor_out,
    gaussian,
    init,
    observe,
    update,
)
from sensorimotor.agents.stream.stream_q_compiled import StreamQReport, StreamQRunner
from sensorimotor.base.bounds import check_count
from sensorimotor.envs.bridge.auto_reset import auto_reset_step
from sensorimotor.envs.jax_env import check_jax_env, require_jax_env

__all__ = ["StreamACTrainResult", "action_kind", "make_train"]


class StreamACTrainResult(NamedTuple):
    """What ``train(key)`` returns: the policy network's ``actor_params``, the value
    network's ``critic_params``, the final ``state`` (the loop's
    :class:`~sensorimotor.agents.stream.stream_q_compiled.StreamQRunner`, whose ``learner``
    is a :class:`~sensorimotor.agents.stream.stream_ac_update.StreamACState`: both networks
    with the observation statistics, what :meth:`~sensorimotor.agents.StreamAC.set_state`
    takes) and the ``metrics`` of every report
    (:class:`~sensorimotor.agents.stream.stream_q_compiled.StreamQReport`).

    >>> import jax
    >>> from sensorimotor.envs import CartPole
    >>> train = make_train(CartPole(), 1000, net_arch=[16])
    >>> out = jax.eval_shape(jax.vmap(train), jax.random.split(jax.random.key(0), 3))
    >>> print([layer.w.shape for layer in out.actor_params])  # 2 logits per seed
    [(3, 4, 16), (3, 16, 2)]
    >>> print([layer.w.shape for layer in out.critic_params], out.metrics.episodes.shape)
    [(3, 4, 16), (3, 16, 1)] (3, 1)
    """

    actor_params: Any
    critic_params: Any
    state: StreamQRunner
    metrics: StreamQReport


def action_kind(space) -> tuple[str, int]:
    """``("categorical", n)`` for a ``Discrete(n)`` space, ``("gaussian", d)`` for a
    ``Box`` of ``d`` numbers; a ``ValueError`` naming the space otherwise.

    >>> print(action_kind(gym.spaces.Discrete(4)), action_kind(gym.spaces.Box(-1, 1, (3,))))
    ('categorical', 4) ('gaussian', 3)
    """
    if isinstance(space, gym.spaces.Discrete):
        return "categorical", int(space.n)
    if isinstance(space, gym.spaces.Box) and len(space.shape) == 1:
        return "gaussian", int(space.shape[0])
    raise ValueError(f"StreamAC needs a Discrete or a 1-D Box action space, got {space}")


def sample_action(kind, out, key):
    """A draw of the policy with actor outputs ``out``."""
    if kind == "categorical":
        return jax.random.categorical(key, out).astype(jnp.int32)
    mean, std = gaussian(out)
    return mean + std * jax.random.normal(key, mean.shape, mean.dtype)


def make_train(
    env, total_timesteps: int, *, env_params=None, report_every: int = 1000, **hyperparameters
):
    """``train(key) -> StreamACTrainResult``: StreamAC on the JAX environment ``env`` for
    ``total_timesteps`` steps (rounded up to whole reports), a pure function of ``key``;
    ``hyperparameters`` are :class:`~sensorimotor.agents.stream.stream_ac_update.StreamACConfig`'s.

    >>> import jax
    >>> from sensorimotor.envs import ToyHumanoid
    >>> train = make_train(ToyHumanoid(), 400, report_every=200, net_arch=[16])  # Gaussian
    >>> out = jax.jit(jax.vmap(train))(jax.random.split(jax.random.key(0), 2))  # two seeds
    >>> print(out.metrics.episodes.shape, int(out.metrics.episodes.sum()) > 0)
    (2, 2) True
    >>> print([layer.w.shape for layer in out.actor_params])  # 6 means and 6 std-devs a seed
    [(2, 12, 16), (2, 16, 12)]
    """
    config = StreamACConfig.from_kwargs("StreamAC.make_train", hyperparameters)
    total = check_count("total_timesteps", total_timesteps)
    every = check_count("report_every", report_every)
    require_jax_env("StreamAC.make_train", env)
    params = env.default_params if env_params is None else env_params
    space = env.action_space(params)
    kind, n = action_kind(space)
    if kind == "gaussian":
        low = jnp.asarray(space.low, jnp.float32)
        high = jnp.asarray(space.high, jnp.float32)
    example = jnp.int32(0) if kind == "categorical" else jnp.zeros(n, jnp.float32)
    obs = check_jax_env("StreamAC.make_train", env, params, example)
    obs_dim = math.prod(obs.shape)
    num_reports = math.ceil(total / every)

    def env_step(s: StreamQRunner, _):
        key, k_act, k_step = jax.random.split(s.key, 3)
        action = sample_action(kind, actor_out(s.learner.actor.params, s.learner.obs), k_act)
        applied = action if kind == "categorical" else jnp.clip(action, low, high)
        obs, env_state, reward, terminated, truncated, info = auto_reset_step(
            env, k_step, s.env_state, applied, params
        )
        done = jnp.logical_or(terminated, truncated)
        last = jnp.reshape(info["final_observation"], (obs_dim,))
        learner, metrics = update(config, kind, s.learner, action, reward, last, terminated, done)
        fresh = observe(config, learner, jnp.reshape(obs, (obs_dim,)))
        learner = jax.tree_util.tree_map(lambda a, b: jnp.where(done, a, b), fresh, learner)
        ret = s.episode_return + jnp.asarray(reward, jnp.float32)
        s = StreamQRunner(learner, env_state, key, jnp.where(done, 0.0, ret))
        return s, (jnp.where(done, ret, 0.0), done, metrics.guard)

    def report(s, _):
        s, (ended, done, guard) = jax.lax.scan(env_step, s, None, length=every)
        return s, StreamQReport(ended.sum(), done.sum().astype(jnp.int32), guard.sum())

    def train(key) -> StreamACTrainResult:
        k_init, k_reset, k_run = jax.random.split(key, 3)
        obs, env_state = env.reset(k_reset, params)
        learner = observe(config, init(config, k_init, obs_dim, n, kind), obs.reshape(-1))
        s = StreamQRunner(learner, env_state, k_run, jnp.float32(0))
        s, metrics = jax.lax.scan(report, s, None, length=num_reports)
        return StreamACTrainResult(s.learner.actor.params, s.learner.critic.params, s, metrics)

    return train
