r"""DQN's hyperparameters, under Stable-Baselines3's names and defaults, and its epsilon
schedule.

The exploration rate falls linearly from ``exploration_initial_eps`` to
``exploration_final_eps`` over the first ``exploration_fraction`` of the run, then stays
(SB3's ``get_linear_fn``): with :math:`p = t / T` the fraction of the run done,

.. math::
    \epsilon(p) = \epsilon_0 + (\epsilon_1 - \epsilon_0)\,\min(p / f, 1)

Before ``learning_starts`` steps every action is uniform at random, whatever
:math:`\epsilon` says (SB3's ``_sample_action``).

The learning rate is constant, or with ``learning_rate_schedule="linear"`` falls linearly
to 0 over the run (rl-baselines3-zoo's ``lin_`` schedules, SB3's callable learning rate
of the progress remaining): the training phase after step :math:`t` steps with
:math:`\alpha\max(1 - p, 0)` (SB3's rate goes slightly negative in a last phase that
passes :math:`T`; here it stops at 0).

>>> config = DQNConfig(exploration_fraction=0.5, exploration_final_eps=0.1)
>>> print([round(exploration_rate(config, t, 100), 3) for t in (0, 25, 50, 90)])
[1.0, 0.55, 0.1, 0.1]
>>> linear = DQNConfig(learning_rate_schedule="linear")
>>> print([learning_rate_scale(linear, t, 100) for t in (0, 25, 100, 110)])
[1.0, 0.75, 0.0, 0.0]
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np

from sensorimotor.base.bounds import (
    COUNT,
    INF,
    POSITIVE,
    UNIT,
    Bounds,
    check_settings,
    check_widths,
)
from sensorimotor.base.names import check_known_names

__all__ = ["DQNConfig", "exploration_rate", "learning_rate_scale"]

#: the learning rate's schedules: constant, or falling linearly to 0 over the run
_SCHEDULES = ("constant", "linear")
_NET_INITS = ("lecun", "uniform")  # nets.mlp.init_mlp's dense initialisations

_FRACTION = Bounds(0.0, 1.0, False, True)  # (0, 1]: a share of the run, or Polyak's tau
_STEPS = Bounds(0, INF, True, False, True)  # a non-negative int: steps before learning


@dataclasses.dataclass(frozen=True)
class DQNConfig:
    """DQN's hyperparameters (Mnih et al. 2015), SB3's names and defaults.

    Attributes:
        learning_rate: Adam's step size.
        buffer_size: replay buffer capacity (transitions).
        learning_starts: environment steps of uniform random actions before any training.
        batch_size: transitions per gradient step.
        tau: Polyak coefficient of the target update, ``target <- tau q + (1 - tau)
            target``; 1 copies.
        gamma: discount.
        train_freq: environment steps between training phases.
        gradient_steps: gradient steps per training phase (one fresh batch each).
        target_update_interval: environment steps between target updates (SB3 counts them
            in environment steps, not gradient steps).
        exploration_fraction: share of the run over which epsilon falls.
        exploration_initial_eps, exploration_final_eps: epsilon's start and end.
        max_grad_norm: the gradient's global norm is clipped to this.
        adam_eps: Adam's epsilon, added to the root of its second moment (SB3:
            ``policy_kwargs=dict(optimizer_kwargs=dict(eps=...))``; PyTorch's default).
        net_arch: hidden layer widths of the Q-network (ReLU, no LayerNorm).
        net_init: how the Q-network's parameters start (:func:`~sensorimotor.nets.init_mlp`):
            ``"uniform"`` (weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)), PyTorch's
            ``nn.Linear`` default, as SB3's Q-network starts; the default) or ``"lecun"``
            (weights N(0, 1/fan_in), biases zero).
        double_q: double DQN's target (van Hasselt et al. 2016): the online network picks
            the next action, the target network values it.
        learning_rate_schedule: ``"constant"`` (SB3's float ``learning_rate``) or
            ``"linear"``: from ``learning_rate`` at the start to 0 at the end of the run
            (rl-zoo's ``lin_<rate>``).

    >>> DQNConfig(gamma=1.5)
    Traceback (most recent call last):
    ...
    ValueError: DQNConfig.gamma must be a finite number in [0, 1], got 1.5
    """

    learning_rate: float = 1e-4
    buffer_size: int = 1_000_000
    learning_starts: int = 100
    batch_size: int = 32
    tau: float = 1.0
    gamma: float = 0.99
    train_freq: int = 4
    gradient_steps: int = 1
    target_update_interval: int = 10_000
    exploration_fraction: float = 0.1
    exploration_initial_eps: float = 1.0
    exploration_final_eps: float = 0.05
    max_grad_norm: float = 10.0
    adam_eps: float = 1e-8
    net_arch: tuple = (64, 64)
    net_init: str = "uniform"
    double_q: bool = False
    learning_rate_schedule: str = "constant"

    # files saved before a setting existed: the value their agents ran with (Agent.load)
    BEFORE_SETTING = {"net_init": "lecun"}

    BOUNDS = {
        "learning_rate": POSITIVE,
        "buffer_size": COUNT,
        "learning_starts": _STEPS,
        "batch_size": COUNT,
        "tau": _FRACTION,
        "gamma": UNIT,
        "train_freq": COUNT,
        "gradient_steps": COUNT,
        "target_update_interval": COUNT,
        "exploration_fraction": _FRACTION,
        "exploration_initial_eps": UNIT,
        "exploration_final_eps": UNIT,
        "max_grad_norm": POSITIVE,
        "adam_eps": POSITIVE,
    }

    def __post_init__(self):
        object.__setattr__(self, "net_arch", check_widths("DQNConfig.net_arch", self.net_arch))
        if not isinstance(self.double_q, bool | np.bool_):
            raise TypeError(f"DQNConfig.double_q must be a bool, got {self.double_q!r}")
        if self.net_init not in _NET_INITS:
            raise ValueError(
                f"DQNConfig.net_init must be one of {_NET_INITS}, got {self.net_init!r}"
            )
        if self.learning_rate_schedule not in _SCHEDULES:
            raise ValueError(
                f"DQNConfig.learning_rate_schedule must be one of {_SCHEDULES}, got "
                f"{self.learning_rate_schedule!r}"
            )
        check_settings(self)
        # an int given as a NumPy int is kept as a Python one: the config is a cache key
        for name, bounds in self.BOUNDS.items():
            value = getattr(self, name)
            object.__setattr__(self, name, int(value) if bounds[4] else float(value))

    @classmethod
    def from_kwargs(cls, owner: str, hyperparameters: dict) -> DQNConfig:
        """The config of ``hyperparameters``; an unknown name is a ``TypeError`` naming it
        and listing the known ones."""
        check_known_names(owner, hyperparameters, [f.name for f in dataclasses.fields(cls)])
        return cls(**hyperparameters)


def exploration_rate(config: DQNConfig, num_timesteps, total_timesteps):
    r"""Epsilon after ``num_timesteps`` :math:`t` of a run of ``total_timesteps`` :math:`T`
    (see the module), :math:`\epsilon = \epsilon_0 + (\epsilon_1 - \epsilon_0)\min(t / (fT), 1)`:
    a Python float for Python numbers (the per-step loop), a JAX scalar for traced ones.

    >>> config = DQNConfig(exploration_fraction=0.5)  # from 1.0 to 0.05 over half the run
    >>> print(exploration_rate(config, 25, 100), exploration_rate(config, 80, 100))
    0.525 0.05
    """
    start, end = config.exploration_initial_eps, config.exploration_final_eps
    done = num_timesteps / (total_timesteps * config.exploration_fraction)
    if isinstance(done, float):
        return start + (end - start) * min(done, 1.0)
    return start + (end - start) * jnp.minimum(done, 1.0)


def learning_rate_scale(config: DQNConfig, num_timesteps, total_timesteps):
    r"""The factor on ``learning_rate`` of a training phase after ``num_timesteps`` of a
    run of ``total_timesteps``: 1 for a constant rate, :math:`\max(1 - t/T, 0)` for a
    linear one (a Python float for Python numbers, a JAX scalar for traced ones).

    >>> print(learning_rate_scale(DQNConfig(), 50, 100),
    ...       learning_rate_scale(DQNConfig(learning_rate_schedule="linear"), 50, 100))
    1.0 0.5
    """
    if config.learning_rate_schedule == "constant":
        return 1.0
    left = 1.0 - num_timesteps / total_timesteps
    if isinstance(left, float):
        return max(left, 0.0)
    return jnp.maximum(left, 0.0)
