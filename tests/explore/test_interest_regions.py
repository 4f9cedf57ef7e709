"""The interest explorer's regions: where goals go, how regions split, settings refused."""

import numpy as np
import pytest

from sensorimotor.envs import Distractor, KinematicArm2D
from sensorimotor.explore import LearningProgressExplorer, RandomGoalExplorer
from sensorimotor.explore.regions import Regions
from sensorimotor.learners import NNLearner


def explore(explorer, env, steps):
    out = []
    for _ in range(steps):
        e = explorer.explore()
        explorer.receive(e, env.execute(e["m_signal"]))
        out.append(e)
    return out


def goals_in_reach(explorations, env, tag="goal"):
    """Share of the goals tagged ``tag`` within the arm's own box [-1, 1]^2, and their count."""
    g = np.array([[e["s_goal"]["x"], e["s_goal"]["y"]] for e in explorations if e["from"] == tag])
    return float(np.mean(np.all(np.abs(g) <= env.total_length, axis=1))), len(g)


# the default measure under goal babbling's default perturbation (0.3 / sqrt(2) = 0.21 of
# each joint's range here); the improvement measure reads nothing under it (see below)
@pytest.mark.parametrize("extra", [{}, {"measure": "improvement", "sigma": 0.05}])
def test_goals_go_where_competence_improves_not_where_nothing_is_reachable(extra):
    # a 2-joint arm of reach 1 and goals in [-4, 4]^2: 1/16 of the goal box is within reach
    arm = KinematicArm2D({"dim": 2, "lengths": 0.5})
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    cfg = {"learner": learner, "s_bounds": [(-4, 4), (-4, 4)], "seed": 0, **extra}
    explorer = LearningProgressExplorer({**cfg, "max_points_per_region": 20})
    later = explore(explorer, arm, 800)[300:]
    share, n = goals_in_reach(later, arm)
    assert n > 150 and share > 0.5  # uniform goals: 1/16
    random_share, _ = goals_in_reach(later, arm, tag="goal.random")
    assert random_share < 0.2
    # the regions got finer where the goals went, within the arm's reach of 1: most regions
    # of less than 1/64 of the box are centred within 1.5 (0.83 and 0.95 here; (3/8)^2 =
    # 0.14 if they were spread over the box), most larger ones beyond it
    low, high = explorer.region_bounds()
    centre = (low + high) / 2
    small = np.prod(high - low, axis=1) < 64 / 64
    near = np.all(np.abs(centre) <= 1.5, axis=1)
    assert small.sum() >= 15 and np.mean(near[small]) > 0.75 and np.mean(near[~small]) < 0.35


def test_the_default_measure_reads_progress_under_the_default_perturbation():
    arm = KinematicArm2D({"dim": 2, "lengths": 0.5})
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    cfg = {"learner": learner, "s_bounds": [(-4, 4), (-4, 4)], "max_points_per_region": 20}
    for seed in range(3):
        explorer = LearningProgressExplorer({**cfg, "seed": seed})
        assert explorer.sigma == RandomGoalExplorer({"learner": learner}).sigma
        later = explore(explorer, arm, 800)[300:]
        assert explorer.interest().max() > 0
        share, n = goals_in_reach(later, arm)
        assert n > 150 and share > 0.5
    # the improvement measure under the same perturbation: the outcome is hardly ever
    # closer than the best effect before, so no region reads any interest
    explorer = LearningProgressExplorer({**cfg, "seed": 1, "measure": "improvement"})
    explore(explorer, arm, 600)
    assert explorer.interest().max() == 0


def test_without_s_bounds_goals_stay_in_the_learned_region():
    # goal babbling's learned region: the box of the effects reached, grown by margin
    arm = KinematicArm2D({"dim": 2, "lengths": 0.5})
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    explorer = LearningProgressExplorer({"learner": learner, "seed": 0, "margin": 0.0})
    for t in range(400):
        region = explorer.goal_region()
        e = explorer.explore()
        if t > 0:
            g = arm.s_set.to_array(e["s_goal"])
            assert np.all(g >= region[0]) and np.all(g <= region[1])
        explorer.receive(e, arm.execute(e["m_signal"]))
    tags = {e["from"] for e in explore(explorer, arm, 200)}
    assert tags == {"goal", "goal.random"}
    # the regions are still boxes of the sensory bounds
    low, high = explorer.region_bounds()
    assert np.allclose(low.min(axis=0), -1) and np.allclose(high.max(axis=0), 1)


