"""Interest-driven exploration where most of the goal space is unreachable (issue 12, item 2).

Three environments, all around ``KinematicArm2D.mid7()`` (reach 1, sensory box [-1, 1]^2):

* ``plain arm``: goals in the arm's sensory box, about half of it reachable;
* ``arm, 4x box``: goals in [-4, 4]^2 (``s_bounds`` given to both goal explorers), a box
  four times the arm's reach on each side: about 3% of it is reachable;
* ``arm + distractor``: ``Distractor`` adds a sensory channel that drifts on its own (a
  reflected random walk, ``--drift`` 0.002 of its range per step); goals are drawn in the
  full (x, y, distractor) box (its channels' bounds, given as ``s_bounds`` to both goal
  explorers, as the 4x box is), of which only a slab near the current distractor value
  can be reached at any time. ``--distractor-box learned`` leaves ``s_bounds`` out: both
  explorers then draw in the region of effects reached so far (goal babbling's default).

Explorers, each a ``MetaExplorer`` with 100 steps of motor babbling first (as the demo):
motor babbling (the floor), random goal babbling (``RandomGoalExplorer``) and interest-driven
(``LearningProgressExplorer``), with an ``NNLearner``. After ``--steps`` steps: reach error of
the exploit inverse model on 500 goals spread uniformly over the reachable (x, y) space
(``run.evaluation.uniform_goals`` of the arm; with the distractor, each goal carries the
distractor's current value and the error is measured in (x, y)), and coverage, the occupied
cells of a 20 x 20 grid over [-1, 1]^2 (``run.evaluation.coverage``); and, of the goals
the explorer pursued, the share within reach: in a cell of that grid that the arm can reach
(``run.evaluation.reachable_points``) and, with the distractor, within ``SLAB`` (5% of its
range) of the distractor's value when the goal was set (what an interest model can learn to
prefer; motor babbling sets no goals). Mean over seeds (standard deviation). Then the
plain-arm tie check with every learner.

    PYTHONPATH=src python bench/interest_explore.py [--seeds 5] [--steps 3000]
        [--tie-seeds 3] [--only envs|tie]
"""

import argparse
import time

import numpy as np

from sensorimotor.envs import Distractor, KinematicArm2D
from sensorimotor.explore import (
    LearningProgressExplorer,
    MetaExplorer,
    RandomGoalExplorer,
    RandomMotorExplorer,
)
from sensorimotor.learners import LWLRLearner, NetworkLearner, NNLearner, WNNLearner
from sensorimotor.run.evaluation import (
    coverage,
    error_stats,
    grid_cells,
    reachable_points,
    uniform_goals,
)

ENVS = ("plain arm", "arm, 4x box", "arm + distractor")
EXPLORERS = ("motor babbling", "random goal babbling", "interest-driven")
LEARNERS = {
    "NNLearner": NNLearner,
    "WNNLearner": WNNLearner,
    "LWLRLearner": LWLRLearner,
    "NetworkLearner": NetworkLearner,
}
DRIFT = 0.002  # the distractor's step, a share of its range (--drift)
DISTRACTOR_BOX = "full"  # the distractor's goal box: its channels' bounds, or "learned"
BOX = 4.0  # the unreachable box: [-BOX, BOX]^2 around an arm of reach 1
INTEREST_CFG: dict = {}  # --set key=value: LearningProgressExplorer settings
SLAB = 0.1  # a goal's distractor value this close to the distractor's counts as within reach


def make_env(kind: str, seed: int):
    """``(env, s_bounds)``: the environment explored and the goal box given to explorers."""
    arm = KinematicArm2D.mid7()
    if kind == "plain arm":
        return arm, None
    if kind == "arm, 4x box":
        return arm, [(-BOX, BOX), (-BOX, BOX)]
    if kind == "arm + distractor":
        env = Distractor({"env": arm, "seed": seed + 20_000, "drift": DRIFT})
        return env, [c.bounds for c in env.s_channels] if DISTRACTOR_BOX == "full" else None
    raise ValueError(f"unknown environment {kind!r} (known: {ENVS})")


