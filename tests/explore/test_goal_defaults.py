"""Goal babbling's defaults (issue 12): the learned goal region and the noise from the bounds."""

import math

import numpy as np
import pytest

from sensorimotor import Channel, Environment, KinematicArm2D
from sensorimotor.explore import (
    LearningProgressExplorer,
    MetaExplorer,
    RandomGoalExplorer,
    RandomMotorExplorer,
)
from sensorimotor.learners import NNLearner


def learner_for(env, seed=0):
    return NNLearner({"m_channels": env.m_channels, "s_channels": env.s_channels, "seed": seed})


def grown(lo, hi, margin, s_set):
    pad = margin * (hi - lo)
    return np.maximum(lo - pad, s_set.low), np.minimum(hi + pad, s_set.high)


def test_learned_region_is_the_reached_box_grown_by_the_margin_and_grows_with_it():
    arm = KinematicArm2D.mid7()
    explorer = RandomGoalExplorer({"learner": learner_for(arm), "margin": 0.25, "seed": 1})
    reached, widths = [], []
    for _ in range(400):
        e = explorer.explore()
        if reached:  # every goal lies in the box of what was reached before it, grown
            low, high = grown(np.min(reached, 0), np.max(reached, 0), 0.25, arm.s_set)
            g = arm.s_set.to_array(e["s_goal"])
            assert np.all(g >= low - 1e-12) and np.all(g <= high + 1e-12)
        f = arm.execute(e["m_signal"])
        explorer.receive(e, f)
        reached.append(f.s_array)
        region = explorer.goal_region()
        expected = grown(np.min(reached, 0), np.max(reached, 0), 0.25, arm.s_set)
        assert np.allclose(region[0], expected[0]) and np.allclose(region[1], expected[1])
        widths.append(region[1] - region[0])
    widths = np.array(widths)
    assert np.all(np.diff(widths, axis=0) >= 0)  # it never shrinks
    assert np.all(widths[-1] > 5 * widths[1])  # and it grows with what is reached
    # the goals stay near the reachable space: well inside the sensory bounds [-1, 1]^2
    assert widths[-1][0] < 1.8


def test_margin_zero_keeps_goals_in_the_reached_box():
    arm = KinematicArm2D({"dim": 3})
    explorer = RandomGoalExplorer({"learner": learner_for(arm), "margin": 0.0, "seed": 0})
    reached, goals = [], []
    for _ in range(100):
        e = explorer.explore()
        if "s_goal" in e:
            g = arm.s_set.to_array(e["s_goal"])
            assert np.all(g >= np.min(reached, 0)) and np.all(g <= np.max(reached, 0))
            goals.append(g)
        f = arm.execute(e["m_signal"])
        explorer.receive(e, f)
        reached.append(f.s_array)
    # every exploration after the first (a fallback without a goal) had its goal checked,
    # and the goals fill the box: its edges are not just where they are clipped to
    goals = np.array(goals)
    assert len(goals) == 99 and np.ptp(goals, axis=0).min() > 0.5 * np.ptp(reached, axis=0).min()


def test_meta_explorer_grows_the_region_with_motor_babbling():
    arm = KinematicArm2D.mid7()
    learner = learner_for(arm)
    goal = RandomGoalExplorer({"learner": learner, "seed": 2})
    motor = RandomMotorExplorer({"learner": learner, "seed": 1})
    meta = MetaExplorer({"learner": learner, "explorers": [motor, goal], "eras": (50, None)})
    reached = []
    for _ in range(50):
        e = meta.explore()
        f = arm.execute(e["m_signal"])
        meta.receive(e, f)
        reached.append(f.s_array)
    assert len(goal) == 0  # it made none of them, but saw them all
    expected = grown(np.min(reached, 0), np.max(reached, 0), 0.1, arm.s_set)
    assert np.allclose(goal.goal_region(), expected)
    e = meta.explore()
    assert e["from"] == "goal"


