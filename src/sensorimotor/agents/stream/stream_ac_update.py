r"""Stream AC(:math:`\lambda`)'s hyperparameters and step as pure functions (Elsayed, Vasan
& Mahmood 2024): an actor and a critic, each its own sparse-initialised LayerNorm MLP with
its own eligibility trace and its own ObGD, one update per environment step.

For a transition :math:`(s, a, r, s')` (normalised observations, scaled reward
:math:`\tilde r`, :mod:`~sensorimotor.agents.stream.stream_x`):

.. math::
    \delta &= \tilde r + \gamma (1 - \text{terminated})\, v_w(s') - v_w(s) \\
    z_w &\leftarrow \gamma\lambda z_w + \nabla_w v_w(s), \qquad
    w \leftarrow w + \alpha^{(w)}_{\text{eff}}\,\delta\, z_w \quad (\kappa_{\text{critic}}) \\
    z_\theta &\leftarrow \gamma\lambda z_\theta + \nabla_\theta\big[\log\pi_\theta(a|s)
        + \tau\,\operatorname{sign}(\delta)\, H(\pi_\theta(\cdot|s))\big], \qquad
    \theta \leftarrow \theta + \alpha^{(\theta)}_{\text{eff}}\,\delta\, z_\theta
    \quad (\kappa_{\text{actor}})

and both traces are zeroed where the episode ends. The entropy term is multiplied by
:math:`\operatorname{sign}(\delta)` so that, after the update's factor :math:`\delta`, it
always pushes the entropy up (by :math:`\tau|\delta|`). The critic is trained by the
streaming :class:`~sensorimotor.continual.MLPLearner`'s own ``step`` (target
:math:`\tilde r + \gamma v_w(s')`, TD(:math:`\lambda`) through its trace); the actor by its
``step_from_gradient`` with the gradient above and the same :math:`\delta`.

Policies (``kind``): ``"categorical"`` for a ``Discrete`` action space (the actor outputs
logits) and ``"gaussian"`` for a ``Box`` one (the actor outputs the mean :math:`\mu` and,
through a softplus, the standard deviation :math:`\sigma` of each action dimension; the
environment receives the sample clipped to its bounds, the update the sample itself).

>>> import jax, jax.numpy as jnp
>>> config = StreamACConfig(net_arch=(16,))
>>> s = observe(config, init(config, jax.random.key(0), 3, 2, "gaussian"), jnp.ones(3))
>>> s, m = update(config, "gaussian", s, jnp.array([0.1, -0.2]), 1.0, jnp.zeros(3), False, False)
>>> print(int(s.actor.step), int(s.critic.step), bool(jnp.isfinite(m.td_error)))
1 1 True
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.agents.stream.stream_q_config import (
    _SPARSITY,
    check_stream_config,
    config_from_kwargs,
)
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
from sensorimotor.base.bounds import NON_NEGATIVE, POSITIVE, UNIT
from sensorimotor.continual.mlp import MLPState
from sensorimotor.nets.mlp import mlp_apply
from sensorimotor.rules.normalizers import WelfordNormalizerState

__all__ = [
    "POLICY_KINDS",
    "StreamACConfig",
    "StreamACMetrics",
    "StreamACState",
    "policy_log_prob_entropy",
]

POLICY_KINDS = ("categorical", "gaussian")
_LOG_2PI_E = float(np.log(2 * np.pi * np.e))


@dataclasses.dataclass(frozen=True)
class StreamACConfig:
    """StreamAC's hyperparameters; the defaults are the paper's single set.

    Attributes:
        learning_rate: ObGD's step size :math:`\\alpha` of both networks (1.0).
        gamma: discount (0.99).
        trace_lambda: :math:`\\lambda` of both traces (0.8).
        actor_kappa, critic_kappa: ObGD's :math:`\\kappa` of the actor (3.0) and of the
            critic (2.0).
        entropy_coef: :math:`\\tau`, the weight of the policy's entropy (0.01).
        net_arch: hidden layer widths of both networks (128, 128).
        sparsity: share of each unit's inputs that start at zero (0.9). A network with two
            consecutive layers of fewer than 10 inputs per unit at 0.9 starts with no weight
            in either and could never learn: it is refused (``ValueError``).
        normalize_observations, scale_rewards: the paper's two normalisations (on).

    >>> StreamACConfig(actor_kappa=-1.0)
    Traceback (most recent call last):
    ...
    ValueError: StreamACConfig.actor_kappa must be a finite number in (0, inf), got -1.0
    """

    learning_rate: float = 1.0
    gamma: float = 0.99
    trace_lambda: float = 0.8
    actor_kappa: float = 3.0
    critic_kappa: float = 2.0
    entropy_coef: float = 0.01
    net_arch: tuple = (128, 128)
    sparsity: float = 0.9
    normalize_observations: bool = True
    scale_rewards: bool = True

    BOUNDS = {
        "learning_rate": NON_NEGATIVE,
        "gamma": UNIT,
        "trace_lambda": UNIT,
        "actor_kappa": POSITIVE,
        "critic_kappa": POSITIVE,
        "entropy_coef": NON_NEGATIVE,
        "sparsity": _SPARSITY,
    }

    def __post_init__(self):
        check_stream_config(self)

    @classmethod
    def from_kwargs(cls, owner: str, hyperparameters: dict) -> StreamACConfig:
        """The config of ``hyperparameters``; an unknown name is a ``TypeError``."""
        return config_from_kwargs(cls, owner, hyperparameters)


class StreamACState(NamedTuple):
    """All of a StreamAC learner (a pytree): the ``actor``'s and the ``critic``'s
    :class:`~sensorimotor.continual.MLPState`, the observation statistics, the reward
    scale and the current normalised observation.

    >>> import jax
    >>> config = StreamACConfig(net_arch=(16,))
    >>> state = init(config, jax.random.key(0), 3, 2, "gaussian")  # 2 action dimensions
    >>> print(state.actor.params[-1].w.shape, state.critic.params[-1].w.shape, state.obs.shape)
    (16, 4) (16, 1) (3,)
    """

    actor: MLPState
    critic: MLPState
    obs_stats: WelfordNormalizerState
    reward_scale: RewardScaleState
    obs: Any


class StreamACMetrics(NamedTuple):
    """Per update: the TD error :math:`\\delta`, the actor's and the critic's
    :math:`\\alpha_{\\text{eff}}`, and 1.0 where a guard discarded an update.

    >>> import jax, jax.numpy as jnp
    >>> config = StreamACConfig(net_arch=(16,))
    >>> s = observe(config, init(config, jax.random.key(0), 3, 2, "categorical"), jnp.ones(3))
    >>> s, m = update(config, "categorical", s, 1, 1.0, jnp.zeros(3), True, True)  # reward 1, end
    >>> print(round(float(m.td_error), 3), float(m.guard))
    1.0 0.0
    >>> print(float(m.actor_step_size) > 0, float(m.critic_step_size) > 0)
    True True
    """

    td_error: Any
    actor_step_size: Any
    critic_step_size: Any
    guard: Any


def actor_out_dim(kind: str, n: int) -> int:
    """Outputs of the actor for ``n`` actions (categorical) or action dimensions
    (Gaussian: a mean and a standard deviation each)."""
    if kind not in POLICY_KINDS:
        raise ValueError(f"kind must be one of {POLICY_KINDS}, got {kind!r}")
    return n if kind == "categorical" else 2 * n


def gaussian(out):
    """``(mean, std)`` from the Gaussian actor's outputs: std = softplus + 1e-6."""
    d = out.shape[-1] // 2
    return out[..., :d], jax.nn.softplus(out[..., d:]) + 1e-6