def test_random_goal_babbling_sees_the_same_goal_box_uniformly():
    # the peer of the test above: without interest, goals stay uniform in the box
    arm = KinematicArm2D({"dim": 2, "lengths": 0.5})
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    explorer = RandomGoalExplorer({"learner": learner, "s_bounds": [(-4, 4), (-4, 4)]})
    share, n = goals_in_reach(explore(explorer, arm, 800)[300:], arm)
    assert n == 500 and share < 0.12


def test_interest_follows_a_distractor_it_cannot_move():
    # a near-constant distractor: only goals near its value can be reached; the interest
    # explorer's goals get nearer to it than uniform goals (mean distance 1/3 of the range);
    # the fixed box, not the learned region (which would hold the distractor at its value)
    env = Distractor({"env": KinematicArm2D({"dim": 2, "lengths": 0.5}), "drift": 0.0})
    learner = NNLearner({"m_channels": env.m_channels, "s_channels": env.s_channels})
    box = [(-1, 1)] * 3
    explorer = LearningProgressExplorer(
        {"learner": learner, "seed": 1, "s_bounds": box, "max_points_per_region": 20}
    )
    later = [e for e in explore(explorer, env, 800)[300:] if e["from"] == "goal"]
    d = np.array([e["s_goal"]["distractor"] for e in later])
    assert len(d) > 150 and np.mean(np.abs(d - env.value)) < 0.5 * 2 / 3


def test_a_full_region_splits_where_interests_differ_most():
    regions = Regions(2, 1, max_points=8, max_depth=3, window=8, interest=np.std)
    rng = np.random.default_rng(0)
    for _ in range(9):  # values vary only where x > 0.75
        g = rng.random(2)
        regions.add(g, float(g[0] > 0.75) * g[1])
    assert len(regions) == 2 and regions.high[0, 0] == 0.75 and regions.low[1, 0] == 0.75
    assert sum(map(len, regions.goals)) == 9 and regions.depth == [1, 1]
    for i in range(2):
        assert all(np.all((g >= regions.low[i]) & (g <= regions.high[i])) for g in regions.goals[i])


def test_regions_stop_splitting_at_max_depth_and_keep_their_last_goals():
    regions = Regions(1, 1, max_points=4, max_depth=2, window=4, interest=np.mean)
    for k in range(40):
        regions.add(np.array([0.01 * (k % 10)]), float(k))  # all in [0, 0.1)
    assert max(regions.depth) == 2 and len(regions) == 3
    i = regions.find(np.array([0.05]))
    assert regions.values[i] == [36.0, 37.0, 38.0, 39.0]


def test_saved_regions_load_and_continue_the_same(tmp_path):
    arm = KinematicArm2D({"dim": 3})
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    explorer = LearningProgressExplorer({"learner": learner, "seed": 3})
    explore(explorer, arm, 300)
    assert len(explorer.regions) > 1
    explorer.save(tmp_path / "e.json")
    again = LearningProgressExplorer.load(tmp_path / "e.json", learner)
    np.testing.assert_array_equal(again.interest(), explorer.interest())
    np.testing.assert_array_equal(again.goal_region(), explorer.goal_region())
    assert again.explore() == explorer.explore()


@pytest.mark.parametrize(
    "key, value",
    [
        ("max_points_per_region", 1),
        ("max_points_per_region", 2.5),
        ("max_depth", -1),
        ("max_depth", 100),
        ("window", 1),
        ("p_random", 1.5),
        ("dist_max", 0.0),
        ("dist_max", float("inf")),
        ("dist_max", "0.1"),
        ("cells", 0),
        ("cells", [2, 2, 2]),
        ("cells", 1000),
        ("measure", "curiosity"),
        ("volume", 1),
    ],
)
def test_bad_settings_are_refused_naming_the_setting(key, value):
    arm = KinematicArm2D({"dim": 3})
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    with pytest.raises(ValueError, match=key):
        LearningProgressExplorer({"learner": learner, key: value})


@pytest.mark.parametrize("cells", [2, 49, 98, 103, 107, 161, 187, 196, 197, (49, 3)])
def test_the_last_cell_of_each_axis_ends_at_one_and_holds_one(cells):
    # c * (1 / c) rounds below 1 for some c: the last cell then ended at 0.9999999999999999
    # and a goal at 1.0 was filed in region 0
    n = 1 if isinstance(cells, int) else len(cells)
    regions = Regions(n, cells, max_points=100, max_depth=5, window=20, interest=np.mean)
    ones = np.ones(n)
    assert np.all(regions.high.max(axis=0) == 1.0)
    i = regions.find(ones)
    assert np.all(regions.low[i] < ones) and np.all(regions.high[i] == 1.0)
    assert regions.find(np.full(n, 0.9999999999999999)) == i
    # the boxes still share their edges exactly and fill the space
    assert np.isclose(np.prod(regions.high - regions.low, axis=1).sum(), 1.0)


