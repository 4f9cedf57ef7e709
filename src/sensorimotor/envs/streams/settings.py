"""The bounds of the streams' settings: a bad dimension or noise level raises at once.

Checked by the compiled loops before they compile and by each stream's ``init`` (see
:mod:`sensorimotor.base.bounds`): a NaN drift rate would otherwise feed NaN targets to the
learner for the whole run.
"""

from __future__ import annotations

from sensorimotor.base.bounds import COUNT, INF, UNIT, Bounds, check_fields

BOUNDS = {
    "feature_dim": COUNT,
    "change_interval": COUNT,
    "num_relevant": COUNT,
    "num_irrelevant": Bounds(0, INF, True, False, True),
    "cycle_length": COUNT,
    "num_targets": COUNT,
    "num_states": COUNT,
    "drift_rate": Bounds(0.0),
    "noise_std": Bounds(0.0),
    "max_log_scale": Bounds(0.0),
    "left_reward": Bounds(-INF, INF, False),
    "right_reward": Bounds(-INF, INF, False),
    "discount": UNIT,
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
