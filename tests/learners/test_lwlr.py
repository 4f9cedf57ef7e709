import numpy as np
import pytest

from sensorimotor import Channel, KinematicArm2D
from sensorimotor.learners import LWLRLearner, NNLearner, WNNLearner
from sensorimotor.learners.local_poly import local_fit, poly_features, poly_jacobian


def _cfg(n_m=3, n_s=2, **kw):
    return {
        "m_channels": [Channel(f"m{i}", (0.0, 1.0)) for i in range(n_m)],
        "s_channels": [Channel(f"s{i}", (0.0, 1.0)) for i in range(n_s)],
        **kw,
    }


def test_degree_one_forward_equals_batch_weighted_least_squares():
    rng = np.random.default_rng(0)
    m = rng.uniform(size=(80, 3))
    s = np.stack([np.sin(3 * m[:, 0]) + m[:, 1], m[:, 2] ** 2], axis=1)
    learner = LWLRLearner(_cfg(degree=1, k=12, width=0.3, ridge=0.0))
    for i in range(80):
        learner.update(learner.m_set.from_array(m[i]), learner.s_set.from_array(s[i]))
    q = rng.uniform(size=(5, 3))
    pred = learner.predict_array(q)
    for i in range(5):
        d2 = ((m - q[i]) ** 2).sum(axis=1)
        nb = np.argsort(d2, kind="stable")[:12]
        w = np.sqrt(np.exp(-d2[nb] / (2 * 0.3**2)))
        x = np.hstack([np.ones((12, 1)), m[nb] - q[i]])
        beta = np.linalg.lstsq(x * w[:, None], s[nb] * w[:, None], rcond=None)[0]
        np.testing.assert_allclose(pred[i], beta[0], rtol=1e-9, atol=1e-12)


def test_quadratic_model_recovers_a_quadratic_exactly():
    rng = np.random.default_rng(1)
    m = rng.uniform(size=(60, 2))
    s = np.stack([m[:, 0] ** 2 - m[:, 0] * m[:, 1], 0.5 + 0.3 * m[:, 1]], axis=1)
    learner = LWLRLearner(_cfg(2, 2, degree=2, ridge=0.0))
    learner.update_array(m, s)
    q = rng.uniform(0.2, 0.8, size=(4, 2))
    expect = np.stack([q[:, 0] ** 2 - q[:, 0] * q[:, 1], 0.5 + 0.3 * q[:, 1]], axis=1)
    np.testing.assert_allclose(learner.predict_array(q), expect, atol=1e-9)


def test_poly_jacobian_matches_finite_differences():
    u = np.array([0.3, -0.2, 0.5])
    f, jac = poly_jacobian(u, 3)
    np.testing.assert_allclose(f, poly_features(u[None], 3)[:, 0])
    h = 1e-6
    for i in range(3):
        e = np.zeros(3)
        e[i] = h
        fd = (poly_features((u + e)[None], 3) - poly_features((u - e)[None], 3))[:, 0] / (2 * h)
        np.testing.assert_allclose(jac[:, i], fd, atol=1e-8)


def test_local_fit_tricube_weights_ignore_points_beyond_k():
    x = np.linspace(0, 1, 11)[:, None]
    y = np.where(x > 0.55, 100.0, x)  # far points are wild; only the 4 nearest may count
    beta, idx, _ = local_fit(x, y, np.array([0.1]), k=4, degree=1, ridge=0.0)
    assert set(idx.tolist()) == {0, 1, 2, 3}
    np.testing.assert_allclose(beta[:, 0], [0.1, 1.0], atol=1e-12)


@pytest.fixture(scope="module")
def arm_data():
    arm = KinematicArm2D({"dim": 3, "limits": (-100, 100)})
    rng = np.random.default_rng(2)
    m = arm.m_set.random(rng, 600)
    goals = arm.execute_array(arm.m_set.random(rng, 25))
    return arm, m, arm.execute_array(m), goals


