import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sensorimotor.signals import Channel, ChannelSet, SignalError, channel_value

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def channel_sets(draw):
    n = draw(st.integers(1, 6))
    chans = []
    for i in range(n):
        lo = draw(finite)
        width = draw(st.floats(1e-3, 1e6))
        bounded = draw(st.booleans())
        chans.append(Channel(f"c{i}", (lo, lo + width) if bounded else (-math.inf, math.inf)))
    return ChannelSet(chans)


@given(channel_sets(), st.data())
def test_dict_array_round_trip(cs, data):
    values = data.draw(st.lists(finite, min_size=len(cs), max_size=len(cs)))
    signal = dict(zip(cs.names, values, strict=True))
    arr = cs.to_array(signal)
    assert arr.shape == (len(cs),)
    assert cs.from_array(arr) == signal


@given(channel_sets(), st.data())
def test_batch_round_trip_matches_single(cs, data):
    n = data.draw(st.integers(0, 5))
    rows = data.draw(
        st.lists(st.lists(finite, min_size=len(cs), max_size=len(cs)), min_size=n, max_size=n)
    )
    signals = [dict(zip(cs.names, r, strict=True)) for r in rows]
    batch = cs.to_array_batch(signals)
    assert batch.shape == (n, len(cs))
    for i, s in enumerate(signals):
        np.testing.assert_array_equal(batch[i], cs.to_array(s))
    if n:
        assert cs.from_array(batch) == signals


@given(channel_sets(), st.data())
def test_scale_unscale_round_trip(cs, data):
    values = np.array(data.draw(st.lists(finite, min_size=len(cs), max_size=len(cs))))
    np.testing.assert_allclose(cs.unscale(cs.scale(values)), values, rtol=1e-9, atol=1e-6)


@given(channel_sets())
def test_bounds_scale_to_unit_interval(cs):
    lo = np.where(cs.bounded, cs.low, 0.0)
    hi = np.where(cs.bounded, cs.high, 1.0)
    np.testing.assert_allclose(cs.scale(lo)[cs.bounded], 0.0, atol=1e-12)
    np.testing.assert_allclose(cs.scale(hi)[cs.bounded], 1.0, atol=1e-9)
    # unbounded channels pass through
    np.testing.assert_array_equal(cs.scale(hi)[~cs.bounded], hi[~cs.bounded])


def test_random_draws_within_bounds():
    cs = ChannelSet([Channel("a", (0, 1)), Channel("b", (-5, 5))])
    draws = cs.random(np.random.default_rng(0), size=1000)
    assert draws.shape == (1000, 2)
    assert np.all(draws >= cs.low) and np.all(draws <= cs.high)
    assert set(cs.random_signal(np.random.default_rng(0))) == {"a", "b"}
    with pytest.raises(ValueError, match="'u'"):
        ChannelSet([Channel("u")]).random(np.random.default_rng(0))


CS = ChannelSet([Channel("x", (0, 10)), Channel("y", (5, 15))])


@pytest.mark.parametrize(
    "signal, channel, message",
    [
        ({"x": 1.0}, "y", "missing channel 'y'"),
        ({"x": 1.0, "y": 6.0, "z": 0.0}, "z", "unknown channel 'z'"),
        ({"x": float("nan"), "y": 6.0}, "x", "'x' is NaN"),
        ({"x": 1.0, "y": float("inf")}, "y", "'y' is inf"),
        ({"x": 1.0, "y": -float("inf")}, "y", "'y' is -inf"),
        ({"x": "1.0", "y": 6.0}, "x", "'x': '1.0' is not a number"),
        ({"x": None, "y": 6.0}, "x", "'x': None is not a number"),
        ({"x": True, "y": 6.0}, "x", "'x': True is not a number"),
        ({"x": [1.0], "y": 6.0}, "x", "not a number"),
    ],
)
def test_bad_signals_name_the_channel(signal, channel, message):
    with pytest.raises(SignalError, match=message) as info:
        CS.validate(signal)
    assert info.value.channel == channel
    assert isinstance(info.value, ValueError)


def test_out_of_bounds_accepted_unless_strict():
    assert CS.validate({"x": 100.0, "y": 6.0}) == {"x": 100.0, "y": 6.0}
    with pytest.raises(SignalError, match="'x' = 100.0 is outside") as info:
        CS.validate({"x": 100.0, "y": 6.0}, strict=True)
    assert info.value.channel == "x"
    strict = ChannelSet(CS.channels, strict=True)
    with pytest.raises(SignalError):
        strict.to_array({"x": 1.0, "y": 0.0})


