"""One-step prediction with an echo state network: the NARMA-30 and Mackey-Glass examples."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from sensorimotor.base.bounds import COUNT, Bounds, check_value, where_not_finite
from sensorimotor.envs.streams.mackey_glass import mackey_glass_series
from sensorimotor.envs.streams.narma import narma_series
from sensorimotor.nets.readout import PlainRLS
from sensorimotor.nets.reservoir import ReservoirNode, check_input


class PredictionResult(NamedTuple):
    """The test part of a one-step prediction.

    Attributes:
        predictions: shape ``(n_test, output_dim)``.
        targets: shape ``(n_test, output_dim)``.
        nrmse: :func:`nrmse` of the predictions.

    Example (what :func:`one_step_prediction` and the tasks return):
        >>> result = mackey_glass_task(size=20, n_train=100, n_test=30)
        >>> result.predictions.shape, result.targets.shape, bool(result.nrmse < 0.1)
        ((30, 1), (30, 1), True)
    """

    predictions: Any
    targets: Any
    nrmse: float


def nrmse(predictions, targets) -> float:
    r"""Normalised root-mean-square error,
    :math:`\sqrt{\overline{(\hat y - y)^2} / \operatorname{var}(y)}` (pooled over outputs):
    1 is the error of predicting the mean, 0 is perfect. Undefined for constant targets
    (variance 0: every error, even 0, would be infinitely large): ``ValueError`` naming
    ``targets``, as for empty ones; NaN or inf in either is a ``ValueError`` naming it.

    >>> print(nrmse(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0])))
    0.5
    >>> nrmse(np.array([1.0, 2.0]), np.array([3.0, 3.0]))
    Traceback (most recent call last):
    ...
    ValueError: targets are constant (variance 0): the NRMSE is undefined
    """
    p, t = np.asarray(predictions, dtype=np.float64), np.asarray(targets, dtype=np.float64)
    if p.shape != t.shape:
        raise ValueError(f"predictions has shape {p.shape}, targets {t.shape}")
    if t.size == 0:
        raise ValueError("targets is empty: the NRMSE is undefined")
    for name, arr in (("predictions", p), ("targets", t)):
        if not np.all(np.isfinite(arr)):  # as scikit-learn's metrics: not a NaN score
            raise ValueError(f"{name} contains NaN or inf{where_not_finite(arr)}")
    var = float(np.var(t))
    if var == 0.0:  # the normaliser: a ZeroDivisionError otherwise
        raise ValueError("targets are constant (variance 0): the NRMSE is undefined")
    return math.sqrt(float(np.mean((p - t) ** 2)) / var)


def one_step_prediction(
    reservoir, readout, inputs, targets, washout: int, n_train: int, with_input: bool = True
) -> PredictionResult:
    """Drive ``reservoir`` with ``inputs`` (shape ``(T, input_dim)``); after ``washout``
    steps train ``readout`` online on ``n_train`` samples (features: the reservoir state,
    and the input if ``with_input``; target: ``targets[t]``, shape ``(T, output_dim)``),
    then freeze it and predict the remaining targets. Returns the test part.

    The reservoir and the readout are used as given (and left in their final state).

    Example (predict the next value of a sine wave):
        >>> x = np.sin(0.3 * np.arange(301))[:, None]
        >>> node, readout = ReservoirNode(1, 20, seed=0), PlainRLS(21, 1)
        >>> result = one_step_prediction(node, readout, x[:-1], x[1:], washout=50, n_train=200)
        >>> print(result.predictions.shape, round(result.nrmse, 4))
        (50, 1) 0.0002
    """
    if np.ndim(inputs) != 2:  # np.shape(inputs)[0] of a scalar was an IndexError
        raise ValueError(
            f"inputs must have shape (T, {reservoir.input_dim}), got shape {np.shape(inputs)}"
        )
    inputs = check_input("inputs", inputs, (np.shape(inputs)[0], reservoir.input_dim))
    targets = check_input("targets", targets, (inputs.shape[0], readout.output_dim))
    # no washout is a choice (the state starts at zero), as mackey_glass_series allows it
    check_value("one_step_prediction", "washout", washout, Bounds(0, math.inf, True, False, True))
    check_value("one_step_prediction", "n_train", n_train, COUNT)
    if washout + n_train >= inputs.shape[0]:
        raise ValueError(
            f"washout + n_train ({washout + n_train}) leaves no test sample of {inputs.shape[0]}"
        )
    states = reservoir.execute(inputs)
    features = np.concatenate((states, inputs), axis=1) if with_input else states
    for t in range(washout, washout + n_train):
        readout.train(features[t], target=targets[t])
    test = slice(washout + n_train, None)
    predictions = readout(features[test])
    return PredictionResult(predictions, targets[test], nrmse(predictions, targets[test]))


def narma_task(
    order: int = 30, size: int = 100, n_train: int = 2000, n_test: int = 1000, seed: int = 0
) -> PredictionResult:
    """NARMA-``order`` system identification: from the input :math:`u_t` (alone), predict
    the output :math:`y_t` (:func:`~sensorimotor.envs.streams.narma_series`), with a
    reservoir of ``size`` units (leaky, spectral radius near 1: the system remembers
    ``order`` steps) and a :class:`PlainRLS` readout on the state and the input.

    NARMA-30 is hard for 100 tanh units trained on 2000 samples: the product
    :math:`u_{t-29} u_t` needs a 30-step memory and a nonlinearity at once (1 is the error
    of predicting the mean).

    Example:
        >>> print(round(narma_task(seed=0).nrmse, 3))
        0.654
    """
    u, y, _ = narma_series(200 + n_train + n_test, order, seed=seed)
    node = ReservoirNode(1, size, spectral_radius=0.99, leak_rate=1.0, input_scaling=0.2, seed=seed)
    readout = PlainRLS(size + 1, 1, delta=1e-2)
    return one_step_prediction(node, readout, u[:, None] - 0.25, y[:, None], 200, n_train)


def mackey_glass_task(
    size: int = 100, n_train: int = 2000, n_test: int = 1000, seed: int = 0
) -> PredictionResult:
    """Mackey-Glass (:math:`\\tau = 17`) one-step prediction: from :math:`x_t`, predict
    :math:`x_{t+1}` (:func:`~sensorimotor.envs.streams.mackey_glass_series`, centred on 1),
    with a reservoir of ``size`` units and a :class:`PlainRLS` readout.

    Example:
        >>> print(round(mackey_glass_task(seed=0).nrmse, 4))
        0.0042
    """
    x = mackey_glass_series(200 + n_train + n_test + 1) - 1.0
    node = ReservoirNode(1, size, spectral_radius=0.9, leak_rate=0.5, bias_scaling=0.2, seed=seed)
    readout = PlainRLS(size + 1, 1, delta=1e-4)
    return one_step_prediction(node, readout, x[:-1, None], x[1:, None], 200, n_train)


__all__ = [
    "PredictionResult",
    "nrmse",
    "one_step_prediction",
    "narma_task",
    "mackey_glass_task",
]
