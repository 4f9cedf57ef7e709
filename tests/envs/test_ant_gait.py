"""MuJoCo's Ant driven by joint targets, and its forward-distance plant (the mujoco extra)."""

import math

import numpy as np
import pytest

pytest.importorskip("mujoco")

from sensorimotor.agents.adhdp.sine_gait import SineGait  # noqa: E402
from sensorimotor.envs import AntGait, ForwardDistance  # noqa: E402
from sensorimotor.signals import SignalError  # noqa: E402

GAIT = np.array([1.0, 0.4, 0.0, 0.0, 0.4, 1.5, 0.0])


@pytest.fixture(scope="module")
def robot():
    with AntGait() as ant:
        yield ant


def test_the_reward_is_the_torso_forward_displacement_over_each_period(robot):
    robot.reset(seed=1)
    gait, plant = SineGait(GAIT, dt=robot.dt, period=0.5), ForwardDistance()
    data = robot._gym.data
    origin = float(data.qpos[0])
    s, moved = None, 0.0
    for _ in range(3):
        before = float(data.qpos[0])
        for m in gait.motor_signals(s):
            s = robot.execute(m)["s_signal"]
        reward = plant.reward(s)
        assert reward == pytest.approx(float(data.qpos[0]) - before, abs=1e-12)
        moved += reward
    assert s["x"] == pytest.approx(float(data.qpos[0]) - origin) and moved == pytest.approx(s["x"])
    assert abs(moved) > 0.05  # the gait does move the Ant
    assert s["time"] == pytest.approx(1.5)


def test_the_pd_controller_holds_a_pose(robot):
    robot.reset(seed=0)
    target = {
        "hip_1": 0.3,
        "ankle_1": 0.9,
        "hip_2": -0.2,
        "ankle_2": -0.7,
        "hip_3": 0.1,
        "ankle_3": -0.9,
        "hip_4": -0.3,
        "ankle_4": 0.7,
    }
    for _ in range(100):
        feedback = robot.execute(target)
    q = robot._gym.data.qpos[robot._qadr]
    assert np.allclose(q, list(target.values()), atol=0.1)
    assert feedback["s_signal"]["up"] > 0.9


def test_targets_are_clipped_to_the_joint_ranges(robot):
    robot.reset(seed=0)
    feedback = robot.execute({n: 5.0 for n in robot.m_set.names} | {"hip_1": -5.0})
    m = feedback["m_signal"]
    assert m["hip_1"] == pytest.approx(-math.pi / 6) and m["ankle_1"] == pytest.approx(
        1.2217, abs=1e-4
    )


def test_a_nan_target_is_refused_by_name(robot):
    robot.reset(seed=0)
    with pytest.raises(SignalError, match="ankle_3"):
        robot.execute({n: 0.5 for n in robot.m_set.names} | {"ankle_3": math.nan})


def test_same_seed_same_walk():
    def walk():
        with AntGait() as ant:
            ant.reset(seed=4)
            gait = SineGait(GAIT, dt=ant.dt, period=0.2)
            for m in gait.motor_signals(None):
                s = ant.execute(m)["s_signal"]
        return s

    assert walk() == walk()


def test_the_plant_flags_a_flip_and_refuses_bad_channels():
    plant = ForwardDistance()
    s = {"x": 0.4, "z": 0.3, "up": -0.2, "vx": 0.0, "vy": 0.0}
    assert plant.terminal(s) and not plant.terminal(s | {"up": 0.5})
    assert plant.reward(s) == pytest.approx(0.4)
    with pytest.raises(SignalError, match="'x'"):
        plant.reward(s | {"x": math.nan})
    with pytest.raises(SignalError, match="'vy'"):
        plant.state_input({k: v for k, v in s.items() if k != "vy"})
    assert plant.x == 0.4  # unchanged by the refused signal
    plant.reset()
    assert plant.reward(s) == pytest.approx(0.4)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="AntGait.kp"):
        AntGait({"kp": -1.0})
    with pytest.raises(TypeError, match="AntGait.substeps"):
        AntGait({"substeps": 1.5})


@pytest.mark.parametrize(
    "seed, error", [(1.5, TypeError), (True, TypeError), ("a", TypeError), (-1, ValueError)]
)
def test_a_bad_seed_is_refused_by_name_with_the_ant_unchanged(robot, seed, error):
    with pytest.raises(error, match="AntGait.seed"):
        AntGait({"seed": seed})
    robot.reset(seed=0)
    before = robot.observation()
    with pytest.raises(error, match="seed"):
        robot.reset(seed=seed)
    np.testing.assert_array_equal(robot.observation(), before)


def test_the_gym_task_rewards_forward_distance_and_refuses_a_bad_action():
    import gymnasium

    env = gymnasium.make("sensorimotor/AntGait-v0", max_steps=5).unwrapped
    obs, _ = env.reset(seed=3)
    total = 0.0
    for _ in range(5):
        obs, reward, terminated, truncated, _ = env.step(np.full(8, 0.3))
        total += reward
    assert truncated and not terminated
    assert total == pytest.approx(obs[0])  # the rewards add up to the forward position
    env.reset(seed=3)
    before = env.env._gym.data.qpos.copy()
    bad = np.zeros(8)
    bad[2] = np.nan
    with pytest.raises(SignalError, match="hip_2"):
        env.step(bad)
    assert np.array_equal(env.env._gym.data.qpos, before)  # the Ant did not move


def test_a_refused_reset_leaves_the_env_generator_as_it_was():
    """The options were refused after the reseed and the draw of the Ant's seed."""
    import gymnasium

    env = gymnasium.make("sensorimotor/AntGait-v0", max_steps=5).unwrapped
    twin = gymnasium.make("sensorimotor/AntGait-v0", max_steps=5).unwrapped
    env.reset(seed=1)
    twin.reset(seed=1)
    with pytest.raises(ValueError, match="options"):
        env.reset(seed=5, options={"pose": 0.0})
    assert env.np_random.bit_generator.state == twin.np_random.bit_generator.state
    assert env.np_random_seed == twin.np_random_seed
    np.testing.assert_array_equal(env.reset()[0], twin.reset()[0])


def test_the_gym_task_is_registered_only_where_mujoco_is_installed(monkeypatch):
    from sensorimotor.envs import registration

    monkeypatch.setattr(registration, "_installed", lambda package: False)
    assert "sensorimotor/AntGait-v0" not in registration.register_envs()