def test_numpy_scalars_accepted():
    assert CS.validate({"x": np.float32(1.5), "y": np.int64(6)}) == {"x": 1.5, "y": 6.0}
    assert CS.validate({"x": np.array(2.0), "y": 6}) == {"x": 2.0, "y": 6.0}


def test_check_array_names_bad_column_and_shape():
    with pytest.raises(SignalError, match="'y' is NaN") as info:
        CS.check_array([[1.0, 6.0], [1.0, np.nan]])
    assert info.value.channel == "y"
    with pytest.raises(SignalError, match=r"shape \(2,\)"):
        CS.check_array([1.0, 2.0, 3.0])
    with pytest.raises(TypeError):
        CS.validate([1.0, 6.0])


def test_channel_equality_and_bad_channels():
    assert Channel("x", (0, 1)) == Channel("x", (0.0, 1.0), unit="m")
    assert Channel("x", (0, 1)) != Channel("x", (0, 2))
    assert Channel("x").bounds == (-math.inf, math.inf)
    with pytest.raises(ValueError, match="lo <= hi"):
        Channel("x", (1, 0))
    # were accepted: a channel no number fits, whose ChannelSet computed inf - inf (NaN)
    for empty in [(math.inf, math.inf), (-math.inf, -math.inf)]:
        with pytest.raises(ValueError, match="hold no number"):
            Channel("x", empty)
    assert Channel("x", (-math.inf, 0)).bounds == (-math.inf, 0.0)
    # were accepted: a width that overflows scaled every value to 0 (a learner saw one
    # point) or NaN (an error naming a value the user never gave)
    with pytest.raises(ValueError, match="wider than the largest float"):
        Channel("x", (-1e308, 1e308))
    with pytest.raises(ValueError, match="numbers a float can hold"):
        Channel("x", (0, 10**400))
    assert Channel("x", (-1e308, 0)).width == 1e308
    with pytest.raises(ValueError, match="name"):
        Channel("")
    with pytest.raises(ValueError, match="duplicate"):
        ChannelSet([Channel("x"), Channel("x")])


@pytest.mark.parametrize("value", [10**400, -(10**400), np.timedelta64(1, "s")])
def test_a_value_that_is_no_float_is_a_signal_error_naming_the_channel(value):
    """A huge Python int raised OverflowError, a timedelta64 a bare TypeError (issue 9,
    defects 6 and 14)."""
    cs = ChannelSet([Channel("x", (0, 10)), Channel("y", (5, 15))])
    for convert in (cs.validate, cs.to_array, cs.to_signal):
        with pytest.raises(SignalError, match="channel 'x'") as info:
            convert({"x": value, "y": 6.0})
        assert info.value.channel == "x"
        assert len(str(info.value)) < 200  # a 400-digit int is cut short


def test_a_timedelta_without_a_unit_is_not_a_number():
    """A timedelta64 with a unit was refused only because ``float()`` of it fails; one
    without a unit, ``np.timedelta64(3)``, converts, and was taken as the number 3.0."""
    for convert in (CS.validate, CS.to_array, CS.to_signal):
        with pytest.raises(SignalError, match="'x': .* is not a number") as info:
            convert({"x": np.timedelta64(3), "y": 6.0})
        assert info.value.channel == "x"
    with pytest.raises(SignalError, match="channel 'x'"):
        channel_value({"x": np.timedelta64(3)}, "x")


@pytest.mark.parametrize("bounds", ["12", (True, 2), (0, np.True_), ("0", "10"), (b"0", 1)])
def test_bounds_that_are_not_numbers_are_refused(bounds):
    """``float()`` of each bound took a string "12" as the bounds (1, 2), a bool as 0 or 1
    and the string "10" as 10; bounds are a pair of numbers, else a ValueError naming the
    channel (as for a pair of three)."""
    with pytest.raises(ValueError, match="channel 'x': bounds must be a pair of numbers"):
        Channel("x", bounds)


@pytest.mark.parametrize("strict", ["no", "False", 0, 1, None, 1.0, [True]])
def test_strict_that_is_not_a_bool_is_refused(strict):
    """``bool(strict)`` took the string "no" as True and 0 as False; strict is True or
    False (a NumPy bool too), else a TypeError naming it."""
    with pytest.raises(TypeError, match="strict must be a bool"):
        ChannelSet([Channel("x", (0, 1))], strict=strict)


def test_strict_numpy_bool_is_accepted():
    assert ChannelSet([Channel("x", (0, 1))], strict=np.True_).strict is True
    assert ChannelSet([Channel("x", (0, 1))], strict=np.False_).strict is False
