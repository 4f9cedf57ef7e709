"""Exploration on the 7-joint arm: motor babbling, goal babbling, interest-driven, over seeds.

The demo's setting (``sensorimotor.run.demo``: ``KinematicArm2D.mid7()``, an ``NNLearner``,
500 goals spread uniformly over the reachable space, coverage on a 20 x 20 grid) for several
seeds. Prints, per explorer and step, the mean over seeds (and standard deviation) of the
mean reach error on the uniform goals and of the coverage, then the time of one loop step
(``explore`` + ``env.execute`` + ``receive``) per explorer at the end of a run.

    PYTHONPATH=src python bench/bench_explore_arm7.py [--seeds 5] [--steps 3000]
"""

import argparse
import time

import numpy as np

from sensorimotor import Channel, Environment
from sensorimotor.envs import KinematicArm2D
from sensorimotor.explore import LearningProgressExplorer
from sensorimotor.learners import NNLearner
from sensorimotor.run.demo import EXPLORERS, TABLE_STEPS, explore_and_evaluate, make_explorer
from sensorimotor.run.evaluation import uniform_goals


def step_time(label: str, steps: int, repeats: int = 300) -> float:
    """Microseconds per loop step once ``steps`` observations are in the learner."""
    arm = KinematicArm2D.mid7()
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    explorer = make_explorer(label, learner, 0)
    for _ in range(steps):
        e = explorer.explore()
        explorer.receive(e, arm.execute(e["m_signal"]))
    start = time.perf_counter()
    for _ in range(repeats):
        e = explorer.explore()
        explorer.receive(e, arm.execute(e["m_signal"]))
    return (time.perf_counter() - start) / repeats * 1e6


class Quadrant(Environment):
    """Reaches only the lower-left quarter of its sensory box [0, 1]^2."""

    def __init__(self, cfg=None):
        self.m_channels = [Channel("a", (0, 0.5)), Channel("b", (0, 0.5))]
        self.s_channels = [Channel("x", (0, 1)), Channel("y", (0, 1))]

    def _execute(self, m_signal, meta=None):
        return {"x": 2 * m_signal["a"] ** 2, "y": m_signal["b"]}


def reachable_share(measure: str, seed: int, steps: int = 2000) -> float:
    """Share of the goals chosen by interest (steps 500..) that fall in the reachable quarter
    (the whole box given as ``s_bounds``: the learned region would hold the goals there)."""
    env = Quadrant()
    learner = NNLearner({"m_channels": env.m_channels, "s_channels": env.s_channels})
    box = [(0, 1), (0, 1)]
    cfg = {"learner": learner, "cells": 4, "seed": seed, "measure": measure, "s_bounds": box}
    explorer = LearningProgressExplorer(cfg)
    hits = total = 0
    for t in range(steps):
        e = explorer.explore()
        explorer.receive(e, env.execute(e["m_signal"]))
        if t >= 500 and e["from"] == "goal":
            total += 1
            hits += e["s_goal"]["x"] <= 0.5 and e["s_goal"]["y"] <= 0.5
    return hits / max(total, 1)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=3000)
    args = parser.parse_args(argv)
    arm = KinematicArm2D.mid7()
    rows = [s for s in TABLE_STEPS if s <= args.steps] or [args.steps]
    stats = {label: {s: ([], []) for s in rows} for label in EXPLORERS}
    start = time.perf_counter()
    for seed in range(args.seeds):
        tests = {"uniform goals": uniform_goals(arm, 500, seed=seed + 10_000)}
        for label in EXPLORERS:
            curve, _ = explore_and_evaluate(label, arm, tests, args.steps, seed)
            for s in rows:
                stats[label][s][0].append(curve[s]["uniform goals"].mean)
                stats[label][s][1].append(curve[s]["coverage"])
    print(
        f"mid7 arm, NNLearner, {args.seeds} seeds, {time.perf_counter() - start:.1f}s; "
        "mean over seeds (sd)"
    )
    print("| explorer | step | reach error, uniform goals | coverage (cells of 20x20) |")
    print("|---|---|---|---|")
    for label in EXPLORERS:
        for s in rows:
            err, cov = (np.array(v) for v in stats[label][s])
            print(
                f"| {label} | {s} | {err.mean():.4f} ({err.std():.4f}) | "
                f"{cov.mean():.1f} ({cov.std():.1f}) |"
            )
    print()
    print("Quadrant toy (reaches 1/4 of its goal box): share of interest-chosen goals there")
    print("| measure | share, mean over seeds (min, max) |")
    print("|---|---|")
    for measure in LearningProgressExplorer.MEASURES:
        shares = np.array([reachable_share(measure, seed) for seed in range(args.seeds)])
        print(f"| {measure} | {shares.mean():.2f} ({shares.min():.2f}, {shares.max():.2f}) |")
    print()
    print("| explorer | us per loop step at 3000 observations |")
    print("|---|---|")
    for label in EXPLORERS:
        best = min(step_time(label, 3000) for _ in range(3))
        print(f"| {label} | {best:.0f} |")


if __name__ == "__main__":
    main()
