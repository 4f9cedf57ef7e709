"""``sensorimotor rl reinforce`` and ``sensorimotor bc``: saved experts cloned by BC and
DAgger; demonstrations read from an observation log."""

import json

import gymnasium as gym
import numpy as np

from sensorimotor import KinematicArm2D
from sensorimotor.agents import BehavioralCloning, Reinforce
from sensorimotor.run.cli import main
from sensorimotor.run.imitation import read_demonstrations
from sensorimotor.run.observation_log import ObservationLog


def test_rl_reinforce_saves_experts_that_bc_and_dagger_clone(tmp_path, capsys):
    argv = [
        "rl",
        "reinforce",
        "--env",
        "CartPole-v1",
        "--steps",
        "300",
        "--save",
        str(tmp_path),
        "--json",
    ]
    assert main(argv) == 0
    assert len(json.loads(capsys.readouterr().out.strip().splitlines()[-1])["returns"]) == 1
    agent = Reinforce.load(tmp_path / "seed-0.npz")
    assert agent.config.baseline and agent.config.episodes_per_update == 4  # the zoo's
    for extra in ([], ["--dagger"]):
        argv = [
            "bc",
            "--env",
            "CartPole-v1",
            "--expert",
            str(tmp_path / "seed-0.npz"),
            "--episodes",
            "1",
            "--gradient-steps",
            "50",
            "--save",
            str(tmp_path / "clone.npz"),
            "--json",
            *extra,
        ]
        assert main(argv) == 0
        result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert result["method"] == ("dagger" if extra else "bc") and result["clone"] > 0
        assert BehavioralCloning.load(tmp_path / "clone.npz").n_updates > 0


def test_errors_name_the_option(tmp_path, capsys):
    assert main(["rl", "reinforce", "--env", "CartPole-v1", "--compiled"]) == 2
    assert "--compiled: reinforce" in capsys.readouterr().err
    (tmp_path / "x.npz").write_bytes(b"junk")
    argv = ["bc", "--env", "CartPole-v1", "--expert", str(tmp_path / "x.npz")]
    assert main(argv) == 2
    assert "x.npz" in capsys.readouterr().err
    argv = ["bc", "--env", "CartPole-v1", "--expert", str(tmp_path / "x.npz"), "--episodes", "0"]
    assert main(argv) == 2
    assert "--episodes must be a positive int" in capsys.readouterr().err
    # named as the flags, not as BCConfig's field or a missing file
    argv = ["bc", "--env", "CartPole-v1", "--expert", str(tmp_path / "x.npz")]
    assert main([*argv, "--gradient-steps", "0"]) == 2
    assert "--gradient-steps must be a positive int, got 0" in capsys.readouterr().err
    assert main(["bc", "--env", "CartPole-v1", "--expert", str(tmp_path)]) == 2
    assert "is a folder; give an agent's .npz file" in capsys.readouterr().err


class _ArmTask(gym.Env):
    """The arm's spaces: 2 sensor values observed, 2 joint angles as actions."""

    observation_space = gym.spaces.Box(-10.0, 10.0, (2,), np.float32)
    action_space = gym.spaces.Box(-30.0, 30.0, (2,), np.float32)


def test_demonstrations_read_from_an_observation_log(tmp_path):
    arm = KinematicArm2D({"dim": 2})
    path = tmp_path / "log.h5"
    with ObservationLog(path, arm.m_channels, arm.s_channels) as log:
        for angle in range(20):
            log.append(arm.execute({"j0": angle / 10, "j1": 0.0}))
    demos = read_demonstrations(path)
    assert demos.observations.shape == (20, 2) and demos.actions.shape == (20, 2)
    np.testing.assert_allclose(demos.actions[:, 0], np.arange(20) / 10)
    agent = BehavioralCloning(_ArmTask(), seed=0, gradient_steps=20, net_arch=[4])
    assert agent.learn(demos).losses.size > 0


def test_an_expert_of_another_env_or_an_unwritable_save_is_refused_before_any_work(
    tmp_path, capsys
):
    """``bc`` checked neither: an Acrobot expert on CartPole-v1 failed with its predict's
    "obs has shape (4,); expected (6,)", and ``--save`` into a missing folder failed
    with an OSError on a temporary file, after the clone had trained."""
    Reinforce("Acrobot-v1", seed=0, net_arch=[4]).save(tmp_path / "acrobot.npz")
    argv = ["bc", "--env", "CartPole-v1", "--expert", str(tmp_path / "acrobot.npz")]
    assert main([*argv, "--episodes", "1"]) == 2
    err = capsys.readouterr().err
    assert "env: its observation shape and action count ((4,), 2) differ from the saved " in err
    argv = ["bc", "--env", "Acrobot-v1", "--expert", str(tmp_path / "acrobot.npz")]
    for save, message in (
        (tmp_path / "missing" / "clone.npz", "--save: cannot write"),
        (tmp_path, "is a folder, expected a file name"),
    ):
        assert main([*argv, "--episodes", "1", "--save", str(save)]) == 2
        assert message in capsys.readouterr().err
