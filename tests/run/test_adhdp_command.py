"""``sensorimotor adhdp``: the table, the JSON object last, logs and plots (tiny budgets)."""

import json

import numpy as np
import pytest

from sensorimotor.run.cli import main
from sensorimotor.run.episode_log import read_episodes


def test_epuck_json_logs_and_plots(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["adhdp", "epuck", "--runs", "2", "--episodes", "3", "--out", str(out), "--json"])
    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    for name in ("learned", "random", "frozen"):
        assert 0 <= result[f"{name}_median_length"] <= 200
        assert 0.0 <= result[f"{name}_collision_rate"] <= 1.0
    assert "Mann-Whitney" in "\n".join(lines)
    assert len(read_episodes(out / "epuck_seed0.h5")) == 3
    for png in ("lengths", "trajectories", "td_error", "critic"):
        assert (out / f"epuck_{png}.png").stat().st_size > 1000


def test_a_second_run_into_the_same_out_replaces_the_logs(tmp_path, capsys):
    # the second run's 2 episodes were appended to the first's 3, and the TD-error plot
    # drew the 5 of two unrelated runs as one
    out = str(tmp_path / "out")
    for episodes in ("3", "2"):
        args = ["adhdp", "epuck", "--runs", "1", "--episodes", episodes, "--out", out]
        assert main([*args, "--quiet"]) == 0
    assert len(read_episodes(tmp_path / "out" / "epuck_seed0.h5")) == 2


@pytest.mark.parametrize("critic", ["mlp", "esn"])
def test_cartpole_json(tmp_path, capsys, critic):
    out = tmp_path / "out"
    args = ["adhdp", "cartpole", "--runs", "2", "--max-trials", "2", "--json", "--seed", "5"]
    code = main([*args, "--critic", critic, "--out", str(out)])
    assert code == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["critic"] == critic
    assert (out / "cartpole_trials.png").stat().st_size > 1000
    assert result["runs"] == 2 and len(result["trials"]) == 2
    assert result["successes"] == sum(t is not None for t in result["trials"])
    assert all(t is None or 1 <= t <= 2 for t in result["trials"])


@pytest.mark.parametrize("critic", ["mlp", "esn"])
def test_the_compiled_cartpole_asks_for_a_device_per_core(capsys, monkeypatch, critic):
    """Si and Wang's direct HDP runs its seeds compiled together: split across a CPU device
    per core (asked for before JAX runs; here it already runs and keeps its devices). The
    ESN critic's runs are a Python loop: no devices asked for."""
    import sensorimotor.base.devices as devices

    asked = []
    original = devices.cpu_devices_per_core
    monkeypatch.setattr(devices, "cpu_devices_per_core", lambda: asked.append(1) or original())
    args = ["adhdp", "cartpole", "--runs", "1", "--max-trials", "1", "--json"]
    assert main([*args, "--critic", critic]) == 0
    assert asked == ([1] if critic == "mlp" else [])


def test_seeds_is_runs_under_the_name_rl_and_sutton1992_give_it(capsys):
    """The count of seeds was ``--seeds`` in rl, sutton1992 and the experiment files,
    ``--runs`` here only: ``adhdp epuck --seeds 5`` was a usage error. ``--runs`` stays."""
    from sensorimotor.run.cli import build_parser

    parser = build_parser()
    for flag in ("--runs", "--seeds"):
        assert parser.parse_args(["adhdp", "epuck", flag, "5"]).runs == 5
    assert main(["adhdp", "cartpole", "--seeds", "0"]) == 2
    assert "--runs (--seeds) must be at least 1, got 0" in capsys.readouterr().err


def test_bad_options_are_refused(capsys):
    assert main(["adhdp", "cartpole", "--runs", "0"]) == 2
    assert "--runs" in capsys.readouterr().err
    assert main(["adhdp", "cartpole", "--actuator-noise", "2"]) == 2
    assert "--actuator-noise must be a number in [0, 1], got 2.0" in capsys.readouterr().err
    assert main(["adhdp", "cartpole", "--critic", "esn", "--actuator-noise", "nan"]) == 2
    assert "--actuator-noise" in capsys.readouterr().err
    assert main(["adhdp", "epuck", "--out", "/dev/null/x"]) == 2
    assert "--out" in capsys.readouterr().err


