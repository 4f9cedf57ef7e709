r"""What the stream-x agents share (Elsayed, Vasan & Mahmood 2024, "Streaming Deep
Reinforcement Learning Finally Works", arXiv:2410.14606): reward scaling by the running
standard deviation of the discounted return, observation normalisation, and a network
trained by the streaming learner's own update (traces + ObGD + guard).

Every stream-x network is a :mod:`~sensorimotor.nets.mlp` MLP with sparse initialisation
(90 % of each unit's inputs at zero), parameter-free LayerNorm and LeakyReLU hidden layers,
updated once per environment step by
:meth:`~sensorimotor.continual.MLPLearner.step_from_gradient` (:math:`z \leftarrow
\gamma\lambda z + \nabla_w f`, then ObGD with its :math:`\kappa`): the agents compute the
gradient of their own prediction (an action value, a policy's log-probability) and hand it
to the learner, which keeps the trace, bounds the step and discards a non-finite update.

Observations are normalised by the mean and sample variance of all observations seen so
far (Welford's statistics, :class:`~sensorimotor.rules.WelfordNormalizer`'s state, updated
with each observation before it is used; the variance taken as 1 until there are two, as
in the paper's SampleMeanVar: :func:`normalise_observation`). Rewards are divided by the
running standard deviation of the discounted return :math:`u` (:func:`scale_reward`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from sensorimotor.continual.mlp import MLPLearner, MLPState
from sensorimotor.nets.mlp import init_mlp
from sensorimotor.rules.normalizers import WelfordNormalizer, WelfordNormalizerState
from sensorimotor.rules.obgd import ObGD

__all__ = [
    "RewardScaleState",
    "init_network",
    "init_reward_scale",
    "network_learner",
    "normalise_observation",
    "normalised_observation",
    "sample_variance",
    "scale_reward",
    "zero_trace",
]

#: the observation normaliser of the stream-x agents
OBS_NORMALIZER = WelfordNormalizer()


class RewardScaleState(NamedTuple):
    """The discounted return so far ``u`` and Welford statistics of ``u`` (shape ``(1,)``).

    Example:
        >>> s, scaled = scale_reward(init_reward_scale(), 2.0, False, 0.9)
        >>> print(float(s.ret), float(s.stats.count), float(scaled))  # one return: std taken as 1
        2.0 1.0 2.0
    """

    ret: Any
    stats: WelfordNormalizerState


def init_reward_scale(dtype=jnp.float32) -> RewardScaleState:
    """No return seen yet.

    Example:
        >>> s = init_reward_scale()
        >>> print(float(s.ret), s.ret.dtype, s.stats.mean.shape, float(s.stats.count))
        0.0 float32 (1,) 0.0
    """
    return RewardScaleState(jnp.zeros((), dtype), OBS_NORMALIZER.init(1, xp=jnp, dtype=dtype))


def sample_variance(stats: WelfordNormalizerState):
    r"""The paper's SampleMeanVar variance: :math:`\sigma^2 = p / (n - 1)` from Welford's
    statistics (``m2`` is :math:`p`, ``count`` is :math:`n`), taken as 1 until :math:`n \ge 2`.

    Example:
        >>> s = OBS_NORMALIZER.init(1, xp=jnp)
        >>> print(float(sample_variance(s)[0]))  # nothing seen yet
        1.0
        >>> for v in (1.0, 2.0, 3.0, 4.0):
        ...     s, _ = OBS_NORMALIZER.update(s, jnp.array([v]))
        >>> print(round(float(sample_variance(s)[0]), 4))  # numpy.var(ddof=1)
        1.6667
    """
    n = stats.count
    return jnp.where(n >= 2, stats.m2 / jnp.maximum(n - 1.0, 1.0), 1.0)


def normalised_observation(config, stats: WelfordNormalizerState, obs, eps=1e-8):
    r"""``obs`` (raw, ``(..., obs_dim)``, float32) as the network sees it:
    :math:`(o - \mu) / \sqrt{\sigma^2 + \epsilon}` with the statistics so far
    (:func:`sample_variance`), unchanged when ``config.normalize_observations`` is false.

    Example:
        >>> from sensorimotor.agents.stream.stream_q_config import StreamQConfig
        >>> s, first = normalise_observation(StreamQConfig(), OBS_NORMALIZER.init(2, xp=jnp),
        ...                                  jnp.array([3.0, -1.0]))
        >>> print(first, normalised_observation(StreamQConfig(), s, jnp.array([4.0, 0.0])))
        [0. 0.] [1. 1.]
    """
    obs = jnp.asarray(obs, jnp.float32)
    if not config.normalize_observations:
        return obs
    return (obs - stats.mean) / jnp.sqrt(sample_variance(stats) + eps)


def normalise_observation(config, stats: WelfordNormalizerState, obs):
    """``(stats, normalised obs)``: the statistics updated with ``obs`` (raw), then ``obs``
    normalised by them (:func:`normalised_observation`).

    Example:
        >>> from sensorimotor.agents.stream.stream_q_config import StreamQConfig
        >>> config, stats = StreamQConfig(), OBS_NORMALIZER.init(1, xp=jnp)
        >>> for v in (1.0, 2.0, 3.0):
        ...     stats, obs = normalise_observation(config, stats, jnp.array([v]))
        >>> print(float(stats.count), round(float(obs[0]), 4))  # (3 - 2) / 1, sample variance 1
        3.0 1.0
    """
    obs = jnp.asarray(obs, jnp.float32)
    if not config.normalize_observations:
        return stats, obs
    stats, _ = OBS_NORMALIZER.update(stats, obs)
    return stats, normalised_observation(config, stats, obs)


def scale_reward(state: RewardScaleState, reward, done, gamma, eps=1e-8):
    r"""``(state, scaled reward)``: the reward divided by the running standard deviation of
    the discounted return.

    .. math::
        u \leftarrow \gamma (1 - T)\, u + r,\qquad \tilde r = r / \sqrt{\sigma_u^2 + \epsilon}

    with :math:`T` = 1 when this step ends the episode (``done``) and :math:`\sigma_u^2`
    the sample variance of every :math:`u` so far (Welford), taken as 1 until there are
    two. As in the authors' reference implementation (and Gymnasium's
    ``NormalizeReward``), the step that ends an episode starts :math:`u` afresh from its
    own reward, which the next episode's first step then discounts. The return's mean is
    not subtracted: the reward's sign and the zero of the value are kept.

    Example:
        >>> s = init_reward_scale()
        >>> for r in (1.0, 1.0, 1.0):
        ...     s, scaled = scale_reward(s, r, False, 0.5)
        >>> print(round(float(scaled), 3))  # u = 1, 1.5, 1.75: std 0.382
        2.619
        >>> s, _ = scale_reward(s, 2.0, True, 0.5)  # the episode ends: u = 2
        >>> print(float(s.ret))
        2.0
    """
    ret = gamma * jnp.where(done, 0.0, state.ret) + reward
    stats, _ = OBS_NORMALIZER.update(state.stats, jnp.reshape(ret, (1,)))
    scaled = reward / jnp.sqrt(sample_variance(stats)[0] + eps)
    return RewardScaleState(jnp.asarray(ret, state.ret.dtype), stats), scaled


def network_learner(config, kappa) -> MLPLearner:
    """The streaming learner whose update trains a stream-x network: ObGD with
    ``config.learning_rate`` and ``kappa``, trace decay ``gamma * trace_lambda``.

    Example:
        >>> from sensorimotor.agents.stream.stream_q_config import StreamQConfig
        >>> learner = network_learner(StreamQConfig(), kappa=2.0)
        >>> print(learner.hidden_sizes, learner.optimizer.kappa, round(learner.trace_decay, 3))
        (32, 32) 2.0 0.792
    """
    return MLPLearner(
        hidden_sizes=config.net_arch,
        optimizer=ObGD(config.learning_rate, kappa),
        trace_decay=config.gamma * config.trace_lambda,
        sparsity=config.sparsity,
    )


def init_network(learner: MLPLearner, key, in_dim: int, out_dim: int) -> MLPState:
    """A fresh :class:`~sensorimotor.continual.MLPState` of an MLP ``in_dim -> net_arch ->
    out_dim`` (sparse init), its trace at zero.

    >>> from sensorimotor.agents.stream.stream_q_config import StreamQConfig
    >>> state = init_network(network_learner(StreamQConfig(), 2.0), jax.random.key(0), 4, 2)
    >>> print([layer.w.shape for layer in state.params], float(state.trace[0].w.sum()))
    [(4, 32), (32, 32), (32, 2)] 0.0
    """
    params = init_mlp(key, in_dim, learner.hidden_sizes, out_dim, sparsity=learner.sparsity)
    zero = jnp.zeros((), jnp.int32)
    trace = jax.tree_util.tree_map(jnp.zeros_like, params)
    return MLPState(params, learner.optimizer.to_optax().init(params), trace, None, zero, zero)


def zero_trace(state: MLPState, where) -> MLPState:
    r"""``state`` with its eligibility trace set to zero where ``where`` is true:
    :math:`z \leftarrow 0` if ``where``, else :math:`z` (a ``jnp.where``, so ``where`` may be
    traced).

    Example:
        >>> from sensorimotor.agents.stream.stream_q_config import StreamQConfig
        >>> state = init_network(network_learner(StreamQConfig(), 2.0), jax.random.key(0), 4, 2)
        >>> state = state._replace(trace=jax.tree_util.tree_map(jnp.ones_like, state.trace))
        >>> kept, cut = zero_trace(state, False), zero_trace(state, True)
        >>> print(float(kept.trace[0].w.sum()), float(cut.trace[0].w.sum()))
        128.0 0.0
    """
    trace = jax.tree_util.tree_map(lambda t: jnp.where(where, jnp.zeros_like(t), t), state.trace)
    return state._replace(trace=trace)