def policy_log_prob_entropy(kind: str, out, action):
    r"""``(log pi(action), entropy)`` of the policy with actor outputs ``out``.

    Categorical: :math:`\log\operatorname{softmax}(l)_a`, :math:`-\sum_i p_i\log p_i`.
    Gaussian (independent dimensions): :math:`\sum_j \log\mathcal N(a_j; \mu_j,
    \sigma_j)`, :math:`\sum_j \tfrac12\log(2\pi e\sigma_j^2)`.

    >>> lp, h = policy_log_prob_entropy("categorical", jnp.zeros(4), 2)
    >>> print(round(float(lp), 4), round(float(h), 4))  # log(1/4), log 4
    -1.3863 1.3863
    """
    if kind == "categorical":
        logp = jax.nn.log_softmax(out)
        return logp[action], -jnp.sum(jnp.exp(logp) * logp)
    mean, std = gaussian(out)
    z = (action - mean) / std
    logp = jnp.sum(-0.5 * z * z - jnp.log(std) - 0.5 * jnp.log(2 * jnp.pi))
    return logp, jnp.sum(0.5 * _LOG_2PI_E + jnp.log(std))


def init(config, key, obs_dim: int, n: int, kind: str) -> StreamACState:
    """A fresh learner for observations ``(obs_dim,)`` and ``n`` actions (categorical) or
    action dimensions (Gaussian)."""
    k_actor, k_critic = jax.random.split(key)
    actor = init_network(
        network_learner(config, config.actor_kappa), k_actor, obs_dim, actor_out_dim(kind, n)
    )
    critic = init_network(network_learner(config, config.critic_kappa), k_critic, obs_dim, 1)
    stats = OBS_NORMALIZER.init(obs_dim, xp=jnp, dtype=jnp.float32)
    return StreamACState(actor, critic, stats, init_reward_scale(), jnp.zeros(obs_dim, jnp.float32))


