"""Benchmark: streaming MLP (128, 128) with ObGD on a 10-feature random-walk-target stream.

Prints, for 10k-step calls of :func:`~sensorimotor.continual.mlp_learning_loop.run_mlp_learning_loop`:
the first call (compile + run), then the median of repeated calls with new keys (no
recompilation) as steps/s, for

* the acceptance setting, on ``sensorimotor.envs.streams.RandomWalkStream(10)`` (which has
  ``noise_dim``/``advance``: the loop draws its normals for a chunk of steps at once), and,
  for reference, on the same distribution drawn as alberta-framework's stream draws it
  (a 4-way key split and three normal draws per step inside the scan:
  ``FourHashRandomWalk``);
* the ceilings: the streams alone, and the learner alone on pre-drawn samples;
* variants: another step size (must not recompile), traces, AdaptiveObGD, 8 seeds batched.

Reference: alberta-framework 0.17.1 ran its MLP with ObGD at 88k steps/s on this kind of
machine; the acceptance bar is 1.5x that, 132k steps/s. ``make bench-peers`` runs
alberta-framework itself side by side (``bench/peers.py``).

    PYTHONPATH=src python bench/continual_mlp.py [--steps 10000] [--repeats 7]
"""

import argparse
import os
import platform
import statistics
import time
from typing import NamedTuple

import jax

from sensorimotor.continual import MLPLearner
from sensorimotor.continual.mlp_learning_loop import (
    run_mlp_learning_loop,
    run_mlp_learning_loop_batched,
)
from sensorimotor.envs.streams import RandomWalkStream, TimeStep
from sensorimotor.rules import AdaptiveObGD, ObGD

REFERENCE = 88_000  # alberta-framework 0.17.1, MLP + ObGD, steps/s
TARGET = 1.5 * REFERENCE


class FourHashRandomWalk(NamedTuple):
    """The same distribution drawn as alberta-framework 0.17.1's RandomWalkStream draws it
    (the reference figure's stream): one 4-way key split and three normal draws per step,
    i.e. four Threefry hashes."""

    feature_dim: int = 10
    drift_rate: float = 0.001
    noise_std: float = 0.1

    def init(self, key):
        return jax.random.normal(key, (self.feature_dim,))

    def step(self, w, key):
        _, k_drift, k_x, k_noise = jax.random.split(key, 4)
        w = w + self.drift_rate * jax.random.normal(k_drift, w.shape)
        x = jax.random.normal(k_x, w.shape)
        return w, TimeStep(x, x @ w + self.noise_std * jax.random.normal(k_noise, ()))


def _timed(fn, repeats):
    """(first call time, median and best of ``repeats`` further calls); fn(seed) -> array."""
    t0 = time.perf_counter()
    jax.block_until_ready(fn(0))
    first = time.perf_counter() - t0
    times = []
    for seed in range(1, repeats + 1):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(seed))
        times.append(time.perf_counter() - t0)
    return first, statistics.median(times), min(times)


def _loop(learner, stream, steps):
    def fn(seed):
        return run_mlp_learning_loop(learner, stream, steps, jax.random.key(seed)).metrics

    return fn


def _stream_only(stream, steps):
    @jax.jit
    def run(key):
        def body(s, k):
            s, ts = stream.step(s, k)
            return s, ts.y

        return jax.lax.scan(body, stream.init(key), jax.random.split(key, steps))[1].mean()

    return lambda seed: run(jax.random.key(seed))


