"""Speed of the library's RL environments, beside Gymnasium's CartPole-v1 in the same run.

    PYTHONPATH=src python bench/envs.py            # ~30 s
    PYTHONPATH=src python bench/envs.py --quick    # smaller sizes (smoke test)

Python faces: microseconds per step (random actions, resets included). JAX faces: steps
per second of one compiled call, ``vmap`` over environments of a ``lax.scan`` over steps
with ``AutoReset``, after the compile; the ratio compares each with Gymnasium's own
CartPole-v1 stepped in a Python loop in the same run.
"""

from __future__ import annotations

import argparse
import platform
import time

import gymnasium
import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.envs import (
    AutoReset,
    CartPole,
    CartPoleADP,
    CartPoleADPJax,
    ToyHumanoid,
)


def python_loop_us(env, steps: int, sample) -> float:
    """Best of 3 rounds, microseconds per step, with resets at episode ends."""
    best = float("inf")
    rng = np.random.default_rng(0)
    for _ in range(3):
        env.reset(seed=0)
        t0 = time.perf_counter()
        for _ in range(steps):
            _, _, terminated, truncated, _ = env.step(sample(rng))
            if terminated or truncated:
                env.reset()
        best = min(best, time.perf_counter() - t0)
    return best / steps * 1e6


def plant_us(steps: int) -> float:
    plant = CartPoleADP({"seed": 0})
    forces = np.random.default_rng(0).uniform(-10, 10, steps)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for f in forces:
            plant.execute({"force": float(f)})
        best = min(best, time.perf_counter() - t0)
    return best / steps * 1e6


def compiled_steps_per_s(env, n_envs: int, steps: int, action) -> float:
    env = AutoReset(env)

    def rollout(key):
        _, state = env.reset(key)

        def body(state, key):
            obs, state, reward, _, _, _ = env.step(key, state, action(key))
            return state, reward + obs.sum()  # uses every step's state: nothing is elided

        return jax.lax.scan(body, state, jax.random.split(key, steps))[1].sum()

    run = jax.jit(jax.vmap(rollout))
    keys = jax.random.split(jax.random.key(0), n_envs)
    run(keys).block_until_ready()  # compile
    best = float("inf")
    for i in range(3):
        keys = jax.random.split(jax.random.key(i + 1), n_envs)
        t0 = time.perf_counter()
        run(keys).block_until_ready()
        best = min(best, time.perf_counter() - t0)
    return n_envs * steps / best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    steps = 2_000 if args.quick else 20_000
    jax_steps = 2_000 if args.quick else 50_000
    print(
        f"# {platform.machine()}, Python {platform.python_version()}, jax {jax.__version__}, gymnasium {gymnasium.__version__}"
    )

    peer = python_loop_us(gymnasium.make("CartPole-v1"), steps, lambda rng: int(rng.integers(2)))
    rows = [("Gymnasium CartPole-v1, Python loop (peer)", f"{peer:.1f} us/step", 1e6 / peer)]
    adp = python_loop_us(
        gymnasium.make("sensorimotor/CartPoleADP-v0"),
        steps,
        lambda rng: rng.uniform(-1, 1, 1).astype(np.float32),
    )
    rows.append(("sensorimotor/CartPoleADP-v0, Python loop", f"{adp:.1f} us/step", 1e6 / adp))
    plant = plant_us(steps)
    rows.append(
        (
            "CartPoleADP.execute (Environment)",
            f"{plant:.1f} us/step",
            1e6 / plant,
        )
    )
    toy = python_loop_us(
        gymnasium.make("sensorimotor/ToyHumanoid-v0"),
        steps,
        lambda rng: rng.uniform(-1, 1, 6).astype(np.float32),
    )
    rows.append(("sensorimotor/ToyHumanoid-v0, Python loop", f"{toy:.1f} us/step", 1e6 / toy))
    for name, env, action in (
        (
            "CartPole (JAX), 8 envs x scan",
            CartPole(),
            lambda k: jax.random.bernoulli(k).astype(jnp.int32),
        ),
        (
            "CartPoleADPJax, 8 envs x scan",
            CartPoleADPJax(),
            lambda k: jax.random.uniform(k, (1,), minval=-1, maxval=1),
        ),
        (
            "ToyHumanoid (JAX), 8 envs x scan",
            ToyHumanoid(),
            lambda k: jax.random.uniform(k, (6,), minval=-1, maxval=1),
        ),
    ):
        rate = compiled_steps_per_s(env, 8, jax_steps, action)
        rows.append((name, f"{rate / 1e6:.2f} M steps/s", rate))
    print("| environment | speed | steps/s vs Gymnasium's CartPole-v1 |")
    print("|---|---|---|")
    for name, figure, rate in rows:
        print(f"| {name} | {figure} | {rate * peer / 1e6:.2f}x |")


if __name__ == "__main__":
    main()
