"""The kd-tree index answers exactly as brute force: indices, distances and ties."""

import copy
import threading

import numpy as np
import pytest

from sensorimotor import Channel
from sensorimotor.learners import LWLRLearner, Memory, NNLearner, WNNLearner, knn, neighbour_index
from sensorimotor.learners.neighbour_index import NeighbourIndex, TreeSchedule

# trees from a few rows on, for every k: the tests exercise them, not the speed crossovers
SMALL = TreeSchedule(
    min_rows=40, rows_per_k=1, tail_rows=16, fraction=0.25, leafsize=4, background=False
)


def _data(rng, n, dim, kind):
    if kind == "uniform":
        return rng.uniform(size=(n, dim))
    if kind == "grid":  # many exact ties: integer points, integer queries
        return rng.integers(0, 3, size=(n, dim)).astype(float)
    # duplicates: every row repeated a few times
    base = rng.uniform(size=(max(1, n // 4), dim))
    return base[rng.integers(0, base.shape[0], size=n)]


def _queries(rng, pts, dim, kind):
    q = (
        rng.integers(0, 3, size=(9, dim)).astype(float)
        if kind == "grid"
        else rng.uniform(size=(9, dim))
    )
    return np.concatenate([q, pts[rng.integers(0, pts.shape[0], size=3)]])  # some on points


@pytest.mark.parametrize("kind", ["uniform", "grid", "duplicates"])
@pytest.mark.parametrize("dim", [1, 2, 7])
def test_index_equals_brute_force_as_rows_are_appended(kind, dim):
    rng = np.random.default_rng(dim * 7 + len(kind))
    pts = _data(rng, 400, dim, kind)
    index = NeighbourIndex(SMALL)
    trees_seen = set()
    for n in range(1, 401, 13):
        index.update(pts, n)
        trees_seen.add(index.trees)
        q = _queries(rng, pts[:n], dim, kind)
        for k in (1, 2, 5, 17):
            d2, idx = index.query(pts, n, q, k)
            d2b, idxb = knn(pts[:n], q, k)
            np.testing.assert_array_equal(idx, idxb)
            np.testing.assert_array_equal(d2, d2b)
            for i in range(q.shape[0]):  # one query at a time: the per-sample path
                d2i, idxi = index.query(pts, n, q[i : i + 1], k)
                np.testing.assert_array_equal(idxi, idxb[i : i + 1])
                np.testing.assert_array_equal(d2i, d2b[i : i + 1])
    assert trees_seen >= {0, 1, 2}  # brute force, bulk only, bulk and middle all served


def test_ties_go_to_the_earliest_row_through_the_trees():
    pts = np.zeros((300, 2))  # every row at the same place
    index = NeighbourIndex(SMALL)
    index.update(pts, 300)
    assert index.trees >= 1
    for q in (np.array([[0.5, 0.5]]), np.array([[0.5, 0.5], [0.0, 0.0]])):
        d2, idx = index.query(pts, 300, q, 5)
        assert (idx == [0, 1, 2, 3, 4]).all() and (d2 == (q**2).sum(1, keepdims=True)).all()


def test_one_nearest_row_keeps_the_earliest_of_copies_in_every_tree_and_the_tail():
    rng = np.random.default_rng(5)
    pts = rng.uniform(size=(200, 3))
    pts[185] = pts[20]  # a copy in the middle tree
    pts[198] = pts[20]  # and in the tail
    pts[190] = pts[40] + 1e-3  # a near miss after the original
    index = NeighbourIndex(SMALL)
    for n in range(100, 200):
        index.update(pts, n)
    (_, bulk, _), (_, middle, _) = index._trees
    assert bulk <= 185 < 190 < middle <= 198
    for q in (pts[20], pts[20] + 1e-12, pts[40] + 5e-4, pts[40] + 1e-3, pts[185] + 0.01):
        d2, idx = index.query(pts, 200, q[None], 1)
        d2b, idxb = knn(pts, q[None], 1)
        assert idx.tolist() == idxb.tolist() and d2.tolist() == d2b.tolist()


@pytest.mark.filterwarnings("ignore:overflow")
@pytest.mark.parametrize("dim", [1, 2])
def test_distances_beyond_float_range_are_answered_as_brute_force(dim):
    # squared distances of 1e200 overflow to inf: a kd-tree then proposes no row at all
    rng = np.random.default_rng(dim)
    pts = np.ascontiguousarray(rng.uniform(1.0, 2.0, size=(400, dim)) * 1e200)
    pts[200:210] = rng.uniform(size=(10, dim))  # a few rows near the origin
    index = NeighbourIndex(SMALL)
    for n in (250, 300, 330, 400):  # from the first tree (240 rows at d = 1) on
        index.update(pts, n)
        assert index.trees >= 1
        far, near = np.full((1, dim), -1e200), np.zeros((1, dim))
        for q in (far, near, np.vstack([far, near, far])):
            for k in (1, 2, 5):
                d2, idx = index.query(pts, n, q, k)
                d2b, idxb = knn(pts[:n], q, k)
                assert idx.tolist() == idxb.tolist() and d2.tolist() == d2b.tolist()
                assert (idx < n).all()


def test_rebuild_schedule_is_geometric():
    # the bulk is rebuilt when the rows beyond it exceed a fraction f of it (f = the setting,
    # or sqrt(2 tail_rows / bulk) when smaller), the middle tree every tail_rows rows; the
    # covered rows always contiguous from 0, at most two trees
    sched = TreeSchedule(min_rows=100, tail_rows=50, fraction=0.5, background=False)
    index = NeighbourIndex(sched)
    pts = np.random.default_rng(0).uniform(size=(20000, 2))
    bulk_sizes = []
    for n in range(1, 20001):
        index.update(pts, n)
        assert n - index.covered < sched.tail_rows or n < index._min_rows(2)
        assert index.trees <= 2
        if index._trees and (not bulk_sizes or index._trees[0][1] != bulk_sizes[-1]):
            bulk_sizes.append(index._trees[0][1])
    old, new = np.array(bulk_sizes[:-1]), np.array(bulk_sizes[1:])
    fraction = np.minimum(0.5, np.sqrt(2 * 50 / old))
    assert (new > old * (1 + fraction)).all()  # geometric while f is 0.5, then sqrt-spaced
    assert (new <= old * (1 + fraction) + 2 * sched.tail_rows).all()  # and not later
    # bulk builds ~ 0.2 (sqrt(20000) - sqrt(400)) + log1.5(400 / 300), middle ones every
    # tail_rows rows
    assert len(bulk_sizes) <= 30
    assert index.builds <= 20000 / sched.tail_rows + len(bulk_sizes) + 1


def test_background_builds_give_the_same_answers():
    rng = np.random.default_rng(5)
    pts = rng.uniform(size=(3000, 3))
    sched = SMALL._replace(background=True, min_rows=200, tail_rows=100)
    index = NeighbourIndex(sched)
    for n in range(1, 3001, 37):
        index.update(pts, n)  # builds run while queries go on
        q = rng.uniform(size=(4, 3))
        for k in (1, 6):
            np.testing.assert_array_equal(index.query(pts, n, q, k)[1], knn(pts[:n], q, k)[1])
    index.wait()
    index.update(pts, 3000)
    assert index.trees >= 1


def test_background_builds_of_every_index_run_in_one_long_lived_thread(monkeypatch):
    threads = []
    real = neighbour_index.cKDTree

    def recording_tree(*args, **kwargs):
        threads.append(threading.current_thread())  # kept alive: no id reused
        return real(*args, **kwargs)

    monkeypatch.setattr(neighbour_index, "cKDTree", recording_tree)
    rng = np.random.default_rng(7)
    pts = {3: rng.uniform(size=(1200, 3)), 2: rng.uniform(size=(1200, 2))}
    sched = SMALL._replace(background=True, min_rows=200, tail_rows=100)
    indexes = {d: NeighbourIndex(sched) for d in pts}
    for n in range(500, 1201, 100):
        for d, index in indexes.items():
            index.update(pts[d], n)
            index.wait()
    assert len(threads) >= 8
    assert len(set(threads)) == 1 and threads[0] is not threading.current_thread()


def test_an_error_in_a_background_build_is_raised_in_the_caller(monkeypatch):
    def broken_tree(*args, **kwargs):
        raise RuntimeError("broken build")

    monkeypatch.setattr(neighbour_index, "cKDTree", broken_tree)
    pts = np.random.default_rng(8).uniform(size=(1000, 3))
    index = NeighbourIndex(SMALL._replace(background=True, min_rows=200, tail_rows=100))
    index.update(pts, 1000)
    with pytest.raises(RuntimeError, match="broken build"):
        index.wait()


@pytest.mark.parametrize("background", [False, True])
def test_memory_truncation_drops_trees_beyond_it(background):
    rng = np.random.default_rng(2)
    mem = Memory(3, 2, capacity=8, schedule=SMALL._replace(background=background))
    m, s = rng.uniform(size=(600, 3)), rng.uniform(size=(600, 2))
    for i in range(0, 600, 10):
        mem.append(m[i : i + 10], s[i : i + 10])
        mem.nearest("m", m[:1])  # the spaces' indexes follow appends from the first query
        mem.nearest("s", s[:1])
    for _ in range(2):  # the build in progress, then the one it leaves to do
        mem.wait()
        mem.nearest("m", m[:1])
    assert 600 - mem.index["m"].covered < SMALL.tail_rows
    for cut in (590, 300, 45, 20):
        mem.truncate(cut)
        # new rows overwrite the forgotten ones: a tree over the old rows must not answer
        mem.append(m[::-1][:cut], s[::-1][:cut])
        rows_m, rows_s = mem.m.copy(), mem.s.copy()
        for space, rows, q in (("m", rows_m, m[:12] + 0.01), ("s", rows_s, s[:12])):
            for k in (1, 3):
                d2, idx = mem.nearest(space, q, k)
                d2b, idxb = knn(rows, q, k)
                np.testing.assert_array_equal(idx, idxb)
                np.testing.assert_array_equal(d2, d2b)
        mem.truncate(cut)


def test_copies_drop_the_trees_and_rebuild():
    rng = np.random.default_rng(4)
    mem = Memory(2, 1, schedule=SMALL)
    mem.append(rng.uniform(size=(500, 2)), rng.uniform(size=(500, 1)))
    q = rng.uniform(size=(5, 2))
    before = mem.nearest("m", q, 3)
    twin = copy.deepcopy(mem)
    assert twin.index["m"].trees == 0
    after = twin.nearest("m", q, 3)
    assert twin.index["m"].trees >= 1
    np.testing.assert_array_equal(before[1], after[1])


def _arm_cfg(cls, **kw):
    mch = [Channel(f"q{i}", (-60, 60)) for i in range(7)]
    sch = [Channel("x", (-1, 1)), Channel("y", (-1, 1))]
    return cls({"m_channels": mch, "s_channels": sch, **kw})


@pytest.mark.parametrize("cls", [NNLearner, WNNLearner, LWLRLearner])
def test_learners_answer_as_with_brute_force_only(cls, tmp_path):
    from sensorimotor import KinematicArm2D

    arm = KinematicArm2D.mid7()
    rng = np.random.default_rng(0)
    m = arm.m_set.random(rng, 1500)
    s = arm.execute_array(m)
    brute = cls({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    brute.memory = Memory(7, 2, schedule=TreeSchedule(min_rows=10**9))
    tree = cls({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    tree.memory = Memory(7, 2, schedule=SMALL._replace(min_rows=200, tail_rows=64))
    for learner in (brute, tree):
        learner.update_array(m[:700], s[:700])
        for i in range(700, 760):  # one at a time: the index follows
            learner.update_array(m[i], s[i])
    mq = arm.m_set.random(rng, 20)
    gq = arm.execute_array(arm.m_set.random(rng, 20))
    np.testing.assert_array_equal(tree.predict_array(mq), brute.predict_array(mq))
    np.testing.assert_array_equal(tree.infer_array(gq), brute.infer_array(gq))
    assert tree.memory.index["m"].trees >= 1 and tree.memory.index["s"].trees >= 1
    # saved and loaded: the trees are not saved, the answers are the same
    tree.save(tmp_path / "l.npz")
    loaded = cls.load(tmp_path / "l.npz")
    np.testing.assert_array_equal(loaded.predict_array(mq), brute.predict_array(mq))
    np.testing.assert_array_equal(loaded.infer_array(gq), brute.infer_array(gq))
    brute.save(tmp_path / "b.npz")
    with np.load(tmp_path / "l.npz") as saved, np.load(tmp_path / "b.npz") as plain:
        assert saved.files == plain.files  # nothing of the index is written


def test_small_memories_stay_brute_force():
    # below the measured crossovers the default index builds no tree
    rng = np.random.default_rng(1)
    mem = Memory(7, 2, schedule=TreeSchedule(background=False))
    mem.append(rng.uniform(size=(4000, 7)), rng.uniform(size=(4000, 2)))
    for space in ("m", "s"):
        mem.nearest(space, rng.uniform(size=(1, 7 if space == "m" else 2)))
    assert (mem.index["m"].trees, mem.index["s"].trees) == (0, 0)
    mem.append(rng.uniform(size=(2000, 7)), rng.uniform(size=(2000, 2)))
    mem.nearest("m", rng.uniform(size=(1, 7)))
    mem.nearest("s", rng.uniform(size=(1, 2)))
    assert (mem.index["m"].trees, mem.index["s"].trees) == (1, 0)  # 2 dims: from 12288 rows


def test_large_memories_grow_by_an_eighth_and_trees_share_the_rows():
    mem = Memory(1, 1, capacity=1 << 16, schedule=TreeSchedule(background=False))
    rows = np.arange(float(1 << 16))[:, None]
    mem.append(rows, rows)
    mem.nearest("m", rows[:1])
    raw = mem.nbytes
    mem.append(rows[:1], rows[:1])
    assert mem.capacity == (1 << 16) * 9 // 8
    # the tree over the old array keeps it alive until the bulk is rebuilt on the new one
    assert mem.nbytes > raw
    mem.append(rows[: TreeSchedule().tail_rows], rows[: TreeSchedule().tail_rows])
    mem.nearest("m", rows[:1])
    tree_bytes = mem.index["m"].nbytes()
    assert mem.nbytes == mem._m.nbytes + mem._s.nbytes + tree_bytes
    assert all(np.shares_memory(tree.data, mem._m) for _, _, tree in mem.index["m"]._trees)


def test_a_copy_during_a_background_build_is_independent():
    rng = np.random.default_rng(8)
    mem = Memory(3, 1, schedule=SMALL._replace(background=True))
    mem.append(rng.uniform(size=(3000, 3)), rng.uniform(size=(3000, 1)))
    q = rng.uniform(size=(3, 3))
    mem.nearest("m", q, 2)  # starts a build in a thread
    twin = copy.deepcopy(mem)
    np.testing.assert_array_equal(twin.nearest("m", q, 2)[1], knn(mem.m, q, 2)[1])
    mem.wait()
    twin.wait()


@pytest.mark.parametrize("cls", [Memory, NeighbourIndex])
def test_every_public_method_has_a_docstring_example(cls):
    # the project's rule: a short runnable example on every public function (review 2)
    names = [n for n in vars(cls) if not n.startswith("_")]
    missing = [n for n in names if ">>>" not in (getattr(cls, n).__doc__ or "")]
    assert names and not missing, f"{cls.__name__}: no example in {missing}"


def _in_forked_child(work) -> str:
    """``work()`` in a child process forked from this one: its return (a short string) or
    the error it raised, or 'hung' when it does not finish within ten seconds."""
    import os
    import select
    import signal
    import warnings

    read, write = os.pipe()
    with warnings.catch_warnings():  # JAX warns of a fork: the child runs no JAX code
        warnings.simplefilter("ignore", RuntimeWarning)
        pid = os.fork()
    if pid == 0:  # the child: report, and leave without running the parent's cleanup
        try:
            out = work()
        except BaseException as exc:  # reported to the parent
            out = f"{type(exc).__name__}: {exc}"
        os.write(write, out.encode())
        os._exit(0)
    os.close(write)
    ready, _, _ = select.select([read], [], [], 10.0)
    out = os.read(read, 1000).decode() if ready else "hung"
    os.close(read)
    if not ready:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return out


def test_a_process_forked_during_a_background_build_builds_its_own_trees():
    # the build's thread does not exist in a forked child: its build never finished there,
    # wait() hung and the index never built again (every query brute force from then on)
    rng = np.random.default_rng(9)
    pts = rng.uniform(size=(3000, 3))
    index = NeighbourIndex(SMALL._replace(background=True))
    release = threading.Event()
    neighbour_index._builder().submit(release.wait, 30)  # holds the build thread busy
    try:
        index.update(pts, 2000)
        assert index.building  # queued behind the busy thread at the fork

        def child():
            index.update(pts, 3000)
            index.wait()
            index.update(pts, 3000)
            q = pts[:5] + 0.01
            same = np.array_equal(index.query(pts, 3000, q, 3)[1], knn(pts, q, 3)[1])
            return f"trees={index.trees} covered={index.covered} same={same}"

        out = _in_forked_child(child)
    finally:
        release.set()
    assert out == "trees=1 covered=3000 same=True"
    index.wait()  # the parent's own build finishes as before
    index.update(pts, 2000)
    assert index.trees == 1


def _memory():
    mem = Memory(2, 1, capacity=2)
    mem.append(np.array([[0.0, 1.0], [2.0, 3.0]]), np.array([[4.0], [5.0]]))
    return mem


def _picture(mem):
    return len(mem), mem.capacity, mem.m.tolist(), mem.s.tolist()


@pytest.mark.parametrize(
    "m, s, word",
    [
        # NumPy broadcast these into the memory: [1.0] stored as [1.0, 1.0], one s for 3 m
        (np.array([[1.0]]), np.array([[1.0]]), "m must have shape (N, 2)"),
        (np.ones((3, 2)), np.array([[1.0]]), "m has 3 rows but s has 1"),
        (np.array([[np.nan, 1.0]]), np.array([[1.0]]), "m has a NaN"),
        (np.array([[0.0, 1.0]]), np.array([[np.inf]]), "s has a NaN or infinite"),
        (np.array([0.0, 1.0]), np.array([1.0]), "m must have shape (N, 2)"),
        ([[0.0, 1.0]], "1", "s must be an array"),  # AttributeError: no attribute 'shape'
        (np.array([[True, False]]), np.array([[1.0]]), "m must be a real array"),
    ],
)
def test_memory_append_refuses_rows_that_do_not_fit(m, s, word):
    mem = _memory()
    before = _picture(mem)
    with pytest.raises((ValueError, TypeError)) as info:
        mem.append(m, s)
    assert word in str(info.value)
    assert _picture(mem) == before


@pytest.mark.parametrize(
    "call, word",
    [
        (lambda mem: mem.nearest("m", np.array([[np.nan, 0.0]])), "queries has a NaN"),
        (lambda mem: mem.nearest("m", np.array([[0.0]])), "queries must have shape (N, 2)"),
        (lambda mem: mem.nearest("s", np.array([0.0])), "queries must have shape (N, 1)"),
        (lambda mem: mem.nearest("m", np.zeros((1, 2)), k=1.5), "k must be a positive int"),
        (lambda mem: mem.nearest("m", np.zeros((1, 2)), k="1"), "k must be a positive int"),
        (lambda mem: mem.nearest("m", np.zeros((1, 2)), k=0), "k must be a positive int"),
        (lambda mem: mem.truncate(-1), "n must be an int >= 0"),  # len() turned -1
        (lambda mem: mem.truncate(1.5), "n must be an int >= 0"),
        (lambda mem: Memory(True, 1), "n_m must be a positive int"),
        (lambda mem: Memory(2, 2.5), "n_s must be a positive int"),
        (lambda mem: Memory(2, 1, capacity=-1), "capacity must be an int >= 0"),
        (lambda mem: Memory(2, 1).nearest("m", np.zeros((1, 2))), "the memory is empty"),
    ],
)
def test_memory_refuses_bad_queries_and_settings(call, word):
    mem = _memory()
    before = _picture(mem)
    with pytest.raises((ValueError, TypeError)) as info:
        call(mem)
    assert word in str(info.value)
    assert _picture(mem) == before


@pytest.mark.parametrize(
    "points, queries, k, word",
    [
        # a query of one column was measured against the points' first column only
        (np.zeros((3, 1)), np.zeros((2, 2)), 1, "queries must have shape (N, 1)"),
        (np.zeros((3, 2)), np.array([[np.nan, 0.0]]), 1, "queries has a NaN"),  # was nearest
        (np.array([[np.inf, 0.0]]), np.zeros((1, 2)), 1, "points has a NaN"),
        (np.zeros((0, 2)), np.zeros((1, 2)), 1, "points is empty"),
        (np.zeros((3, 2)), np.zeros((1, 2)), 2.5, "k must be a positive int"),  # took 2
        (np.zeros((3, 2)), "ab", 1, "queries must be an array"),
    ],
)
def test_knn_refuses_bad_arrays_naming_them(points, queries, k, word):
    with pytest.raises((ValueError, TypeError)) as info:
        knn(points, queries, k)
    assert word in str(info.value)


def test_knn_of_int_arrays_is_exact():
    # squares of large int coordinates overflowed int64; they are measured as floats
    d2, idx = knn(np.array([[0], [2**40]]), np.array([[2**40 - 1]]), k=2)
    assert idx.tolist() == [[1, 0]] and d2.tolist() == [[1.0, float(2**40 - 1) ** 2]]
