r"""DQN's pure functions: Q-values, the TD target, the Huber loss, a training phase.

The Q-network is the library's MLP (:mod:`sensorimotor.nets.mlp`: ReLU, no LayerNorm,
started as ``DQNConfig.net_init`` says), one output per action. On a batch of transitions
:math:`(s, a, r, s', d)` (``d`` = terminated; a time-limit truncation is not a
termination, so its next state is bootstrapped), with target parameters
:math:`\bar\theta`:

.. math::
    y = r + \gamma (1 - d)\, Q_{\bar\theta}(s', a^*),\qquad
    a^* = \begin{cases}\arg\max_b Q_{\theta}(s', b) & \text{double DQN}\\
    \arg\max_b Q_{\bar\theta}(s', b) & \text{DQN}\end{cases}

    L(\theta) = \tfrac1B \sum_i H_1(Q_\theta(s_i, a_i) - y_i),\qquad
    H_1(x) = \begin{cases}x^2/2 & |x| \le 1\\ |x| - 1/2 & \text{else}\end{cases}

(Mnih et al. 2015; van Hasselt, Guez and Silver 2016 for double DQN; :math:`H_1` is
PyTorch's ``smooth_l1_loss``, SB3's choice). The gradient's global norm is clipped to
``max_grad_norm``, then Adam steps (``optax.chain(clip_by_global_norm, adam)``). A
training phase is ``gradient_steps`` such steps on presampled batches, one ``lax.scan``,
the target fixed during it. The target update is Polyak's,
:math:`\bar\theta \leftarrow \tau\theta + (1-\tau)\bar\theta`; ``k`` of them in a row with
the same :math:`\theta` are :math:`\bar\theta \leftarrow \theta + (1-\tau)^k(\bar\theta -
\theta)`, which the compiled loop applies once per phase.

>>> import jax, jax.numpy as jnp
>>> from sensorimotor.nets.mlp import init_mlp
>>> params = init_mlp(jax.random.key(0), 2, (8,), 3, init="lecun")
>>> batch = Transition(jnp.ones((4, 2)), jnp.array([0, 1, 2, 0]), jnp.ones(4),
...                    jnp.zeros((4, 2)), jnp.array([0.0, 0.0, 1.0, 1.0]))
>>> print(q_values(params, batch.obs).shape, round(float(td_targets(params, params, batch,
...       0.9)[2]), 3))
(4, 3) 1.0
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from sensorimotor.nets.mlp import mlp_apply

__all__ = [
    "Transition",
    "dqn_loss",
    "greedy_actions",
    "huber_loss",
    "make_optimizer",
    "polyak",
    "q_values",
    "td_targets",
    "train_phase",
]


class Transition(NamedTuple):
    """One transition (or a batch: a leading axis on every field).

    Attributes:
        obs: the observation the action was taken in, ``(*obs_shape,)`` float32.
        action: the action's index, int32 scalar.
        reward: the reward received, float32 scalar.
        next_obs: the observation after the step (the true last one at an episode's end,
            not the next episode's first).
        terminated: 1.0 if the episode ended in a terminal state (no bootstrap), else 0.0.

    A DQN's replay buffer holds them, one leading axis of ``buffer_size`` slots:

    >>> from sensorimotor.agents import DQN
    >>> agent = DQN("CartPole-v1", buffer_size=100, net_arch=[8])
    >>> stats = agent.learn(20)  # before learning_starts: random actions, stored
    >>> data = agent.buffer.data
    >>> print(data.obs.shape, int(agent.buffer.count), data.action[:20].max() <= 1)
    (100, 4) 20 True
    """

    obs: Any
    action: Any
    reward: Any
    next_obs: Any
    terminated: Any


def q_values(params, obs):
    """Q-values of a batch of observations ``(B, *obs_shape) -> (B, n_actions)``.

    >>> from sensorimotor.nets.mlp import Dense
    >>> params = (Dense(jnp.array([[1.0, -1.0]]), jnp.array([0.0, 0.5])),)  # Q = (s, 0.5 - s)
    >>> print(q_values(params, jnp.array([[2.0], [-1.0]])).tolist())
    [[2.0, -1.5], [-1.0, 1.5]]
    """
    flat = obs.reshape(obs.shape[0], -1)
    return jax.vmap(lambda x: mlp_apply(params, x, activation="relu", layer_norm=False))(flat)


def greedy_actions(params, obs):
    """``argmax_a Q(s, a)`` of each observation of a batch, ``(B,)`` int32; ties take the
    first action.

    >>> from sensorimotor.nets.mlp import Dense
    >>> params = (Dense(jnp.array([[1.0, -1.0]]), jnp.array([0.0, 0.5])),)  # Q = (s, 0.5 - s)
    >>> print(greedy_actions(params, jnp.array([[2.0], [-2.0], [0.25]])))  # 0.25: a tie
    [0 1 0]
    """
    return jnp.argmax(q_values(params, obs), axis=-1).astype(jnp.int32)


def td_targets(
    params, target_params, batch: Transition, gamma, double_q: bool = False, next_target=None
):
    r"""The TD targets :math:`y` of the module's equation, ``(B,)``, no gradient through.

    ``next_target``: :math:`Q_{\bar\theta}(s', \cdot)`, ``(B, n_actions)``, if already
    computed (else from ``target_params``).

    >>> from sensorimotor.nets.mlp import Dense
    >>> params = (Dense(jnp.array([[1.0, -1.0]]), jnp.array([0.0, 0.5])),)  # Q = (s, 0.5 - s)
    >>> batch = Transition(jnp.zeros((2, 1)), jnp.array([0, 0]), jnp.ones(2), jnp.zeros((2, 1)),
    ...                    jnp.array([0.0, 1.0]))  # the second transition terminated
    >>> print(td_targets(params, params, batch, 0.9).round(3).tolist())  # 1 + 0.9 * 0.5, 1
    [1.45, 1.0]
    """
    if next_target is None:
        next_target = q_values(target_params, batch.next_obs)
    chooser = q_values(params, batch.next_obs) if double_q else next_target
    best = jnp.argmax(chooser, axis=-1)
    next_value = jnp.take_along_axis(next_target, best[:, None], axis=-1)[:, 0]
    y = batch.reward + gamma * (1.0 - batch.terminated) * next_value
    return jax.lax.stop_gradient(y)


def huber_loss(error, delta: float = 1.0):
    r"""Huber's loss of each error: :math:`x^2/2` for :math:`|x|\le\delta`, else
    :math:`\delta(|x| - \delta/2)` (PyTorch's ``smooth_l1_loss`` when ``delta`` is 1).

    >>> print(huber_loss(jnp.array([0.5, -2.0, 3.0])).tolist())
    [0.125, 1.5, 2.5]
    """
    return optax.losses.huber_loss(error, delta=delta)


def dqn_loss(
    params, target_params, batch: Transition, gamma, double_q: bool = False, next_target=None
):
    """Mean Huber loss of :math:`Q_\\theta(s, a)` against :func:`td_targets`.

    >>> from sensorimotor.nets.mlp import Dense
    >>> params = (Dense(jnp.array([[1.0, -1.0]]), jnp.array([0.0, 0.5])),)  # Q = (s, 0.5 - s)
    >>> batch = Transition(jnp.array([[1.0]]), jnp.array([0]), jnp.array([1.0]),
    ...                    jnp.array([[0.0]]), jnp.array([0.0]))
    >>> print(round(float(dqn_loss(params, params, batch, 0.9)), 5))  # y = 1 + 0.9 * 0.5
    0.10125
    """
    y = td_targets(params, target_params, batch, gamma, double_q, next_target)
    q = q_values(params, batch.obs)
    taken = jnp.take_along_axis(q, batch.action[:, None].astype(jnp.int32), axis=-1)[:, 0]
    return jnp.mean(huber_loss(taken - y))


def make_optimizer(
    learning_rate: float, max_grad_norm: float, eps: float = 1e-8
) -> optax.GradientTransformation:
    """SB3's optimiser: the gradient clipped to global norm ``max_grad_norm``, then Adam
    (``eps`` added to the root of the second moment: PyTorch's default 1e-8).

    >>> opt = make_optimizer(1e-3, 10.0)
    >>> print(type(opt.init({"w": jnp.zeros(2)})).__name__)
    tuple
    """
    return optax.chain(optax.clip_by_global_norm(max_grad_norm), optax.adam(learning_rate, eps=eps))


def train_phase(
    params,
    target_params,
    opt_state,
    batches: Transition,
    *,
    optimizer,
    gamma,
    double_q: bool = False,
    lr_scale=1.0,
):
    """``gradient_steps`` Adam steps, one per batch of ``batches`` (each field with leading
    axes ``(gradient_steps, batch_size)``), the target fixed; each step's update is
    multiplied by ``lr_scale`` (a learning-rate schedule's factor for the phase: Adam's step
    is proportional to its rate, and the optimiser's state keeps one shape for every
    schedule).

    Returns:
        ``(params, opt_state, losses)``: ``losses`` ``(gradient_steps,)``, each the loss
        before its step.

    >>> from sensorimotor.nets.mlp import init_mlp
    >>> params = init_mlp(jax.random.key(0), 2, (8,), 2, init="lecun")
    >>> optimizer = make_optimizer(1e-2, 10.0)
    >>> batch = Transition(jnp.ones((2, 2)), jnp.array([0, 1]), jnp.ones(2), jnp.ones((2, 2)),
    ...                    jnp.ones(2))  # terminal: the targets are the rewards, 1
    >>> batches = jax.tree.map(lambda a: jnp.stack([a] * 20), batch)  # 20 steps of batch 2
    >>> params, state, losses = train_phase(params, params, optimizer.init(params), batches,
    ...                                     optimizer=optimizer, gamma=0.99)
    >>> print(losses.shape, bool(losses[-1] < losses[0]))
    (20,) True
    """
    grad_fn = jax.value_and_grad(dqn_loss)
    # The target is fixed for the phase: its values of all the batches' next observations
    # in one pass (one large product is cheaper than gradient_steps small ones).
    steps, size = batches.reward.shape
    next_obs = batches.next_obs.reshape(steps * size, *batches.next_obs.shape[2:])
    next_target = q_values(target_params, next_obs).reshape(steps, size, -1)

    def one(carry, inputs):
        p, s = carry
        batch, nt = inputs
        loss, grads = grad_fn(p, target_params, batch, gamma, double_q, nt)
        updates, s = optimizer.update(grads, s, p)
        updates = jax.tree_util.tree_map(lambda u: u * lr_scale, updates)
        return (optax.apply_updates(p, updates), s), loss

    (params, opt_state), losses = jax.lax.scan(one, (params, opt_state), (batches, next_target))
    return params, opt_state, losses


def polyak(params, target_params, tau, times=1):
    r"""``times`` Polyak updates of the target with the same ``params``:
    :math:`\bar\theta \leftarrow \theta + (1-\tau)^k(\bar\theta - \theta)`
    (``times`` 0 leaves it; ``tau`` 1 copies).

    >>> print(float(polyak(jnp.array(1.0), jnp.array(0.0), 0.5, times=2)))
    0.75
    """
    keep = jnp.power(1.0 - tau, times)
    return jax.tree_util.tree_map(lambda p, t: p + keep * (t - p), params, target_params)


def jitted(config) -> tuple:
    """``(greedy_actions, train_phase, polyak)`` jitted for ``config`` (a
    :class:`~sensorimotor.agents.dqn.dqn_config.DQNConfig`): compiled once per shapes and
    per the settings the update reads (``learning_rate``, ``max_grad_norm``, ``adam_eps``,
    ``gamma``, ``double_q``), shared by every agent with those: agents that differ only
    in, say, their exploration schedule or initialisation compile once."""
    phase = _jitted_phase(
        float(config.learning_rate),
        float(config.max_grad_norm),
        float(config.adam_eps),
        float(config.gamma),
        bool(config.double_q),
    )
    return _GREEDY, phase, _POLYAK


_GREEDY = jax.jit(greedy_actions)
_POLYAK = jax.jit(polyak)


@functools.lru_cache(maxsize=64)
def _jitted_phase(learning_rate, max_grad_norm, adam_eps, gamma, double_q):
    optimizer = make_optimizer(learning_rate, max_grad_norm, adam_eps)
    return jax.jit(
        functools.partial(train_phase, optimizer=optimizer, gamma=gamma, double_q=double_q)
    )
