r"""Stream Q(:math:`\lambda`)'s step as pure functions: one update per environment step,
no replay buffer, no target network (Elsayed, Vasan & Mahmood 2024).

For a transition :math:`(s, a, r, s')` with :math:`s, s'` normalised observations and
:math:`\tilde r` the scaled reward (:mod:`~sensorimotor.agents.stream.stream_x`):

.. math::
    \delta &= \tilde r + \gamma (1 - \text{terminated}) \max_{a'} q_w(s', a') - q_w(s, a) \\
    z &\leftarrow \gamma\lambda\, z + \nabla_w q_w(s, a) \\
    w &\leftarrow w + \alpha_{\text{eff}}\,\delta\, z
    \qquad \text{(ObGD, } \alpha_{\text{eff}} = \alpha / \max(\alpha\kappa\max(|\delta|,1)\|z\|_1, 1)) \\
    z &\leftarrow 0 \quad \text{if } a \text{ was not greedy or the episode ended.}

The trace is cut after a non-greedy action (``explored`` is true when the action taken
differs from the greedy one), since the greedy policy's return cannot be traced back
through it. It is cut after that step's update, as in the authors' reference
implementation, whose ObGD step takes ``reset = done or non-greedy`` and zeroes the trace
once the weights have moved: the exploratory step's own :math:`\delta` still reaches the
pairs before it. (Watkins's textbook form cuts one step earlier; over 100 seeds of
``bench/streamx.py`` the two solve the cart-pole equally often: BENCHMARKS.md.) The
update of the trace and of the weights, and the divergence guard, are those of the
streaming :class:`~sensorimotor.continual.MLPLearner`
(:meth:`~sensorimotor.continual.MLPLearner.step_from_gradient`).

The same functions run the Python loop of :class:`~sensorimotor.agents.StreamQ` (jitted,
one call per step) and the compiled :func:`~sensorimotor.agents.stream.stream_q_compiled.make_train`.

>>> import jax, jax.numpy as jnp
>>> from sensorimotor.agents.stream.stream_q_config import StreamQConfig
>>> config = StreamQConfig()
>>> s = observe(config, init(config, jax.random.key(0), 4, 2), jnp.ones(4))
>>> s, m = update(config, s, 1, 1.0, jnp.full(4, 2.0), False, False, False)
>>> print(s.q.step, float(m.td_error) != 0.0)
1 True
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from sensorimotor.agents.stream.stream_x import (
    OBS_NORMALIZER,
    RewardScaleState,
    init_network,
    init_reward_scale,
    network_learner,
    normalise_observation,
    normalised_observation,
    scale_reward,
    zero_trace,
)
from sensorimotor.continual.mlp import MLPState
from sensorimotor.nets.mlp import Dense, mlp_apply, mlp_value_and_grad
from sensorimotor.rules.normalizers import WelfordNormalizerState

__all__ = [
    "StreamQMetrics",
    "StreamQState",
    "action_value_and_grad",
    "init",
    "observe",
    "q_values",
    "update",
]


class StreamQState(NamedTuple):
    """All of a StreamQ learner (a pytree).

    Attributes:
        q: the Q-network's :class:`~sensorimotor.continual.MLPState` (parameters, trace,
            optimiser state, counters).
        obs_stats: Welford statistics of the observations.
        reward_scale: :class:`~sensorimotor.agents.stream.stream_x.RewardScaleState`.
        obs: the current observation, normalised.

    >>> import jax
    >>> from sensorimotor.agents.stream.stream_q_config import StreamQConfig
    >>> state = init(StreamQConfig(), jax.random.key(0), obs_dim=4, n_actions=2)
    >>> print([layer.w.shape for layer in state.q.params], state.obs.shape, int(state.q.step))
    [(4, 32), (32, 32), (32, 2)] (4,) 0
    """

    q: MLPState
    obs_stats: WelfordNormalizerState
    reward_scale: RewardScaleState
    obs: Any


class StreamQMetrics(NamedTuple):
    """Per update: the TD error :math:`\\delta` (of the scaled reward), ObGD's
    :math:`\\alpha_{\\text{eff}}`, and 1.0 where the guard discarded the update.

    >>> import jax, jax.numpy as jnp
    >>> from sensorimotor.agents.stream.stream_q_config import StreamQConfig
    >>> config = StreamQConfig()
    >>> s = observe(config, init(config, jax.random.key(0), 4, 2), jnp.ones(4))
    >>> s, m = update(config, s, 0, 1.0, jnp.zeros(4), True, True, False)  # reward 1, the end
    >>> print(round(float(m.td_error), 3), float(m.guard), 0.0 < float(m.effective_step_size) <= 1.0)
    1.0 0.0 True
    """

    td_error: Any
    effective_step_size: Any
    guard: Any


def init(config, key, obs_dim: int, n_actions: int) -> StreamQState:
    """A fresh learner for observations ``(obs_dim,)`` and ``n_actions`` actions.

    >>> import jax
    >>> from sensorimotor.agents.stream.stream_q_config import StreamQConfig
    >>> state = init(StreamQConfig(), jax.random.key(0), obs_dim=4, n_actions=2)
    >>> print(q_values(state.q.params, state.obs).shape, int(state.obs_stats.count))
    (2,) 0
    """
    learner = network_learner(config, config.kappa)
    q = init_network(learner, key, obs_dim, n_actions)
    stats = OBS_NORMALIZER.init(obs_dim, xp=jnp, dtype=jnp.float32)
    return StreamQState(q, stats, init_reward_scale(), jnp.zeros(obs_dim, jnp.float32))


def observe(config, state: StreamQState, obs) -> StreamQState:
    """``state`` with ``obs`` (raw) as the current observation: the statistics updated
    with it, then it normalised (the first observation of an episode).

    >>> import jax, jax.numpy as jnp
    >>> from sensorimotor.agents.stream.stream_q_config import StreamQConfig
    >>> config = StreamQConfig()
    >>> state = observe(config, init(config, jax.random.key(0), 4, 2), jnp.arange(4.0))
    >>> print(int(state.obs_stats.count), state.obs)  # a first observation normalises to 0
    1 [0. 0. 0. 0.]
    """
    stats, obs = normalise_observation(config, state.obs_stats, obs)
    return state._replace(obs_stats=stats, obs=obs)


def normalised(config, state: StreamQState, obs):
    """``obs`` (raw, ``(..., obs_dim)``) normalised by the statistics so far, unchanged."""
    return normalised_observation(config, state.obs_stats, obs)


def q_values(params, obs):
    r"""Action values ``(n_actions,)`` of one normalised observation: the network's
    outputs, :math:`q_w(s, \cdot) = f_w(s)` (:func:`~sensorimotor.nets.mlp.mlp_apply`).

    >>> import jax, jax.numpy as jnp
    >>> from sensorimotor.nets.mlp import init_mlp
    >>> params = init_mlp(jax.random.key(0), 3, (16,), 2)
    >>> q = q_values(params, jnp.array([0.5, -1.0, 2.0]))
    >>> print(q.shape, q.dtype)
    (2,) float32
    """
    return mlp_apply(params, obs)


def action_value_and_grad(params, obs, action):
    """``(q(obs, action), its gradient w.r.t. params, the gradient's 1-norm)``.

    The library's fused :func:`~sensorimotor.nets.mlp.mlp_value_and_grad` on the network
    whose output layer keeps only the column of ``action``; the other columns' gradient is
    zero. Fewer kernels than ``jax.grad`` of the whole network (the Python loop's cost).

    >>> import jax, jax.numpy as jnp
    >>> from sensorimotor.nets.mlp import init_mlp
    >>> params = init_mlp(jax.random.key(0), 3, (16,), 2)
    >>> x = jnp.array([0.5, -1.0, 2.0])
    >>> v, g, l1 = action_value_and_grad(params, x, 1)
    >>> g2 = jax.grad(lambda p: q_values(p, x)[1])(params)
    >>> print(bool(jnp.allclose(g[1].w, g2[1].w, atol=1e-6)), float(g[1].b[0]))
    True 0.0
    """
    *hidden, last = params
    column = Dense(
        jax.lax.dynamic_slice_in_dim(last.w, action, 1, axis=1),
        jax.lax.dynamic_slice_in_dim(last.b, action, 1),
    )
    value, grads, l1 = mlp_value_and_grad((*hidden, column), obs)
    one_hot = jax.nn.one_hot(action, last.b.shape[0], dtype=last.b.dtype)
    top = grads[-1]
    full = Dense(top.w * one_hot[None, :], top.b * one_hot)
    return value, (*grads[:-1], full), l1


def update(config, state: StreamQState, action, reward, next_obs, terminated, done, explored):
    """One Stream Q(:math:`\\lambda`) step (see the module) for the transition from
    ``state.obs`` by ``action`` to the raw ``next_obs`` (the episode's true last
    observation where it ended); ``done`` = terminated or truncated, ``explored`` = the
    action was not the greedy one. Returns ``(state, StreamQMetrics)``; the new current
    observation is ``next_obs`` normalised (call :func:`observe` with the next episode's
    first observation where ``done``).

    >>> import jax, jax.numpy as jnp
    >>> from sensorimotor.agents.stream.stream_q_config import StreamQConfig
    >>> from sensorimotor.rules.obgd import tree_l1_norm
    >>> config = StreamQConfig()
    >>> s = observe(config, init(config, jax.random.key(0), 4, 2), jnp.ones(4))
    >>> s, m = update(config, s, 1, 1.0, jnp.full(4, 2.0), False, False, False)
    >>> print(int(s.q.step), float(tree_l1_norm(s.q.trace)) > 0)  # greedy: the trace is kept
    1 True
    >>> s, m = update(config, s, 0, 0.0, jnp.full(4, 3.0), False, False, True)
    >>> print(int(s.q.step), float(tree_l1_norm(s.q.trace)) > 0)  # explored: it is cut
    2 False
    """
    learner = network_learner(config, config.kappa)
    stats, next_norm = normalise_observation(config, state.obs_stats, next_obs)
    reward = jnp.asarray(reward, jnp.float32)
    if config.scale_rewards:
        reward_scale, reward = scale_reward(state.reward_scale, reward, done, config.gamma)
    else:
        reward_scale = state.reward_scale
    params = state.q.params
    bootstrap = jnp.max(q_values(params, next_norm))
    target = reward + config.gamma * (1.0 - jnp.asarray(terminated, jnp.float32)) * bootstrap
    value, grads, grads_l1 = action_value_and_grad(params, state.obs, action)
    error = target - value
    q, metrics, _ = learner.step_from_gradient(state.q, grads, error, grads_l1)
    q = zero_trace(q, jnp.logical_or(explored, done))
    new = StreamQState(q, stats, reward_scale, next_norm)
    return new, StreamQMetrics(error, metrics.effective_step_size, metrics.guard)
