import math

import numpy as np
import pytest

from sensorimotor import KinematicArm2D, SignalError


def test_hand_computed_forward_kinematics():
    arm = KinematicArm2D({"dim": 3, "lengths": [1.0, 2.0, 3.0], "origin": (1.0, -1.0)})
    # zero posture: along the x axis
    s = arm.execute({"j0": 0, "j1": 0, "j2": 0})["s_signal"]
    assert s["x"] == pytest.approx(7.0) and s["y"] == pytest.approx(-1.0)
    # 90, 90, 90: up 1, left 2, down 3
    s = arm.execute({"j0": 90, "j1": 90, "j2": 90})["s_signal"]
    assert s["x"] == pytest.approx(1.0 - 2.0) and s["y"] == pytest.approx(-1.0 + 1.0 - 3.0)
    # 30, -30, 45
    a = math.radians
    x = 1 + math.cos(a(30)) + 2 * math.cos(0) + 3 * math.cos(a(45))
    y = -1 + math.sin(a(30)) + 2 * math.sin(0) + 3 * math.sin(a(45))
    s = arm.execute({"j0": 30, "j1": -30, "j2": 45})["s_signal"]
    assert s["x"] == pytest.approx(x, abs=1e-12) and s["y"] == pytest.approx(y, abs=1e-12)
    np.testing.assert_allclose(arm.posture[-1], [x, y], atol=1e-12)


def test_batch_path_matches_single_path():
    arm = KinematicArm2D.mid7()
    rng = np.random.default_rng(0)
    commands = arm.m_set.random(rng, size=500) * 1.3  # some beyond limits: clipped both ways
    batch = arm.execute_array(commands)
    single = np.array(
        [arm.s_set.to_array(arm.execute(arm.m_set.from_array(c))["s_signal"]) for c in commands]
    )
    np.testing.assert_allclose(batch, single, atol=1e-12, rtol=0)


def test_clipping_and_reach_bounds():
    arm = KinematicArm2D({"dim": 2, "limits": [(-10, 10), (0, 90)]})
    fb = arm.execute({"j0": 50, "j1": -5})
    assert fb["m_signal"] == {"j0": 10.0, "j1": 0.0}
    pts = arm.execute_array(arm.m_set.random(np.random.default_rng(1), 2000))
    assert np.all(np.hypot(pts[:, 0], pts[:, 1]) <= arm.total_length + 1e-12)
    assert arm.s_set["x"].bounds == (-1.0, 1.0)


def test_presets():
    mid = KinematicArm2D.mid7()
    assert mid.dim == 7 and mid.total_length == pytest.approx(1.0)
    np.testing.assert_allclose(mid.lengths[1:] / mid.lengths[:-1], 1 / 1.5)
    assert mid.m_set["j3"].bounds == (-60.0, 60.0)
    a20 = KinematicArm2D.arm20()
    assert a20.dim == 20 and np.allclose(a20.lengths, 0.05)
    assert a20.m_set["j19"].bounds == (-150.0, 150.0)


def test_bad_config_and_input():
    with pytest.raises(ValueError, match="lengths"):
        KinematicArm2D({"dim": 2, "lengths": [1.0, -1.0]})
    with pytest.raises(ValueError, match="limits"):
        KinematicArm2D({"dim": 2, "limits": [(0, 1)] * 3})
    arm = KinematicArm2D({"dim": 2})
    with pytest.raises(SignalError, match="'j1' is NaN"):
        arm.execute_array([[0.0, np.nan]])


def test_lengths_of_the_wrong_count_are_named():
    """Two lengths for three joints was a NumPy broadcast error (issue 9, defect 14)."""
    with pytest.raises(ValueError, match="lengths must be one number or 3 of them"):
        KinematicArm2D({"dim": 3, "lengths": [1, 2]})
    with pytest.raises(ValueError, match="limits"):
        KinematicArm2D({"dim": 2, "limits": "wide"})


def test_a_huge_int_motor_value_is_a_signal_error_and_the_arm_is_unchanged():
    arm = KinematicArm2D({"dim": 2})
    arm.execute({"j0": 10.0, "j1": 20.0})
    before = arm.posture.copy()
    with pytest.raises(SignalError, match="'j0'"):
        arm.execute({"j0": 10**400, "j1": 1})
    np.testing.assert_array_equal(arm.posture, before)


@pytest.mark.parametrize(
    "cfg, name",
    [
        ({"origin": "0:"}, "origin"),  # was: could not convert string to float: '0'
        ({"origin": (1.0,)}, "origin"),  # was: IndexError
        ({"origin": 0.5}, "origin"),  # was: 'float' object is not iterable
        ({"origin": (np.nan, 0.0)}, "origin"),  # was: accepted, NaN channel bounds
        ({"limits": (-(10**400), 10)}, "limits"),  # was: OverflowError
        ({"lengths": [10**400, 1, 1]}, "lengths"),  # was: OverflowError
        # were accepted as numbers: np.asarray(..., float64) reads '0.5' as 0.5, True as 1.0
        ({"lengths": "0.5"}, "lengths"),
        ({"lengths": [0.5, True, 0.5]}, "lengths"),
        ({"limits": ("-10", "10")}, "limits"),
        ({"limits": (False, True)}, "limits"),
        ({"limits": np.array([False, True])}, "limits"),
        ({"origin": ("1", "2")}, "origin"),
        ({"origin": [0.0, True]}, "origin"),
    ],
)
def test_a_bad_origin_or_a_huge_int_setting_is_a_value_error_naming_it(cfg, name):
    with pytest.raises(ValueError, match=name):
        KinematicArm2D({"dim": 3, **cfg})
