"""Side by side with alberta-framework 0.17.1, the peer the continual-learning issue names.

Both libraries run in one process (same Python, same JAX, same machine state), on the
same tasks, and the figures are printed as ratios:

* linear learners (LMS, IDBD, Autostep) on a 10-feature random-walk target, 100k steps:
  the time of a repeated call (another key each time: what a user waits for) and the
  throughput once compiled, read as the marginal cost of 1M more steps
  ``1e6 / (t(1.1M) - t(100k))``, which leaves out compilation for both;
* the streaming MLP (128, 128) with ObGD (step size 1, kappa 2), 10k steps, the same two
  figures (marginal over 50k more steps);
* one sample at a time: alberta-framework's jitted ``update`` against this library's
  NumPy ``update`` (and its jitted one).

alberta-framework needs Python 3.13, so this runs in its own environment:

    make bench-peers     # creates .venv-peers (python3.13), installs .[peers], runs this

Without alberta-framework installed it says so and exits 0 (``make bench`` runs it too).
"""

from __future__ import annotations

import statistics
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

try:
    import alberta_framework as af
except ImportError:  # the peer is optional: see the module docstring
    af = None

import sensorimotor
from sensorimotor.continual import (
    IDBD,
    LMS,
    Autostep,
    LinearLearner,
    MLPLearner,
    RandomWalkStream,
    run_learning_loop,
    run_mlp_learning_loop,
)


def _block(tree):
    return jax.block_until_ready(tree)


def _best(fn, repeats):
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        _block(fn(i))
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


# --- one call of each library: fn(num_steps, seed) -----------------------------------------
def ours_linear(rule):
    learner, stream = LinearLearner(rule), RandomWalkStream(10)
    return lambda n, seed: run_learning_loop(learner, stream, n, jax.random.key(seed)).metrics


def peer_linear(rule):
    learner, stream = af.LinearLearner(optimizer=rule), af.RandomWalkStream(feature_dim=10)
    return lambda n, seed: af.run_learning_loop(learner, stream, n, jax.random.key(seed))[1]


def ours_mlp():
    learner, stream = MLPLearner((128, 128)), RandomWalkStream(10)
    return lambda n, seed: run_mlp_learning_loop(learner, stream, n, jax.random.key(seed)).metrics


def peer_mlp():
    learner = af.MLPLearner(
        hidden_sizes=(128, 128), step_size=1.0, bounder=af.ObGDBounding(kappa=2.0)
    )
    stream = af.RandomWalkStream(feature_dim=10)
    return lambda n, seed: af.run_mlp_learning_loop(learner, stream, n, jax.random.key(seed))[1]


