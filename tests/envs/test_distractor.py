"""The Distractor wrapper: a sensory channel that no command moves."""

import numpy as np
import pytest

from sensorimotor.envs import Distractor, KinematicArm2D


def commands(env, n, seed):
    return env.m_set.random(np.random.default_rng(seed), size=n)


def test_the_distractor_does_not_respond_to_commands():
    a, b = Distractor({"seed": 4}), Distractor({"seed": 4})
    sa = np.array([a.execute(a.m_set.signal(m)).s_array for m in commands(a, 200, 0)])
    sb = np.array([b.execute(b.m_set.signal(m)).s_array for m in commands(b, 200, 1)])
    assert not np.allclose(sa[:, :2], sb[:, :2])  # other commands, other arm positions
    np.testing.assert_array_equal(sa[:, 2], sb[:, 2])  # the same distractor values
    assert np.std(sa[:, 2]) > 0


def test_the_wrapped_channels_are_the_wrapped_environments():
    arm = KinematicArm2D.mid7()
    env = Distractor({"env": KinematicArm2D.mid7(), "name": "light", "bounds": (0, 5)})
    m = commands(env, 50, 2)
    s = env.execute_array(m)
    np.testing.assert_array_equal(s[:, :2], arm.execute_array(m))
    assert env.s_set.names == ("x", "y", "light") and env.m_set == arm.m_set
    assert np.all((s[:, 2] >= 0) & (s[:, 2] <= 5))


def test_the_walk_is_reflected_in_its_bounds_one_step_per_row():
    wild = Distractor({"drift": 3.0, "seed": 1})  # noise-like: folds many times
    d = wild.execute_array(commands(wild, 5000, 0))[:, 2]
    assert d.min() >= -1 and d.max() <= 1 and d.min() < -0.9 and d.max() > 0.9
    # execute_array and execute take the same steps
    a, b = Distractor({"seed": 2}), Distractor({"seed": 2})
    m = commands(a, 20, 3)
    batch = a.execute_array(m)[:, 2]
    one = [b.execute(b.m_set.signal(row)).s_array[2] for row in m]
    np.testing.assert_allclose(batch, one)
    assert a.value == pytest.approx(batch[-1])


def test_no_drift_keeps_the_start():
    env = Distractor({"drift": 0.0, "start": 0.25})
    assert np.all(env.execute_array(commands(env, 10, 0))[:, 2] == 0.25)


@pytest.mark.parametrize(
    "key, value",
    [
        ("env", "arm"),
        ("name", "x"),
        ("name", ""),
        ("bounds", (1, -1)),
        ("bounds", (0, float("nan"))),
        ("drift", -0.1),
        ("drift", float("inf")),
        ("start", 2.0),
        ("seed", -1),
    ],
)
def test_bad_settings_are_refused_naming_the_setting(key, value):
    with pytest.raises((ValueError, TypeError), match=key):
        Distractor({key: value})


def test_an_empty_batch_gives_no_rows_and_leaves_the_walk():
    env, twin = Distractor({"seed": 3}), Distractor({"seed": 3})
    assert env.execute_array(np.zeros((0, 7))).shape == (0, 3)  # as the arm gives (0, 2)
    m = commands(env, 5, 0)
    np.testing.assert_array_equal(env.execute_array(m), twin.execute_array(m))
