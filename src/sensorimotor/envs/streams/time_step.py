"""One sample of a supervised stream."""

from typing import Any, NamedTuple


class TimeStep(NamedTuple):
    """An input ``x`` (shape ``(feature_dim,)``) and its target ``y`` (scalar or vector).

    A supervised stream's ``step`` returns one:

    Example:
        >>> import jax, numpy as np
        >>> from sensorimotor.envs.streams import SuttonExperiment1Stream
        >>> stream = SuttonExperiment1Stream()
        >>> _, ts = stream.step(stream.init(jax.random.key(0)), jax.random.key(1))
        >>> ts.x.shape, np.shape(ts.y)
        ((20,), ())
    """

    x: Any
    y: Any
