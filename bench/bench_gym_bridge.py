"""Cost of the Gymnasium bridge, both ways, against the bare environment.

Prints microseconds per call (best of 5 repeats of n calls) for:
the arm's own ``execute``; ``EnvironmentGymEnv.step`` over it; ``ArmReach-v0`` made by
``gymnasium.make`` (with its checker/order wrappers); ``GymEpisodeEnvironment`` over
ArmReach-v0 and over the bridged arm (the full round trip); CartPole episodes per step;
and one full ``check_environment`` run.

    PYTHONPATH=src python bench/bench_gym_bridge.py
"""

import time

import gymnasium
import numpy as np

from sensorimotor.envs import (
    EnvironmentGymEnv,
    GymEpisodeEnvironment,
    KinematicArm2D,
    check_environment,
)


def best_us(fn, n, repeats=5):
    best = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, time.perf_counter() - t)
    return 1e6 * best / n


def main():
    rng = np.random.default_rng(0)
    arm = KinematicArm2D.mid7()
    m = arm.m_set.random_signal(rng)
    rows = [("KinematicArm2D.mid7().execute", best_us(lambda: arm.execute(m), 2000))]

    gym_env = EnvironmentGymEnv(KinematicArm2D.mid7())
    gym_env.reset(seed=0)
    a = arm.m_set.to_array(m)
    rows.append(("EnvironmentGymEnv(mid7).step", best_us(lambda: gym_env.step(a), 2000)))

    reach = gymnasium.make("sensorimotor/ArmReach-v0")
    action = reach.action_space.sample()

    def reach_episode():
        reach.reset(seed=0)
        reach.step(action)

    rows.append(("make('sensorimotor/ArmReach-v0') reset+step", best_us(reach_episode, 2000)))

    back = GymEpisodeEnvironment({"env": "sensorimotor/ArmReach-v0"})
    mb = back.m_set.random_signal(rng)
    rows.append(
        ("GymEpisodeEnvironment(ArmReach-v0).execute", best_us(lambda: back.execute(mb), 1000))
    )

    trip = GymEpisodeEnvironment(
        {
            "env": EnvironmentGymEnv(KinematicArm2D.mid7()),
            "m_channels": arm.m_channels,
            "s_channels": arm.s_channels,
        }
    )
    rows.append(
        ("round trip mid7 -> gym -> Environment .execute", best_us(lambda: trip.execute(m), 1000))
    )

    cart = GymEpisodeEnvironment({"env": "CartPole-v1", "max_steps": 200})
    mc = dict.fromkeys(cart.m_set.names, 0.0)
    mc["w1_2"] = mc["w1_3"] = 1.0  # balances for the 200 steps
    per_episode = best_us(lambda: cart.execute(mc), 20)
    rows.append(("GymEpisodeEnvironment(CartPole-v1) per step", per_episode / 200))

    t = time.perf_counter()
    check_environment(KinematicArm2D.mid7)
    rows.append(
        ("check_environment(KinematicArm2D.mid7), whole suite", 1e6 * (time.perf_counter() - t))
    )

    width = max(len(r[0]) for r in rows)
    for name, us in rows:
        print(f"{name:<{width}}  {us:10.1f} us")


if __name__ == "__main__":
    main()