def test_a_given_goal_box_is_respected_whatever_is_reached():
    arm = KinematicArm2D({"dim": 3})
    box = [(0.2, 0.3), (-0.1, 0.0)]
    explorer = RandomGoalExplorer({"learner": learner_for(arm), "s_bounds": box, "seed": 0})
    reached = []
    for _ in range(300):
        e = explorer.explore()
        if "s_goal" in e:
            g = arm.s_set.to_array(e["s_goal"])
            assert 0.2 <= g[0] <= 0.3 and -0.1 <= g[1] <= 0.0
        f = arm.execute(e["m_signal"])
        explorer.receive(e, f)
        reached.append(f.s_array)
    assert np.ptp(np.array(reached)[:, 0]) > 0.5  # much was reached outside the box
    assert np.array_equal(np.array(explorer.goal_region()), np.array(box).T)


def test_before_any_effect_goals_are_drawn_in_the_sensory_bounds():
    # around a learner trained elsewhere, the explorer has seen nothing yet
    arm = KinematicArm2D({"dim": 2})
    learner = learner_for(arm)
    learner.update_array(np.zeros((1, 2)), arm.execute_array(np.zeros((1, 2))))
    explorer = RandomGoalExplorer({"learner": learner, "seed": 0})
    assert np.array_equal(np.array(explorer.goal_region()), np.array([[-1, -1], [1, 1]]))
    goals = np.array([arm.s_set.to_array(explorer.explore()["s_goal"]) for _ in range(200)])
    assert goals.min() < -0.8 and goals.max() > 0.8


def moved(explorer, m_set, n=4000) -> np.ndarray:
    """Raw motor offsets of ``n`` explorations from the one posture the learner knows."""
    return np.array([m_set.to_array(explorer.explore()["m_signal"]) for _ in range(n)])


@pytest.mark.parametrize("limit", [20.0, 40.0])
def test_default_noise_is_a_share_of_each_motor_range(limit):
    arm = KinematicArm2D({"dim": 2, "limits": [(-limit, limit), (-2 * limit, 2 * limit)]})
    learner = learner_for(arm)
    learner.update_array(np.zeros((1, 2)), arm.execute_array(np.zeros((1, 2))))
    explorer = RandomGoalExplorer({"learner": learner, "seed": 0})
    assert explorer.cfg.sigma is None and explorer.sigma == pytest.approx(0.3 / math.sqrt(2))
    m = moved(explorer, arm.m_set)
    # the standard deviation in degrees scales with each channel's range (2 limit, 4 limit)
    expected = explorer.sigma * np.array([2 * limit, 4 * limit])
    assert np.allclose(m.std(axis=0), expected, rtol=0.06)


def test_default_noise_keeps_its_length_whatever_the_number_of_motor_channels():
    lengths = []
    for dim in (2, 8, 20):
        arm = KinematicArm2D({"dim": dim, "limits": (-30.0, 30.0)})
        learner = learner_for(arm)
        learner.update_array(np.zeros((1, dim)), arm.execute_array(np.zeros((1, dim))))
        explorer = RandomGoalExplorer({"learner": learner, "seed": 0})
        assert explorer.sigma == pytest.approx(0.3 / math.sqrt(dim))
        u = arm.m_set.scale(moved(explorer, arm.m_set, 2000)) - 0.5
        lengths.append(np.sqrt(np.mean(np.sum(u**2, axis=1))))  # root mean square
    assert np.allclose(lengths, 0.3, rtol=0.05)
    # a given sigma is used as it is
    explorer = RandomGoalExplorer({"learner": learner, "sigma": 0.02})
    assert explorer.sigma == 0.02


@pytest.mark.parametrize("bad", [-0.1, math.nan, math.inf, "0.1", True, None])
def test_a_bad_margin_is_refused_naming_it(bad):
    arm = KinematicArm2D({"dim": 3})
    with pytest.raises(ValueError, match="margin"):
        RandomGoalExplorer({"learner": learner_for(arm), "margin": bad})


