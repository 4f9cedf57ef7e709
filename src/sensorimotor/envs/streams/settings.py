"""The bounds of the streams' settings: a bad dimension or noise level raises at once.

Checked by the compiled loops before they compile and by each stream's ``init`` (see
:mod:`sensorimotor.settings`): a NaN drift rate would otherwise feed NaN targets to the
learner for the whole run.
"""

from __future__ import annotations

from sensorimotor.settings import INF, Bounds, check_fields

_COUNT = Bounds(1, INF, True, False, True)

BOUNDS = {
    "feature_dim": _COUNT,
    "change_interval": _COUNT,
    "num_relevant": _COUNT,
    "num_irrelevant": Bounds(0, INF, True, False, True),
    "cycle_length": _COUNT,
    "num_targets": _COUNT,
    "num_states": _COUNT,
    "drift_rate": Bounds(0.0),
    "noise_std": Bounds(0.0),
    "max_log_scale": Bounds(0.0),
    "left_reward": Bounds(-INF, INF, False),
    "right_reward": Bounds(-INF, INF, False),
    "discount": Bounds(0.0, 1.0, True, True),
}


def check_stream_settings(stream):
    """Return ``stream`` after checking each of its fields named in :data:`BOUNDS`.

    >>> from sensorimotor.envs.streams import RandomWalkStream
    >>> check_stream_settings(RandomWalkStream(feature_dim=3, drift_rate=float("nan")))
    Traceback (most recent call last):
    ...
    ValueError: RandomWalkStream.drift_rate must be a finite number in [0, inf), got nan
    """
    return check_fields(stream, BOUNDS)
