"""Cost of a step of HDPy's 2D ePuck, and its random-heading baseline.

Prints microseconds per call (best of 5 repeats of n calls) for the pure functions
(``epuck_sensors``: 8 rays, ``epuck_move``: one ray and the move) in HDPy's arena (4
walls, 16 obstacle sides), ``Epuck2D.execute`` (validated channels, feedback with a
uuid), ``Epuck2DEnv.step`` (made by ``gymnasium.make``, with its wrappers), and the
batched baseline's robot-steps per second with its median length and collision rate.

    PYTHONPATH=src python bench/epuck.py
"""

import math
import time

import gymnasium
import numpy as np

import sensorimotor.envs  # noqa: F401 - registers sensorimotor/Epuck2D-v0
from sensorimotor.envs import Epuck2D, epuck_move, epuck_sensors, random_heading_baseline


def best_us(fn, n, repeats=5):
    best = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, time.perf_counter() - t)
    return 1e6 * best / n


def main():
    robot = Epuck2D()
    robot.reset(position=(0.0, 0.0), pose=0.3)
    state, edges = robot.state, robot.edges
    rows = [
        ("epuck_sensors (8 rays, 20 edges)", best_us(lambda: epuck_sensors(state, edges), 2000)),
        (
            "epuck_move (1 ray and the move)",
            best_us(lambda: epuck_move(state, np.float64(1.0), edges, 0.25), 2000),
        ),
    ]
    headings = iter(np.random.default_rng(0).uniform(0, 2 * math.pi, 10**6))

    def execute():
        if robot.execute({"heading": float(next(headings))})["s_signal"]["collision"]:
            robot.reset()

    rows.append(("Epuck2D.execute", best_us(execute, 2000)))
    env = gymnasium.make("sensorimotor/Epuck2D-v0")
    env.reset(seed=0)
    actions = iter(np.random.default_rng(1).uniform(-1, 1, (10**6, 1)).astype(np.float32))

    def step():
        _, _, terminated, truncated, _ = env.step(next(actions))
        if terminated or truncated:
            env.reset()

    rows.append(("gymnasium.make('sensorimotor/Epuck2D-v0').step", best_us(step, 2000)))
    for what, us in rows:
        print(f"{what:<50s} {us:8.1f} us")
    t = time.perf_counter()
    result = random_heading_baseline(episodes=1000, seed=0)
    dt = time.perf_counter() - t
    print(
        f"random_heading_baseline, 1000 episodes: {dt:.2f} s, "
        f"{result.lengths.sum() / dt:,.0f} robot-steps/s, median length "
        f"{result.median_length:.0f} of 200, collision rate {result.collision_rate:.2f}"
    )


if __name__ == "__main__":
    main()
