"""Forward and inverse models on the 7-joint arm (issue 3's benchmark).

The preset arm ``KinematicArm2D.mid7()`` (lengths proportional to 1.5**-i summing to 1,
limits +-60 degrees, no noise). Every learner gets the same 5000 uniform random commands,
fed one at a time through ``update``; then

* forward error: mean / median / p90 of ``|predict(m) - arm(m)|`` on 1000 held-out random
  commands (``predict_array``; the time per ``predict`` is measured on single dict calls);
* reach error: ``|arm(infer(goal)) - goal|`` on 100 goals that are effects of held-out random
  commands, each inferred by one ``infer`` call (timed: wall clock, and the process's CPU
  time, which a shared machine does not inflate).

Lengths are in units of the arm's total length (1.0). Every learner runs with its default
configuration. BLAS runs single-threaded (the fits are small matrices; on a shared 2-core
machine, threads only contend).

    python bench/arm7.py [--train 5000] [--only LWLRLearner] [--seed 0] [--variants]
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from sensorimotor import KinematicArm2D  # noqa: E402
from sensorimotor.learners import (  # noqa: E402
    LWLRLearner,
    NetworkLearner,
    NNLearner,
    RandomLearner,
    WNNLearner,
)


def default(cls, **kw):
    """A factory ``(m_channels, s_channels, seed) -> learner`` for ``cls`` with config ``kw``."""
    return lambda mc, sc, seed: cls({"m_channels": mc, "s_channels": sc, "seed": seed, **kw})


# (name, factory): every learner with its default configuration; add one with one line.
LEARNERS = [
    ("RandomLearner", default(RandomLearner)),
    ("NNLearner", default(NNLearner)),
    ("WNNLearner", default(WNNLearner)),
    ("LWLRLearner", default(LWLRLearner)),
    ("NetworkLearner", default(NetworkLearner)),
]

# Non-default configurations, run with --variants (for comparison only).
VARIANTS = [
    ("LWLR degree=1", default(LWLRLearner, degree=1)),
    ("LWLR degree=3", default(LWLRLearner, degree=3)),
    ("LWLR inv=jacobian", default(LWLRLearner, inverse="jacobian")),
    ("LWLR anchors=4", default(LWLRLearner, inverse_anchors=4, inverse_restart=0.0)),
]


def stats(err):
    return float(np.mean(err)), float(np.median(err)), float(np.percentile(err, 90))


def run_one(name, factory, arm, data, seed):
    m_train, s_train, m_test, s_test, goals = data
    learner = factory(arm.m_channels, arm.s_channels, seed)
    if hasattr(learner, "warmup"):  # compile before timing, as a robot loop would at start-up
        learner.warmup()
    m_sigs = arm.m_set.from_array(m_train)
    s_sigs = arm.s_set.from_array(s_train)
    t0 = time.perf_counter()
    for m, s in zip(m_sigs, s_sigs, strict=True):
        learner.update(m, s)
    t_update = (time.perf_counter() - t0) / len(m_sigs)

    fwd = stats(np.linalg.norm(learner.predict_array(m_test) - s_test, axis=1))
    singles = arm.m_set.from_array(m_test[:100])
    t0 = time.perf_counter()
    for m in singles:
        learner.predict(m)
    t_predict = (time.perf_counter() - t0) / len(singles)

    goal_sigs = arm.s_set.from_array(goals)
    inferred = []
    t0, c0 = time.perf_counter(), time.process_time()
    for g in goal_sigs:
        inferred.append(learner.infer(g))
    t_infer = (time.perf_counter() - t0) / len(goal_sigs)
    c_infer = (time.process_time() - c0) / len(goal_sigs)
    reached = arm.execute_array(arm.m_set.to_array_batch(inferred))
    reach = stats(np.linalg.norm(reached - goals, axis=1))
    return fwd, reach, t_update, t_predict, t_infer, c_infer


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=5000)
    parser.add_argument("--tests", type=int, default=1000, help="held-out forward tests")
    parser.add_argument("--goals", type=int, default=100, help="reach goals")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", action="append", help="run only these learners (by name)")
    parser.add_argument("--variants", action="store_true", help="also non-default LWLR configs")
    args = parser.parse_args(argv)

    arm = KinematicArm2D.mid7()
    rng = np.random.default_rng(args.seed)
    m_train = arm.m_set.random(rng, args.train)
    m_test = arm.m_set.random(rng, args.tests)
    m_goal = arm.m_set.random(rng, args.goals)
    data = (
        m_train,
        arm.execute_array(m_train),
        m_test,
        arm.execute_array(m_test),
        arm.execute_array(m_goal),
    )
    print(
        f"arm7: mid7 arm, {args.train} random commands, {args.tests} forward tests, "
        f"{args.goals} reach goals"
    )
    head = (
        f"{'learner':<18} {'fwd mean':>9} {'median':>8} {'p90':>8} {'reach mean':>11} "
        f"{'median':>8} {'p90':>8} {'update':>9} {'predict':>9} {'infer':>9} {'(cpu)':>9}"
    )
    print(head)
    for name, factory in LEARNERS + (VARIANTS if args.variants else []):
        if args.only and name not in args.only:
            continue
        fwd, reach, tu, tp, ti, ci = run_one(name, factory, arm, data, args.seed)
        print(
            f"{name:<18} {fwd[0]:9.4f} {fwd[1]:8.4f} {fwd[2]:8.4f} {reach[0]:11.5f} "
            f"{reach[1]:8.5f} {reach[2]:8.5f} {tu * 1e6:7.1f}us {tp * 1e3:7.3f}ms {ti * 1e3:7.3f}ms {ci * 1e3:7.3f}ms",
            flush=True,
        )


if __name__ == "__main__":
    main()
