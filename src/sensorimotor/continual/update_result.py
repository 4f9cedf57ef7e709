"""The record every streaming learner's ``update`` returns."""

from typing import Any, NamedTuple


class UpdateResult(NamedTuple):
    """What one ``update`` step gives back.

    Attributes:
        state: the learner state after the update (a pytree).
        prediction: the prediction made *before* the update, for the input just seen.
        error: ``target - prediction`` (before the update).
        metrics: a NamedTuple of named per-step metrics (never positional columns).

    Example:
        >>> import numpy as np
        >>> from sensorimotor.continual import LMS, LinearLearner
        >>> learner = LinearLearner(LMS(step_size=0.5))
        >>> result = learner.update(learner.init(1), np.array([1.0]), 2.0)
        >>> print(result.prediction, result.error, result.state.weights)
        0.0 2.0 [1. 1.]
        >>> print(result.metrics.squared_error)
        4.0
    """

    state: Any
    prediction: Any
    error: Any
    metrics: Any
