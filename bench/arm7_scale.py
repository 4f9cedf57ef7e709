"""Memory-based learners at scale: time per update, predict and infer at N = 1k ... 1M.

The 7-joint arm (``KinematicArm2D.mid7()``: 7 motor, 2 sensory channels), uniform random
commands. For each size N and each learner (``NNLearner``, ``WNNLearner``,
``LWLRLearner``, default configurations) the learner is filled with N - T observations in
one ``update_array``, asked once (so that its neighbour indexes follow the appends) and its
kd-trees finished; then

* update: T single observations (``update_array`` of one row; T = max(2000, N / 16) or
  N / 2, more than one bulk-tree rebuild period of the index), time per update: the
  calling thread's own CPU time, wall clock, and CPU time of the whole process, background
  tree builds included, over the updates and the finishing of the builds they started (the
  amortised cost);
* predict / infer: single-row ``predict_array`` / ``infer_array`` on held-out commands and
  on goals that are effects of held-out commands (wall clock per call);
* settled: predict / infer again once the builds have caught up (``settle``: the trees
  cover all but a tail under ``tail_rows``, no build running), the state of a loop at a
  robot's rate; and one SciPy kd-tree query (k = 1) in a tree over all the rows of each space,
  alone: the part of an exact query at this N that no code around the tree removes;
* memory: bytes held by the learner's memory (row arrays with their spare capacity, and the
  kd-trees' index arrays and nodes; the trees share the rows) against the raw arrays
  (N x 9 float64).

Ratios are against N = 1k, in the same run (issue 12, acceptance 4: ``NNLearner`` predict
and infer at 1M at most 2x their 1k time, update amortised at most 2x, memory at most
1.5x the raw arrays). BLAS runs single-threaded.

    python bench/arm7_scale.py [--sizes 1000 10000 100000 1000000] [--only NNLearner]
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy.spatial import cKDTree  # noqa: E402

from sensorimotor import KinematicArm2D  # noqa: E402
from sensorimotor.learners import LWLRLearner, NNLearner, WNNLearner  # noqa: E402
from sensorimotor.learners.neighbour_index import TreeSchedule  # noqa: E402

LEARNERS = {"NNLearner": NNLearner, "WNNLearner": WNNLearner, "LWLRLearner": LWLRLearner}


def per_call(fn, rows, repeats=3):
    """Best over ``repeats`` passes of the mean time of ``fn(row)`` over ``rows``: (wall, cpu)."""
    best, best_cpu = np.inf, np.inf
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        for row in rows:
            fn(row)
        best = min(best, (time.perf_counter() - t0) / len(rows))
        best_cpu = min(best_cpu, (time.process_time() - c0) / len(rows))
    return best, best_cpu


def wait(learner):
    """Let the memory's index builds finish (a no-op for a memory without an index)."""
    getattr(learner.memory, "wait", lambda: None)()


def settle(learner, query, goal):
    """Ask until no index build is pending or due: the trees cover all but a short tail, the
    state a loop at a robot's rate is in (a burst of fast updates leaves a longer tail, and a
    rebuild running, until its builds catch up)."""
    indexes = getattr(learner.memory, "index", {})
    for _ in range(10):
        learner.predict_array(query)
        learner.infer_array(goal)
        if not any(index.building for index in indexes.values()):
            return
        wait(learner)


def tree_floor(learner, queries, goals):
    """Wall time per call of one SciPy kd-tree query for the nearest row (k = 1) among all the
    learner's rows of each space, built as the index builds its trees, alone: what any exact
    tree search pays at this N (0 below the index's first tree)."""
    mem = learner.memory
    schedule = TreeSchedule()
    out = []
    for space, rows, channels in (("m", queries, learner.m_set), ("s", goals, learner.s_set)):
        data = mem.space(space)
        if len(data) < schedule.min_rows * max(1.0, 6.0 / data.shape[1]):
            out.append(0.0)
            continue
        tree = cKDTree(data, leafsize=schedule.leafsize, balanced_tree=False, copy_data=False)
        out.append(per_call(lambda q, tree=tree: tree.query(q, k=1), channels.scale(rows))[0])
    return tuple(out)


