"""``sensorimotor rl dqn``: a table of greedy returns, JSON last, files Agent.load reads."""

import json

import numpy as np
import pytest

from sensorimotor.agents import DQN, zoo_settings
from sensorimotor.run.cli import main
from sensorimotor.run.rl import default_steps


def test_rl_dqn_python_loop_saves_seeds_that_load(tmp_path, capsys):
    code = main(
        [
            "rl",
            "dqn",
            "--env",
            "CartPole-v1",
            "--seeds",
            "2",
            "--seed",
            "3",
            "--steps",
            "300",
            "--save",
            str(tmp_path),
            "--json",
        ]
    )
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    last = json.loads(out[-1])
    assert len(last["returns"]) == 2 and last["seconds"] > 0
    assert last["seeds"] == [3, 4] and len(last["stds"]) == 2  # which return is whose
    assert out[1].split()[0] == "3" and out[2].split()[0] == "4"
    agent = DQN.load(tmp_path / "seed-4.npz", env="CartPole-v1")
    assert agent.seed == 4 and agent.config.net_arch == (256, 256)  # the zoo's settings
    assert int(agent.predict(np.zeros(4, np.float32))[0]) in (0, 1)


def test_rl_dqn_compiled_trains_the_seeds_at_once(capsys, monkeypatch):
    import sensorimotor.base.devices as devices

    asked = []  # --compiled asks for a CPU device per core before JAX runs (here it runs)
    original = devices.cpu_devices_per_core
    monkeypatch.setattr(devices, "cpu_devices_per_core", lambda: asked.append(1) or original())
    code = main(
        [
            "rl",
            "dqn",
            "--env",
            "CartPole-v1",
            "--seeds",
            "2",
            "--steps",
            "2048",
            "--compiled",
            "--json",
        ]
    )
    out = capsys.readouterr().out.strip().splitlines()
    returns = json.loads(out[-1])["returns"]
    # 512 steps (of learning_starts 1000) never trained: an untrained greedy Q-network
    # scores ~9.4; after 2048 steps (3 training phases) each seed's network balances
    # (measured 205 and 162; seeds 0-7: 87 to 471)
    assert code == 0 and len(returns) == 2 and all(r > 40 for r in returns), returns
    assert asked == [1]


def test_rl_errors_name_the_option(capsys):
    assert main(["rl", "dqn", "--env", "CartPole-v1", "--steps", "0"]) == 2
    assert "--steps must be a positive int" in capsys.readouterr().err
    assert main(["rl", "dqn", "--env", "Acrobot-v1", "--compiled", "--steps", "10"]) == 2
    assert "--compiled: no JAX environment for 'Acrobot-v1'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["dqn", "--env", "Pendulum-v1"], "DQN needs a Discrete action space"),
        (["dqn", "--env", "NoSuch-v0"], "env: cannot make 'NoSuch-v0'"),
        (["dqn", "--env", "Acrobot-v1", "--compiled"], "--compiled: no JAX environment"),
    ],
)
def test_a_refused_rl_run_leaves_no_save_folder_behind(tmp_path, capsys, argv, message):
    """``rl`` made its ``--save`` folder before the env or ``--compiled`` were checked: a
    refused run left an empty folder behind."""
    out = tmp_path / "experts"
    assert main(["rl", *argv, "--steps", "10", "--save", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    "env_id, steps, target_update_interval",
    [("CartPole-v1", 50_000, 10), ("MountainCar-v0", 120_000, 600), ("Acrobot-v1", 100_000, 250)],
)
def test_rl_dqn_runs_with_the_zoos_settings_where_the_zoo_has_them(
    env_id, steps, target_update_interval
):
    """``rl dqn --env Acrobot-v1`` (or MountainCar-v0) said it used rl-zoo's settings
    where the zoo has them, and the zoo has these two, but ran SB3's defaults for 50k
    steps (a target network refreshed every 10k steps)."""
    agent = DQN(env_id, **zoo_settings("DQN", env_id))
    assert default_steps("dqn", env_id) == steps
    assert agent.config.target_update_interval == target_update_interval
    assert agent.config.net_arch == (256, 256)
