import numpy as np
import pytest

from sensorimotor import Channel, ChannelSet, Environment, KinematicArm2D
from sensorimotor.learners import NNLearner
from sensorimotor.run.evaluation import (
    ErrorStats,
    TestSet,
    coverage,
    error_stats,
    evaluate,
    forward_tests,
    grid_cells,
    held_out_goals,
    reachable_cells,
    reachable_points,
    uniform_goals,
)


def nn(env):
    return NNLearner({"m_channels": env.m_channels, "s_channels": env.s_channels})


def test_error_stats_equal_numpy():
    e = np.random.default_rng(0).exponential(size=101)
    st = error_stats(e)
    assert st == ErrorStats(e.mean(), np.median(e), np.percentile(e, 90), 101)
    for bad in ([], [1.0, np.nan], [[1.0]]):
        with pytest.raises(ValueError):
            error_stats(bad)
    for bad in ([1.0, True], ["0.5", "1"], [None, 1.0]):  # not distances
        with pytest.raises(TypeError, match="errors must be numbers"):
            error_stats(bad)


def test_grid_cells_refuse_a_point_that_is_not_finite():
    for bad in ([[0.5, np.nan]], [[np.inf, 0.5]]):  # a NaN was filed in cell 0
        with pytest.raises(ValueError, match="points must be finite"):
            grid_cells(bad, [0, 0], [1, 1], cells=10)


def test_grid_cells_and_coverage_match_a_loop():
    rng = np.random.default_rng(1)
    pts = rng.uniform(-1.2, 1.2, size=(300, 2))  # some outside the box: border cells
    cs = ChannelSet([Channel("x", (-1, 1)), Channel("y", (-1, 1))])
    cells = set()
    for x, y in pts:
        i = min(max(int(np.floor((x + 1) / 2 * 7)), 0), 6)
        j = min(max(int(np.floor((y + 1) / 2 * 7)), 0), 6)
        cells.add(i * 7 + j)
    assert set(grid_cells(pts, cs.low, cs.high, 7).tolist()) == cells
    assert coverage(pts, cs, cells=7) == len(cells)
    assert coverage(np.empty((0, 2)), cs) == 0


def test_test_sets_are_seeded_and_held_out():
    arm = KinematicArm2D({"dim": 3})
    for make in (held_out_goals, forward_tests, uniform_goals):
        a, b, c = make(arm, 50, seed=3), make(arm, 50, seed=3), make(arm, 50, seed=4)
        assert np.array_equal(a.inputs, b.inputs) and np.array_equal(a.targets, b.targets)
        assert not np.array_equal(a.inputs, c.inputs)
    fw = forward_tests(arm, 20, seed=0)
    assert fw.kind == "forward" and np.allclose(fw.targets, arm.execute_array(fw.inputs))
    with pytest.raises(ValueError, match="n must"):
        held_out_goals(arm, 0)


def test_exact_answers_give_zero_error():
    arm = KinematicArm2D({"dim": 3})
    fw = forward_tests(arm, 200, seed=0)
    learner = nn(arm)
    learner.update_array(fw.inputs, fw.targets)
    assert evaluate(learner, arm, fw).p90 < 1e-12  # scaling round trip only
    # the goals of held-out commands with the same seed are the effects of those commands
    goals = held_out_goals(arm, 200, seed=0)
    assert np.allclose(evaluate(learner, arm, goals).mean, 0.0, atol=1e-12)


def test_evaluate_only_queries_and_takes_user_functions():
    arm = KinematicArm2D({"dim": 3})
    learner = nn(arm)
    fw = forward_tests(arm, 100, seed=1)
    learner.update_array(fw.inputs, fw.targets)
    before = learner.state()
    goals = uniform_goals(arm, 100, seed=2)
    stats = evaluate(learner, arm, goals)
    reached = arm.execute_array(learner.infer_array(goals.inputs))
    assert stats == error_stats(np.linalg.norm(reached - goals.inputs, axis=1))
    after = learner.state()
    assert all(np.array_equal(before[k], after[k]) for k in before if k != "header")

    def x_only(learner, env):
        return np.abs(
            env.execute_array(learner.infer_array(goals.inputs))[:, 0] - goals.inputs[:, 0]
        )

    assert evaluate(learner, arm, x_only).mean <= stats.mean
    with pytest.raises(TypeError, match="TestSet"):
        evaluate(learner, arm, [1, 2])
    with pytest.raises(ValueError, match="kind"):
        evaluate(learner, arm, TestSet("sideways", goals.inputs, goals.targets, "?"))


def test_reachable_points_reach_the_edges_random_commands_miss():
    arm = KinematicArm2D.mid7()
    rng = np.random.default_rng(0)
    random_s = arm.execute_array(arm.m_set.random(rng, size=80000))
    pts = reachable_points(arm, seed=0)
    assert len(pts) == 80000
    # as many commands, more of the space: curled postures random commands rarely take
    assert coverage(pts, arm.s_set, 40) > 1.1 * coverage(random_s, arm.s_set, 40)
    assert np.linalg.norm(pts, axis=1).min() < np.linalg.norm(random_s, axis=1).min() - 0.02
    assert reachable_cells(arm, 20) == coverage(pts, arm.s_set, 20)