@pytest.mark.parametrize("bad", [-0.1, math.nan, -math.inf, "0.1"])
def test_a_bad_sigma_is_refused_naming_it(bad):
    arm = KinematicArm2D({"dim": 3})
    with pytest.raises(ValueError, match="sigma"):
        RandomGoalExplorer({"learner": learner_for(arm), "sigma": bad})


class Unbounded(Environment):
    """A sensory channel without bounds: a user cannot give the channels' box."""

    def __init__(self, cfg=None):
        self.m_channels = [Channel("a", (0, 1)), Channel("b", (0, 1))]
        self.s_channels = [Channel("x"), Channel("y")]

    def _execute(self, m_signal, meta=None):
        return {"x": 10 * m_signal["a"], "y": m_signal["a"] - 5 * m_signal["b"]}


def test_unbounded_sensory_channels_need_no_box_with_the_learned_region():
    env = Unbounded()
    explorer = RandomGoalExplorer({"learner": learner_for(env), "seed": 0})
    assert explorer.goal_region() is None
    tags, goals = [], []
    for _ in range(200):
        e = explorer.explore()
        tags.append(e["from"])
        if "s_goal" in e:
            goals.append(env.s_set.to_array(e["s_goal"]))
        explorer.receive(e, env.execute(e["m_signal"]))
    assert tags[0] == "goal.fallback" and set(tags[1:]) == {"goal"}
    goals = np.array(goals)
    assert goals[:, 0].max() - goals[:, 0].min() > 5  # the region grew out of one point
    # an explorer drawing its own goals over a fixed grid still needs a box
    with pytest.raises(ValueError, match="s_bounds"):
        LearningProgressExplorer({"learner": learner_for(env)})


def test_the_region_is_saved_and_a_corrupt_one_refused(tmp_path):
    arm = KinematicArm2D({"dim": 3})
    learner = learner_for(arm)
    explorer = RandomGoalExplorer({"learner": learner, "seed": 0})
    for _ in range(30):
        e = explorer.explore()
        explorer.receive(e, arm.execute(e["m_signal"]))
    explorer.save(tmp_path / "goal.json")
    again = RandomGoalExplorer.load(tmp_path / "goal.json", learner)
    assert np.array_equal(np.array(again.goal_region()), np.array(explorer.goal_region()))
    state = explorer.state()
    state["state"]["reached"] = [[0.0, math.inf], [1.0, 1.0]]
    with pytest.raises(ValueError, match="reached"):
        RandomGoalExplorer.from_state(state, learner)
    state["state"]["reached"] = [[1.0, 1.0], [0.0, 0.0]]  # low above high
    with pytest.raises(ValueError, match="reached"):
        RandomGoalExplorer.from_state(state, learner)

    state["state"]["reached"] = [["0.1", "0.2"], ["0.3", "0.4"]]  # strings, not numbers
    with pytest.raises(ValueError, match="reached"):
        RandomGoalExplorer.from_state(state, learner)


def test_effects_all_beyond_a_bound_give_a_region_within_the_bounds(tmp_path):
    # effects 2.0 and 2.5 on a channel bounded to [-1, 1]: lo - pad = 1.95 > high_s = 1
    m, s = [Channel("m", (0, 1))], [Channel("s", (-1, 1))]
    learner = NNLearner({"m_channels": m, "s_channels": s})
    explorer = RandomGoalExplorer({"learner": learner, "seed": 0})
    for i, v in enumerate([2.0, 2.5]):
        e = explorer.explore()
        explorer.receive(e, {"m_signal": {"m": 0.5}, "s_signal": {"s": v}, "uuid": str(i)})
    low, high = explorer.goal_region()
    assert np.all(low <= high) and low[0] >= -1 and high[0] <= 1
    goals = [explorer.explore()["s_goal"]["s"] for _ in range(20)]
    assert all(-1 <= g <= 1 for g in goals)
    # a loaded 'reached' beyond the bounds likewise
    state = explorer.state()
    state["state"]["reached"] = [[-7.0], [-5.0]]
    again = RandomGoalExplorer.from_state(state, learner)
    low, high = again.goal_region()
    assert np.all(low <= high) and low[0] >= -1 and high[0] <= 1
    assert all(-1 <= again.explore()["s_goal"]["s"] <= 1 for _ in range(20))


