"""Benchmark: streaming MLP (128, 128) with ObGD on a 10-feature random-walk-target stream.

Prints the compile-and-run time of the first call, the steady-state speed (steps/s) of
repeated calls with new keys (no recompilation), and the same for a few variants. Reference:
alberta-framework 0.17.1 ran its MLP with ObGD at 88k steps/s on this kind of machine; the
acceptance bar is 1.5x that, 132k steps/s.

    PYTHONPATH=src python bench/continual_mlp.py [--steps 10000] [--repeats 7]
"""

import argparse
import dataclasses
import os
import platform
import statistics
import time

import jax

from sensorimotor.envs.streams import TimeStep
from sensorimotor.learners import MLPLearner
from sensorimotor.rules import AdaptiveObGD, ObGD
from sensorimotor.run.mlp_learning_loop import run_mlp_learning_loop

REFERENCE = 88_000  # alberta-framework 0.17.1, MLP + ObGD, steps/s
TARGET = 1.5 * REFERENCE


@dataclasses.dataclass(frozen=True)
class _RandomWalkTarget:
    """Fallback stream (used only if sensorimotor.envs.streams has no RandomWalkStream):
    x ~ N(0, I), y = w . x + 0.1 noise, w drifting by N(0, 0.001^2) per step."""

    feature_dim: int = 10
    drift: float = 0.001
    noise: float = 0.1

    def init(self, key):
        return jax.random.normal(key, (self.feature_dim,))

    def step(self, w, key):
        d = self.feature_dim
        r = jax.random.normal(key, (2 * d + 1,))
        w = w + self.drift * r[:d]
        x = r[d : 2 * d]
        return w, TimeStep(x, w @ x + self.noise * r[2 * d])


def make_stream(feature_dim=10):
    try:
        from sensorimotor.envs.streams import RandomWalkStream
    except ImportError:
        return _RandomWalkTarget(feature_dim), "local fallback random-walk stream"
    return RandomWalkStream(feature_dim=feature_dim), "sensorimotor RandomWalkStream"


def measure(learner, stream, steps, repeats):
    t0 = time.perf_counter()
    out = run_mlp_learning_loop(learner, stream, steps, jax.random.key(0))
    out.mean_squared_error.block_until_ready()
    first = time.perf_counter() - t0
    times = []
    for seed in range(1, repeats + 1):
        t0 = time.perf_counter()
        out = run_mlp_learning_loop(learner, stream, steps, jax.random.key(seed))
        out.mean_squared_error.block_until_ready()
        times.append(time.perf_counter() - t0)
    return first, statistics.median(times), min(times), float(out.mean_squared_error)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    stream, stream_name = make_stream(10)
    print(f"jax {jax.__version__} on {platform.machine()}, devices {jax.devices()}")
    print(f"XLA_FLAGS={os.environ.get('XLA_FLAGS', '') or '(default)'}; stream: {stream_name}")
    print(f"{args.steps} steps per call, median of {args.repeats} repeated calls (new key each)")
    variants = [
        ("MLP (128,128) ObGD [acceptance]", MLPLearner((128, 128), ObGD())),
        ("MLP (128,128) ObGD, step 0.5 (no recompile)", MLPLearner((128, 128), ObGD(0.5))),
        ("MLP (128,128) ObGD + trace 0.8", MLPLearner((128, 128), ObGD(), trace_decay=0.8)),
        ("MLP (128,128) AdaptiveObGD", MLPLearner((128, 128), AdaptiveObGD())),
    ]
    accept = None
    for name, learner in variants:
        first, median, best, mse = measure(learner, stream, args.steps, args.repeats)
        rate = args.steps / median
        if accept is None:
            accept = rate
        print(
            f"{name:45s} first call {first:6.2f} s | repeated call {median * 1e3:7.1f} ms "
            f"(best {best * 1e3:6.1f}) | {rate / 1e3:6.1f}k steps/s | MSE {mse:.3f}"
        )
    verdict = "PASS" if accept >= TARGET else "FAIL"
    print(
        f"acceptance: {accept / 1e3:.1f}k steps/s vs target {TARGET / 1e3:.0f}k "
        f"(1.5 x alberta-framework {REFERENCE / 1e3:.0f}k): {verdict}"
    )


if __name__ == "__main__":
    main()
