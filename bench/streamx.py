"""The stream-x agents (issue 11, acceptance 3): StreamQ on cart-pole and StreamAC on the
toy humanoid, with the paper's single hyperparameter set (Elsayed, Vasan & Mahmood 2024).

* StreamQ, compiled: ``StreamQ.make_train`` on the library's JAX cart-pole,
  ``jax.jit(jax.vmap(train))`` over ``--seeds`` seeds of ``--steps`` steps (default 10 x
  500k). A seed succeeds when the mean return of the episodes that ended in the last 10%
  of its steps is at least 475. With ``--greedy`` each seed's network also plays 20
  episodes of Gymnasium's own ``CartPole-v1`` greedily (``evaluate``).
* StreamQ, Python loop: ``StreamQ("CartPole-v1").learn`` for ``--python-seeds`` seeds of
  ``--python-steps`` steps: its steps per second beside the peer in the same run,
  Gymnasium's ``CartPole-v1`` stepped alone with random actions (the ratio is the share
  of the loop's time the environment itself takes).
* StreamAC, compiled: ``StreamAC.make_train`` on the JAX toy humanoid, ``--ac-seeds``
  seeds of ``--ac-steps`` steps; its last-10% mean return beside two fixed policies on the
  same environment: no torque (where an agent starts) and full torque on the joints that
  reach towards the target (``[1, 0, 1, 0, 0, 0]``, the best constant action); the share
  of the gap between them that each seed closes. A seed succeeds at 80% or more.
* StreamAC, Python loop: ``StreamAC("sensorimotor/ToyHumanoid-v0").learn``, steps/s; and
  on ``InvertedPendulum-v5`` (``--pendulum-seeds`` seeds) when the ``mujoco`` extra is
  installed (else a note).

    python bench/streamx.py                              # everything (many minutes)
    python bench/streamx.py --only q-compiled            # a part
    python bench/streamx.py --steps 50000 --seeds 2 --python-steps 5000 --ac-steps 20000 \\
        --ac-seeds 2 --ac-python-steps 2000 --pendulum-steps 2000   # a smoke run
"""

from __future__ import annotations

import argparse
import json
import time

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.agents import StreamAC, StreamQ, evaluate
from sensorimotor.envs import CartPole, ToyHumanoid

PARTS = ("q-compiled", "q-python", "ac-compiled", "ac-python", "pendulum")


