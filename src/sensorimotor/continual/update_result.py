"""The record every streaming learner's ``update`` returns."""

from typing import Any, NamedTuple


class UpdateResult(NamedTuple):
    """What one ``update`` step gives back.

    Attributes:
        state: the learner state after the update (a pytree).
        prediction: the prediction made *before* the update, for the input just seen.
        error: ``target - prediction`` (before the update).
        metrics: a NamedTuple of named per-step metrics (never positional columns).
    """

    state: Any
    prediction: Any
    error: Any
    metrics: Any
