import numpy as np
import pytest

from sensorimotor import Channel
from sensorimotor.learners import Memory, NNLearner, knn


def _cfg(n_m=3, n_s=2):
    return {
        "m_channels": [Channel(f"m{i}", (-2.0, 3.0)) for i in range(n_m)],
        "s_channels": [Channel(f"s{i}", (0.0, 10.0)) for i in range(n_s)],
    }


def _brute_nearest(points, q):
    return int(np.argmin(((points - q) ** 2).sum(axis=1)))


@pytest.mark.parametrize("n_m", [3, 7])
def test_nn_learner_equals_brute_force_after_every_update(n_m):
    rng = np.random.default_rng(3)
    learner = NNLearner(_cfg(n_m))
    m_all = rng.uniform(-2, 3, size=(150, n_m))
    s_all = rng.uniform(0, 10, size=(150, 2))
    queries_m = rng.uniform(-2, 3, size=(40, n_m))
    queries_s = rng.uniform(0, 10, size=(40, 2))
    ms, ss = learner.m_set, learner.s_set
    for t in range(150):
        learner.update(ms.from_array(m_all[t]), ss.from_array(s_all[t]))
        if t % 15 and t > 3:
            continue
        m_sc, s_sc = ms.scale(m_all[: t + 1]), ss.scale(s_all[: t + 1])
        pred = learner.predict_array(queries_m)
        inv = learner.infer_array(queries_s)
        for i in range(40):
            j = _brute_nearest(m_sc, ms.scale(queries_m[i]))
            np.testing.assert_array_equal(pred[i], ss.unscale(s_sc[j]))
            j = _brute_nearest(s_sc, ss.scale(queries_s[i]))
            np.testing.assert_array_equal(inv[i], ms.clip(ms.unscale(m_sc[j])))
        # the dict path gives the same answers
        assert learner.predict(ms.from_array(queries_m[0])) == ss.from_array(pred[0])


def test_nn_ties_go_to_the_earliest_observation():
    learner = NNLearner(_cfg(1, 1))
    learner.update_array(np.array([[0.0], [1.0], [0.0]]), np.array([[1.0], [2.0], [3.0]]))
    assert learner.predict({"m0": 0.0}) == {"s0": 1.0}


@pytest.mark.parametrize("k", [1, 2, 5, 30])
def test_knn_equals_sorted_brute_force(k):
    rng = np.random.default_rng(k)
    pts = rng.normal(size=(30, 4))
    qs = rng.normal(size=(7, 4))
    d2, idx = knn(pts, qs, k)
    full = ((pts[None] - qs[:, None]) ** 2).sum(-1)
    expect = np.argsort(full, axis=1, kind="stable")[:, :k]
    np.testing.assert_array_equal(idx, expect)
    np.testing.assert_array_equal(d2, np.take_along_axis(full, expect, axis=1))


def test_memory_grows_by_doubling_and_keeps_rows():
    mem = Memory(2, 1, capacity=2)
    rows = np.arange(20.0).reshape(10, 2)
    for r in rows:
        mem.append(r[None], r[:1][None])
    assert len(mem) == 10 and mem.capacity == 16
    np.testing.assert_array_equal(mem.m, rows)
    with pytest.raises(ValueError):
        mem.m[0, 0] = 5.0


def test_knn_chunks_queries_without_changing_answers(monkeypatch):
    from sensorimotor.learners import brute_force

    rng = np.random.default_rng(9)
    pts, qs = rng.normal(size=(500, 3)), rng.normal(size=(37, 3))
    whole = knn(pts, qs, 20)
    monkeypatch.setattr(brute_force, "_CHUNK_ENTRIES", 1000)  # 2 queries per chunk
    chunked = knn(pts, qs, 20)
    for a, b in zip(whole, chunked, strict=True):
        np.testing.assert_array_equal(a, b)
    full = ((pts[None] - qs[:, None]) ** 2).sum(-1)
    np.testing.assert_array_equal(whole[1], np.argsort(full, axis=1, kind="stable")[:, :20])


@pytest.mark.parametrize("n", [10, 200])
def test_knn_ties_at_the_kth_distance_keep_the_lowest_indices(n):
    pts = np.zeros((n, 2))
    pts[::3] = 1.0  # many exact ties at distances 0 and 2
    d2, idx = knn(pts, np.zeros((1, 2)), 5)
    expect = np.argsort(((pts - 0.0) ** 2).sum(-1), kind="stable")[:5]
    np.testing.assert_array_equal(idx[0], expect)
