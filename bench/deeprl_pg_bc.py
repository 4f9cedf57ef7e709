"""REINFORCE on CartPole-v1 over 10 seeds, and behavioural cloning beside DAgger on
cart-pole and the toy humanoid (issue 11, acceptance 2).

* reinforce: ``Reinforce("CartPole-v1", seed=s, **zoo_settings("Reinforce", ...))`` for
  the zoo's run length, seeds 0 .. ``--seeds`` - 1; each scored by the greedy policy's
  mean return over 20 episodes of Gymnasium's ``CartPole-v1`` (``evaluate``); *solved* at
  475 or more.
* imitation: an expert per environment (cart-pole: a Reinforce agent trained here with
  the zoo's settings, or ``--expert PATH`` saved by ``sensorimotor rl reinforce --save``;
  the toy humanoid: :class:`PDExpert`, a scripted controller), then for K expert episodes
  behavioural cloning on K episodes of the expert and DAgger with K rounds of one
  episode each (the expert labels the states the learner visits), over
  ``--imitation-seeds`` seeds. Scores: the greedy mean return over 20 episodes and the
  normalised score ``(R - R_random) / (R_expert - R_random)`` (the toy humanoid's
  returns are negative, so a plain ratio means nothing); the target is 0.95.

    python bench/deeprl_pg_bc.py                       # everything (~15 min on 2 cores)
    python bench/deeprl_pg_bc.py --only reinforce --jobs 2
    python bench/deeprl_pg_bc.py --only imitation --expert runs/rf/seed-0.npz
    python bench/deeprl_pg_bc.py --only imitation --envs CartPole-v1 --demo-steps 20
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import time

import gymnasium as gym
import numpy as np

from sensorimotor.agents import (
    ZOO,
    BehavioralCloning,
    DAgger,
    Reinforce,
    collect_demonstrations,
    evaluate,
    zoo_settings,
)

CARTPOLE = "CartPole-v1"
HUMANOID = "sensorimotor/ToyHumanoid-v0"
SOLVED = 475.0
EPISODES = 20
DEMO_SEED = 10_000
KS = (1, 2, 3, 5, 10)


class PDExpert:
    """The toy humanoid's scripted expert: a saturated PD controller driving the joints
    to ``(1, 0, 0.8, 0, 0, 0)``, ``torque = clip(20 (target - q) - 5 v, -1, 1)`` (``q``
    the 6 angles, ``v`` the 6 velocities of the observation)."""

    target = np.array([1.0, 0.0, 0.8, 0.0, 0.0, 0.0])

    def predict(self, obs, deterministic=True):
        obs = np.asarray(obs)
        q, v = obs[..., :6], obs[..., 6:]
        return np.clip(20.0 * (self.target - q) - 5.0 * v, -1.0, 1.0).astype(np.float32), None


class RandomPolicy:
    def __init__(self, env_id: str):
        import gymnasium as gym

        self.space = gym.make(env_id).action_space
        self.space.seed(0)

    def predict(self, obs, deterministic=True):
        return self.space.sample(), None


def train_reinforce(seed: int) -> dict:
    settings = zoo_settings("Reinforce", CARTPOLE)
    steps = ZOO["Reinforce"][CARTPOLE]["n_timesteps"]
    agent = Reinforce(CARTPOLE, seed=seed, **settings)
    t0 = time.perf_counter()
    agent.learn(steps)
    seconds = time.perf_counter() - t0
    return {
        "seed": seed,
        "return": evaluate(agent, CARTPOLE, EPISODES)[0],
        "seconds": seconds,
        "agent": agent,
    }


def _reinforce_row(seed: int) -> dict:
    row = train_reinforce(seed)
    row.pop("agent")
    return row


def run_reinforce(n_seeds: int, jobs: int) -> dict:
    print(
        f"REINFORCE on {CARTPOLE}, zoo settings {zoo_settings('Reinforce', CARTPOLE)}, "
        f"{ZOO['Reinforce'][CARTPOLE]['n_timesteps']} steps",
        flush=True,
    )
    t0 = time.perf_counter()
    if jobs > 1:
        with multiprocessing.get_context("spawn").Pool(jobs) as pool:
            rows = pool.map(_reinforce_row, range(n_seeds))
    else:
        rows = [_reinforce_row(s) for s in range(n_seeds)]
    wall = time.perf_counter() - t0
    print("seed  greedy mean return (20 episodes)  train s")
    for r in rows:
        print(f"{r['seed']:>4}  {r['return']:>10.1f}  {r['seconds']:>20.1f}")
    solved = sum(r["return"] >= SOLVED for r in rows)
    print(
        f"solved {solved}/{n_seeds} (>= {SOLVED}); mean train {np.mean([r['seconds'] for r in rows]):.1f}"
        f" s per seed, wall {wall:.1f} s ({jobs} job(s))",
        flush=True,
    )
    return {"returns": [r["return"] for r in rows], "solved": solved, "wall": wall}


def imitate(env_id: str, expert, n_seeds: int, demo_steps: int | None = None) -> dict:
    expert_return = evaluate(expert, env_id, EPISODES)[0]
    random_return = evaluate(RandomPolicy(env_id), env_id, EPISODES, deterministic=False)[0]

    def norm(r):
        return (r - random_return) / (expert_return - random_return)

    rows = []
    for k in KS:
        bc, dagger = [], []
        for seed in range(n_seeds):
            demo_env = gym.make(env_id, max_episode_steps=demo_steps) if demo_steps else env_id
            demos, _ = collect_demonstrations(expert, demo_env, k, seed=DEMO_SEED + 100 * seed)
            clone = BehavioralCloning(env_id, seed=seed)
            clone.learn(demos)
            bc.append(evaluate(clone, env_id, EPISODES)[0])
            learner = DAgger(demo_env, expert, seed=seed)
            learner.learn(k)
            dagger.append(evaluate(learner, env_id, EPISODES)[0])
        rows.append(
            {
                "k": k,
                "bc": float(np.mean(bc)),
                "dagger": float(np.mean(dagger)),
                "bc_norm": norm(float(np.mean(bc))),
                "dagger_norm": norm(float(np.mean(dagger))),
            }
        )
    cut = f", expert episodes cut at {demo_steps} steps" if demo_steps else ""
    print(
        f"\n{env_id}{cut}: expert {expert_return:.2f}, random {random_return:.2f} "
        f"(greedy mean over {EPISODES} episodes; clones averaged over {n_seeds} seed(s))"
    )
    print("expert episodes  BC return (score)   DAgger return (score)")
    for r in rows:
        print(
            f"{r['k']:>15}  {r['bc']:>8.2f} ({r['bc_norm']:.3f})  {r['dagger']:>10.2f} "
            f"({r['dagger_norm']:.3f})"
        )

    def fewest(key):
        ok = [r["k"] for r in rows if r[key] >= 0.95]
        return ok[0] if ok else None

    print(
        f"fewest expert episodes to a score >= 0.95: BC {fewest('bc_norm')}, "
        f"DAgger {fewest('dagger_norm')}",
        flush=True,
    )
    return {
        "expert": expert_return,
        "random": random_return,
        "rows": rows,
        "fewest_bc": fewest("bc_norm"),
        "fewest_dagger": fewest("dagger_norm"),
    }


def run_imitation(expert_path, n_seeds: int, envs, demo_steps, save_expert=None) -> dict:
    import sensorimotor.envs  # noqa: F401  (registers the toy humanoid)

    if CARTPOLE not in envs:
        expert = None
    elif expert_path:
        expert = Reinforce.load(expert_path)
    else:
        expert = None
        for seed in range(5):  # the first seed whose run solves cart-pole
            row = train_reinforce(seed)
            print(
                f"cart-pole expert: Reinforce seed {seed}, greedy {row['return']:.1f}", flush=True
            )
            if row["return"] >= SOLVED:
                expert = row["agent"]
                break
        expert = expert or row["agent"]
        if save_expert:
            expert.save(save_expert)
    experts = {CARTPOLE: expert, HUMANOID: PDExpert()}
    return {e: imitate(e, experts[e], n_seeds, demo_steps) for e in envs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", nargs="+", choices=("reinforce", "imitation"), default=["reinforce", "imitation"]
    )
    parser.add_argument("--seeds", type=int, default=10, help="REINFORCE seeds")
    parser.add_argument("--jobs", type=int, default=1, help="REINFORCE seeds in parallel")
    parser.add_argument("--imitation-seeds", type=int, default=3)
    parser.add_argument("--expert", help="a saved cart-pole expert (else one is trained)")
    parser.add_argument("--save-expert", help="write the cart-pole expert trained here")
    parser.add_argument(
        "--envs", nargs="+", choices=(CARTPOLE, HUMANOID), default=[CARTPOLE, HUMANOID]
    )
    parser.add_argument(
        "--demo-steps",
        type=int,
        help="cut the expert's and DAgger's episodes at this many steps (the clones are "
        "scored on whole ones)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON last")
    args = parser.parse_args()
    out = {}
    if "reinforce" in args.only:
        out["reinforce"] = run_reinforce(args.seeds, args.jobs)
    if "imitation" in args.only:
        out["imitation"] = run_imitation(
            args.expert, args.imitation_seeds, args.envs, args.demo_steps, args.save_expert
        )
    if args.json:
        print(json.dumps(out))


if __name__ == "__main__":
    main()
