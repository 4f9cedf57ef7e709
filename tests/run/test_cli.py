import os
import subprocess
import sys

import pytest

from sensorimotor.run.cli import main
from sensorimotor.run.observation_log import read_log


def test_python_m_sensorimotor_demo(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sensorimotor",
            "demo",
            "--steps",
            "120",
            "--out",
            str(tmp_path),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "120 steps per explorer" in out and "goal babbling" in out
    assert (tmp_path / "reached.png").stat().st_size > 1000
    assert len(read_log(tmp_path / "motor_babbling.h5")) == 120


def test_demo_json_is_the_last_line_with_the_tables_figures(capsys, tmp_path, monkeypatch):
    """``demo`` had no ``--json`` where ``rl``, ``bc``, ``adhdp`` and ``sutton1992`` end with
    one JSON object: a script had to parse the table. The last line now holds each
    explorer's figures at each checkpoint, the same numbers as the table, and no progress
    bar is drawn."""
    import json

    monkeypatch.chdir(tmp_path)  # --out relative: the paths reported are absolute
    assert main(["demo", "--steps", "60", "--seed", "3", "--out", "demo", "--json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out.splitlines()[-1])
    assert report["steps"] == 60 and report["seed"] == 3 and report["seconds"] > 0
    assert set(report["results"]) == {"motor babbling", "goal babbling", "interest-driven"}
    last = report["results"]["goal babbling"]["60"]
    assert last["uniform goals"]["n"] == 500 and last["coverage"] > 0
    row = f"  goal babbling   {last['uniform goals']['mean']:7.4f}"
    assert row in captured.out  # the table's row, from the same result
    assert len(read_log(report["logs"]["goal babbling"])) == 60
    assert report["plots"] == [
        str(tmp_path / "demo" / n) for n in ("learning_curves.png", "reached.png")
    ]
    assert captured.err == ""  # --json: no progress bars


def test_unknown_command_is_an_error(capsys):
    import pytest

    with pytest.raises(SystemExit):
        main(["fly"])
    assert "invalid choice" in capsys.readouterr().err


def test_sutton1992_command(capsys):
    assert main(["sutton1992", "--experiment", "1", "--seeds", "3"]) == 0
    out = capsys.readouterr().out
    assert "IDBD meta step size 0.01" in out and "paper: about 1.5" in out
    assert "Experiment 2" not in out


def test_sutton1992_command_runs_experiment2(capsys, monkeypatch, tmp_path):
    from sensorimotor.run import sutton1992

    calls = {}
    full = sutton1992.experiment2

    def smaller(**kwargs):  # the command's setting, on a shorter run
        calls.update(kwargs)
        return full(num_steps=20_000, lms_seeds=3, **kwargs)

    monkeypatch.setattr(sutton1992, "experiment2", smaller)
    png = tmp_path / "exp2.png"
    argv = ["sutton1992", "--experiment", "2", "--initial-step-size", "0.02", "--plot", str(png)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert calls == {"initial_step_size": 0.02, "key": 1992, "show_progress": True}
    assert "initial step size 0.02" in out and "best fixed step size" in out
    assert "Experiment 1" not in out
    assert f"wrote {png}" in out and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sutton1992_json_is_the_last_line_with_each_experiments_figures(capsys, monkeypatch):
    """``sutton1992`` had no ``--json`` where ``rl``, ``bc`` and ``adhdp`` end with one JSON
    object: a script had to parse the table. Now the last line holds each result's fields,
    the same figures as the table, and no progress bar is drawn. (The settings of the two
    tests above: their compiled loops are reused.)"""
    import json

    from sensorimotor.run import sutton1992

    full = sutton1992.experiment2

    def smaller(**kwargs):  # the command's setting, on a shorter run
        return full(num_steps=20_000, lms_seeds=3, **kwargs)

    monkeypatch.setattr(sutton1992, "experiment2", smaller)
    assert main(["sutton1992", "--seeds", "3", "--json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out.splitlines()[-1])
    assert set(report) == {"experiment1", "experiment2", "seed", "seconds"}
    assert report["seconds"] > 0 and report["seed"] == 1992
    first, second = report["experiment1"], report["experiment2"]
    assert first["seeds"] == 3 and first["idbd_meta_step_size"] == 0.01
    assert len(first["lms_step_sizes"]) == len(first["lms_mse"]) == 6
    assert f"IDBD meta step size 0.01       {first['idbd_mse']:6.3f}" in captured.out
    assert second["num_steps"] == 20_000 and len(second["lms_mse"]) == 7
    assert len(second["relevant"]) == second["seeds"] == 4 and len(second["relevant"][0]) == 5
    assert len(second["irrelevant"][0]) == 15
    assert len(second["steps"]) == len(second["relevant_trace"]) == 50
    assert "compiled runs" not in captured.err  # --json: no progress bars, as in rl
    assert main(["sutton1992", "--experiment", "1", "--seeds", "3", "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out.splitlines()[-1])) == {
        "experiment1",
        "seed",
        "seconds",
    }


def test_json_of_a_diverged_run_is_strict_json_with_null(capsys, monkeypatch):
    """A step size that diverges made --json print Infinity and NaN, which are not JSON
    (a parser in another language refuses the line): they are null now."""
    import json

    from sensorimotor.run import sutton1992

    full = sutton1992.experiment2

    def smaller(**kwargs):  # the command's setting, on a shorter run
        return full(num_steps=20_000, lms_seeds=3, **kwargs)

    monkeypatch.setattr(sutton1992, "experiment2", smaller)
    argv = ["sutton1992", "--experiment", "2", "--initial-step-size", "5", "--json"]
    assert main(argv) == 0
    line = capsys.readouterr().out.splitlines()[-1]

    def refuse(constant):
        raise AssertionError(f"not JSON: {constant}")

    report = json.loads(line, parse_constant=refuse)
    assert None in report["experiment2"]["relevant_trace"]  # where the run diverged


def test_sutton1992_seed_is_the_root_key_of_the_runs(capsys):
    """sutton1992 ran from the key 1992 only, where rl, adhdp and demo take ``--seed``. It
    is the root key each experiment splits into its seeds: the default gives the runs of
    ``experiment1()``, another gives other runs, and a negative one is refused."""
    import json

    from sensorimotor.run import sutton1992

    def idbd_mse(*flags):
        assert main(["sutton1992", "--experiment", "1", "--seeds", "3", "--json", *flags]) == 0
        report = json.loads(capsys.readouterr().out.splitlines()[-1])
        return report["seed"], report["experiment1"]["idbd_mse"]

    default = sutton1992.experiment1(seeds=3).idbd_mse
    assert idbd_mse() == (1992, default)
    assert idbd_mse("--seed", "1992") == (1992, default)
    seed, other = idbd_mse("--seed", "7")
    assert seed == 7 and other != default
    assert other == sutton1992.experiment1(seeds=3, key=7).idbd_mse
    assert main(["sutton1992", "--experiment", "1", "--seed", "-1"]) == 2
    assert "--seed must be a non-negative int below 2**32, got -1" in capsys.readouterr().err
    # a key holds 32 bits: 2**32 was the run of seed 0, and 2**63 a traceback
    for big in (2**32, 2**63):
        assert main(["sutton1992", "--experiment", "1", "--seed", str(big)]) == 2
        assert f"below 2**32, got {big}" in capsys.readouterr().err


def test_a_bad_setting_is_a_clear_error_not_a_table_of_nan(capsys):
    assert main(["sutton1992", "--experiment", "1", "--seeds", "0"]) == 2
    assert "seeds must be a positive int, got 0" in capsys.readouterr().err
    assert main(["sutton1992", "--experiment", "2", "--initial-step-size", "-1"]) == 2
    err = capsys.readouterr().err
    assert "sensorimotor sutton1992: error: --initial-step-size: IDBD.initial_step_size" in err
    assert main(["sutton1992", "--experiment", "1", "--plot", "x.png"]) == 2
    assert "--plot draws Experiment 2's figures" in capsys.readouterr().err


def test_a_missing_expert_or_unreadable_file_is_a_clear_error(capsys, tmp_path):
    missing = tmp_path / "no-expert.npz"
    assert main(["bc", "--env", "CartPole-v1", "--expert", str(missing), "--episodes", "1"]) == 2
    assert f"sensorimotor bc: error: --expert: {str(missing)!r}: no such file" in (
        capsys.readouterr().err
    )
    folder = tmp_path / "a-folder.npz"
    folder.mkdir()  # a path that exists but cannot be read as a file
    assert main(["bc", "--env", "CartPole-v1", "--expert", str(folder), "--episodes", "1"]) == 2
    assert "sensorimotor bc: error: --expert" in capsys.readouterr().err


def test_output_paths_are_checked_before_any_work(capsys, tmp_path, monkeypatch):
    """A folder under an existing file, or a plot in a folder that is a file, is an
    argparse-style error (exit 2) before anything is computed."""
    from sensorimotor.run import demo, sutton1992

    def must_not_run(*args, **kwargs):
        raise AssertionError("the work started before the output path was checked")

    monkeypatch.setattr(demo, "run_demo", must_not_run)
    monkeypatch.setattr(sutton1992, "experiment2", must_not_run)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("a file, not a folder")
    assert main(["demo", "--out", str(a_file / "sub"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "sensorimotor demo: error: --out: cannot create the folder" in err
    assert main(["sutton1992", "--experiment", "2", "--plot", str(a_file / "x.png")]) == 2
    assert "sensorimotor sutton1992: error: --plot: cannot write" in capsys.readouterr().err
    assert main(["sutton1992", "--experiment", "2", "--plot", str(tmp_path)]) == 2
    assert "is a folder, expected a file name" in capsys.readouterr().err
    # matplotlib refused a .txt only after the whole run, and saved "exp2" as exp2.png
    assert main(["sutton1992", "--experiment", "2", "--plot", str(tmp_path / "e.txt")]) == 2
    assert "'.txt' is not an image format" in capsys.readouterr().err
    assert main(["sutton1992", "--plot", str(tmp_path / "exp2")]) == 2
    assert "--plot: cannot write" in capsys.readouterr().err


def test_demo_settings_are_checked_before_its_folder_is_made(capsys, tmp_path):
    """``demo`` created ``--out`` before ``run_demo`` refused ``--steps 0`` (or the
    explorers a negative ``--seed``): a refused run left an empty folder behind."""
    out = tmp_path / "new"
    assert main(["demo", "--steps", "0", "--out", str(out), "--quiet"]) == 2
    assert "sensorimotor demo: error: --steps must be a positive int, got 0" in (
        capsys.readouterr().err
    )
    assert main(["demo", "--seed", "-1", "--out", str(out), "--quiet"]) == 2
    assert "sensorimotor demo: error: --seed must be a non-negative int below 2**32, got -1" in (
        capsys.readouterr().err
    )
    assert not out.exists()


@pytest.mark.parametrize(
    "experiment, flag",
    [
        ("2", ["--seeds", "3"]),
        ("2", ["--meta-step-size", "0.02"]),
        ("1", ["--initial-step-size", "0.02"]),
    ],
)
def test_a_flag_of_the_other_experiment_is_refused_not_ignored(capsys, experiment, flag):
    assert main(["sutton1992", "--experiment", experiment, *flag]) == 2
    err = capsys.readouterr().err
    other = "1" if experiment == "2" else "2"
    assert f"{flag[0]} is Experiment {other}'s" in err


def test_ctrl_c_is_a_one_line_message_and_exit_status_130(capsys, monkeypatch, tmp_path):
    """Ctrl-C in the middle of a run printed a KeyboardInterrupt traceback (from wherever
    the run was, h5py's flush in the demo) and ended by the signal; now one line on
    stderr and the shell's status for SIGINT, 130."""
    from sensorimotor.run import demo, sweep

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "run_demo", interrupted)
    assert main(["demo", "--steps", "10", "--out", str(tmp_path / "demo"), "--quiet"]) == 130
    captured = capsys.readouterr()
    assert captured.err == "sensorimotor demo: interrupted\n" and captured.out == ""
    monkeypatch.setattr(sweep, "run_sweep", interrupted)
    toml = tmp_path / "e.toml"
    toml.write_text('task = "continual"\n[settings]\nsteps = 100\n')
    assert main(["run", str(toml), "--out", str(tmp_path / "out"), "--quiet"]) == 130
    assert capsys.readouterr().err == (
        "sensorimotor run: interrupted; --resume finishes the sweep\n"
    )


def test_run_json_is_the_last_line_with_the_sweeps_counts_and_files(capsys, tmp_path, monkeypatch):
    """``run`` had no ``--json``: a script read its counts from a sentence. The last line
    now holds them, the folder and the files written; a resumed sweep reports what it
    skipped."""
    import json

    toml = tmp_path / "e.toml"
    toml.write_text('task = "continual"\nseeds = 2\n[settings]\nsteps = 500\n')
    out = tmp_path / "out"
    assert main(["run", str(toml), "--out", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out.splitlines()[-1])
    assert report["out"] == str(out) and report["seconds"] > 0  # absolute (tmp_path is)
    assert (report["trials"], report["ran"], report["skipped"], report["errors"]) == (2, 2, 0, 0)
    assert any(path.endswith("results.csv") for path in report["files"])
    assert captured.err == ""  # --json: no progress lines
    assert main(["run", str(toml), "--out", str(out), "--resume", "--json"]) == 0
    again = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (again["trials"], again["ran"], again["skipped"]) == (2, 0, 2)
    # an --out given relative to where the command runs is reported absolute
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(toml), "--out", "out", "--resume", "--json"]) == 0
    again = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert again["out"] == str(out) and all(os.path.isabs(f) for f in again["files"])


def test_a_sweep_whose_trials_raised_exits_with_status_1(capsys, monkeypatch, tmp_path):
    """Every trial raised (DQN on a continuous action space) and ``run`` still exited 0,
    so a script or CI job took the sweep for a success; the errors were only in
    results.csv. Now exit status 1 and a line on stderr saying where to look."""
    from sensorimotor.run import rl

    # the file check now refuses this pair: switched off, so that the trial itself raises
    monkeypatch.setattr(rl, "check_action_space", lambda agent, space: None)
    toml = tmp_path / "e.toml"
    toml.write_text(
        'task = "rl"\n[settings]\nagent = "dqn"\nenvironment = "Pendulum-v1"\nsteps = 10\n'
    )
    out = tmp_path / "out"
    assert main(["run", str(toml), "--out", str(out), "--quiet"]) == 1
    captured = capsys.readouterr()
    assert "1 trials (1 run, 0 already done, 1 with errors)" in captured.out
    assert captured.err == (
        f"sensorimotor run: 1 of 1 trials raised: see the error column of {out}/results.csv\n"
    )
    assert "Discrete action space" in (out / "results.csv").read_text()


def test_quiet_turns_the_progress_bars_off_in_every_command(capsys, monkeypatch, tmp_path):
    """``sutton1992`` had no way to turn its bars off, and ``rl --quiet`` and
    ``bc --quiet`` were usage errors ("unrecognized arguments") though demo, run and adhdp
    take it: now each command takes ``--quiet``."""
    from sensorimotor.run import imitation, rl, sutton1992

    calls = []

    def experiment(**kwargs):
        calls.append(kwargs["show_progress"])
        raise ValueError("stop here")

    def train(*args, **kwargs):
        calls.append(kwargs["progress"])
        raise ValueError("stop here")

    monkeypatch.setattr(sutton1992, "experiment1", experiment)
    monkeypatch.setattr(sutton1992, "experiment2", experiment)
    monkeypatch.setattr(rl, "train_seeds", train)
    monkeypatch.setattr(imitation, "clone_expert", train)
    expert = tmp_path / "seed-0.npz"
    expert.write_bytes(b"")
    for quiet in ([], ["--quiet"]):
        assert main(["sutton1992", "--experiment", "1", *quiet]) == 2
        assert main(["sutton1992", "--experiment", "2", *quiet]) == 2
        assert main(["rl", "dqn", "--env", "CartPole-v1", *quiet]) == 2
        assert main(["bc", "--env", "CartPole-v1", "--expert", str(expert), *quiet]) == 2
    assert calls == [True] * 4 + [False] * 4
    assert main(["rl", "dqn", "--env", "CartPole-v1", "--json"]) == 2  # --json: quiet too
    assert calls[-1] is False


def test_every_option_of_every_command_says_what_it_does_in_help():
    """``--help`` showed ``demo --seed``, ``sutton1992 --experiment``, ``run --backend``
    and the positional arguments of run, adhdp and rl with no word on what they are or
    their default."""
    import argparse

    from sensorimotor.run.cli import build_parser

    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    silent = [
        f"{name} {action.dest}"
        for name, command in sub.choices.items()
        for action in command._actions
        if not isinstance(action, argparse._HelpAction) and not action.help
    ]
    assert silent == []


def test_the_console_script_ends_an_interrupted_compiled_run_with_130(tmp_path):
    """Ctrl-C during a compiled run printed the one line, then the interpreter often
    crashed in its shutdown with XLA's work in flight (a segmentation fault, status 139).
    console_script ends the process at once with 130."""
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "sensorimotor", "sutton1992", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    time.sleep(4.0)  # past the imports, into the compiled experiment (about 10 s in all)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    # (it used to end with 0 now and then: see the test below)
    assert proc.returncode == 130, err
    assert err.rstrip().endswith("sensorimotor sutton1992: interrupted")


@pytest.mark.parametrize("where", ["_xla_gc_callback", "an import"])
def test_an_interrupt_where_it_would_be_lost_or_crash_is_delivered_again(monkeypatch, where):
    """A Ctrl-C that landed in JAX's garbage-collection callback was printed and dropped by
    Python, and the run went on to status 0; one during the imports of JAX's C extensions
    ended in a traceback, an abort or a segmentation fault. The command's handler delivers
    such an interrupt again a moment later, and raises it anywhere else."""
    import signal
    import sys

    import sensorimotor.__main__ as entry

    timers = []

    class Timer:
        def __init__(self, seconds, function, args):
            timers.append((function, args))

        def start(self):
            pass

    monkeypatch.setattr(entry.threading, "Timer", Timer)

    def _xla_gc_callback():
        return sys._getframe()

    if where == "an import":
        frame = sys._getframe()
        monkeypatch.setattr(entry, "_IMPORTING", frame.f_code.co_filename)
    else:
        frame = _xla_gc_callback()
    entry.on_interrupt(signal.SIGINT, frame)  # no KeyboardInterrupt here
    assert timers == [(signal.raise_signal, (signal.SIGINT,))]
    monkeypatch.setattr(entry, "_IMPORTING", "<frozen importlib")
    with pytest.raises(KeyboardInterrupt):
        entry.on_interrupt(signal.SIGINT, sys._getframe())


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["sutton1992", "--plot", ""], "--plot"),
        (["sutton1992", "--experiment", "2", "--plot", "fig.pgf"], "--plot"),
        (["adhdp", "epuck", "--out", "", "--runs", "1", "--episodes", "1"], "--out"),
        (["run", "e.toml", "--out", ""], "--out"),
    ],
)
def test_an_empty_path_or_a_plot_that_needs_latex_is_refused_before_any_work(
    capsys, monkeypatch, tmp_path, argv, flag
):
    """An empty --plot or --out was taken as no plot or log (or the default folder), and
    --save '' failed after the training; a .pgf plot needed LaTeX after the whole run."""
    from sensorimotor.run import sutton1992

    def ran(*args, **kwargs):
        raise AssertionError("an experiment ran")

    monkeypatch.setattr(sutton1992, "experiment1", ran)
    monkeypatch.setattr(sutton1992, "experiment2", ran)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "e.toml").write_text('task = "continual"\n[settings]\nsteps = 100\n')
    assert main(argv) == 2
    assert f"error: {flag}" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.toml"]


def test_bc_save_empty_is_refused_before_the_expert_plays(capsys, tmp_path):
    from sensorimotor.agents import DQN

    expert = tmp_path / "expert.npz"
    DQN("CartPole-v1", seed=0).save(expert)
    assert main(["bc", "--env", "CartPole-v1", "--expert", str(expert), "--save", ""]) == 2
    assert "error: --save: the file name is empty" in capsys.readouterr().err


def test_counts_beyond_what_a_run_can_hold_are_one_line_errors(capsys, monkeypatch):
    """--max-trials 2**31 overflowed inside JAX (2**31 - 1 asked for all the memory),
    --steps 2**62 --compiled likewise, and a demo too large for memory was a traceback."""
    from sensorimotor.run import demo

    assert main(["adhdp", "cartpole", "--max-trials", str(2**31), "--runs", "2"]) == 2
    assert "--max-trials must be at most 1000000" in capsys.readouterr().err
    argv = ["rl", "streamq", "--env", "CartPole-v1", "--steps", str(2**62), "--compiled"]
    assert main(argv) == 2
    assert "--steps must be at most 2147483647 with --compiled" in capsys.readouterr().err

    def too_big(*args, **kwargs):
        raise MemoryError("Unable to allocate 1.42 PiB")

    monkeypatch.setattr(demo, "run_demo", too_big)
    assert main(["demo", "--steps", "10", "--quiet"]) == 2
    assert "error: not enough memory for these settings" in capsys.readouterr().err


def test_bc_names_its_seed_flag(capsys):
    assert main(["bc", "--env", "CartPole-v1", "--expert", "x.npz", "--seed", "-1"]) == 2
    assert "error: --seed must be a non-negative int below 2**32" in capsys.readouterr().err


def test_run_workers_with_a_cluster_address_is_refused_in_the_options_words(capsys, tmp_path):
    """--workers with --address said "give workers=None", the Python argument's name, to a
    command-line user; the message names the options, and nothing is written."""
    toml = tmp_path / "lms.toml"
    toml.write_text('task = "continual"\nseeds = 1\n[settings]\nsteps = 10\n')
    out = tmp_path / "out"
    args = ["run", str(toml), "--backend", "ray", "--address", "auto", "--workers", "2"]
    assert main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--workers sizes a Ray started here" in err and "drop --workers" in err
    assert "workers=None" not in err and not out.exists()
