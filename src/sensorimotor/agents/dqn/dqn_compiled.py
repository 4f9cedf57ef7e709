r"""DQN compiled end to end on a JAX environment: ``make_dqn_train(env, total_timesteps,
**hyperparameters) -> train(key)`` (PureJaxRL's pattern), and ``jax.vmap(train)`` over
seeds.

The environment is a :class:`~sensorimotor.envs.JaxEnv` (the functional protocol of
gymnax 1.0: ``env.reset(key, params) -> (obs, state)``, ``env.step(key, state, action,
params) -> (obs, state, reward, terminated, truncated, info)``, ``env.default_params``,
``env.action_space(params).n`` or ``env.num_actions``), e.g. the library's
:class:`~sensorimotor.envs.CartPole`. An episode that ends is replaced by a fresh one
inside the loop (:func:`~sensorimotor.envs.bridge.auto_reset.auto_reset_step`); the stored
transition keeps the episode's true last observation.

One ``lax.scan`` over training phases; each phase is a ``lax.scan`` of ``train_freq``
environment steps (act, step, store in the JAX replay buffer), then the target updates
that fell in those steps (:func:`~sensorimotor.agents.dqn.dqn_update.polyak` with ``times``
:math:`k`: the network did not change between them, so :math:`k` updates are one), then,
once past ``learning_starts``, ``gradient_steps`` Adam steps: the same counting, epsilon
and learning-rate schedules and order as the Python loop of :class:`~sensorimotor.agents.DQN` (SB3's). The
run has :math:`\lceil T/\text{train\_freq}\rceil` phases.

The phase index is the scan's input, not part of the carry, so under ``vmap`` the decision
to train stays one branch for all seeds (a ``lax.cond``, not a select computing both).

Cost: the gradient steps are the run (a compiled run's 50k cart-pole steps take about a
second). On CPU, XLA computes the products of ``vmap``-batched seeds as batched products:
a training phase alone measured 0.6-0.8 ms per seed and gradient step for ten vmapped
seeds, 0.32 ms for one seed and 0.33 ms for ten in a ``jax.lax.map(train, keys)``
(``bench/deeprl.py --batching map`` runs whole seeds that way).

Why not :mod:`sensorimotor.continual.scan_loop`: its ``LoopKind`` drives a learner on a
stream whose next sample does not depend on the learner, one update per sample; here the
environment's next state depends on the agent's action, and updates come in phases
separate from the steps, with a replay buffer between them.

>>> import jax, jax.numpy as jnp
>>> from sensorimotor.agents import zoo_settings
>>> from sensorimotor.envs import CartPole
>>> train = make_dqn_train(CartPole(), 2048, **zoo_settings("DQN", "CartPole-v1"))  # rl-zoo's
>>> out = jax.jit(jax.vmap(train))(jax.random.split(jax.random.key(0), 2))
>>> print(out.metrics.loss.shape, bool((out.metrics.episodes.sum(axis=1) > 0).all()))
(2, 8) True
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from sensorimotor.agents.dqn.dqn_config import DQNConfig, exploration_rate, learning_rate_scale
from sensorimotor.agents.dqn.dqn_update import (
    Transition,
    greedy_actions,
    make_optimizer,
    polyak,
    train_phase,
)
from sensorimotor.base.bounds import check_count
from sensorimotor.envs.bridge.auto_reset import auto_reset_step
from sensorimotor.envs.jax_env import check_jax_env, require_jax_env
from sensorimotor.nets import replay_buffer as rb
from sensorimotor.nets.mlp import init_mlp

__all__ = ["PhaseMetrics", "RunnerState", "TrainResult", "make_dqn_train"]


class RunnerState(NamedTuple):
    """The carry of the compiled loop.

    Attributes:
        q_params, target_params: the Q-network and its target.
        opt_state: the optimiser's state.
        buffer: the JAX replay buffer of :class:`~sensorimotor.agents.dqn.dqn_update.Transition`.
        env_state, obs: the environment's state and current observation.
        key: the PRNG key of the next step.
        episode_return, episode_length: of the open episode.

    The final one is ``train(key).state``; its shapes, without running:

    >>> import jax
    >>> from sensorimotor.envs import CartPole
    >>> train = make_dqn_train(CartPole(), 256, buffer_size=512, net_arch=[16])
    >>> state = jax.eval_shape(train, jax.random.key(0)).state
    >>> print(state.obs.shape, state.buffer.data.obs.shape, [lay.w.shape for lay in state.q_params])
    (4,) (512, 4) [(4, 16), (16, 2)]
    """

    q_params: Any
    target_params: Any
    opt_state: Any
    buffer: Any
    env_state: Any
    obs: Any
    key: Any
    episode_return: Any
    episode_length: Any


class PhaseMetrics(NamedTuple):
    """Per training phase (leading axis: phases; ``vmap`` adds the seeds' in front).

    Attributes:
        loss: mean loss of the phase's gradient steps (NaN before learning starts).
        episode_return_sum: summed returns of the episodes that ended in the phase.
        episodes: how many ended.

    >>> import jax
    >>> from sensorimotor.envs import CartPole
    >>> train = make_dqn_train(CartPole(), 256, train_freq=64, net_arch=[16])
    >>> metrics = jax.eval_shape(train, jax.random.key(0)).metrics  # 256 / 64 phases
    >>> print(metrics.loss.shape, metrics.episodes.dtype)
    (4,) int32
    """

    loss: Any
    episode_return_sum: Any
    episodes: Any


class TrainResult(NamedTuple):
    """What ``train(key)`` returns: the final ``q_params`` (for
    :meth:`~sensorimotor.agents.DQN.set_parameters`), the whole final ``state`` and the
    ``metrics`` of every phase.

    >>> import jax
    >>> from sensorimotor.envs import CartPole
    >>> train = make_dqn_train(CartPole(), 256, train_freq=64, net_arch=[16])
    >>> out = jax.eval_shape(jax.vmap(train), jax.random.split(jax.random.key(0), 3))
    >>> print(out.q_params[0].w.shape, out.metrics.loss.shape)  # seeds first, then phases
    (3, 4, 16) (3, 4)
    """

    q_params: Any
    state: RunnerState
    metrics: PhaseMetrics


def _spaces(owner: str, env, params) -> tuple[tuple[int, ...], int]:
    """The observation shape and the number of actions of a discrete JAX environment,
    checked against the protocol (:func:`~sensorimotor.envs.jax_env.check_jax_env`); a
    ``ValueError`` naming ``owner`` for an action space that is not discrete (a ``Box``
    would otherwise be read as ``num_actions`` discrete actions).

    >>> from sensorimotor.envs import CartPole, ToyHumanoid
    >>> _spaces("DQN.make_train", CartPole(), None)
    ((4,), 2)
    >>> _spaces("DQN.make_train", ToyHumanoid(), None)
    Traceback (most recent call last):
    ...
    ValueError: DQN.make_train needs a discrete action space (action_space(params).n), got Box(-1.0, 1.0, (6,), float32) from ToyHumanoid(discrete_actions=False)
    """
    require_jax_env(owner, env)
    params = env.default_params if params is None else params
    space = getattr(env, "action_space", None)
    if callable(space):
        space = space(params)
        n = getattr(space, "n", None)
    else:  # a gymnax-like environment without spaces
        n = getattr(env, "num_actions", None)
    if n is None:
        raise ValueError(
            f"{owner} needs a discrete action space (action_space(params).n), got {space} "
            f"from {env!r}"
        )
    obs = check_jax_env(owner, env, params, jnp.int32(0))
    return tuple(obs.shape), int(n)


def make_dqn_train(env, total_timesteps: int, *, env_params=None, **hyperparameters):
    """``DQN.make_train``: ``train(key) -> TrainResult``, DQN on the JAX environment ``env`` for
    ``total_timesteps`` steps (rounded up to whole phases), a pure function of ``key``.

    ``hyperparameters`` are :class:`~sensorimotor.agents.dqn.dqn_config.DQNConfig`'s;
    ``env_params`` default to ``env.default_params``. ``jax.jit(jax.vmap(train))`` over
    ``jax.random.split(key, n)`` trains ``n`` seeds at once, compiled once.

    >>> import jax
    >>> from sensorimotor.agents import DQN, zoo_settings
    >>> from sensorimotor.envs import CartPole
    >>> settings = zoo_settings("DQN", "CartPole-v1")  # a phase of 256 steps, from step 1000
    >>> train = make_dqn_train(CartPole(), 2048, **settings)
    >>> out = jax.jit(jax.vmap(train))(jax.random.split(jax.random.key(0), 2))  # two seeds
    >>> loss = out.metrics.loss[0]  # seed 0's; NaN for the phases before learning starts
    >>> print(loss.shape, bool(jnp.isnan(loss[2])), bool(jnp.isnan(loss[3])))
    (8,) True False
    >>> print(out.state.buffer.count.tolist())
    [2048, 2048]
    >>> agent = DQN("CartPole-v1", **settings)  # the Python agent, to act with a network
    >>> agent.set_parameters(jax.tree_util.tree_map(lambda a: a[0], out.q_params))
    >>> print(int(agent.predict(jnp.zeros(4))[0]) in (0, 1))
    True
    """
    config = DQNConfig.from_kwargs("DQN.make_train", hyperparameters)
    total = check_count("total_timesteps", total_timesteps)
    obs_shape, n_actions = _spaces("DQN.make_train", env, env_params)
    params = env.default_params if env_params is None else env_params
    c = config
    num_phases = math.ceil(total / c.train_freq)
    optimizer = make_optimizer(c.learning_rate, c.max_grad_norm, c.adam_eps)

    def env_step(s: RunnerState, t):
        key, k_eps, k_random, k_step = jax.random.split(s.key, 4)
        eps = jnp.where(t < c.learning_starts, 1.0, exploration_rate(c, t, total))
        greedy = greedy_actions(s.q_params, s.obs[None])[0]
        random = jax.random.randint(k_random, (), 0, n_actions, jnp.int32)
        action = jnp.where(jax.random.uniform(k_eps) < eps, random, greedy)
        obs, env_state, reward, terminated, truncated, info = auto_reset_step(
            env, k_step, s.env_state, action, params
        )
        reward = jnp.asarray(reward, jnp.float32)
        last_obs = info["final_observation"].astype(jnp.float32)
        item = Transition(s.obs, action, reward, last_obs, terminated.astype(jnp.float32))
        buffer = rb.add(s.buffer, item)
        done = jnp.logical_or(terminated, truncated)
        obs = obs.astype(jnp.float32)
        ret = s.episode_return + reward
        length = s.episode_length + 1
        ended = jnp.where(done, ret, 0.0)
        s = s._replace(
            buffer=buffer,
            env_state=env_state,
            obs=obs,
            key=key,
            episode_return=jnp.where(done, 0.0, ret),
            episode_length=jnp.where(done, 0, length),
        )
        return s, (ended, done)

    def learn(s: RunnerState, last):
        key, k_sample = jax.random.split(s.key)
        flat = rb.sample(s.buffer, k_sample, c.gradient_steps * c.batch_size)
        batches = jax.tree_util.tree_map(
            lambda a: a.reshape(c.gradient_steps, c.batch_size, *a.shape[1:]), flat
        )
        q, opt_state, losses = train_phase(
            s.q_params,
            s.target_params,
            s.opt_state,
            batches,
            optimizer=optimizer,
            gamma=c.gamma,
            double_q=bool(c.double_q),
            lr_scale=learning_rate_scale(c, last, total),
        )
        return s._replace(q_params=q, opt_state=opt_state, key=key), jnp.mean(losses)

    def skip(s: RunnerState, last):
        return s, jnp.float32(jnp.nan)

    def phase(s: RunnerState, i):
        first = i * c.train_freq
        s, (ended, done) = jax.lax.scan(env_step, s, first + jnp.arange(c.train_freq))
        last = first + c.train_freq
        times = last // c.target_update_interval - first // c.target_update_interval
        s = s._replace(target_params=polyak(s.q_params, s.target_params, c.tau, times))
        s, loss = jax.lax.cond(last > c.learning_starts, learn, skip, s, last)
        return s, PhaseMetrics(loss, ended.sum(), done.sum().astype(jnp.int32))

    def train(key) -> TrainResult:
        k_init, k_reset, k_run = jax.random.split(key, 3)
        q = init_mlp(k_init, math.prod(obs_shape), c.net_arch, n_actions, init=c.net_init)
        zeros = jnp.zeros(obs_shape, jnp.float32)
        item = Transition(zeros, jnp.int32(0), jnp.float32(0), zeros, jnp.float32(0))
        obs, env_state = env.reset(k_reset, params)
        s = RunnerState(
            q_params=q,
            target_params=q,
            opt_state=optimizer.init(q),
            buffer=rb.init(item, c.buffer_size),
            env_state=env_state,
            obs=obs.astype(jnp.float32),
            key=k_run,
            episode_return=jnp.float32(0),
            episode_length=jnp.int32(0),
        )
        s, metrics = jax.lax.scan(phase, s, jnp.arange(num_phases))
        return TrainResult(s.q_params, s, metrics)

    return train
