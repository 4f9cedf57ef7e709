"""NetworkLearner goal babbling on the 7-joint arm with noisy sensors (issue 12, acceptance 3).

A hand-rolled goal-babbling loop (so that the explorers' own defaults, tuned elsewhere, do not
move these figures): ``KinematicArm2D.mid7()``, 100 uniform random commands, then goals drawn
uniformly in the sensory box, each command ``learner.infer(goal, mode='explore')`` (the
learner's ``explore_sigma``, 0.05). The learner observes the effect plus Gaussian sensor noise
of standard deviation ``--noise`` (arm lengths); the reach error is measured against the true
arm, with ``run.evaluation`` on 500 goals spread uniformly over the reachable space (seed
``10_000 + seed``), after 1000 and 3000 steps. Mean over seeds.

    PYTHONPATH=src python bench/network_noise.py [--noise 0.02] [--seeds 0 1 2]
        [--steps 3000] [--set bias_neighbours=16 ...] [--learner WNNLearner]
"""

import argparse
import ast
import time

import numpy as np

from sensorimotor.envs import KinematicArm2D
from sensorimotor.learners import LWLRLearner, NetworkLearner, NNLearner, WNNLearner
from sensorimotor.run.evaluation import evaluate, uniform_goals

LEARNERS = {
    "NetworkLearner": NetworkLearner,
    "NNLearner": NNLearner,
    "WNNLearner": WNNLearner,
    "LWLRLearner": LWLRLearner,
}


def run(cls, seed: int, noise: float, steps: int, checkpoints, cfg: dict) -> dict:
    arm = KinematicArm2D.mid7()
    goals = uniform_goals(arm, 500, seed=10_000 + seed)
    rng = np.random.default_rng(seed)
    sensor = np.random.default_rng(seed + 1000)
    learner = cls({"m_channels": arm.m_channels, "s_channels": arm.s_channels, "seed": seed, **cfg})
    out = {}
    t0 = time.perf_counter()
    for i in range(steps):
        if i < 100:
            m = arm.m_set.random(rng, 1)[0]
        else:
            goal = arm.s_set.random(rng, 1)[0]
            m = learner.infer_array(goal, mode="explore", check=False)
        s = arm.execute_array(m[None])[0]
        learner.update_array(m, s + sensor.normal(0.0, noise, s.shape) if noise else s)
        if i + 1 in checkpoints:
            out[i + 1] = evaluate(learner, arm, goals).mean
    out["seconds"] = time.perf_counter() - t0
    out["learner"] = learner
    return out


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--noise", type=float, default=0.02)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--learner", default="NetworkLearner", choices=list(LEARNERS))
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    cfg = {}
    for item in args.set:
        key, _, value = item.partition("=")
        cfg[key] = ast.literal_eval(value)
    checkpoints = sorted({c for c in (1000, 3000) if c <= args.steps} | {args.steps})
    print(
        f"{args.learner} goal babbling on mid7, sensor noise {args.noise}, {args.steps} steps, "
        f"cfg overrides {cfg}"
    )
    rows = []
    for seed in args.seeds:
        r = run(LEARNERS[args.learner], seed, args.noise, args.steps, checkpoints, cfg)
        rows.append(r)
        extra = ""
        chosen = getattr(r["learner"], "bias_choice", None)
        if chosen is not None:
            extra = f" | bias neighbours chosen {chosen}"
        print(
            f"seed {seed}: "
            + ", ".join(f"reach@{c} {r[c]:.5f}" for c in checkpoints)
            + f" ({r['seconds']:.1f} s){extra}",
            flush=True,
        )
    means = {c: float(np.mean([r[c] for r in rows])) for c in checkpoints}
    print("mean over seeds: " + ", ".join(f"reach@{c} {v:.5f}" for c, v in means.items()))
    return means


if __name__ == "__main__":
    main()
