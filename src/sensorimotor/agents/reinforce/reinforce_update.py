r"""REINFORCE's update (Williams 1992, "Simple statistical gradient-following algorithms
for connectionist reinforcement learning"): discounted returns, their normalisation, an
optional learned baseline, and one Adam step on a batch of whole episodes.

For a batch of episodes padded to a common length (``mask`` 1 on real steps, 0 after the
end), with returns :math:`G_t = \sum_{k \ge t} \gamma^{k-t} r_k`:

.. math::
    \hat G_t = (G_t - \bar G) / (\operatorname{sd} G + 10^{-8})
    \quad\text{(over the batch's real steps, if normalised)}

    A_t = \hat G_t - V_\phi(s_t)\ \text{(baseline, no gradient into } V\text{)}
    \quad\text{or}\quad A_t = \hat G_t

    L(\theta, \phi) = -\langle \log\pi_\theta(a_t|s_t) A_t\rangle
    + c_v \langle (V_\phi(s_t) - \hat G_t)^2\rangle - c_e \langle H[\pi_\theta(\cdot|s_t)]\rangle

(:math:`\langle\cdot\rangle` the mean over real steps). The gradient is clipped to a global
norm, then Adam steps (``optax.chain(clip_by_global_norm, adam)``, DQN's optimiser).

Where this departs from the lesson, Williams and Stable-Baselines3, in order and edges:

* A truncated episode (a time limit) ends its returns like a terminated one:
  :math:`G_t` sums the rewards up to the last step, with no bootstrap from
  :math:`V_\phi` of the final observation. That is Monte Carlo REINFORCE as in Williams
  and in the lesson (whose ``done`` is its step limit); SB3's A2C and PPO instead add
  :math:`\gamma V(s_T)` at a truncation. So the last steps of a capped episode (the
  last ~100 of CartPole-v1's 500 at :math:`\gamma = 0.99`, every step of the toy
  humanoid's 100) get smaller returns than their states are worth.
* The returns are normalised over all the batch's real steps (every episode of the
  batch pooled), with the population standard deviation (``ddof=0``) plus ``1e-8``; the
  lesson normalises each episode alone with PyTorch's unbiased ``std`` plus ``1e-9``. With
  ``episodes_per_update=1`` (the default) the two differ only by
  :math:`\sqrt{(n-1)/n}` in the scale. Pooling keeps the signal between episodes (a long
  episode's returns stay above a short one's), which per-episode normalisation removes.
* The baseline regresses on the normalised returns, and the advantage is the normalised
  return less the baseline, not re-normalised (SB3's PPO normalises the advantage after
  subtracting its value instead).
* The advantage uses :math:`V_\phi` as it was before this step: the baseline and the
  policy take the same Adam step from one joint loss (as SB3's A2C does), so a batch's
  own returns never enter its baseline (rllab's order: fit the baseline after computing
  the advantages). The global-norm clip covers both networks together.
* The policy term is a mean over the batch's real steps, where Williams and the lesson
  sum over an episode's steps: the raw gradient scales with 1 / (steps in the batch),
  so against Adam's running scale a batch of long episodes steps less than one of short
  episodes, and the gradient clip bites at another size.
* A Gaussian's log-probability is that of the draw :math:`u` before the squash, the
  action applied being ``squash(u)``. With ``"clip"`` that is SB3's PPO exactly; with
  ``"tanh"`` SB3's squashed Gaussian would add :math:`-\log(1 - \tanh^2 u)`, which does
  not depend on :math:`\theta` for a stored :math:`u`, so the policy gradient is the same.
  The entropy is the Gaussian's (SB3 has none for a squashed Gaussian and uses
  :math:`-\log\pi`): with ``ent_coef > 0`` it rewards a wider :math:`\sigma` even where
  ``tanh`` saturates the actions.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp

from sensorimotor.agents.dqn.dqn_update import make_optimizer
from sensorimotor.agents.policy_agent import policy_out
from sensorimotor.nets.mlp import mlp_apply

__all__ = ["EpisodeBatch", "discounted_returns", "normalized", "reinforce_loss"]

_LOG_2PI = math.log(2.0 * math.pi)


class EpisodeBatch(NamedTuple):
    """Episodes padded to length ``T``: ``obs (B, T, *obs_shape)``, ``actions (B, T)`` int
    or ``(B, T, n)`` (the Gaussian's draws before the squash), ``rewards (B, T)`` and
    ``mask (B, T)`` (1 on real steps).

    >>> batch = EpisodeBatch(jnp.zeros((1, 4, 3)), jnp.array([[0, 1, 1, 0]]),  # one episode of
    ...                      jnp.array([[1.0, 1.0, 1.0, 0.0]]), jnp.array([[1.0, 1.0, 1.0, 0.0]]))
    >>> print(batch.obs.shape, int(batch.mask.sum()))  # 3 steps, padded to 4
    (1, 4, 3) 3
    """

    obs: jax.Array
    actions: jax.Array
    rewards: jax.Array
    mask: jax.Array


def discounted_returns(rewards, gamma: float):
    r""":math:`G_t = r_t + \gamma G_{t+1}` along the last axis (0 after the end: pad the
    rewards with zeros).

    >>> print(discounted_returns(jnp.array([1.0, 1.0, 1.0, 0.0]), 0.5))
    [1.75 1.5  1.   0.  ]
    """
    rewards = jnp.asarray(rewards)

    def back(g, r):
        g = r + gamma * g
        return g, g

    _, out = jax.lax.scan(
        back, jnp.zeros(rewards.shape[:-1]), jnp.moveaxis(rewards, -1, 0), reverse=True
    )
    return jnp.moveaxis(out, 0, -1)


def normalized(values, mask):
    """``values`` less their mean over ``mask``, over their standard deviation (+1e-8;
    the population one, ``ddof=0``, where the lesson's PyTorch ``std`` is unbiased).

    >>> print(normalized(jnp.array([1.0, 3.0, 99.0]), jnp.array([1.0, 1.0, 0.0])))
    [-1.  1. 97.]
    """
    n = jnp.maximum(mask.sum(), 1.0)
    mean = (values * mask).sum() / n
    sd = jnp.sqrt((((values - mean) * mask) ** 2).sum() / n)
    return (values - mean) / (sd + 1e-8)


def log_prob_entropy(params, obs, action, discrete: bool):
    """``(log pi(action|obs), entropy)`` for ONE step."""
    out = policy_out(params, obs)
    if discrete:
        logp = jax.nn.log_softmax(out)
        return logp[action], -(jnp.exp(logp) * logp).sum()
    log_std = params.log_std
    z = (action - out) * jnp.exp(-log_std)
    logp = (-0.5 * z * z - log_std - 0.5 * _LOG_2PI).sum()
    return logp, (log_std + 0.5 * (_LOG_2PI + 1.0)).sum()


def value_out(value_params, obs):
    return mlp_apply(value_params, obs.reshape(-1), activation="tanh", layer_norm=False)[0]


def reinforce_loss(params, value_params, batch: EpisodeBatch, config, discrete: bool):
    r"""The module's loss :math:`L` for a batch: one scalar (the policy term, plus the
    value and entropy terms as the config weighs them).

    A uniform policy over 2 actions (zero observations, zero biases), returns 3, 2, 1:
    :math:`L = -\log\tfrac12 \cdot (3 + 2 + 1) / 3 = 2 \log 2`.

    >>> from sensorimotor.agents import ReinforceConfig
    >>> from sensorimotor.agents.policy_agent import init_policy
    >>> from sensorimotor.nets.mlp import init_mlp
    >>> params = init_policy(jax.random.key(0), 3, (8,), 2)
    >>> value_params = init_mlp(jax.random.key(1), 3, (8,), 1, init="lecun")
    >>> batch = EpisodeBatch(jnp.zeros((1, 4, 3)), jnp.array([[0, 1, 1, 0]]),
    ...                      jnp.array([[1.0, 1.0, 1.0, 0.0]]), jnp.array([[1.0, 1.0, 1.0, 0.0]]))
    >>> config = ReinforceConfig(gamma=1.0, normalize_returns=False)
    >>> print(round(float(reinforce_loss(params, value_params, batch, config, True)), 4))
    1.3863
    """
    returns = discounted_returns(batch.rewards, config.gamma)
    target = normalized(returns, batch.mask) if config.normalize_returns else returns
    step = functools.partial(log_prob_entropy, discrete=discrete)
    shape = batch.mask.shape
    obs = batch.obs.reshape(-1, *batch.obs.shape[2:])  # one vmap over all B * T steps
    actions = batch.actions.reshape(-1, *batch.actions.shape[2:])
    logp, entropy = jax.vmap(step, (None, 0, 0))(params, obs, actions)
    logp, entropy = logp.reshape(shape), entropy.reshape(shape)
    n = jnp.maximum(batch.mask.sum(), 1.0)
    if config.baseline:
        values = jax.vmap(value_out, (None, 0))(value_params, obs).reshape(shape)
        advantage = target - jax.lax.stop_gradient(values)
        value_loss = (((values - target) ** 2) * batch.mask).sum() / n
    else:
        advantage, value_loss = target, 0.0
    policy_loss = -(logp * advantage * batch.mask).sum() / n
    entropy = (entropy * batch.mask).sum() / n
    return policy_loss + config.vf_coef * value_loss - config.ent_coef * entropy


@functools.lru_cache(maxsize=32)
def jitted_update(config, discrete: bool):
    """``update(params, value_params, opt_state, batch) -> (params, value_params,
    opt_state, loss)``: one jitted Adam step for a config (cached)."""
    opt = make_optimizer(config.learning_rate, config.max_grad_norm)

    @jax.jit
    def update(params, value_params, opt_state, batch):
        loss, grads = jax.value_and_grad(reinforce_loss, argnums=(0, 1))(
            params, value_params, batch, config, discrete
        )
        updates, opt_state = opt.update(grads, opt_state, (params, value_params))
        params, value_params = jax.tree_util.tree_map(
            lambda p, u: p + u, (params, value_params), updates
        )
        return params, value_params, opt_state, loss

    return update
