"""Goal babbling's defaults against explauto's hand-picked settings on the 7-joint arm (issue 12).

The demo's setting (``sensorimotor.run.demo``): ``KinematicArm2D.mid7()``, one ``NNLearner``
per run, a ``MetaExplorer`` of 100 steps of motor babbling then ``RandomGoalExplorer``; reach
error (``run.evaluation``) of the exploit inverse model on 500 goals spread uniformly over
the reachable space, coverage = occupied cells of a 20 x 20 grid over [-1, 1]^2. Rows, mean
over seeds (standard deviation):

* ``defaults``: ``RandomGoalExplorer({'learner': learner})``, the learned goal region (the
  reached effects' bounding box grown by 0.1 of its extent) and noise 0.3 / sqrt(7) of each
  motor range;
* ``before``: the defaults before issue 12 (noise 0.05, goals in the sensory bounds);
* ``explauto's settings``: our explorer with explauto's hand-picked noise (0.1 of each motor
  range) and goal box [-0.5, 1] x [-1, 1];
* ``explauto 1.4``: explauto's own goal babbling (nearest-neighbour model), measured with
  explauto 1.4 by an earlier session on the same protocol (issue 12): quoted, not run
  (explauto 1.4 does not install on Python 3.11: its setup uses ``use_2to3``).

Then, to check the noise rule beyond the 7-joint arm, ``defaults`` against ``before`` on a
3-joint arm (+-150 degrees) and ``KinematicArm2D.arm20()`` (20 joints, +-150 degrees).

    PYTHONPATH=src python bench/arm7_goal_defaults.py [--seeds 3] [--others]
"""

import argparse
import time

import numpy as np

from sensorimotor.envs import KinematicArm2D
from sensorimotor.explore import MetaExplorer, RandomGoalExplorer, RandomMotorExplorer
from sensorimotor.learners import NNLearner
from sensorimotor.run.demo import CELLS
from sensorimotor.run.evaluation import coverage, evaluate, uniform_goals

STEPS = (1000, 3000)
EXPLAUTO = {1000: (0.0252, 185), 3000: (0.0132, None)}  # reach error, coverage (issue 12)
SETTINGS = {
    "defaults": {},
    "before": {"sigma": 0.05, "s_bounds": [(-1.0, 1.0), (-1.0, 1.0)]},
    "explauto's settings": {"sigma": 0.1, "s_bounds": [(-0.5, 1.0), (-1.0, 1.0)]},
}


def run(make_arm, settings: dict, seed: int) -> dict:
    """``{step: (mean reach error on 500 uniform goals, coverage)}`` for one seed."""
    arm = make_arm()
    test = uniform_goals(arm, 500, seed=seed + 10_000)
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels, "seed": seed})
    goal = RandomGoalExplorer({"learner": learner, "seed": seed + 2, **settings})
    motor = RandomMotorExplorer({"learner": learner, "seed": seed + 1})
    explorer = MetaExplorer(
        {"learner": learner, "explorers": [motor, goal], "eras": (100, None), "seed": seed}
    )
    reached = np.empty((STEPS[-1], len(arm.s_set)))
    out = {}
    for t in range(STEPS[-1]):
        e = explorer.explore()
        f = arm.execute(e["m_signal"])
        explorer.receive(e, f)
        reached[t] = f.s_array
        if t + 1 in STEPS:
            out[t + 1] = (
                evaluate(learner, arm, test).mean,
                coverage(reached[: t + 1], arm.s_set, CELLS),
            )
    return out


def table(make_arm, labels, seeds) -> dict:
    """Print one table; returns ``{label: {step: (mean error, mean coverage)}}``."""
    print("| goal babbling | step | reach error, uniform goals | coverage (cells of 20x20) |")
    print("|---|---|---|---|")
    means = {}
    for label in labels:
        runs = [run(make_arm, SETTINGS[label], seed) for seed in seeds]
        means[label] = {}
        for step in STEPS:
            err = np.array([r[step][0] for r in runs])
            cov = np.array([r[step][1] for r in runs], dtype=float)
            means[label][step] = (err.mean(), cov.mean())
            print(
                f"| {label} | {step} | {err.mean():.4f} ({err.std():.4f}) | "
                f"{cov.mean():.1f} ({cov.std():.1f}) |",
                flush=True,
            )
    return means


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--others", action="store_true", help="also the 3- and 20-joint arms")
    args = parser.parse_args(argv)
    seeds = range(args.seeds)
    start = time.perf_counter()
    print(f"mid7 arm, NNLearner, seeds {list(seeds)}; mean over seeds (sd)")
    means = table(KinematicArm2D.mid7, list(SETTINGS), seeds)
    for step, (err, cov) in EXPLAUTO.items():
        print(f"| explauto 1.4 (quoted) | {step} | {err:.4f} | {cov if cov else '-'} |")
    ok = [means["defaults"][s][0] <= EXPLAUTO[s][0] for s in STEPS]
    ok.append(means["defaults"][1000][1] >= EXPLAUTO[1000][1])
    print(
        "defaults against explauto 1.4: reach error "
        + ", ".join(f"{means['defaults'][s][0]:.4f} vs {EXPLAUTO[s][0]:.4f} at {s}" for s in STEPS)
        + f", coverage {means['defaults'][1000][1]:.1f} vs {EXPLAUTO[1000][1]} at 1000: "
        + ("as good or better on all three." if all(ok) else "NOT as good on all three.")
    )
    if args.others:
        for name, make_arm in (
            ("3-joint arm (+-150 degrees)", lambda: KinematicArm2D({"dim": 3})),
            ("arm20", KinematicArm2D.arm20),
        ):
            print(f"\n{name}, NNLearner, seeds {list(seeds)}")
            table(make_arm, ["defaults", "before"], seeds)
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