def test_a_schedule_inside_a_schedule_passes_the_effects_on():
    arm = KinematicArm2D({"dim": 3})
    learner = learner_for(arm)
    goal = RandomGoalExplorer({"learner": learner, "seed": 2})
    inner = MetaExplorer(
        {"learner": learner, "explorers": [goal], "eras": (None,), "weights": ((1.0,),)}
    )
    motor = RandomMotorExplorer({"learner": learner, "seed": 1})
    outer = MetaExplorer({"learner": learner, "explorers": [motor, inner], "eras": (20, None)})
    reached = []
    for _ in range(20):
        e = outer.explore()
        f = arm.execute(e["m_signal"])
        outer.receive(e, f)
        reached.append(f.s_array)
    expected = grown(np.min(reached, 0), np.max(reached, 0), 0.1, arm.s_set)
    assert len(goal) == 0 and np.allclose(goal.goal_region(), expected)


def test_a_schedule_inside_a_schedule_routes_each_observation_to_the_explorer_that_made_it():
    # The inner schedule is chosen (from step 10 on) and picks from two explorers: each must
    # receive exactly its own explorations (the outer once overwrote the inner's index).
    arm = KinematicArm2D({"dim": 3})
    learner = learner_for(arm)
    goal = RandomGoalExplorer({"learner": learner, "seed": 2})
    babble = RandomMotorExplorer({"learner": learner, "seed": 3})
    inner = MetaExplorer(
        {"learner": learner, "explorers": [goal, babble], "eras": (None,), "weights": ((1, 1),)}
    )
    motor = RandomMotorExplorer({"learner": learner, "seed": 1})
    outer = MetaExplorer({"learner": learner, "explorers": [motor, inner], "eras": (10, None)})
    paths = []
    for _ in range(60):
        e = outer.explore()
        assert outer.receive(e, arm.execute(e["m_signal"]))
        paths.append(tuple(e["explorer_path"]))
        assert e["explorer"] == e["explorer_path"][0]
        assert e["from"] == {(0,): "motor", (1, 0): "goal", (1, 1): "motor"}[paths[-1]]
    assert set(paths) == {(0,), (1, 0), (1, 1)}
    assert len(motor) == paths.count((0,)) == 10
    assert len(inner) == paths.count((1, 0)) + paths.count((1, 1)) == 50
    assert len(goal) == paths.count((1, 0)) and len(babble) == paths.count((1, 1))
    # an exploration whose path names no explorer of the inner schedule is refused, unchanged
    e = outer.explore()
    before = outer.state()
    with pytest.raises(ValueError, match="names no sub-explorer"):
        outer.receive({**e, "explorer": 1, "explorer_path": [1, 2]}, arm.execute(e["m_signal"]))
    assert outer.state() == before and len(learner) == 60


@pytest.mark.parametrize("cls", [RandomGoalExplorer, LearningProgressExplorer])
def test_s_bounds_whose_width_is_beyond_float_range_are_refused(cls):
    # (-1e308, 1e308) is finite, but high - low is inf: goals were inf
    arm = KinematicArm2D({"dim": 3})
    with pytest.raises(ValueError, match="s_bounds"):
        cls({"learner": learner_for(arm), "s_bounds": [(-1e308, 1e308), (0, 1)]})
    cls({"learner": learner_for(arm), "s_bounds": [(-1e307, 1e307), (0, 1)]})