def make_explorer(label: str, learner, seed: int, s_bounds):
    base = {"learner": learner}
    if label == "motor babbling":
        return RandomMotorExplorer({**base, "seed": seed})
    goal_cfg = {**base, "seed": seed + 2, "s_bounds": s_bounds}
    if label == "random goal babbling":
        goal = RandomGoalExplorer(goal_cfg)
    elif label == "interest-driven":
        goal = LearningProgressExplorer({**goal_cfg, **INTEREST_CFG})
    else:
        raise ValueError(f"unknown explorer {label!r} (known: {EXPLORERS})")
    motor = RandomMotorExplorer({**base, "seed": seed + 1})
    return MetaExplorer({**base, "explorers": [motor, goal], "eras": (100, None), "seed": seed})


def reach_error(learner, env, goals_xy: np.ndarray) -> float:
    """Mean (x, y) distance from each goal to what the exploit inverse reaches."""
    goals = goals_xy
    if isinstance(env, Distractor):  # the distractor's value now: the one goal reachable
        goals = np.hstack([goals_xy, np.full((len(goals_xy), 1), env.value)])
    m = learner.infer_array(goals, mode="exploit")
    reached = env.env.execute_array(m) if isinstance(env, Distractor) else env.execute_array(m)
    return error_stats(np.linalg.norm(reached[:, :2] - goals_xy, axis=1)).mean


ARM_BOX = KinematicArm2D.mid7().s_set  # the (x, y) box the coverage grid is laid over


def reachable_cell_set(cells: int = 20) -> np.ndarray:
    """Whether each cell of the coverage grid over the arm's (x, y) box can be reached."""
    points = reachable_points(KinematicArm2D.mid7(), seed=0)
    ok = np.zeros(cells**2, dtype=bool)
    ok[grid_cells(points, ARM_BOX.low, ARM_BOX.high, cells)] = True
    return ok


def within_reach(env, goal: np.ndarray, reachable: np.ndarray) -> bool:
    """Whether a goal (raw units) lies in a reachable cell and, with the distractor, within
    ``SLAB`` of the distractor's value now."""
    xy, low, high = goal[:2], ARM_BOX.low, ARM_BOX.high
    # outside the arm's box no cell holds the goal (grid_cells would clip it to a border cell)
    if np.any(xy < low) or np.any(xy > high) or not reachable[grid_cells(xy, low, high, 20)[0]]:
        return False
    return not isinstance(env, Distractor) or abs(goal[2] - env.value) <= SLAB


def run(env_kind, label, learner_name, seed, steps, goals_xy, reachable=None):
    """``(reach error, coverage, share of goals within reach)`` of one run (the share is
    NaN without goals)."""
    env, s_bounds = make_env(env_kind, seed)
    channels = {"m_channels": env.m_channels, "s_channels": env.s_channels}
    learner = LEARNERS[learner_name]({**channels, "seed": seed})
    explorer = make_explorer(label, learner, seed, s_bounds)
    reachable = reachable_cell_set() if reachable is None else reachable
    reached = np.empty((steps, 2))
    near = goals = 0
    for t in range(steps):
        e = explorer.explore()
        if "s_goal" in e:
            goals += 1
            near += within_reach(env, env.s_set.to_array(e["s_goal"]), reachable)
        f = env.execute(e["m_signal"])
        explorer.receive(e, f)
        reached[t] = f.s_array[:2]
    arm = KinematicArm2D.mid7()
    share = near / goals if goals else float("nan")
    return reach_error(learner, env, goals_xy), coverage(reached, arm.s_set, 20), share


