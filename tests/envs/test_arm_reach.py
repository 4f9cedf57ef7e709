"""sensorimotor/ArmReach-v0 and the registration of the library's Gymnasium environments."""

import importlib.util
import math
import warnings

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from sensorimotor import KinematicArm2D
from sensorimotor.envs import ArmReachEnv, arm_forward, register_envs, registered_ids
from sensorimotor.envs.arm.arm_reach import make_arm


@pytest.mark.parametrize("env_id", registered_ids())
def test_every_registered_environment_passes_check_env_without_warnings(env_id):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gymnasium.make(env_id)
        check_env(env.unwrapped)
        env.close()


@pytest.mark.parametrize("arm", ["arm20", {"dim": 3, "limits": [(-10, 90), (0, 45), (-5, 5)]}])
def test_other_arms_pass_check_env_too(arm):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(gymnasium.make("sensorimotor/ArmReach-v0", arm=arm).unwrapped)


def test_registration_is_idempotent():
    before = gymnasium.registry["sensorimotor/ArmReach-v0"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert register_envs() == [
            "sensorimotor/ArmReach-v0",
            "sensorimotor/CartPoleADP-v0",
            "sensorimotor/ToyHumanoid-v0",
            "sensorimotor/ToyHumanoidDiscrete-v0",
            "sensorimotor/Epuck2D-v0",
        ] + (["sensorimotor/AntGait-v0"] if importlib.util.find_spec("mujoco") else [])
    assert gymnasium.registry["sensorimotor/ArmReach-v0"] is before
    assert before.kwargs == {"arm": "mid7"}


def test_spaces_reward_and_termination():
    env = gymnasium.make("sensorimotor/ArmReach-v0").unwrapped
    arm = KinematicArm2D.mid7()
    assert env.action_space == gymnasium.spaces.Box(-1.0, 1.0, (7,), np.float32)
    assert env.observation_space == gymnasium.spaces.Box(-1.0, 1.0, (2,), np.float32)
    goal, info = env.reset(seed=5)
    assert goal.dtype == np.float32 and info == {}
    rng = np.random.default_rng(0)
    for _ in range(20):
        action = rng.uniform(-1, 1, 7).astype(np.float32)
        angles = action.astype(np.float64) * 60.0  # limits are +-60 degrees
        tip = arm_forward(angles, arm.lengths)
        obs, reward, terminated, truncated, info = env.step(action)
        np.testing.assert_allclose(obs, tip, rtol=1e-6, atol=1e-7)
        assert reward == pytest.approx(-math.dist(tip, env.goal), rel=1e-12)
        assert info["distance"] == -reward
        np.testing.assert_allclose(list(info["m_signal"].values()), angles, rtol=1e-12)
        assert (terminated, truncated) == (True, False)


def test_action_normalisation_follows_asymmetric_limits():
    env = ArmReachEnv(arm={"dim": 2, "limits": [(0, 90), (-30, 10)], "lengths": 0.5})
    env.reset(seed=0)
    _, _, _, _, info = env.step(np.array([-1.0, 1.0], np.float32))
    assert info["m_signal"] == {"j0": 0.0, "j1": 10.0}
    _, _, _, _, info = env.step(np.array([0.0, 0.0], np.float32))
    assert info["m_signal"] == {"j0": 45.0, "j1": -10.0}


def test_goals_are_reachable_and_seeded():
    env = ArmReachEnv(arm="arm20")
    goals = np.array([env.reset(seed=s)[0] for s in range(200)])
    assert np.all(np.hypot(goals[:, 0], goals[:, 1]) <= 1.0 + 1e-6)
    np.testing.assert_array_equal(env.reset(seed=3)[0], goals[3])
    assert len({tuple(g) for g in goals}) == 200
    other = ArmReachEnv(arm="arm20")
    np.testing.assert_array_equal(other.reset(seed=11)[0], env.reset(seed=11)[0])


def test_reaching_the_goal_posture_gives_zero_reward():
    env = ArmReachEnv(arm={"dim": 3, "limits": (-90, 90)}, dtype=np.float64)
    for seed in range(5):
        env.reset(seed=seed)
        assert np.all(np.abs(env.goal_angles) <= 90)
        _, reward, _, _, _ = env.step(env.goal_angles / 90.0)
        assert reward == pytest.approx(0.0, abs=1e-12)
        _, reward, _, _, _ = env.step(np.clip(env.goal_angles / 90.0 + 0.1, -1, 1))
        assert reward < -1e-3


def test_bad_arm_and_step_before_reset():
    with pytest.raises(ValueError, match="unknown arm preset 'mid8'"):
        ArmReachEnv(arm="mid8")
    with pytest.raises(TypeError, match="preset name"):
        ArmReachEnv(arm=7)
    env = ArmReachEnv()
    with pytest.raises(RuntimeError, match="reset"):
        env.step(np.zeros(7, np.float32))
    assert env.env.posture is None  # refused before the arm moved
    assert make_arm(arm := KinematicArm2D({"dim": 2})) is arm
