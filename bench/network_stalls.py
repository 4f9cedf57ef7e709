"""The worst step of a long NetworkLearner goal-babbling run (issue 12, acceptance 5).

A robot's loop on ``KinematicArm2D.mid7()``: the default ``NetworkLearner`` (its replay
memory a fixed-capacity reservoir), ``warmup()`` at start-up, then ``--steps`` steps of goal
babbling through the dict API: 100 uniform random commands, then a goal drawn uniformly in
the sensory box, ``learner.infer(goal, mode='explore')``, ``arm.execute``,
``learner.update(feedback)``. Each step is timed: wall clock; the calling thread's CPU time
(``cpu``), which the other processes of a shared machine do not inflate; the process's CPU
time (``process``: XLA's threads too, and the neighbour index's background tree builds,
which do not hold the loop up). Compilations are
counted two ways: JAX's compile events (``jax.monitoring``: every backend compilation in the
process) and the cache sizes of the learner's jitted functions (their traces).

Printed: compilations at warm-up and during the run, the median, 99th, 99.9th percentile and
maximum step time (wall, cpu, process), the ratio max / median, the slowest wall step among
those during which the process was on a CPU (its CPU time at least half the step's wall
time: the others waited for other processes of a shared machine), and the slowest steps.

    PYTHONPATH=src python bench/network_stalls.py [--steps 50000] [--seed 0] [--set key=value]
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import ast  # noqa: E402
import time  # noqa: E402

import jax  # noqa: E402
import numpy as np  # noqa: E402

from sensorimotor.envs import KinematicArm2D  # noqa: E402
from sensorimotor.learners import NetworkLearner  # noqa: E402
from sensorimotor.learners import network_core as core  # noqa: E402
from sensorimotor.learners import network_inverse as inverse  # noqa: E402

COMPILES = []


def _on_event(event: str, duration: float, **_) -> None:
    if event == "/jax/core/compile/backend_compile_duration":
        COMPILES.append(duration)


JITTED = (core.update_donated, core.update_many_donated, core.predict_batch_jit)


def traces() -> int:
    return sum(f._cache_size() for f in (*JITTED, inverse.infer_batch_jit))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    cfg = {}
    for item in args.set:
        key, _, value = item.partition("=")
        cfg[key] = ast.literal_eval(value)
    jax.monitoring.register_event_duration_secs_listener(_on_event)
    arm = KinematicArm2D.mid7()
    rng = np.random.default_rng(args.seed)
    learner = NetworkLearner(
        {"m_channels": arm.m_channels, "s_channels": arm.s_channels, "seed": args.seed, **cfg}
    )
    t0 = time.perf_counter()
    learner.warmup()
    warm = time.perf_counter() - t0
    warm_compiles, warm_traces = len(COMPILES), traces()
    print(
        f"NetworkLearner goal babbling on mid7, {args.steps} steps, cfg overrides {cfg}, "
        f"replay capacity {learner.cfg.capacity} "
        # the code before issue 12 (run this script against it to compare) grew its memory
        f"({learner.cfg.replay if 'replay' in learner.cfg else 'doubling when full'})"
    )
    print(f"warmup(): {warm:.2f} s, {warm_compiles} compilations, {warm_traces} traces")
    wall = np.empty(args.steps)
    cpu = np.empty(args.steps)
    process = np.empty(args.steps)
    marks = {}
    for i in range(args.steps):
        t, c, p = time.perf_counter(), time.thread_time(), time.process_time()
        if i < 100:
            m = arm.m_set.random_signal(rng)
        else:
            m = learner.infer(arm.s_set.random_signal(rng), mode="explore")
        learner.update(arm.execute(m))
        wall[i] = time.perf_counter() - t
        cpu[i] = time.thread_time() - c
        process[i] = time.process_time() - p
        if (i + 1) % 10_000 == 0 or i + 1 == args.steps:
            marks[i + 1] = (len(COMPILES) - warm_compiles, traces() - warm_traces)
            print(
                f"  step {i + 1}: compilations since warm-up {marks[i + 1][0]}, new traces "
                f"{marks[i + 1][1]}, median step so far {np.median(wall[: i + 1]) * 1e3:.3f} ms",
                flush=True,
            )
    np.asarray(learner.net_state.theta)  # the last step's result
    out = {"compilations": len(COMPILES) - warm_compiles, "traces": traces() - warm_traces}
    for name, x in (("wall", wall), ("cpu", cpu), ("process", process)):
        med = float(np.median(x))
        out[name] = {
            "median": med,
            "p99": float(np.percentile(x, 99)),
            "p999": float(np.percentile(x, 99.9)),
            "max": float(x.max()),
            "ratio": float(x.max() / med),
        }
        r = out[name]
        print(
            f"step {name:<7}: median {med * 1e3:.3f} ms, p99 {r['p99'] * 1e3:.3f} ms, p99.9 "
            f"{r['p999'] * 1e3:.3f} ms, max {r['max'] * 1e3:.2f} ms -> max / median "
            f"{r['ratio']:.1f}"
        )
    # a step whose wall time the process spent mostly off the CPU (its CPU time, all threads,
    # under half the wall time) waited for the machine's other work, not for this process
    on_cpu = process >= 0.5 * wall
    med = float(np.median(wall))
    worst = int(np.flatnonzero(on_cpu)[np.argmax(wall[on_cpu])])
    out["wall_on_cpu"] = {"max": float(wall[worst]), "ratio": float(wall[worst] / med)}
    print(
        f"step wall, the process on a CPU (process cpu >= wall / 2; {int((~on_cpu).sum())} "
        f"steps left out, their max {wall[~on_cpu].max(initial=0) * 1e3:.2f} ms): max "
        f"{wall[worst] * 1e3:.2f} ms (step {worst}) -> max / median {wall[worst] / med:.1f}"
    )
    for name, x in (("wall", wall), ("cpu", cpu), ("process", process)):
        slowest = np.argsort(x)[::-1][:8]
        print(
            f"slowest steps by {name} (index: wall / cpu / process ms): "
            + ", ".join(
                f"{i}: {wall[i] * 1e3:.1f}/{cpu[i] * 1e3:.1f}/{process[i] * 1e3:.1f}"
                for i in slowest
            )
        )
    print(
        f"compilations during the run: {out['compilations']} (JAX compile events), new traces "
        f"of the learner's jitted functions: {out['traces']}; memory {len(learner)} "
        f"observations, replay {int(learner.net_state.replay.count)} rows"
    )
    return out


if __name__ == "__main__":
    main()
