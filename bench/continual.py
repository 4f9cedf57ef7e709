"""Benchmarks of the continual-learning (linear) capability; prints its figures.

    PYTHONPATH=src python bench/continual.py            # everything (~1-2 minutes)
    PYTHONPATH=src python bench/continual.py --quick    # smaller sizes (smoke test)

Reference (alberta-framework 0.17.1 on this kind of machine): about 1.25M linear
steps/s after compile, 0.44 s per 100k-step call (it recompiles each call), 62 us per
jitted single-sample update.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.continual import (
    GVF,
    IDBD,
    LMS,
    TDIDBD,
    ArrayStream,
    Autostep,
    Horde,
    LinearLearner,
    RandomWalkChainStream,
    RandomWalkStream,
    SuttonExperiment1Stream,
    compile_count,
    run_learning_loop,
    run_learning_loop_batched,
    run_sweep,
    run_td_learning_loop,
)
from sensorimotor.run.sutton1992 import experiment2, format_experiment2

REF_STEPS_PER_S = 1.25e6
REF_CALL_S = 0.44
REF_JIT_UPDATE_US = 62.0


def _block(tree):
    jax.tree_util.tree_map(lambda a: a.block_until_ready(), tree)
    return tree


def compiled_throughput(num_steps: int, repeats: int, stream=None, label=None) -> None:
    stream = RandomWalkStream(10) if stream is None else stream
    label = label or "RandomWalkStream(10)"
    print(f"\n== compiled loop: LinearLearner on {label}, {num_steps} steps")
    rows = [
        ("LMS", lambda i: LMS(0.01 + 0.001 * i)),
        ("IDBD", lambda i: IDBD(0.01, 0.01 + 0.001 * i)),
        ("Autostep", lambda i: Autostep(0.01, 0.01 + 0.001 * i)),
    ]
    first = {}
    for name, make in rows:
        t0 = time.perf_counter()
        _block(run_learning_loop(LinearLearner(make(0)), stream, num_steps, jax.random.key(0)))
        first[name] = time.perf_counter() - t0
    before = compile_count()["supervised"]
    # the rules take turns, call by call, so that a slow spell of this shared machine
    # falls on all of them alike and the ratios between them stay meaningful
    times = {name: [] for name, _ in rows}
    for i in range(1, repeats + 1):  # other key AND other step size every call
        for name, make in rows:
            t0 = time.perf_counter()
            _block(run_learning_loop(LinearLearner(make(i)), stream, num_steps, jax.random.key(i)))
            times[name].append(time.perf_counter() - t0)
    recompiles = compile_count()["supervised"] - before
    lms_best, lms_median = min(times["LMS"]), statistics.median(times["LMS"])
    for name, _ in rows:
        call, median = min(times[name]), statistics.median(times[name])
        print(
            f"{name:9s} first call {first[name]:6.3f} s | repeated call best {call * 1e3:6.1f} ms, "
            f"median {median * 1e3:6.1f} ms "
            f"({REF_CALL_S / call:5.1f}x faster than 0.44 s) | {num_steps / call / 1e6:5.2f}M "
            f"steps/s ({num_steps / call / REF_STEPS_PER_S:4.1f}x of 1.25M)"
        )
        print(
            f"{'':9s} median {num_steps / median / 1e6:5.2f}M steps/s "
            f"({num_steps / median / REF_STEPS_PER_S:4.2f}x of 1.25M) | time vs LMS in this run: "
            f"best {call / lms_best:4.2f}x, median {median / lms_median:4.2f}x"
        )
    print(f"recompiles in {repeats} x {len(rows)} calls: {recompiles}")


def recorded_data(num_steps: int, repeats: int) -> None:
    """The same loop over recorded rows (an ArrayStream) instead of a synthetic stream."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(num_steps, 10))
    stream = ArrayStream(x, x @ rng.normal(size=10) + 0.1 * rng.normal(size=num_steps))
    compiled_throughput(num_steps, repeats, stream, f"ArrayStream of {num_steps} x 10 rows")


