"""Goal babbling versus motor babbling on the 7-joint arm, per learner (a hand-rolled loop).

3000 steps on ``KinematicArm2D.mid7()``. Motor babbling: uniform random commands. Goal
babbling: 100 random commands, then goals drawn uniformly in the sensory box, each command
``learner.infer(goal, mode='explore')`` (explore_sigma 0.05). Reported: coverage (occupied
cells of a 0.05 grid, as a fraction of the cells that 200k random commands occupy) and the
reach error on 200 goals spread uniformly over the reachable space (one per occupied cell).
The explorers of ``sensorimotor.explore`` run the same loop with more strategies; this script
only needs the learners.

    PYTHONPATH=src python bench/arm7_goal_babbling.py [--steps 3000] [--seed 0]
"""

import argparse
import time

import numpy as np

from sensorimotor.envs import KinematicArm2D
from sensorimotor.learners import LWLRLearner, NetworkLearner, NNLearner

CELL = 0.05


def cell_ids(s: np.ndarray) -> np.ndarray:
    c = np.floor((s + 1.0) / CELL).astype(int)
    return c[:, 0] * 10_000 + c[:, 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    arm = KinematicArm2D.mid7()
    rng0 = np.random.default_rng(123)
    reachable = arm.execute_array(arm.m_set.random(rng0, 200_000))
    _, first = np.unique(cell_ids(reachable), return_index=True)
    goals = reachable[rng0.choice(first, 200, replace=False)]
    print(f"mid7 arm, {args.steps} steps, {len(first)} reachable cells of {CELL}")
    for name, cls in (
        ("NNLearner", NNLearner),
        ("NetworkLearner", NetworkLearner),
        ("LWLRLearner", LWLRLearner),
    ):
        for mode in ("motor", "goal"):
            rng = np.random.default_rng(args.seed)
            learner = cls(
                {
                    "m_channels": arm.m_channels,
                    "s_channels": arm.s_channels,
                    "seed": args.seed,
                    "explore_sigma": 0.05,
                }
            )
            seen = []
            t0 = time.perf_counter()
            for i in range(args.steps):
                if mode == "motor" or i < 100:
                    m = arm.m_set.random_signal(rng)
                else:
                    m = learner.infer(arm.s_set.random_signal(rng), mode="explore")
                feedback = arm.execute(m)
                learner.update_feedback(feedback)
                seen.append(list(feedback["s_signal"].values()))
            elapsed = time.perf_counter() - t0
            coverage = len(np.unique(cell_ids(np.array(seen)))) / len(first)
            reach = np.linalg.norm(arm.execute_array(learner.infer_array(goals)) - goals, axis=1)
            print(
                f"{name:<15} {mode:<6} coverage {coverage:.3f}  uniform-goal reach mean "
                f"{reach.mean():.4f} median {np.median(reach):.4f} p90 "
                f"{np.percentile(reach, 90):.4f}  ({elapsed:.1f} s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