def observe(config, state: StreamACState, obs) -> StreamACState:
    """``state`` with ``obs`` (raw) as the current observation (statistics updated)."""
    stats, obs = normalise_observation(config, state.obs_stats, obs)
    return state._replace(obs_stats=stats, obs=obs)


def normalised(config, state: StreamACState, obs):
    """``obs`` (raw, ``(..., obs_dim)``) normalised by the statistics so far, unchanged."""
    return normalised_observation(config, state.obs_stats, obs)


def actor_out(params, obs):
    """The actor's outputs for one normalised observation (logits, or means and
    pre-softplus standard deviations)."""
    return mlp_apply(params, obs)


def update(config, kind, state: StreamACState, action, reward, next_obs, terminated, done):
    """One Stream AC(:math:`\\lambda`) step (see the module) for the transition from
    ``state.obs`` by ``action`` (an int, or the Gaussian's unclipped sample) to the raw
    ``next_obs``. Returns ``(state, StreamACMetrics)``; call :func:`observe` with the next
    episode's first observation where ``done``."""
    actor_learner = network_learner(config, config.actor_kappa)
    critic_learner = network_learner(config, config.critic_kappa)
    stats, next_norm = normalise_observation(config, state.obs_stats, next_obs)
    reward = jnp.asarray(reward, jnp.float32)
    if config.scale_rewards:
        reward_scale, reward = scale_reward(state.reward_scale, reward, done, config.gamma)
    else:
        reward_scale = state.reward_scale
    bootstrap = mlp_apply(state.critic.params, next_norm)[0]
    target = reward + config.gamma * (1.0 - jnp.asarray(terminated, jnp.float32)) * bootstrap
    critic = critic_learner.step(state.critic, state.obs, jax.lax.stop_gradient(target))
    delta = critic.error
    sign = jnp.sign(delta)

    def objective(params):
        logp, entropy = policy_log_prob_entropy(kind, actor_out(params, state.obs), action)
        return logp + config.entropy_coef * sign * entropy

    grads = jax.grad(objective)(state.actor.params)
    actor, actor_metrics, _ = actor_learner.step_from_gradient(state.actor, grads, delta)
    new = StreamACState(
        zero_trace(actor, done), zero_trace(critic.state, done), stats, reward_scale, next_norm
    )
    metrics = StreamACMetrics(
        delta,
        actor_metrics.effective_step_size,
        critic.metrics.effective_step_size,
        jnp.maximum(actor_metrics.guard, critic.metrics.guard),
    )
    return new, metrics