def table(results, rows, header, first="environment"):
    print(header)
    print(f"| {first} | explorer | reach error | coverage (cells of 20x20) | goals within reach |")
    print("|---|---|---|---|---|")
    for key in rows:
        err, cov, near = (np.array(v) for v in zip(*results[key], strict=True))
        share = "-" if np.isnan(near).all() else f"{near.mean():.2f} ({near.std():.2f})"
        print(
            f"| {key[0]} | {key[1]} | {err.mean():.4f} ({err.std():.4f}) | "
            f"{cov.mean():.1f} ({cov.std():.1f}) | {share} |"
        )
    print(flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--tie-seeds", type=int, default=3)
    parser.add_argument("--only", choices=("envs", "tie"), default=None)
    parser.add_argument("--envs", nargs="*", default=list(ENVS))
    parser.add_argument("--learners", nargs="*", default=list(LEARNERS))
    parser.add_argument("--set", nargs="*", default=[], help="interest settings key=value")
    parser.add_argument("--drift", type=float, default=DRIFT)
    parser.add_argument("--distractor-box", choices=("full", "learned"), default=DISTRACTOR_BOX)
    args = parser.parse_args(argv)
    globals()["DRIFT"] = args.drift
    globals()["DISTRACTOR_BOX"] = args.distractor_box
    for item in args.set:
        key, value = item.split("=", 1)
        if key == "measure":
            INTEREST_CFG[key] = value
        elif key == "volume":
            INTEREST_CFG[key] = value == "True"
        else:
            INTEREST_CFG[key] = float(value)
        if key in ("max_points_per_region", "max_depth", "window", "cells"):
            INTEREST_CFG[key] = int(INTEREST_CFG[key])
    arm = KinematicArm2D.mid7()
    n_goal_sets = max(args.seeds, args.tie_seeds)
    goals = {s: uniform_goals(arm, 500, seed=s + 10_000).inputs for s in range(n_goal_sets)}
    reachable = reachable_cell_set()
    if args.only != "tie":
        start = time.perf_counter()
        results = {}
        for env_kind in args.envs:
            for label in EXPLORERS:
                results[env_kind, label] = [
                    run(env_kind, label, "NNLearner", s, args.steps, goals[s], reachable)
                    for s in range(args.seeds)
                ]
            print(env_kind, f"{time.perf_counter() - start:.0f}s", flush=True)
        table(
            results,
            list(results),
            f"NNLearner, {args.steps} steps, mean over {args.seeds} seeds (sd), "
            f"{time.perf_counter() - start:.0f} s",
        )
        for env_kind in args.envs:
            ours = np.array(results[env_kind, "interest-driven"])
            peer = np.array(results[env_kind, "random goal babbling"])
            a, b = ours.mean(axis=0), peer.mean(axis=0)
            print(
                f"{env_kind}: interest / random goal babbling: reach error {a[0] / b[0]:.2f}x, "
                f"coverage {a[1] / b[1]:.2f}x; seeds where interest is better: reach "
                f"{int(np.sum(ours[:, 0] < peer[:, 0]))}/{len(ours)}, coverage "
                f"{int(np.sum(ours[:, 1] > peer[:, 1]))}/{len(ours)}; goals within reach "
                f"{a[2]:.2f} against {b[2]:.2f}"
            )
        print(flush=True)
    if args.only != "envs":
        start = time.perf_counter()
        results = {}
        for name in args.learners:
            for label in EXPLORERS[1:]:
                results[name, label] = [
                    run("plain arm", label, name, s, args.steps, goals[s], reachable)
                    for s in range(args.tie_seeds)
                ]
            a, b = (np.mean(results[name, lab], axis=0) for lab in EXPLORERS[1:][::-1])
            print(
                f"{name}: interest / random goal babbling: reach error {a[0] / b[0]:.2f}x, "
                f"coverage {a[1] / b[1]:.2f}x ({time.perf_counter() - start:.0f}s)",
                flush=True,
            )
        table(
            {(k[0], k[1]): v for k, v in results.items()},
            list(results),
            f"plain arm, every learner, {args.steps} steps, mean over {args.tie_seeds} seeds (sd)",
            first="learner",
        )


if __name__ == "__main__":
    main()