def measure(call, steps, extra, repeats):
    """(repeated call best, median, marginal steps/s): ``extra`` more steps cost how long."""
    _block(call(steps, 0))  # compile (for a library that caches compilations)
    best, median = _best(lambda i: call(steps, 1 + i), repeats)
    long_best, _ = _best(lambda i: call(steps + extra, 100 + i), max(repeats // 2, 2))
    marginal = extra / max(long_best - best, 1e-9)
    return best, median, marginal


def linear_rows(repeats):
    print("\n== linear learner, RandomWalkStream(10), 100k steps per call")
    print(
        f"{'rule':9s} {'library':22s} {'repeated call best/median':>27s} {'compiled steps/s':>17s}"
    )
    rules = [
        ("LMS", LMS(0.01), af.LMS(step_size=0.01)),
        ("IDBD", IDBD(0.01, 0.01), af.IDBD(initial_step_size=0.01, meta_step_size=0.01)),
        (
            "Autostep",
            Autostep(0.01, 0.01),
            af.Autostep(initial_step_size=0.01, meta_step_size=0.01),
        ),
    ]
    for name, ours, peer in rules:
        o = measure(ours_linear(ours), 100_000, 1_000_000, repeats)
        p = measure(peer_linear(peer), 100_000, 1_000_000, repeats)
        for lib, r in (("sensorimotor", o), ("alberta-framework", p)):
            print(
                f"{name:9s} {lib:22s} {r[0] * 1e3:12.1f} / {r[1] * 1e3:7.1f} ms {r[2] / 1e6:15.2f}M"
            )
        print(
            f"{'':9s} {'ratio (ours faster by)':22s} {p[0] / o[0]:12.1f}x / {p[1] / o[1]:6.1f}x "
            f"{o[2] / p[2]:15.2f}x"
        )


def mlp_rows(repeats):
    print("\n== MLP (128, 128) with ObGD (step 1, kappa 2), RandomWalkStream(10), 10k steps")
    o = measure(ours_mlp(), 10_000, 50_000, repeats)
    p = measure(peer_mlp(), 10_000, 50_000, repeats)
    for lib, r in (("sensorimotor", o), ("alberta-framework", p)):
        print(
            f"{lib:22s} repeated call {r[0] * 1e3:8.1f} / {r[1] * 1e3:8.1f} ms | compiled "
            f"{r[2] / 1e3:7.1f}k steps/s"
        )
    print(
        f"{'ratio (ours faster by)':22s} repeated call {p[0] / o[0]:5.1f}x / {p[1] / o[1]:5.1f}x"
        f" | compiled {o[2] / p[2]:5.2f}x"
    )


def per_sample_rows(samples):
    print("\n== one sample at a time, IDBD(0.05, 0.01), 20 features")
    rng = np.random.default_rng(0)
    xs, ys = rng.normal(size=(samples, 20)), rng.normal(size=samples)
    xj = [jnp.asarray(x, jnp.float32) for x in xs]
    yj = [jnp.float32(y) for y in ys]

    def timed(update, state, inputs, targets):
        state = update(state, inputs[0], targets[0])
        _block(state)
        best = 1e9
        for _ in range(5):
            t0 = time.perf_counter()
            for x, y in zip(inputs, targets, strict=True):
                state = update(state, x, y)
            _block(state)
            best = min(best, (time.perf_counter() - t0) / len(inputs))
        return best * 1e6

    ours = LinearLearner(IDBD(0.05, 0.01))
    eager = timed(lambda s, x, y: ours.update(s, x, y).state, ours.init(20), xs, ys)
    ours_jit = jax.jit(lambda s, x, y: ours.update(s, x, y).state)
    jitted = timed(ours_jit, ours.init(20, xp=jnp), xj, yj)
    peer = af.LinearLearner(optimizer=af.IDBD(initial_step_size=0.05, meta_step_size=0.01))
    peer_jit = jax.jit(lambda s, x, y: peer.update(s, x, y).state)
    theirs = timed(peer_jit, peer.init(20), xj, yj)
    print(f"sensorimotor, NumPy (eager)        {eager:6.1f} us per update")
    print(f"sensorimotor, jax.jit(update)      {jitted:6.1f} us per update")
    print(f"alberta-framework, jax.jit(update) {theirs:6.1f} us per update")
    print(f"ratio (ours, NumPy, faster by)     {theirs / eager:6.1f}x")


def sutton_experiment2_rows(seeds):
    """The step sizes both IDBDs reach in Sutton's Experiment 2 (theta 0.001, initial 0.05,
    250k steps): a check of the figure, not of speed."""
    from alberta_framework.core.types import StepSizeTrackingConfig

    from sensorimotor.run.sutton1992 import experiment2

    print(
        f"\n== Sutton (1992) Experiment 2, IDBD theta 0.001, initial 0.05, 250k steps, {seeds} seeds"
    )
    ours = experiment2(seeds=seeds, lms_step_sizes=())
    theirs = []
    for seed in range(seeds):
        learner = af.LinearLearner(optimizer=af.IDBD(initial_step_size=0.05, meta_step_size=0.001))
        tracking = StepSizeTrackingConfig(interval=50_000, include_bias=False)
        state = af.run_learning_loop(
            learner, af.SuttonExperiment1Stream(), 250_000, jax.random.key(seed), None, tracking
        )[0]
        theirs.append(np.exp(np.asarray(state.optimizer_state.log_step_sizes)))
    theirs = np.asarray(theirs)
    for lib, rel, irr in (
        ("sensorimotor", ours.relevant, ours.irrelevant),
        ("alberta-framework", theirs[:, :5], theirs[:, 5:]),
    ):
        print(
            f"{lib:18s} relevant {rel.mean():.3f} | irrelevant mean {irr.mean():.4f}, "
            f"max {irr.max():.4f} (the issue: near 0.13 and below 0.007)"
        )


def main() -> int:
    print(
        f"Python {sys.version.split()[0]}, jax {jax.__version__}, numpy {np.__version__}, "
        f"sensorimotor {sensorimotor.__version__}"
    )
    if af is None:
        print("skipped: alberta-framework is not installed here (make bench-peers)")
        return 0
    print(f"alberta-framework {af.__version__}")
    quick = "--quick" in sys.argv
    linear_rows(2 if quick else 5)
    mlp_rows(2 if quick else 5)
    per_sample_rows(200 if quick else 5000)
    sutton_experiment2_rows(1 if quick else 4)
    return 0


if __name__ == "__main__":
    sys.exit(main())
