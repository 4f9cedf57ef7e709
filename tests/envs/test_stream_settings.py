"""A stream's bad setting raises at ``init``, naming ``Stream.setting``: each stream
declares the bounds of its settings (``BOUNDS``). The compiled loops check them too
(tests/continual/test_settings.py)."""

import math

import jax
import pytest

from sensorimotor.envs.streams import (
    AbruptChangeStream,
    CyclicStream,
    RandomWalkChainStream,
    RandomWalkStream,
    ScaleDriftStream,
    SuttonExperiment1Stream,
    mackey_glass_series,
)

BAD_STREAMS = [
    (RandomWalkStream(feature_dim=0), ValueError, "RandomWalkStream.feature_dim"),
    (RandomWalkStream(feature_dim=3.0), TypeError, "RandomWalkStream.feature_dim"),
    (RandomWalkStream(drift_rate=math.nan), ValueError, "RandomWalkStream.drift_rate"),
    (RandomWalkStream(noise_std=-0.1), ValueError, "RandomWalkStream.noise_std"),
    (AbruptChangeStream(change_interval=0), ValueError, "AbruptChangeStream.change_interval"),
    (
        SuttonExperiment1Stream(num_relevant=0),
        ValueError,
        "SuttonExperiment1Stream.num_relevant",
    ),
    (
        SuttonExperiment1Stream(num_irrelevant=-1),
        ValueError,
        "SuttonExperiment1Stream.num_irrelevant",
    ),
    (CyclicStream(num_targets=0), ValueError, "CyclicStream.num_targets"),
    (ScaleDriftStream(max_log_scale=math.inf), ValueError, "ScaleDriftStream.max_log_scale"),
    (RandomWalkChainStream(discount=1.5), ValueError, "RandomWalkChainStream.discount"),
    (
        RandomWalkChainStream(left_reward=math.nan),
        ValueError,
        "RandomWalkChainStream.left_reward",
    ),
]


@pytest.mark.parametrize(("stream", "error", "name"), BAD_STREAMS, ids=[n for *_, n in BAD_STREAMS])
def test_a_bad_stream_setting_raises_at_init_naming_it(stream, error, name):
    with pytest.raises(error, match=name.replace(".", r"\.")):
        stream.init(jax.random.key(0))


def test_edges_pass():
    SuttonExperiment1Stream(num_irrelevant=0).init(jax.random.key(0))
    RandomWalkChainStream(discount=0.0, left_reward=-5.0).init(jax.random.key(0))
    RandomWalkStream(drift_rate=0.0, noise_std=0.0).init(jax.random.key(0))


@pytest.mark.parametrize(
    ("setting", "value", "error"),
    [
        ("beta", math.nan, ValueError),  # would give a series of NaN
        ("gamma", math.inf, ValueError),
        ("power", "10", TypeError),
        ("x0", math.nan, ValueError),
        ("washout", -1, ValueError),  # would give an empty series
        ("washout", 1.5, TypeError),
    ],
)
def test_a_bad_mackey_glass_setting_raises_naming_it(setting, value, error):
    with pytest.raises(error, match=f"mackey_glass_series.{setting}"):
        mackey_glass_series(10, **{setting: value})


def test_mackey_glass_settings_that_give_nan_are_refused():
    """x0 = -1 with power 2.5 returned a series of NaN without an error."""
    import pytest

    from sensorimotor.envs.streams import mackey_glass_series

    with pytest.raises(ValueError, match="not finite"):
        mackey_glass_series(10, x0=-1.0, power=2.5)
