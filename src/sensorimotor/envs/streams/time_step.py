"""One sample of a supervised stream."""

from typing import Any, NamedTuple


class TimeStep(NamedTuple):
    """An input ``x`` (shape ``(feature_dim,)``) and its target ``y`` (scalar or vector)."""

    x: Any
    y: Any