def last_tenth(metrics) -> np.ndarray:
    """Mean return of the episodes that ended in the last 10% of each seed's reports."""
    ret = np.asarray(metrics.episode_return_sum)
    n = np.asarray(metrics.episodes)
    k = max(1, ret.shape[1] // 10)
    return ret[:, -k:].sum(axis=1) / np.maximum(n[:, -k:].sum(axis=1), 1)


def compiled(make_train, env, seeds: int, steps: int) -> dict:
    train = jax.jit(jax.vmap(make_train(env, steps, report_every=1000)))
    keys = jax.random.split(jax.random.key(0), seeds)
    t0 = time.perf_counter()
    run = train.lower(keys).compile()
    t1 = time.perf_counter()
    out = jax.block_until_ready(run(keys))
    t2 = time.perf_counter()
    return {
        "out": out,
        "compile_s": t1 - t0,
        "run_s": t2 - t1,
        "steps_per_s": seeds * steps / (t2 - t1),
        "last10": last_tenth(out.metrics).tolist(),
        "guard": int(np.asarray(out.metrics.guard).sum()),
    }


def run_q_compiled(args) -> dict:
    r = compiled(StreamQ.make_train, CartPole(), args.seeds, args.steps)
    r["solved"] = int(sum(v >= 475.0 for v in r["last10"]))
    if args.greedy:
        agent = StreamQ("CartPole-v1")
        greedy = []
        for i in range(args.seeds):
            agent.set_state(jax.tree_util.tree_map(lambda a, i=i: a[i], r["out"].state.learner))
            greedy.append(evaluate(agent, "CartPole-v1", 20)[0])
        r["greedy"] = greedy
    del r["out"]
    return r


def env_alone(env_id: str, steps: int) -> float:
    env = gym.make(env_id)
    env.reset(seed=0)
    env.action_space.seed(0)
    t = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
    return steps / (time.perf_counter() - t)


def python_loop(cls, env_id: str, seeds: int, steps: int) -> dict:
    rows = []
    for seed in range(seeds):
        agent = cls(env_id, seed=seed)
        agent.learn(200)  # compiles the step
        stats = agent.learn(steps)
        k = max(1, len(stats.episode_returns) // 10)
        rows.append(
            {
                "seed": seed,
                "steps_per_s": steps / stats.seconds,
                "last10": float(stats.episode_returns[-k:].mean()),
            }
        )
    peer = env_alone(env_id, 20000)
    rate = float(np.mean([row["steps_per_s"] for row in rows]))
    return {
        "seeds": rows,
        "steps_per_s": rate,
        "env_alone_steps_per_s": peer,
        "ratio_to_env_alone": rate / peer,
    }


def fixed_policy(torque, episodes: int = 200) -> float:
    """Mean return of a constant torque on the JAX toy humanoid."""
    env = ToyHumanoid()
    torque = jnp.asarray(torque, jnp.float32)

    def episode(key):
        _, state = env.reset(key)

        def step(state, _):
            _, state, reward, _, _, _ = env.step(None, state, torque)
            return state, reward

        return jax.lax.scan(step, state, None, length=100)[1].sum()

    keys = jax.random.split(jax.random.key(1), episodes)
    return float(jax.jit(jax.vmap(episode))(keys).mean())


def run_ac_compiled(args) -> dict:
    r = compiled(StreamAC.make_train, ToyHumanoid(), args.ac_seeds, args.ac_steps)
    del r["out"]
    zero = fixed_policy(np.zeros(6))
    push = fixed_policy(np.array([1, 0, 1, 0, 0, 0]))
    r["zero_torque"], r["best_constant"] = zero, push
    r["gap_closed"] = [(v - zero) / (push - zero) for v in r["last10"]]
    r["solved"] = int(sum(g >= 0.8 for g in r["gap_closed"]))
    return r


def run_pendulum(args) -> dict:
    try:
        gym.make("InvertedPendulum-v5")
    except Exception as err:  # noqa: BLE001 - any missing piece of mujoco
        return {"skipped": f"InvertedPendulum-v5 unavailable ({type(err).__name__}: {err})"}
    rows = []
    for seed in range(args.pendulum_seeds):
        agent = StreamAC("InvertedPendulum-v5", seed=seed)
        stats = agent.learn(args.pendulum_steps)
        k = max(1, len(stats.episode_returns) // 10)
        rows.append(
            {
                "seed": seed,
                "steps_per_s": args.pendulum_steps / stats.seconds,
                "last10": float(stats.episode_returns[-k:].mean()),
                "greedy": evaluate(agent, "InvertedPendulum-v5", 10)[0],
            }
        )
    return {"steps": args.pendulum_steps, "seeds": rows}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS))
    p.add_argument("--steps", type=int, default=500_000)
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--greedy", action="store_true")
    p.add_argument("--python-steps", type=int, default=100_000)
    p.add_argument("--python-seeds", type=int, default=1)
    p.add_argument("--ac-steps", type=int, default=300_000)
    p.add_argument("--ac-seeds", type=int, default=10)
    p.add_argument("--ac-python-steps", type=int, default=20_000)
    p.add_argument("--pendulum-steps", type=int, default=100_000)
    p.add_argument("--pendulum-seeds", type=int, default=3)
    p.add_argument("--json", action="store_true", help="print one JSON object at the end")
    args = p.parse_args()
    results = {}
    if "q-compiled" in args.only:
        r = results["q_compiled"] = run_q_compiled(args)
        print(f"StreamQ compiled, JAX cart-pole, {args.seeds} seeds x {args.steps} steps:")
        for i, v in enumerate(r["last10"]):
            extra = f", greedy on CartPole-v1 {r['greedy'][i]:.1f}" if "greedy" in r else ""
            print(f"  seed {i}: last-10% mean return {v:.1f}{extra}")
        print(
            f"  solved (>= 475) {r['solved']}/{args.seeds}; compile {r['compile_s']:.1f} s, "
            f"run {r['run_s']:.1f} s, {r['steps_per_s']:.0f} steps/s; discarded updates "
            f"{r['guard']}"
        )
    if "q-python" in args.only:
        r = results["q_python"] = python_loop(
            StreamQ, "CartPole-v1", args.python_seeds, args.python_steps
        )
        print(f"StreamQ Python loop, CartPole-v1, {args.python_steps} steps:")
        for row in r["seeds"]:
            print(
                f"  seed {row['seed']}: {row['steps_per_s']:.0f} steps/s, last-10% mean "
                f"return {row['last10']:.1f}"
            )
        print(
            f"  CartPole-v1 alone (peer): {r['env_alone_steps_per_s']:.0f} steps/s; "
            f"ratio {r['ratio_to_env_alone']:.3f}"
        )
    if "ac-compiled" in args.only:
        r = results["ac_compiled"] = run_ac_compiled(args)
        print(
            f"StreamAC compiled, JAX toy humanoid, {args.ac_seeds} seeds x {args.ac_steps} steps:"
        )
        print(f"  no torque {r['zero_torque']:.1f}, best constant torque {r['best_constant']:.1f}")
        for i, (v, g) in enumerate(zip(r["last10"], r["gap_closed"], strict=True)):
            print(f"  seed {i}: last-10% mean return {v:.1f} ({100 * g:.0f}% of the gap)")
        print(
            f"  solved (>= 80% of the gap) {r['solved']}/{args.ac_seeds}; compile "
            f"{r['compile_s']:.1f} s, run {r['run_s']:.1f} s, {r['steps_per_s']:.0f} "
            f"steps/s; discarded updates {r['guard']}"
        )
    if "ac-python" in args.only:
        r = results["ac_python"] = python_loop(
            StreamAC, "sensorimotor/ToyHumanoid-v0", 1, args.ac_python_steps
        )
        print(
            f"StreamAC Python loop, ToyHumanoid-v0, {args.ac_python_steps} steps: "
            f"{r['steps_per_s']:.0f} steps/s (env alone {r['env_alone_steps_per_s']:.0f})"
        )
    if "pendulum" in args.only:
        r = results["pendulum"] = run_pendulum(args)
        if "skipped" in r:
            print(f"StreamAC on InvertedPendulum-v5: skipped, {r['skipped']}")
        else:
            print(f"StreamAC on InvertedPendulum-v5 (Python loop), {r['steps']} steps:")
            for row in r["seeds"]:
                print(
                    f"  seed {row['seed']}: last-10% mean return {row['last10']:.1f}, greedy "
                    f"(10 episodes) {row['greedy']:.1f}, {row['steps_per_s']:.0f} steps/s"
                )
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