@pytest.mark.parametrize("point", [0.3, 1.0, 0.7])  # (towards 0.0 floats go ~1000 halvings)
def test_goals_piling_on_one_point_never_split_a_region_to_zero_width(point):
    # a stuck sensor: every goal at one point; halving around it ~50 times reaches the
    # resolution of floats, where a cut at the middle would give a zero-width child
    regions = Regions(2, 1, max_points=2, max_depth=200, window=4, interest=lambda v: 0.0)
    for k in range(600):
        regions.add(np.array([point, 0.5]), float(k))
    assert np.all(regions.high > regions.low)
    assert max(regions.depth) < 200  # it stopped because no cut fits, not at max_depth
    i = regions.find(np.array([point, 0.5]))
    assert regions.values[i] == [598.0, 599.0]  # the narrowest region keeps its last goals
    again = Regions(2, 1, max_points=2, max_depth=200, window=4, interest=lambda v: 0.0)
    again.set_state(regions.state())  # its own state loads
    assert again.state() == regions.state()


def test_settings_given_as_numpy_arrays_and_scalars_are_saved_and_load(tmp_path):
    arm = KinematicArm2D({"dim": 3})
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    cfg = {
        "learner": learner,
        "seed": 1,
        "s_bounds": [np.array([-1.0, 1.0]), np.array([-0.5, 1.0])],
        "cells": np.array([2, 3]),
        "sigma": np.float64(0.1),
        "max_points_per_region": np.int64(5),
    }
    explorer = LearningProgressExplorer(cfg)
    explore(explorer, arm, 30)
    explorer.save(tmp_path / "e.json")  # was a TypeError: ndarray is not JSON serializable
    again = LearningProgressExplorer.load(tmp_path / "e.json", learner)
    assert again.state() == explorer.state()
    assert again.state()["cfg"]["cells"] == [2, 3]
    assert again.explore() == explorer.explore()
    bounds = {"learner": learner, "s_bounds": np.array([[-1.0, 1.0], [-0.5, 1.0]])}
    LearningProgressExplorer(bounds).save(tmp_path / "b.json")
    assert LearningProgressExplorer.load(tmp_path / "b.json", learner).state()["cfg"][
        "s_bounds"
    ] == [[-1.0, 1.0], [-0.5, 1.0]]


def test_a_goal_drawn_uniformly_because_the_chosen_region_lies_outside_the_goal_region_is_tagged_random():
    # A region with interest wholly outside goal babbling's learned region (e.g. from a
    # loaded file): the goal is uniform in the learned region, so it is tagged as uniform.
    arm = KinematicArm2D({"dim": 2})  # sensory bounds [-1, 1]^2
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    m = np.array([10.0, 20.0])
    s = arm.execute_array(m[None])[0]
    learner.update_array(m[None], s[None])
    cfg = {"learner": learner, "cells": 2, "window": 4, "p_random": 0.0, "margin": 0.0}
    explorer = LearningProgressExplorer({**cfg, "measure": "progress"})
    explorer._witness(m, s)  # the learned region: the one effect reached
    assert np.all(s > 0)  # in the upper-right cell
    for value in (-0.5, -0.4, -0.2, -0.1):  # progress in the lower-left cell only
        explorer.regions.add(np.array([0.1, 0.1]), value)
    assert explorer.interest()[0] > 0 and explorer.interest()[1:].max() == 0
    e = explorer.explore()
    low, high = explorer.goal_region()
    g = arm.s_set.to_array(e["s_goal"])
    assert np.all(g >= low) and np.all(g <= high)
    assert e["from"] == "goal.random"


def test_a_grid_of_more_regions_than_an_int64_holds_is_refused_not_allocated():
    """cells [2**32, 2**32]: np.prod wrapped to 0, the 100000-region cap passed, and the
    explorer asked for 32 GiB."""
    arm = KinematicArm2D({"dim": 2})
    cfg = {"m_channels": arm.m_channels, "s_channels": arm.s_channels}
    with pytest.raises(ValueError, match="more than 100000 regions"):
        LearningProgressExplorer({**cfg, "learner": NNLearner(cfg), "cells": [2**32, 2**32]})