def sweep(num_steps: int, num_seeds: int, num_sizes: int) -> None:
    print(f"\n== sweep: {num_seeds} seeds x {num_sizes} LMS step sizes, {num_steps} steps each")
    stream = RandomWalkStream(10)
    keys = jax.random.split(jax.random.key(0), num_seeds)
    before = compile_count().get("supervised", 0)
    for trial, scale in enumerate((1.0, 0.5)):
        learners = [LinearLearner(LMS(a)) for a in scale * np.geomspace(1e-3, 0.1, num_sizes)]
        t0 = time.perf_counter()
        out = _block(run_sweep(learners, stream, num_steps, keys, trace_interval=num_steps // 10))
        dt = time.perf_counter() - t0
        total = num_steps * num_seeds * num_sizes
        print(
            f"call {trial + 1}: {dt:6.2f} s, {total / dt / 1e6:5.2f}M steps/s in total, "
            f"compilations so far: {compile_count()['supervised'] - before}"
        )
    best = np.asarray(out.metrics.squared_error).mean(1)
    print("mean squared error per step size (2nd call):", np.round(best, 4).tolist())


def numpy_latency(num_samples: int) -> None:
    print("\n== NumPy per-sample path (eager), 20 features")
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(num_samples, 20))
    ys = xs[:, :5].sum(1)
    for name, learner in [
        ("IDBD, bias", LinearLearner(IDBD(0.05, 0.01))),
        ("IDBD, no bias", LinearLearner(IDBD(0.05, 0.01), bias=False)),
        ("LMS, bias", LinearLearner(LMS(0.01))),
        ("Autostep, bias", LinearLearner(Autostep(0.01, 0.01))),
    ]:
        per = []
        for _ in range(5):
            state = learner.init(20)
            t0 = time.perf_counter()
            for x, y in zip(xs, ys, strict=True):
                state = learner.update(state, x, y).state
            per.append((time.perf_counter() - t0) / num_samples * 1e6)
        print(
            f"{name:15s} LinearLearner.update: {min(per):5.2f} us (best of 5), "
            f"median {statistics.median(per):5.2f} us"
        )
    rule = IDBD(0.05, 0.01)
    s, w = rule.init(20), np.zeros(20)
    t0 = time.perf_counter()
    for x, y in zip(xs, ys, strict=True):
        s, inc = rule.update_from_error(s, x, y - w @ x)
        w = w + inc
    print(
        f"bare IDBD.update_from_error + w update: "
        f"{(time.perf_counter() - t0) / num_samples * 1e6:5.2f} us"
    )
    learner = LinearLearner(IDBD(0.05, 0.01))
    upd = jax.jit(learner.update)
    st = learner.init(20, xp=jnp)
    # one device array per sample, made beforehand: indexing a JAX array is itself a
    # dispatched operation and would be counted otherwise
    xj = [jnp.asarray(x, jnp.float32) for x in xs[:2000]]
    yj = [jnp.float32(y) for y in ys[:2000]]
    _block(upd(st, xj[0], yj[0]))
    per = []
    for _ in range(3):
        t0 = time.perf_counter()
        for x, y in zip(xj, yj, strict=True):
            st = upd(st, x, y).state
        _block(st)
        per.append((time.perf_counter() - t0) / len(xj) * 1e6)
    print(
        f"jitted single-sample JAX update (dispatch-bound): {min(per):5.1f} us "
        f"(alberta-framework: {REF_JIT_UPDATE_US:.0f} us)"
    )


def horde(num_steps: int, num_gvfs: int) -> None:
    print(
        f"\n== Horde of {num_gvfs} GVFs (TDIDBD, own step sizes, discounts and cumulants) "
        f"on RandomWalkChainStream(19), {num_steps} steps"
    )
    gvfs = tuple(
        GVF(
            TDIDBD(0.01 + 0.001 * k, 0.001, trace_decay=0.5),
            gamma=0.5 + 0.5 * k / num_gvfs,
            cumulant=None if k % 2 else k % 19,
        )
        for k in range(num_gvfs)
    )
    learner = Horde(gvfs)
    stream = RandomWalkChainStream(19)
    t0 = time.perf_counter()
    _block(run_td_learning_loop(learner, stream, num_steps, jax.random.key(0)))
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    _block(run_td_learning_loop(learner, stream, num_steps, jax.random.key(1)))
    call = time.perf_counter() - t0
    print(
        f"first call {first:5.2f} s, repeated call {call:5.2f} s: "
        f"{num_steps * num_gvfs / call / 1e6:5.2f}M GVF updates/s"
    )


def sutton(seeds: int) -> None:
    print(f"\n== Sutton (1992), {seeds} seeds")
    keys = jax.random.split(jax.random.key(1992), seeds)
    stream = SuttonExperiment1Stream()
    sizes = (0.02, 0.03, 0.035, 0.04, 0.05)
    out = run_sweep(
        [LinearLearner(LMS(a), bias=False) for a in sizes],
        stream,
        30_000,
        keys,
        trace_interval=10_000,
    )
    mse = np.asarray(out.trace.squared_error[..., -1]).mean(-1)
    print(
        "Exp. 1, LMS MSE over steps 20k-30k:",
        dict(zip(sizes, np.round(mse, 3).tolist(), strict=True)),
    )
    for theta in (0.005, 0.01, 0.02):
        learner = LinearLearner(IDBD(0.05, theta), bias=False)
        out = run_learning_loop_batched(learner, stream, 30_000, keys, trace_interval=10_000)
        print(
            f"Exp. 1, IDBD theta={theta}: MSE {float(np.mean(out.trace.squared_error[:, -1])):.3f}"
            f", guard recoveries {int(np.sum(out.state.guard_count))}"
        )
    # The irrelevant step sizes fall as 1/alpha = 1/alpha(t0) + k t: their value at 250k
    # steps depends on where they start, which the issue does not give; 0.05 is Exp. 1's.
    for alpha0 in (0.05, 0.02, 0.01):  # Figure 5 does not depend on the start: once
        grid = (0.07, 0.09, 0.11, 0.13, 0.15, 0.17, 0.19) if alpha0 == 0.05 else ()
        print(format_experiment2(experiment2(initial_step_size=alpha0, lms_step_sizes=grid)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {jax.device_count()} JAX device(s) "
        f"({jax.devices()[0].platform}), jax {jax.__version__}, numpy {np.__version__}"
    )
    if args.quick:
        compiled_throughput(10_000, 2)
        recorded_data(10_000, 2)
        sweep(2_000, 4, 3)
        numpy_latency(500)
        horde(2_000, 4)
        return
    compiled_throughput(100_000, 21)
    recorded_data(100_000, 21)
    sweep(100_000, 30, 8)
    numpy_latency(20_000)
    horde(100_000, 32)
    sutton(30)


if __name__ == "__main__":
    main()
