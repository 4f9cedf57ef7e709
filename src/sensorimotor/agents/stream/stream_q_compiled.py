r"""StreamQ compiled end to end on a JAX environment: ``make_train(env, total_timesteps,
**hyperparameters) -> train(key)``, and ``jax.vmap(train)`` over seeds (PureJaxRL's
pattern, as :func:`~sensorimotor.agents.dqn.dqn_compiled.make_dqn_train` for DQN).

One ``lax.scan`` over reports of ``report_every`` steps, each a ``lax.scan`` of steps: act
epsilon-greedily on :math:`q(s, \cdot)` (:func:`~sensorimotor.agents.dqn.dqn_config.
exploration_rate`, SB3's linear schedule), step the environment (an episode that ends is
replaced by a fresh one, :func:`~sensorimotor.envs.bridge.auto_reset.auto_reset_step`; the update
bootstraps from the episode's true last observation), then one Stream Q(:math:`\lambda`)
update (:func:`~sensorimotor.agents.stream.stream_q_update.update`): the same functions as the
Python loop of :class:`~sensorimotor.agents.StreamQ`. Per report the loop keeps the sum of
the returns of the episodes that ended and their count, not a per-step array.

>>> import jax
>>> from sensorimotor.envs import CartPole
>>> train = make_train(CartPole(), 1000)  # one report of 1000 steps
>>> out = jax.jit(jax.vmap(train))(jax.random.split(jax.random.key(0), 2))
>>> print(out.metrics.episodes.shape, bool((out.metrics.episodes.sum(axis=1) > 0).all()))
(2, 1) True
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from sensorimotor.agents.dqn.dqn_compiled import _spaces
from sensorimotor.agents.dqn.dqn_config import exploration_rate
from sensorimotor.agents.stream.stream_q_config import StreamQConfig
from sensorimotor.agents.stream.stream_q_update import StreamQState, init, observe, q_values, update
from sensorimotor.base.bounds import check_count
from sensorimotor.envs.bridge.auto_reset import auto_reset_step

__all__ = ["StreamQReport", "StreamQRunner", "StreamQTrainResult", "make_train"]


class StreamQRunner(NamedTuple):
    """The carry of the compiled loop: the learner, the environment's state, the key of
    the next step, the open episode's return.

    The final one is ``train(key).state``; its shapes, without running:

    >>> import jax
    >>> from sensorimotor.envs import CartPole
    >>> runner = jax.eval_shape(make_train(CartPole(), 100), jax.random.key(0)).state
    >>> print(runner.learner.obs.shape, runner.episode_return.shape)  # CartPole's 4 numbers
    (4,) ()
    """

    learner: StreamQState
    env_state: Any
    key: Any
    episode_return: Any


class StreamQReport(NamedTuple):
    """Per report (leading axis: reports; ``vmap`` adds the seeds' in front): summed
    returns of the episodes that ended in it, how many ended, discarded updates.

    >>> import jax
    >>> from sensorimotor.envs import CartPole
    >>> train = make_train(CartPole(), 2000, report_every=500)
    >>> metrics = jax.eval_shape(train, jax.random.key(0)).metrics  # 2000 / 500 reports
    >>> print(metrics.episodes.shape, metrics.episodes.dtype)
    (4,) int32
    """

    episode_return_sum: Any
    episodes: Any
    guard: Any


class StreamQTrainResult(NamedTuple):
    """What ``train(key)`` returns: the Q-network's ``q_params``, the final ``state`` and
    the ``metrics`` of every report.

    >>> import jax
    >>> from sensorimotor.envs import CartPole
    >>> train = make_train(CartPole(), 1000, net_arch=[16])
    >>> out = jax.eval_shape(jax.vmap(train), jax.random.split(jax.random.key(0), 3))
    >>> print([layer.w.shape for layer in out.q_params], out.metrics.episodes.shape)
    [(3, 4, 16), (3, 16, 2)] (3, 1)
    """

    q_params: Any
    state: StreamQRunner
    metrics: StreamQReport


def make_train(
    env, total_timesteps: int, *, env_params=None, report_every: int = 1000, **hyperparameters
):
    """``train(key) -> StreamQTrainResult``: StreamQ on the JAX environment ``env`` for
    ``total_timesteps`` steps (rounded up to whole reports of ``report_every`` steps), a
    pure function of ``key``; ``hyperparameters`` are
    :class:`~sensorimotor.agents.stream.stream_q_config.StreamQConfig`'s. The epsilon schedule
    runs over ``total_timesteps``.

    >>> import jax
    >>> from sensorimotor.envs import CartPole
    >>> train = make_train(CartPole(), 1000)
    >>> out = jax.jit(jax.vmap(train))(jax.random.split(jax.random.key(0), 2))  # two seeds
    >>> print([layer.w.shape for layer in out.q_params])  # seeds first; the default net
    [(2, 4, 32), (2, 32, 32), (2, 32, 2)]
    >>> seed_1 = jax.tree_util.tree_map(lambda a: a[1], out.state.learner)  # StreamQ.set_state
    >>> print(int(seed_1.obs_stats.count) > 1000)  # its normaliser saw every observation
    True
    """
    config = StreamQConfig.from_kwargs("StreamQ.make_train", hyperparameters)
    total = check_count("total_timesteps", total_timesteps)
    every = check_count("report_every", report_every)
    obs_shape, n_actions = _spaces("StreamQ.make_train", env, env_params)
    params = env.default_params if env_params is None else env_params
    obs_dim = math.prod(obs_shape)
    num_reports = math.ceil(total / every)

    def env_step(s: StreamQRunner, t):
        key, k_eps, k_random, k_step = jax.random.split(s.key, 4)
        greedy = jnp.argmax(q_values(s.learner.q.params, s.learner.obs)).astype(jnp.int32)
        random = jax.random.randint(k_random, (), 0, n_actions, jnp.int32)
        explore = jax.random.uniform(k_eps) < exploration_rate(config, t, total)
        action = jnp.where(explore, random, greedy)
        obs, env_state, reward, terminated, truncated, info = auto_reset_step(
            env, k_step, s.env_state, action, params
        )
        done = jnp.logical_or(terminated, truncated)
        last = jnp.reshape(info["final_observation"], (obs_dim,))
        learner, metrics = update(
            config, s.learner, action, reward, last, terminated, done, action != greedy
        )
        fresh = observe(config, learner, jnp.reshape(obs, (obs_dim,)))
        learner = jax.tree_util.tree_map(lambda a, b: jnp.where(done, a, b), fresh, learner)
        ret = s.episode_return + jnp.asarray(reward, jnp.float32)
        s = StreamQRunner(learner, env_state, key, jnp.where(done, 0.0, ret))
        return s, (jnp.where(done, ret, 0.0), done, metrics.guard)

    def report(s: StreamQRunner, i):
        s, (ended, done, guard) = jax.lax.scan(env_step, s, i * every + jnp.arange(every))
        return s, StreamQReport(ended.sum(), done.sum().astype(jnp.int32), guard.sum())

    def train(key) -> StreamQTrainResult:
        k_init, k_reset, k_run = jax.random.split(key, 3)
        obs, env_state = env.reset(k_reset, params)
        learner = observe(config, init(config, k_init, obs_dim, n_actions), obs.reshape(-1))
        s = StreamQRunner(learner, env_state, k_run, jnp.float32(0))
        s, metrics = jax.lax.scan(report, s, jnp.arange(num_reports))
        return StreamQTrainResult(s.learner.q.params, s, metrics)

    return train