def test_uniform_goals_are_spread_over_reachable_cells():
    arm = KinematicArm2D.mid7()
    goals = uniform_goals(arm, 300, seed=0, cells=50)
    cells = grid_cells(goals.inputs, arm.s_set.low, arm.s_set.high, 50)
    assert len(np.unique(cells)) == 300  # fewer goals than reachable cells: one per cell
    given = uniform_goals(arm, 300, seed=0, cells=50, points=reachable_points(arm, seed=0))
    assert np.array_equal(given.inputs, goals.inputs)
    # random commands mostly stretch the arm out; uniform goals also fill the inner region
    r_uniform = np.linalg.norm(goals.inputs, axis=1)
    r_random = np.linalg.norm(held_out_goals(arm, 300, seed=0).inputs, axis=1)
    assert np.mean(r_uniform < 0.6) > 5 * np.mean(r_random < 0.6)


def test_coverage_refuses_nan_a_wrong_width_and_a_bad_cell_count():
    """A NaN point was counted in the corner cell (its index cast to int), a point of the
    wrong width gave NumPy's broadcast error, and ``cells=0`` NumPy's unravel error: a
    coverage of bad points was a number or an unrelated error. Each is refused, naming
    the channel or the setting."""
    from sensorimotor import SignalError

    cs = ChannelSet([Channel("x", (0, 1)), Channel("y", (0, 1))])
    with pytest.raises(SignalError, match="channel 'x' is NaN"):
        coverage([[np.nan, 0.5], [0.5, 0.5]], cs, cells=10)
    with pytest.raises(SignalError, match=r"expected shape \(2,\) or \(N, 2\)"):
        coverage([[0.1, 0.1, 0.1]], cs, cells=10)
    for cells in (0, -3, True, 2.5):
        with pytest.raises(ValueError, match="cells must be a positive int"):
            coverage([[0.1, 0.1]], cs, cells=cells)
        with pytest.raises(ValueError, match="cells must be a positive int"):
            grid_cells([[0.1, 0.1]], [0, 0], [1, 1], cells=cells)
    assert coverage([], cs) == 0


def test_reachable_points_refuses_a_bad_sample_count_or_rounds_naming_it():
    """``samples=-5`` raised NumPy's "negative dimensions", ``samples=0`` "Probabilities do
    not sum to 1", ``samples=2.5`` a TypeError about floats, and ``samples=True`` or
    ``rounds=-1`` were taken (one sample; no rounds). Each is refused, naming the setting."""
    arm = KinematicArm2D({"dim": 2})
    for samples in (-5, 0, 2.5, True, "100"):
        with pytest.raises(ValueError, match="samples must be a positive int"):
            reachable_points(arm, samples=samples)
        with pytest.raises(ValueError, match="samples must be a positive int"):
            uniform_goals(arm, 3, samples=samples)
    for rounds in (-1, 1.5, True, None):
        with pytest.raises(ValueError, match="rounds must be an int >= 0"):
            reachable_points(arm, samples=10, rounds=rounds)
    assert reachable_points(arm, samples=10, rounds=0).shape == (10, 2)


def test_uniform_goals_refuse_no_reached_points_naming_them():
    # an empty points array raised NumPy's "a must be a positive integer unless no samples
    # are taken": no reached point, no reachable cell to draw goals from
    arm = KinematicArm2D({"dim": 2})
    with pytest.raises(ValueError, match="points must hold at least one reached point"):
        uniform_goals(arm, 3, points=np.zeros((0, 2)))


def test_evaluate_matches_a_learner_channels_to_the_environment_by_name():
    # A learner that lists the arm's channels in another order learns the same thing from
    # feedback (dicts go by name); evaluate read the test arrays in the learner's order and
    # gave errors of the size of the workspace.
    arm = KinematicArm2D({"dim": 3})
    fw = forward_tests(arm, 300, seed=0)
    same = nn(arm)
    other = NNLearner({"m_channels": arm.m_channels[::-1], "s_channels": arm.s_channels[::-1]})
    same.update_array(fw.inputs, fw.targets)
    other.update_array(fw.inputs[:, ::-1], fw.targets[:, ::-1])
    for test in (forward_tests(arm, 50, seed=1), held_out_goals(arm, 50, seed=2)):
        assert evaluate(other, arm, test) == evaluate(same, arm, test)
    stranger = NNLearner({"m_channels": arm.m_channels, "s_channels": [Channel("u"), Channel("v")]})
    stranger.update_array(fw.inputs, fw.targets)
    with pytest.raises(ValueError, match=r"sensory channels \['u', 'v'\] are not"):
        evaluate(stranger, arm, fw)


def test_reachable_points_name_an_unbounded_motor_channel():
    class Free(Environment):
        m_channels = [Channel("j0", (-90, 90)), Channel("j1")]  # j1's bounds forgotten
        s_channels = [Channel("x", (-1, 1))]

        def _execute(self, m_signal, meta=None):
            return {"x": 0.0}

    with pytest.raises(ValueError, match=r"unbounded: \['j1'\]"):
        reachable_points(Free(), samples=10)