def measure(cls, arm, m, s, n, queries, goals):
    learner = cls({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    steps = min(n // 2, max(2000, n // 16))
    learner.update_array(m[: n - steps], s[: n - steps])
    learner.predict_array(m[0])  # the first queries start the indexes of both spaces
    learner.infer_array(s[0])
    wait(learner)
    learner.predict_array(m[0])
    learner.infer_array(s[0])
    wait(learner)
    rows = list(zip(m[n - steps : n], s[n - steps : n], strict=True))
    gc.collect()
    t0, c0, h0 = time.perf_counter(), time.process_time(), time.thread_time()
    for mi, si in rows:
        learner.update_array(mi, si)
    wall = (time.perf_counter() - t0) / steps
    own = (time.thread_time() - h0) / steps
    wait(learner)
    cpu = (time.process_time() - c0) / steps
    count = 200 if cls is NNLearner else 50
    predict = per_call(learner.predict_array, queries[:count])
    infer = per_call(learner.infer_array, goals[:count])
    settle(learner, queries[0], goals[0])
    steady = (
        per_call(learner.predict_array, queries[:count])[0],
        per_call(learner.infer_array, goals[:count])[0],
    )
    floor = tree_floor(learner, queries[:count], goals[:count])
    assert len(learner) == n
    raw = n * (m.shape[1] + s.shape[1]) * 8
    mem = learner.memory
    if hasattr(mem, "index"):
        trees = mem.index["m"].trees + mem.index["s"].trees
        held = mem.nbytes
    else:  # the code before issue 12 (run this script against it to compare): no index
        trees, held = 0, mem._m.nbytes + mem._s.nbytes
    return {
        "steady": steady,
        "floor": floor,
        "update": (wall, cpu),
        "update_thread": own,
        "predict": predict,
        "infer": infer,
        "memory": held / raw,
        "trees": trees,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--only", nargs="+", default=list(LEARNERS), choices=list(LEARNERS))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    arm = KinematicArm2D.mid7()
    rng = np.random.default_rng(args.seed)
    top = max(args.sizes)
    m = arm.m_set.random(rng, top)
    s = arm.execute_array(m)
    queries = arm.m_set.random(rng, 200)
    goals = arm.execute_array(arm.m_set.random(rng, 200))
    print(f"arm7_scale: mid7 arm (7 motor, 2 sensory channels), sizes {args.sizes}")
    print(
        "times per call, wall / cpu (cpu: the process's CPU time, background builds included;"
        " update's 'own': CPU time of the calling thread alone, us)"
    )
    print(
        f"{'learner':<12} {'N':>8} {'update: own':>11} {'wall/cpu':>15} {'predict':>15} "
        f"{'infer':>15} "
        f"{'memory':>7} {'trees':>5}   to the smallest N (wall/cpu): update predict infer"
    )
    for name in args.only:
        first = None
        for n in sorted(args.sizes):
            r = measure(LEARNERS[name], arm, m, s, n, queries, goals)
            first = first or r
            cells = f"{r['update_thread'] * 1e6:11.1f} " + " ".join(
                f"{r[key][0] * 1e6:6.1f}/{r[key][1] * 1e6:6.1f}us"
                for key in ("update", "predict", "infer")
            )
            ratios = " ".join(
                f"{r[key][0] / first[key][0]:.2f}/{r[key][1] / first[key][1]:.2f}"
                for key in ("update", "predict", "infer")
            )
            print(
                f"{name:<12} {n:>8} {cells} {r['memory']:6.2f}x {r['trees']:>5}   {ratios}",
                flush=True,
            )
            steady, floor = r["steady"], r["floor"]
            print(
                f"{'':<12} {'':>8} settled (trees caught up): predict {steady[0] * 1e6:.1f} us"
                f" ({steady[0] / first['steady'][0]:.2f}x), infer {steady[1] * 1e6:.1f} us"
                f" ({steady[1] / first['steady'][1]:.2f}x); one kd-tree query alone (k = 1,"
                f" all rows): motor {floor[0] * 1e6:.1f} us, sensory {floor[1] * 1e6:.1f} us",
                flush=True,
            )
            gc.collect()


if __name__ == "__main__":
    main()