@pytest.mark.parametrize("experiment", ["epuck", "cartpole", "ant"])
def test_a_negative_seed_is_refused_naming_the_flag(capsys, tmp_path, experiment):
    """The ePuck refused ``--seed -1`` with numpy's "expected non-negative integer", no
    flag named, after ``--out`` was made; the cart-pole ran with it."""
    out = tmp_path / "out"
    assert main(["adhdp", experiment, "--runs", "1", "--seed", "-1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert (
        err == "sensorimotor adhdp: error: --seed must be a non-negative int below 2**32, got -1\n"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    "experiment, flag",
    [
        ("epuck", ["--actuator-noise", "0.05"]),
        ("epuck", ["--critic", "esn"]),
        ("epuck", ["--max-trials", "3"]),
        ("ant", ["--critic", "mlp"]),
        ("cartpole", ["--episodes", "3"]),
        ("cartpole", ["--actor", "gradient"]),
    ],
)
def test_a_flag_of_another_experiment_is_refused_not_ignored(capsys, experiment, flag):
    assert main(["adhdp", experiment, "--runs", "1", *flag]) == 2
    err = capsys.readouterr().err
    assert flag[0] in err and f"not to {experiment}" in err


def test_seeds_a_key_cannot_hold_are_refused_and_those_past_int32_run(capsys):
    """Seeds past 2**31 - 1 crashed the compiled cart-pole (int32 overflow), and seeds
    past 2**32 - 1 ran as others: the last seed must be below 2**32; up to it, it runs."""
    args = ["adhdp", "cartpole", "--max-trials", "1", "--json"]
    assert main([*args, "--runs", "3", "--seed", str(2**32 - 2)]) == 2
    assert "--seed 4294967294 with 3 seeds runs past 4294967295" in capsys.readouterr().err
    assert main([*args, "--runs", "2", "--seed", str(2**32 - 2)]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["runs"] == 2


@pytest.mark.parametrize("experiment, runs", [("epuck", 20), ("cartpole", 50), ("ant", 10)])
def test_the_seed_range_counts_the_experiments_default_runs(capsys, experiment, runs):
    """Without --runs, the check counted one run: epuck ran its 20 seeds past 2**32 - 1,
    and cartpole failed late naming no flag."""
    first = 2**32 - runs + 1  # the default's last seed is 2**32: one past
    assert main(["adhdp", experiment, "--seed", str(first)]) == 2
    assert f"--seed {first} with {runs} seeds runs past 4294967295" in capsys.readouterr().err


def test_same_seed_same_result(capsys):
    main(["adhdp", "epuck", "--runs", "1", "--episodes", "2", "--json", "--seed", "3"])
    a = capsys.readouterr().out.strip().splitlines()[-1]
    main(["adhdp", "epuck", "--runs", "1", "--episodes", "2", "--json", "--seed", "3"])
    b = capsys.readouterr().out.strip().splitlines()[-1]
    assert a == b and np.isfinite(json.loads(a)["learned_median_length"])


def test_the_ant_without_mujoco_is_a_one_line_error_and_nothing_is_written(
    capsys, monkeypatch, tmp_path
):
    """Without the mujoco extra it was an ImportError traceback, after --out and a log were
    made."""
    import builtins

    real_import = builtins.__import__

    def no_mujoco(name, *args, **kwargs):
        if name == "mujoco":
            raise ImportError("no mujoco here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_mujoco)
    out = tmp_path / "antx"
    assert main(["adhdp", "ant", "--runs", "1", "--episodes", "1", "--out", str(out)]) == 2
    assert "the ant needs MuJoCo, which is not installed" in capsys.readouterr().err
    assert not out.exists()
