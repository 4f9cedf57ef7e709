"""DQN on CartPole-v1 with rl-baselines3-zoo's settings, beside Stable-Baselines3 in the
same run (issue 11, acceptance 1).

Three ways to train, each scored the same way: the greedy policy's mean return over 20
episodes of Gymnasium's own ``CartPole-v1`` (``evaluate``, episode ``i`` reset with seed
``i``); a seed is *solved* at a mean of 475 or more.

* compiled: ``DQN.make_train`` on the library's JAX cart-pole, ``jax.vmap(train)`` over
  ``--compiled-seeds`` seeds (default 10) split across a CPU device per core
  (``vmap_over_devices``; ``--devices 1``: one device, ``jax.jit(jax.vmap(train))``;
  ``--batching map``: ``jax.lax.map``, the seeds one after the other in one call on one
  device); wall time with and without compilation;
* Python loop: ``DQN("CartPole-v1").learn`` on Gymnasium's env, seeds 0 .. ``--seeds`` - 1;
* Stable-Baselines3 (the ``bench`` extra: ``pip install torch==2.13.0 stable-baselines3``)
  on the same seeds, ``device="cpu"``, one torch thread (``--torch-threads``: two threads
  on two cores shared with other work were several times slower); skipped with a note
  when it is not installed.

``--settings NAME`` changes rl-zoo's settings by one of the named changes in ``VARIANTS``
(those tried for a more reliable DQN; SB3 is given the same); ``--first-seed S`` runs seeds
S, S + 1, ... instead of 0, 1, ... (compiled seed ``i`` is ``split(key(0), n)[i]``), so
that settings are chosen on seeds other than the benchmark's.

Then the ratios the acceptance reads: the compiled seeds' total time over one SB3 run,
the compiled cost per seed and the Python loop's against SB3's per seed.

    python bench/deeprl.py                         # everything (many minutes on 2 cores)
    python bench/deeprl.py --only compiled python  # a subset
    python bench/deeprl.py --steps 10000 --seeds 1 --compiled-seeds 2   # a smoke run
    python bench/deeprl.py --only compiled --first-seed 10 --settings lin   # selection seeds
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import jax

from sensorimotor.agents import DQN, evaluate, zoo_settings
from sensorimotor.base.devices import cpu_devices_per_core, vmap_over_devices
from sensorimotor.envs import CartPole

ENV_ID = "CartPole-v1"
SOLVED = 475.0
EPISODES = 20

#: ``--settings``: rl-zoo's settings, or a change to them by name: the changes tried on
#: seeds 10-39 (never on the benchmark's seeds 0-9) for a DQN that solves more seeds at 50k
#: steps (BENCHMARKS.md)
VARIANTS = {
    "zoo": {},  # rl-baselines3-zoo's, as they are
    "lin": {"learning_rate_schedule": "linear"},  # rl-zoo's lin_2.3e-3
    "lin-4.6e-3": {"learning_rate_schedule": "linear", "learning_rate": 4.6e-3},  # same mean
    "tau-0.01": {"tau": 0.01},  # Polyak every 10 steps: ~23% of the way per phase
    "target-1024": {"target_update_interval": 1024},  # a copy every 4 phases
    "freq-128": {"train_freq": 128, "gradient_steps": 64},  # the same gradient steps
    "adam-eps": {"adam_eps": 0.01 / 32},  # QR-DQN's Adam epsilon (Dabney et al. 2018)
    "gamma-0.98": {"gamma": 0.98},  # rl-zoo's PPO CartPole-v1 discount: a 50-step horizon
    "double": {"double_q": True},  # not in SB3: no peer
}


def _score(agent) -> float:
    return evaluate(agent, ENV_ID, EPISODES)[0]


def run_compiled(
    n_seeds: int, steps: int, settings: dict, batching: str = "vmap", first: int = 0
) -> dict:
    one = DQN.make_train(CartPole(), steps, **settings)
    if batching == "vmap":  # split across as many devices as divide the seeds: no padding
        devices = jax.local_devices()
        count = max(d for d in range(1, len(devices) + 1) if n_seeds % d == 0)
        train = vmap_over_devices(one, devices[:count])
    else:  # one seed after the other in one compiled call, on one device
        count = 1
        train = jax.jit(lambda keys: jax.lax.map(one, keys))
    # seed i is split(key(0), n)[i] for any n > i (JAX's split is prefix-stable), so
    # seeds first .. first + n_seeds - 1 do not overlap the benchmark's 0 .. 9
    keys = jax.random.split(jax.random.key(0), first + n_seeds)[first:]
    t0 = time.perf_counter()
    compiled = train.lower(keys).compile()
    t1 = time.perf_counter()
    out = jax.block_until_ready(compiled(keys))
    t2 = time.perf_counter()
    agent = DQN(ENV_ID, **settings)
    returns = []
    for i in range(n_seeds):
        agent.set_parameters(jax.tree_util.tree_map(lambda x, i=i: x[i], out.q_params))
        returns.append(_score(agent))
    return {
        "compile": t1 - t0,
        "run": t2 - t1,
        "total": t2 - t0,
        "returns": returns,
        "devices": count,
    }


def run_python(seeds, steps: int, settings: dict) -> dict:
    times, returns = [], []
    for seed in seeds:
        agent = DQN(ENV_ID, seed=seed, **settings)
        t0 = time.perf_counter()
        agent.learn(steps)
        times.append(time.perf_counter() - t0)
        returns.append(_score(agent))
    return {"times": times, "returns": returns}


def run_sb3(seeds, steps: int, settings: dict, threads: int) -> dict | None:
    try:
        import stable_baselines3 as sb3
        import torch
    except ImportError:
        return None
    if threads > 0:
        torch.set_num_threads(threads)
    kwargs = dict(settings)
    if kwargs.pop("double_q", False):
        raise ValueError("Stable-Baselines3's DQN has no double DQN: no like-for-like peer")
    if kwargs.pop("learning_rate_schedule", "constant") == "linear":
        # rl-zoo's lin_<rate>: SB3 calls it with the progress remaining, 1 -> 0
        rate = kwargs["learning_rate"]
        kwargs["learning_rate"] = lambda remaining: remaining * rate
    policy_kwargs = {"net_arch": list(kwargs.pop("net_arch"))}
    if "adam_eps" in kwargs:
        policy_kwargs["optimizer_kwargs"] = {"eps": kwargs.pop("adam_eps")}
    times, returns = [], []
    for seed in seeds:
        t0 = time.perf_counter()
        model = sb3.DQN(
            "MlpPolicy",
            ENV_ID,
            seed=seed,
            device="cpu",
            policy_kwargs=policy_kwargs,
            **kwargs,
        )
        model.learn(steps)
        times.append(time.perf_counter() - t0)
        returns.append(_score(model))
    return {
        "times": times,
        "returns": returns,
        "version": sb3.__version__,
        "torch_threads": torch.get_num_threads(),
    }


def _solved(returns) -> int:
    return sum(r >= SOLVED for r in returns)


def _fmt(returns) -> str:
    return " ".join(f"{r:.0f}" for r in returns)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["compiled", "python", "sb3"],
        default=["compiled", "python", "sb3"],
    )
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--seeds", type=int, default=3, help="Python-loop and SB3 seeds")
    parser.add_argument("--compiled-seeds", type=int, default=10)
    parser.add_argument(
        "--first-seed",
        type=int,
        default=0,
        help="the first seed of every run (default 0: the benchmark's seeds; a later range "
        "selects settings without looking at them)",
    )
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=1,
        help="SB3's torch threads (default 1, its fastest on 2 shared cores; 0: torch's own)",
    )
    parser.add_argument(
        "--batching",
        choices=["vmap", "map"],
        default="vmap",
        help="compiled seeds: jax.vmap(train) (default) or jax.lax.map(train) (one by one)",
    )
    parser.add_argument(
        "--settings",
        choices=sorted(VARIANTS),
        default="zoo",
        help="rl-zoo's settings (zoo) or a named change to them (see VARIANTS)",
    )
    parser.add_argument(
        "--devices",
        type=int,
        default=0,
        help="CPU devices the compiled seeds are split across (default 0: one per core; "
        "1: one device, as before session 15; each seed's bits depend on the count)",
    )
    parser.add_argument("--set", default="{}", help="JSON of settings over --settings'")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON last")
    args = parser.parse_args(argv)
    if args.devices < 0:
        parser.error(f"--devices must be 0 (one per core) or more, got {args.devices}")
    if args.devices:  # before JAX runs anything
        jax.config.update("jax_num_cpu_devices", args.devices)
    else:
        cpu_devices_per_core()
    settings = {
        **zoo_settings("DQN", ENV_ID),
        **VARIANTS[args.settings],
        **json.loads(args.set),
    }
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    print(f"DQN on {ENV_ID}, {args.steps} steps, settings {args.settings}: {settings}")
    print(
        f"jax {jax.__version__}, {jax.devices()[0].platform}; solved = greedy mean of "
        f"{EPISODES} episodes >= {SOLVED:g}"
    )
    out = {}
    if "compiled" in args.only:
        c = out["compiled"] = run_compiled(
            args.compiled_seeds, args.steps, settings, args.batching, args.first_seed
        )
        how = f"vmapped on {c['devices']} device(s)" if args.batching == "vmap" else "in a lax.map"
        print(
            f"compiled, seeds {args.first_seed}-{args.first_seed + args.compiled_seeds - 1} "
            f"{how}: {c['total']:.1f} s "
            f"({c['compile']:.1f} s compiling, {c['run']:.1f} s running); solved "
            f"{_solved(c['returns'])}/{args.compiled_seeds}; returns {_fmt(c['returns'])}"
        )
    if "python" in args.only:
        p = out["python"] = run_python(seeds, args.steps, settings)
        print(
            f"Python loop, seeds {seeds}: {statistics.mean(p['times']):.1f} s per seed "
            f"({_fmt(p['times'])}); solved {_solved(p['returns'])}/{len(seeds)}; returns "
            f"{_fmt(p['returns'])}"
        )
    if "sb3" in args.only and settings.get("double_q"):
        print("Stable-Baselines3's DQN has no double DQN: peer skipped")
    elif "sb3" in args.only:
        s = run_sb3(seeds, args.steps, settings, args.torch_threads)
        if s is None:
            print("Stable-Baselines3 is not installed (pip install -e '.[bench]'): peer skipped")
        else:
            out["sb3"] = s
            print(
                f"Stable-Baselines3 {s['version']} (torch threads {s['torch_threads']}), "
                f"seeds {seeds}: {statistics.mean(s['times']):.1f} s per seed "
                f"({_fmt(s['times'])}); solved {_solved(s['returns'])}/{len(seeds)}; "
                f"returns {_fmt(s['returns'])}"
            )
    if "sb3" in out:
        sb3_seed = statistics.mean(out["sb3"]["times"])
        if "compiled" in out:
            c = out["compiled"]
            print(
                f"compiled {len(c['returns'])} seeds / one SB3 run: "
                f"{c['total'] / sb3_seed:.2f}x (target <= 2); per seed SB3 / compiled: "
                f"{sb3_seed * len(c['returns']) / c['total']:.1f}x (target >= 5)"
            )
        if "python" in out:
            print(
                f"per seed SB3 / Python loop: {sb3_seed / statistics.mean(out['python']['times']):.1f}x"
                f" (target >= 2); solved {_solved(out['python']['returns'])} vs "
                f"{_solved(out['sb3']['returns'])} on the same seeds"
            )
    if args.json:
        print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
