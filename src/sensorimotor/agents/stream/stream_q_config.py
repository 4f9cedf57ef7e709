r"""StreamQ's hyperparameters: the paper's single set (Elsayed, Vasan & Mahmood 2024).

Where the values come from: :math:`\alpha = 1`, :math:`\gamma = 0.99`, :math:`\lambda =
0.8`, :math:`\kappa = 2` (3 for StreamAC's actor), epsilon from 1 to 0.01, sparsity 0.9 and
LeakyReLU + parameter-free LayerNorm are the paper's stream-x recipe as stated in its text
(arXiv:2410.14606). The share of the run over which epsilon falls (0.05) and StreamQ's
hidden widths (32 x 32; StreamAC's 128 x 128) are the defaults of the authors' reference
scripts for these agents, the paper's hyperparameter table not being reachable here. That
code also appends the episode's elapsed time to the observation, because it treats a
time-limit truncation as a termination; here a truncation bootstraps (only ``terminated``
cuts the return), so no time feature is added. With these values the compiled StreamQ
solves the cart-pole in 94 seeds of 100 (``bench/streamx.py``, BENCHMARKS.md).

>>> config = StreamQConfig()
>>> print(config.learning_rate, config.gamma, config.trace_lambda, config.kappa, config.net_arch)
1.0 0.99 0.8 2.0 (32, 32)
"""

from __future__ import annotations

import dataclasses

import numpy as np

from sensorimotor.base.bounds import (
    NON_NEGATIVE,
    POSITIVE,
    UNIT,
    Bounds,
    check_settings,
    check_widths,
)
from sensorimotor.base.names import check_known_names

__all__ = ["StreamQConfig", "check_stream_config", "config_from_kwargs"]

_FRACTION = Bounds(0.0, 1.0, False, True)  # (0, 1]: a share of the run
_SPARSITY = Bounds(0.0, 1.0, True, False)  # [0, 1)


def check_stream_config(config) -> None:
    """A stream-x config's ``__post_init__``: ``net_arch`` as a tuple of positive ints, the
    two normalisation flags as bools, each field of its ``BOUNDS`` checked and stored as a
    Python float (the config is a cache key of compiled functions); a ``ValueError`` or
    ``TypeError`` names the field.

    >>> config = StreamQConfig(net_arch=[64], kappa=3)  # __post_init__ calls it
    >>> print(config.net_arch, config.kappa)
    (64,) 3.0
    >>> StreamQConfig(scale_rewards=1)
    Traceback (most recent call last):
    ...
    TypeError: StreamQConfig.scale_rewards must be a bool, got 1
    """
    name = type(config).__name__
    object.__setattr__(config, "net_arch", check_widths(f"{name}.net_arch", config.net_arch))
    for flag in ("normalize_observations", "scale_rewards"):
        if not isinstance(getattr(config, flag), bool | np.bool_):
            raise TypeError(f"{name}.{flag} must be a bool, got {getattr(config, flag)!r}")
        object.__setattr__(config, flag, bool(getattr(config, flag)))
    check_settings(config)
    for field in config.BOUNDS:
        object.__setattr__(config, field, float(getattr(config, field)))


def config_from_kwargs(cls, owner: str, hyperparameters: dict):
    """``cls(**hyperparameters)``; an unknown name is a ``TypeError`` naming it and listing
    the known ones.

    >>> print(config_from_kwargs(StreamQConfig, "StreamQ", {"gamma": 0.9}).gamma)
    0.9
    >>> config_from_kwargs(StreamQConfig, "StreamQ", {"lambda": 0.9})
    Traceback (most recent call last):
    ...
    TypeError: StreamQ: unknown hyperparameters ['lambda'] (did you mean 'trace_lambda'?); known: ['learning_rate', ...]
    """
    check_known_names(owner, hyperparameters, [f.name for f in dataclasses.fields(cls)])
    return cls(**hyperparameters)


@dataclasses.dataclass(frozen=True)
class StreamQConfig:
    """StreamQ's hyperparameters; the defaults are the paper's single set.

    Attributes:
        learning_rate: ObGD's step size :math:`\\alpha` (1.0).
        gamma: discount (0.99).
        trace_lambda: :math:`\\lambda` of the eligibility trace, which decays by
            :math:`\\gamma\\lambda` (0.8).
        kappa: ObGD's bound factor :math:`\\kappa` (2.0).
        exploration_fraction: share of the run over which epsilon falls linearly.
        exploration_initial_eps, exploration_final_eps: epsilon's start and end (1.0,
            0.01).
        net_arch: hidden layer widths (LayerNorm + LeakyReLU each).
        sparsity: share of each unit's inputs that start at zero (0.9). A network with two
            consecutive layers of fewer than 10 inputs per unit at 0.9 starts with no weight
            in either and could never learn: it is refused (``ValueError``).
        normalize_observations, scale_rewards: the paper's two normalisations (on).

    >>> StreamQConfig(kappa=0.0)
    Traceback (most recent call last):
    ...
    ValueError: StreamQConfig.kappa must be a finite number in (0, inf), got 0.0
    """

    learning_rate: float = 1.0
    gamma: float = 0.99
    trace_lambda: float = 0.8
    kappa: float = 2.0
    exploration_fraction: float = 0.05
    exploration_initial_eps: float = 1.0
    exploration_final_eps: float = 0.01
    net_arch: tuple = (32, 32)
    sparsity: float = 0.9
    normalize_observations: bool = True
    scale_rewards: bool = True

    BOUNDS = {
        "learning_rate": NON_NEGATIVE,
        "gamma": UNIT,
        "trace_lambda": UNIT,
        "kappa": POSITIVE,
        "exploration_fraction": _FRACTION,
        "exploration_initial_eps": UNIT,
        "exploration_final_eps": UNIT,
        "sparsity": _SPARSITY,
    }

    def __post_init__(self):
        check_stream_config(self)

    @classmethod
    def from_kwargs(cls, owner: str, hyperparameters: dict) -> StreamQConfig:
        """The config of ``hyperparameters`` (see :func:`config_from_kwargs`)."""
        return config_from_kwargs(cls, owner, hyperparameters)
