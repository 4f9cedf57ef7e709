"""NetworkLearner on the issue-3 arm benchmark (7-joint preset arm, 5000 random commands).

5000 uniform random commands are fed one at a time through ``learner.update`` (dict API,
as a robot loop would); then the forward error on 1000 held-out commands and the reach
error on 100 reachable goals (effects of held-out commands), in units of the arm's total
length 1.0. Times: total and per update (the first update includes compilation, reported
apart), per single ``predict`` and ``infer`` call (dict API, after a warm-up call; mean and
median over the calls; CPU time of the process as well, less sensitive to a shared machine's
load).

    PYTHONPATH=src python bench/arm7_network.py [--seeds 0 1 2] [--set predict_neighbours=0 ...]
        [--train 5000] [--tests 1000] [--goals 100] [--noise 0.005]
"""

import argparse
import ast
import time

import numpy as np

from sensorimotor.envs import KinematicArm2D
from sensorimotor.learners import NetworkLearner


def run(
    seed: int, n_train: int = 5000, n_test: int = 1000, n_goals: int = 100, noise=0.0, **cfg
) -> dict:
    arm = KinematicArm2D.mid7()
    rng = np.random.default_rng(seed)
    m_train = arm.m_set.random(rng, n_train)
    s_train = arm.execute_array(m_train)
    if noise:  # sensor noise on the training observations; errors are measured against truth
        s_train = s_train + np.random.default_rng(seed + 1000).normal(0, noise, s_train.shape)
    m_test = arm.m_set.random(rng, n_test)
    s_test = arm.execute_array(m_test)
    goals = s_test[:n_goals]
    t_make = time.perf_counter()
    learner = NetworkLearner(
        {"m_channels": arm.m_channels, "s_channels": arm.s_channels, "seed": seed, **cfg}
    )
    t_make = time.perf_counter() - t_make
    m_dicts = arm.m_set.from_array(m_train)
    s_dicts = arm.s_set.from_array(s_train)
    c0 = time.process_time()
    t0 = time.perf_counter()
    learner.update(m_dicts[0], s_dicts[0])
    t_first = time.perf_counter() - t0
    t1 = time.perf_counter()
    for m, s in zip(m_dicts[1:], s_dicts[1:], strict=True):
        learner.update(m, s)
    np.asarray(learner.net_state.theta)  # wait for the last step
    t_rest = time.perf_counter() - t1
    cpu_updates = time.process_time() - c0

    forward = np.linalg.norm(learner.predict_array(m_test) - s_test, axis=1)
    commands = learner.infer_array(goals)
    reach = np.linalg.norm(arm.execute_array(commands) - goals, axis=1)

    goal_dicts = arm.s_set.from_array(goals)
    t_first_infer = time.perf_counter()
    learner.infer(goal_dicts[0])  # compiles the single-goal inverse, unless done before
    t_first_infer = time.perf_counter() - t_first_infer
    single, t_infer = [], []
    c2 = time.process_time()
    for g in goal_dicts:
        t2 = time.perf_counter()
        single.append(learner.infer(g))
        t_infer.append(time.perf_counter() - t2)
    cpu_infer = (time.process_time() - c2) / len(goal_dicts)
    reach_single = np.linalg.norm(
        arm.execute_array(arm.m_set.to_array_batch(single)) - goals, axis=1
    )
    test_dicts = arm.m_set.from_array(m_test[:200])
    learner.predict(test_dicts[0])
    t_predict = []
    for m in test_dicts:
        t3 = time.perf_counter()
        learner.predict(m)
        t_predict.append(time.perf_counter() - t3)
    return {
        "forward_mean": forward.mean(),
        "forward_median": np.median(forward),
        "forward_p90": np.percentile(forward, 90),
        "reach_mean": reach.mean(),
        "reach_median": np.median(reach),
        "reach_p90": np.percentile(reach, 90),
        "reach_single_mean": reach_single.mean(),
        "update_total_s": t_first + t_rest,
        "update_first_s": t_first,
        "make_s": t_make,
        "update_cpu_s": cpu_updates,
        "infer_cpu_ms": cpu_infer * 1e3,
        "update_us": t_rest / (n_train - 1) * 1e6,
        "predict_ms": np.mean(t_predict) * 1e3,
        "predict_median_ms": np.median(t_predict) * 1e3,
        "infer_ms": np.mean(t_infer) * 1e3,
        "infer_first_s": t_first_infer,
        "infer_median_ms": np.median(t_infer) * 1e3,
    }


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="config overrides, values as Python literals, e.g. restarts=2 hidden=(128,128)",
    )
    parser.add_argument("--train", type=int, default=5000)
    parser.add_argument("--tests", type=int, default=1000, help="held-out forward tests")
    parser.add_argument("--goals", type=int, default=100, help="reach goals")
    parser.add_argument("--noise", type=float, default=0.0, help="sensor noise std (training)")
    args = parser.parse_args(argv)
    cfg = {}
    for item in args.set:
        key, _, value = item.partition("=")
        cfg[key] = ast.literal_eval(value)
    print(f"NetworkLearner on KinematicArm2D.mid7(), {args.train} updates, cfg overrides {cfg}")
    rows = []
    for seed in args.seeds:
        r = run(seed, args.train, args.tests, args.goals, args.noise, **cfg)
        rows.append(r)
        print(
            f"seed {seed}: forward mean {r['forward_mean']:.4f} median {r['forward_median']:.4f} "
            f"p90 {r['forward_p90']:.4f} | reach mean {r['reach_mean']:.5f} median "
            f"{r['reach_median']:.5f} p90 {r['reach_p90']:.5f} (single calls "
            f"{r['reach_single_mean']:.5f}) | construction {r['make_s']:.2f} s | updates {r['update_total_s']:.2f} s total "
            f"(first {r['update_first_s']:.2f} s incl. compile, then {r['update_us']:.0f} us "
            f"each; CPU {r['update_cpu_s']:.2f} s) | predict {r['predict_ms']:.3f} ms (median {r['predict_median_ms']:.3f}) | "
            f"infer {r['infer_ms']:.3f} ms (median {r['infer_median_ms']:.3f}, CPU "
            f"{r['infer_cpu_ms']:.3f}; first call {r['infer_first_s']:.2f} s)",
            flush=True,
        )
    if len(rows) > 1:
        keys = ("forward_mean", "reach_mean", "update_total_s", "infer_ms")
        print(
            "mean over seeds: "
            + ", ".join(f"{k} {np.mean([r[k] for r in rows]):.5f}" for k in keys)
        )
    return rows


if __name__ == "__main__":
    main()
