"""The sine gait policy: its motor signals follow the formula; bad gait parameters are
refused by name, the policy unchanged."""

import math

import numpy as np
import pytest

from sensorimotor.agents.adhdp.sine_gait import (
    GAIT_HIGH,
    GAIT_LOW,
    GAIT_PARAMETERS,
    SineGait,
    sine_gait_targets,
)

GAIT = np.array([0.8, 0.3, 0.5, 0.1, 0.25, -2.0, -0.2])


def test_motor_signals_follow_the_sine_formula_across_periods():
    gait = SineGait(GAIT, dt=0.02, period=0.5)
    f = GAIT[0]
    first, second = gait.motor_signals(None), gait.motor_signals(None)
    assert len(first) == len(second) == 25
    for k, m in enumerate(first + second):
        t = 0.02 * k  # the clock runs on from one period to the next
        for leg, group, hip_sign, ankle_sign in (
            (1, 0, 1, 1),
            (2, 1, 1, -1),
            (3, 1, -1, -1),
            (4, 0, -1, 1),
        ):
            amplitude, phase, offset = GAIT[1 + 3 * group : 4 + 3 * group]
            theta = 2 * math.pi * f * t + phase
            assert m[f"hip_{leg}"] == pytest.approx(
                hip_sign * (offset + amplitude * math.sin(theta))
            )
            assert m[f"ankle_{leg}"] == pytest.approx(ankle_sign * (0.8 + 0.3 * math.sin(theta)))


def test_reset_restarts_the_clock_and_the_action():
    gait = SineGait(GAIT, dt=0.1, period=0.3)
    first = gait.motor_signals(None)
    gait.update(GAIT * 0.5)
    gait.motor_signals(None)
    gait.reset()
    assert np.array_equal(gait.action, GAIT) and gait.motor_signals(None) == first


def test_bound_clips_and_wraps_the_phases():
    gait = SineGait()
    a = gait.bound(np.array([5.0, -1.0, 4.0, 1.0, 0.6, -4.0, -1.0]))
    assert a[[0, 1, 3, 4, 6]].tolist() == [GAIT_HIGH[0], 0.0, 0.4, 0.5, -0.4]
    assert a[2] == pytest.approx(4.0 - 2 * math.pi) and a[5] == pytest.approx(2 * math.pi - 4.0)
    assert np.all(a >= GAIT_LOW) and np.all(a <= GAIT_HIGH)


@pytest.mark.parametrize("k", range(len(GAIT_PARAMETERS)))
@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_a_non_finite_gait_parameter_is_refused_by_name(k, bad):
    gait = SineGait(GAIT)
    action = GAIT.copy()
    action[k] = bad
    with pytest.raises(ValueError, match=f"action: gait parameter {GAIT_PARAMETERS[k]} is"):
        gait.update(action)
    assert np.array_equal(gait.action, GAIT)
    with pytest.raises(ValueError, match=f"initial: gait parameter {GAIT_PARAMETERS[k]}"):
        SineGait(action)


@pytest.mark.parametrize("action", [np.zeros(6), np.zeros((1, 7)), [1.0] * 8])
def test_a_wrong_shaped_action_is_refused(action):
    gait = SineGait(GAIT)
    with pytest.raises(ValueError, match=r"action must have shape \(7,\)"):
        gait.update(action)
    assert np.array_equal(gait.action, GAIT)
    with pytest.raises(TypeError, match="action"):
        gait.update("fast")


@pytest.mark.parametrize("name", ["dt", "period"])
def test_bad_timing_is_refused(name):
    with pytest.raises(ValueError, match=f"SineGait.{name}"):
        SineGait(**{name: 0.0})


@pytest.mark.parametrize(
    "action, error",
    [([10**400] + [0.0] * 6, TypeError), ([1j] + [0.0] * 6, TypeError), ([True] * 7, TypeError)],
)
def test_a_huge_complex_or_bool_parameter_is_refused_naming_the_action(action, error):
    # found by the fuzzer: an int too large for a float raised OverflowError, and a complex
    # parameter lost its imaginary part with only a warning
    gait = SineGait(GAIT)
    with pytest.raises(error, match="action"):
        gait.update(action)
    assert np.array_equal(gait.action, GAIT)


@pytest.mark.parametrize(
    "params, clock, word",
    [
        (np.full(7, np.nan), 0.0, "params contains NaN"),  # eight NaN targets
        (np.zeros(3), 0.0, "params must have shape (7,)"),  # IndexError: index 4
        ("abcdefg", 0.0, "params must"),
        (np.zeros(7), float("inf"), "clock"),  # eight NaN targets
        (np.zeros(7), "1", "clock"),
    ],
)
def test_sine_gait_targets_refuses_bad_params_or_clock_naming_them(params, clock, word):
    with pytest.raises((TypeError, ValueError)) as info:
        sine_gait_targets(params, clock)
    assert word in str(info.value)