def _learner_only(learner, steps, d=10):
    @jax.jit
    def run(learner, key):
        xs = jax.random.normal(key, (steps, d))
        ys = xs.sum(axis=1)

        def body(s, xy):
            r = learner.step(s, *xy)
            return r.state, r.metrics.squared_error

        return jax.lax.scan(body, learner.init(key, d), (xs, ys))[1].mean()

    return lambda seed: run(learner, jax.random.key(seed))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    n, reps = args.steps, args.repeats
    print(
        f"jax {jax.__version__} on {platform.machine()} ({os.cpu_count()} cores), {jax.devices()}"
    )
    print(f"XLA_FLAGS={os.environ.get('XLA_FLAGS', '') or '(default)'}, default (threefry) keys")
    print(f"{n} steps per call; {reps} repeated calls, each with a new key (no recompile);")
    print("steps/s from the fastest call (the machine is shared), the median for reference\n")

    mlp = MLPLearner((128, 128), ObGD())
    rows = [
        ("ObGD, RandomWalkStream(10)", _loop(mlp, RandomWalkStream(10), n), n),
        ("ObGD, FourHashRandomWalk(10)", _loop(mlp, FourHashRandomWalk(10), n), n),
        ("  ceiling: RandomWalkStream.step alone", _stream_only(RandomWalkStream(10), n), n),
        ("  ceiling: FourHashRandomWalk.step alone", _stream_only(FourHashRandomWalk(10), n), n),
        ("  ceiling: MLP update alone (pre-drawn x, y)", _learner_only(mlp, n), n),
        (
            "ObGD step 0.01 (must not recompile)",
            _loop(mlp.__class__((128, 128), ObGD(0.01)), RandomWalkStream(10), n),
            n,
        ),
        (
            "ObGD + trace 0.8, RandomWalkStream",
            _loop(MLPLearner((128, 128), trace_decay=0.8), RandomWalkStream(10), n),
            n,
        ),
        (
            "AdaptiveObGD, RandomWalkStream",
            _loop(MLPLearner((128, 128), AdaptiveObGD()), RandomWalkStream(10), n),
            n,
        ),
    ]
    keys8 = lambda seed: jax.random.split(jax.random.key(seed), 8)  # noqa: E731
    rows.append(
        (
            "ObGD, 8 seeds batched (vmap), RandomWalkStream",
            lambda seed: (
                run_mlp_learning_loop_batched(mlp, RandomWalkStream(10), n, keys8(seed)).metrics
            ),
            8 * n,
        )
    )
    rates = {}
    for name, fn, total in rows:
        first, median, best = _timed(fn, reps)
        rates[name] = total / best
        print(
            f"{name:48s} first {first:5.2f} s | repeated {median * 1e3:6.1f} ms median, "
            f"{best * 1e3:6.1f} best | {total / best / 1e3:6.1f}k steps/s best, "
            f"{total / median / 1e3:6.1f}k median"
        )
    # the per-sample (robot loop) path: checked, eager update with NumPy inputs
    import numpy as np

    state = mlp.init(jax.random.key(0), 10)
    xs = np.random.default_rng(0).normal(size=(1100, 10)).astype(np.float32)
    for x in xs[:100]:  # warm-up: compiles the step and the prediction once
        state = mlp.update(state, x, float(x.sum())).state
        mlp.predict(state, x)
    t0 = time.perf_counter()
    for x in xs[100:]:
        state = mlp.update(state, x, float(x.sum())).state
    per_update = (time.perf_counter() - t0) / 1000
    t0 = time.perf_counter()
    for x in xs[100:]:
        mlp.predict(state, x)
    per_predict = (time.perf_counter() - t0) / 1000
    print(
        f"{'eager MLPLearner.update / predict (NumPy in)':48s} "
        f"{per_update * 1e6:.0f} us / {per_predict * 1e6:.0f} us per call"
    )
    print()
    name = "ObGD, RandomWalkStream(10)"
    verdict = "PASS" if rates[name] >= TARGET else "FAIL"
    print(
        f"acceptance [{name}]: {rates[name] / 1e3:.1f}k steps/s vs {TARGET / 1e3:.0f}k "
        f"(1.5 x alberta-framework {REFERENCE / 1e3:.0f}k): {verdict}"
    )
    name = "ObGD, FourHashRandomWalk(10)"
    print(
        f"for reference [{name}]: {rates[name] / 1e3:.1f}k steps/s, our MLP on a stream "
        "drawn the way alberta-framework draws it; alberta-framework itself, side by side: "
        "make bench-peers"
    )


if __name__ == "__main__":
    main()