def _reach(arm, learner, goals):
    return np.linalg.norm(arm.execute_array(learner.infer_array(goals)) - goals, axis=1).mean()


def test_inverse_strategies_rank_as_expected_on_a_3_joint_arm(arm_data):
    arm, m, s, goals = arm_data
    err = {}
    for inverse in ("nn", "jacobian", "optimize"):
        learner = LWLRLearner(
            {"m_channels": arm.m_channels, "s_channels": arm.s_channels, "inverse": inverse}
        )
        learner.update_array(m, s)
        err[inverse] = _reach(arm, learner, goals)
    nn = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    nn.update_array(m, s)
    assert err["nn"] == pytest.approx(_reach(arm, nn, goals))
    assert err["optimize"] < err["jacobian"] < err["nn"]
    assert err["optimize"] < 0.1 * err["nn"]


def test_lwlr_forward_beats_nearest_neighbour(arm_data):
    arm, m, s, goals = arm_data
    rng = np.random.default_rng(5)
    q = arm.m_set.random(rng, 50)
    truth = arm.execute_array(q)
    errs = []
    for cls in (NNLearner, WNNLearner, LWLRLearner):
        learner = cls({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
        learner.update_array(m, s)
        errs.append(np.linalg.norm(learner.predict_array(q) - truth, axis=1).mean())
    assert errs[2] < errs[1] < errs[0]


def test_sparse_data_lowers_the_degree_and_still_answers():
    # two observations: a constant fit, in which the nearest weighs all (the tricube gives
    # the k-th neighbour ~0); the inverse answers the nearest goal's command
    learner = LWLRLearner(_cfg(3, 2))
    learner.update_array(
        np.array([[0.1, 0.2, 0.3], [0.5, 0.5, 0.5]]), np.array([[0.1, 0.1], [0.9, 0.9]])
    )
    out = learner.predict_array(np.array([[0.3, 0.3, 0.4]]))
    np.testing.assert_allclose(out, [[0.1, 0.1]], atol=1e-5)  # the ridge shrinks it by 1e-6
    np.testing.assert_allclose(learner.infer_array(np.array([[0.8, 0.8]])), [[0.5, 0.5, 0.5]])
    # eight observations of a linear map: too few for a quadratic (15), a linear fit is
    # exact up to the ridge; a constant fit (nearest neighbour) is ~0.07 off
    a, b = np.array([[0.3, 0.2, 0.1], [0.1, -0.2, 0.4]]), np.array([0.2, 0.4])
    rng = np.random.default_rng(4)
    m = rng.uniform(size=(8, 3))
    learner = LWLRLearner(_cfg(3, 2))
    learner.update_array(m, m @ a.T + b)
    q = rng.uniform(0.3, 0.7, size=(5, 3))
    assert [learner._fit(learner._fwd, x)[0] for x in q] == [1] * 5
    np.testing.assert_allclose(learner.predict_array(q), q @ a.T + b, atol=1e-3)
    goals = rng.uniform(0.3, 0.7, size=(5, 3)) @ a.T + b
    np.testing.assert_allclose(learner.infer_array(goals) @ a.T + b, goals, atol=1e-4)


@pytest.mark.parametrize(
    "bad, word",
    [
        ({"degree": 5}, "degree"),
        ({"k": 3}, "k"),
        ({"inverse": "newton"}, "inverse"),
        ({"width": -1.0}, "width"),
        ({"inverse_anchors": 0}, "inverse_anchors"),
        ({"ridge": float("nan")}, "ridge"),
    ],
)
def test_bad_config_named(bad, word):
    with pytest.raises(ValueError, match=word):
        LWLRLearner(_cfg(**bad))


def test_wnn_equals_kernel_average():
    rng = np.random.default_rng(3)
    m, s = rng.uniform(size=(30, 3)), rng.uniform(size=(30, 2))
    learner = WNNLearner(_cfg(k=4, width=0.2))
    learner.update_array(m, s)
    q = rng.uniform(size=(3, 3))
    for i, row in enumerate(learner.predict_array(q)):
        d2 = ((m - q[i]) ** 2).sum(axis=1)
        nb = np.argsort(d2)[:4]
        w = np.exp(-d2[nb] / (2 * 0.2**2))
        np.testing.assert_allclose(row, w @ s[nb] / w.sum(), rtol=1e-12)


def test_high_dimensional_motor_space_caps_the_degree():
    learner = LWLRLearner(_cfg(20, 2))
    assert [plan[0] for plan in learner._fwd] == [1, 0]
    assert [plan[0] for plan in learner._inv] == [1, 0]
    rng = np.random.default_rng(0)
    m = rng.uniform(size=(100, 20))
    learner.update_array(m, np.stack([m.mean(axis=1), m[:, 0]], axis=1))
    assert learner.predict_array(m[:3]).shape == (3, 2)


def test_k_is_checked_against_the_degree_max_features_leaves():
    # in 20 motor channels max_features lowers the quadratic (231 coefficients) and the
    # cubic inverse to linear fits (21), but k=50 was refused against the configured degree
    learner = LWLRLearner(_cfg(20, 2, k=50, inverse_k=50, ridge=0.0))
    assert learner._fwd[0][:2] == (1, 50) and learner._inv[0][:2] == (1, 50)
    rng = np.random.default_rng(0)
    m = rng.uniform(size=(100, 20))
    learner.update_array(m, np.stack([m.mean(axis=1), m[:, 0]], axis=1))
    q = rng.uniform(0.3, 0.7, size=(3, 20))
    expect = np.stack([q.mean(axis=1), q[:, 0]], axis=1)
    np.testing.assert_allclose(learner.predict_array(q), expect, atol=1e-9)  # linear: exact
    for key in ("k", "inverse_k"):
        with pytest.raises(ValueError, match=f"'{key}'.*21 coefficients of a degree-1"):
            LWLRLearner(_cfg(20, 2, **{key: 21}))


@pytest.mark.parametrize("ridge", [0.0, 1e-5])
def test_duplicates_unbounded_channels_and_one_sensory_channel(ridge):
    cfg = {
        "m_channels": [Channel("free"), Channel("b", (0.0, 1.0))],
        "s_channels": [Channel("y")],
        "ridge": ridge,
        "inverse_ridge": ridge,
    }
    learner = LWLRLearner(cfg)
    m = np.array([[0.5, 0.5]] * 30 + [[1.0, 0.2], [2.0, 0.9], [-1.0, 0.1]] * 10)
    learner.update_array(m, m[:, :1] + m[:, 1:])
    # exact at the observed points (up to the ridge), duplicated or not
    seen = np.array([[0.5, 0.5], [1.0, 0.2], [2.0, 0.9]])
    np.testing.assert_allclose(learner.predict_array(seen)[:, 0], seen.sum(axis=1), atol=1e-5)
    # between them only two distinct points weigh in the quadratic fit, which does not
    # determine it: 1.79 for 2.0 (the neighbours' values 1.2 and 2.9, a lost fit 0)
    assert learner.predict({"free": 1.5, "b": 0.5})["y"] == pytest.approx(2.0, abs=0.25)
    inv = learner.infer_array(np.array([[1.0], [1.2], [2.9], [2.5]]))
    assert np.all((inv[:, 1] >= 0) & (inv[:, 1] <= 1))
    # y = free + b of the commands: the observed values exactly; 2.5, between two observed
    # points only, is not determined by the data (reached: 2.08) but stays between them
    reached = inv.sum(axis=1)
    np.testing.assert_allclose(reached[:3], [1.0, 1.2, 2.9], atol=1e-5)
    assert 1.2 < reached[3] < 2.9


def test_wnn_inverse_stays_on_one_branch_of_a_redundant_body():
    # s = m^2 on [-1, 1]: each goal has two commands, +-sqrt(s); averaging the goal's
    # sensory neighbours mixes them (towards 0), the motor neighbourhood does not
    m_ch, s_ch = [Channel("m", (-1, 1))], [Channel("s", (0, 1))]
    m = np.linspace(-1, 1, 201)[:, None]
    for inverse, reaches in (("motor", True), ("sensory", False)):
        learner = WNNLearner({"m_channels": m_ch, "s_channels": s_ch, "inverse": inverse})
        learner.update_array(m, m**2)
        command = learner.infer({"s": 0.2501})["m"]
        assert (abs(command**2 - 0.2501) < 0.002) == reaches


def test_wnn_refuses_an_unknown_inverse():
    with pytest.raises(ValueError, match="inverse"):
        WNNLearner({**_cfg(), "inverse": "both"})


@pytest.mark.parametrize("width", [None, 0.05])
def test_neighbours_all_at_one_distance_are_weighed_not_lost_to_the_ridge(width):
    # One observation, or neighbours on a circle around the query: all k lie at one distance.
    # The tricube gave each a weight of ~1e-18 (a Gaussian far from the data ~1e-12), the
    # ridge took over and the fit answered ~0 (the sensory lower bound) instead of s.
    cfg = {"m_channels": [Channel("a", (0, 1)), Channel("b", (0, 1))], "width": width}
    cfg["s_channels"] = [Channel("x", (0, 10))]
    one, ring = LWLRLearner(cfg), LWLRLearner(cfg)
    one.update({"a": 0.5, "b": 0.5}, {"x": 7.0})
    assert one.predict({"a": 0.2, "b": 0.3})["x"] == pytest.approx(7.0, rel=1e-4)
    angle = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    m = 0.5 + 0.3 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    ring.update_array(m, 2.0 + 3.0 * m[:, :1])  # a plane: the linear fit is exact
    assert ring.predict({"a": 0.5, "b": 0.5})["x"] == pytest.approx(3.5, rel=1e-4)
    beta, _, _ = local_fit(np.zeros((3, 1)), np.full((3, 1), 2.0), np.ones(1), 3, 0, 1e-5, width)
    assert beta[0, 0] == pytest.approx(2.0, rel=1e-4)


def test_one_command_repeated_predicts_its_effect_whatever_the_bounds():
    # a robot resting at one posture: 100 identical observations. The local quadratic is
    # not determined there; the ridge took its minimum-norm fit, which shares the value
    # between the intercept and the slopes, so predict answered 1706 for 2500 at the far
    # corner (-412 with the sensory bounds moved to (-3000, 5000)): the intercept is the
    # prediction and must not be pulled towards the origin of the scaled units
    m_ch = [Channel(f"m{i}", (1000.0, 5000.0)) for i in range(3)]
    answers = []
    for bounds in ((1000.0, 5000.0), (-3000.0, 5000.0)):
        learner = LWLRLearner({"m_channels": m_ch, "s_channels": [Channel("s", bounds)]})
        learner.update_array(np.full((100, 3), 2500.0), np.full((100, 1), 2500.0))
        answers.append(learner.predict_array(np.array([[4500.0] * 3, [2400.0, 2600.0, 3000.0]])))
    np.testing.assert_allclose(np.concatenate(answers)[:, 0], 2500.0, rtol=1e-9)
    # two commands repeated: midway, the mean of their effects (the line through them)
    learner = LWLRLearner({"m_channels": m_ch, "s_channels": [Channel("s", (1000.0, 5000.0))]})
    m = np.repeat([[2000.0] * 3, [3000.0] * 3], 10, axis=0)  # k = 40: all 20 are neighbours
    learner.update_array(m, m[:, :1])
    assert learner.predict({"m0": 2500.0, "m1": 2500.0, "m2": 2500.0})["s"] == pytest.approx(2500.0)
