"""``sensorimotor adhdp {epuck,cartpole,ant}``: run an experiment, print a table, write logs
and plots, and with ``--json`` print one JSON object as the last line."""

from __future__ import annotations

import math
import os

import numpy as np

from sensorimotor.base.bounds import check_seed_range
from sensorimotor.run.json_line import json_line


def _public(result: dict) -> dict:
    return {k: v for k, v in result.items() if not k.startswith("_")}


#: the experiments each experiment-specific flag applies to
FLAG_EXPERIMENTS = {
    "episodes": ("epuck", "ant"),
    "max_trials": ("cartpole",),
    "actuator_noise": ("cartpole",),
    "critic": ("cartpole",),
    "actor": ("epuck", "ant"),
}


#: the most trials a cart-pole run may take (Si and Wang's runs end within 100)
MAX_TRIALS = 1_000_000

#: runs per experiment when --runs is not given
DEFAULT_RUNS = {"epuck": 20, "cartpole": 50, "ant": 10}


def runs_of(args) -> int:
    """``--runs``, or the experiment's default number of runs (``DEFAULT_RUNS``)."""
    return DEFAULT_RUNS[args.experiment] if args.runs is None else args.runs


def check_flags(args) -> None:
    """A ``ValueError`` naming the flag: a count below 1, a negative seed, an actuator
    noise outside [0, 1], or a flag given for an experiment it does not apply to (it would
    be ignored).

    >>> import argparse
    >>> args = argparse.Namespace(experiment="epuck", runs=2, episodes=None, max_trials=None,
    ...                           actuator_noise=0.05, critic=None, actor=None)
    >>> check_flags(args)
    Traceback (most recent call last):
    ...
    ValueError: --actuator-noise applies to cartpole only, not to epuck
    """
    # --seeds is --runs under rl's name: the message names both
    for name, flag in (
        ("runs", "--runs (--seeds)"),
        ("episodes", "--episodes"),
        ("max_trials", "--max-trials"),
    ):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise ValueError(f"{flag} must be at least 1, got {value}")
    # as rl's and demo's: the ePuck's generator refused it with numpy's "expected
    # non-negative integer", naming no flag, and the cart-pole ran with it
    # each run keeps every trial's length, compiled in int32: 2**31 overflowed in JAX, and
    # 2**31 - 1 trials for two runs asked for all the machine's memory
    if args.max_trials is not None and args.max_trials > MAX_TRIALS:
        raise ValueError(f"--max-trials must be at most {MAX_TRIALS}, got {args.max_trials}")
    # over the runs that will run: --runs, or the experiment's default
    check_seed_range("--seed", getattr(args, "seed", 0), runs_of(args))
    noise = args.actuator_noise
    if noise is not None and not 0.0 <= noise <= 1.0:  # NaN fails both comparisons
        raise ValueError(f"--actuator-noise must be a number in [0, 1], got {noise}")
    for name, experiments in FLAG_EXPERIMENTS.items():
        if getattr(args, name) is not None and args.experiment not in experiments:
            raise ValueError(
                f"--{name.replace('_', '-')} applies to {' and '.join(experiments)} only, "
                f"not to {args.experiment}"
            )


def run_adhdp_command(args) -> int:
    """The ``adhdp`` subcommand (``args`` from ``cli.build_parser``).

    >>> import argparse, contextlib, io, json
    >>> parser = argparse.ArgumentParser(prog="sensorimotor")
    >>> add_adhdp_parser(parser.add_subparsers())
    >>> args = parser.parse_args(
    ...     ["adhdp", "cartpole", "--critic", "esn", "--runs", "1", "--max-trials", "1", "--json"])
    >>> with contextlib.redirect_stdout(io.StringIO()) as out:
    ...     code = run_adhdp_command(args)
    >>> result = json.loads(out.getvalue().splitlines()[-1])  # --json: the last line
    >>> code, result["runs"], result["critic"], len(result["trials"])
    (0, 1, 'esn', 1)
    >>> run_adhdp_command(parser.parse_args(["adhdp", "epuck", "--max-trials", "3"]))
    Traceback (most recent call last):
    ...
    ValueError: --max-trials applies to cartpole only, not to epuck
    """
    from sensorimotor.run.output_paths import output_folder

    check_flags(args)
    if args.experiment == "cartpole" and (args.critic or "mlp") == "mlp":
        from sensorimotor.base.devices import cpu_devices_per_core

        # before JAX runs: the compiled runs side by side on every core (a run's trials
        # do not depend on how the runs are split)
        cpu_devices_per_core()
    if args.experiment == "ant":  # before --out is made: a missing extra, named plainly
        try:
            import mujoco  # noqa: F401
        except ImportError:
            raise ValueError(
                "the ant needs MuJoCo, which is not installed: pip install 'sensorimotor[mujoco]'"
            ) from None
    out = None if args.out is None else output_folder("--out", args.out)
    quiet = args.quiet or args.json
    if args.experiment == "epuck":
        result = _epuck(args, out, quiet)
    elif args.experiment == "ant":
        result = _ant(args, out, quiet)
    else:
        result = _cartpole(args, out, quiet)
    if args.json:
        print(json_line(_public(result)))
    return 0


def _epuck(args, out, quiet) -> dict:
    from sensorimotor.run.adhdp.adhdp_epuck import EpuckSettings, epuck_experiment, format_epuck

    runs = runs_of(args)
    episodes = 50 if args.episodes is None else args.episodes
    settings = EpuckSettings(actor=args.actor or "bruteforce")
    result = epuck_experiment(
        runs, args.seed, episodes, out=out, settings=settings, show_progress=not quiet
    )
    print(format_epuck(result))
    if out:
        _epuck_plots(result, out)
    return {k: v for k, v in result.items() if not k.endswith("_lengths") or k.startswith("_")} | {
        "learned_lengths": result["learned_lengths"]
    }


def _epuck_plots(result: dict, out: str) -> None:
    from sensorimotor.run.adhdp.adhdp_plots import (
        plot_critic_over_action,
        plot_episode_lengths,
        plot_td_error,
    )
    from sensorimotor.run.adhdp.epuck_plots import plot_epuck_trajectories
    from sensorimotor.run.episode_log import read_episodes

    written = [
        plot_episode_lengths(
            os.path.join(out, "epuck_lengths.png"),
            {n: result[f"{n}_lengths"] for n in ("learned", "random", "frozen")},
            title="ePuck: episode length (median and quartiles over runs)",
        )
    ]
    first = result["_first_run"]
    written.append(
        plot_epuck_trajectories(
            os.path.join(out, "epuck_trajectories.png"),
            None,
            first.trajectories[-10:],
            first.collided[-10:],
            title=f"ePuck, seed {result['seed']}: the last 10 episodes (x: collision)",
        )
    )
    log = os.path.join(out, f"epuck_seed{result['seed']}.h5")
    written.append(
        plot_td_error(os.path.join(out, "epuck_td_error.png"), read_episodes(log), "ePuck")
    )
    states = {
        "obstacle ahead": np.array([0.5, 1.0, 1.0]) / 15.0,
        "obstacle front-left": np.array([1.5, 0.5, 15.0]) / 15.0,
        "free": np.ones(3),
    }
    agent = result["_first_agent"]
    agent.reservoir.reset()
    written.append(
        plot_critic_over_action(
            os.path.join(out, "epuck_critic.png"),
            agent,
            states,
            np.linspace(-math.pi, math.pi, 73),
            xlabel="turn (rad)",
        )
    )
    print("wrote " + ", ".join(written))


def _cartpole(args, out, quiet) -> dict:
    from sensorimotor.run.adhdp.adhdp_cartpole import (
        CartPoleSettings,
        DirectHDPSettings,
        cartpole_experiment,
        direct_hdp_experiment,
        format_cartpole,
    )
    from sensorimotor.run.adhdp.adhdp_plots import plot_episode_lengths

    runs = runs_of(args)
    max_trials = 100 if args.max_trials is None else args.max_trials
    critic = args.critic or "mlp"
    noise = 0.0 if args.actuator_noise is None else args.actuator_noise
    if critic == "mlp":
        settings = DirectHDPSettings(actuator_noise=noise)
        result = direct_hdp_experiment(runs, args.seed, max_trials, settings)
    else:
        settings = CartPoleSettings(actuator_noise=noise)
        result = cartpole_experiment(
            runs, args.seed, max_trials, out=out, settings=settings, show_progress=not quiet
        )
    print(format_cartpole(result))
    if out:
        width = max(len(ls) for ls in result["_lengths"])
        rows = np.array([ls + [ls[-1]] * (width - len(ls)) for ls in result["_lengths"]])
        png = plot_episode_lengths(
            os.path.join(out, "cartpole_trials.png"),
            {"direct HDP" if critic == "mlp" else "state-feedback ADHDP": rows},
            title=f"cart-pole: steps per trial (a run stops at {result['balanced_steps']})",
        )
        print(f"wrote {png}")
    return result


def _ant(args, out, quiet) -> dict:
    from sensorimotor.run.adhdp.adhdp_ant import AntSettings, ant_experiment, format_ant
    from sensorimotor.run.adhdp.adhdp_plots import plot_episode_lengths

    runs = runs_of(args)
    episodes = 40 if args.episodes is None else args.episodes
    result = ant_experiment(
        runs,
        args.seed,
        episodes,
        out=out,
        settings=AntSettings(actor=args.actor or "gradient"),
        show_progress=not quiet,
    )
    print(format_ant(result))
    if out:
        png = plot_episode_lengths(
            os.path.join(out, "ant_learning.png"),
            {"ADHDP (learning, with exploration)": np.array(result["_learning"])},
            title="Ant: distance per learning episode (median, quartiles over runs)",
            ylabel="distance (m)",
        )
        print(f"wrote {png}")
    return result


def add_adhdp_parser(sub) -> None:
    """Add the ``adhdp`` subcommand to the ``sensorimotor`` parser.

    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="sensorimotor")
    >>> add_adhdp_parser(parser.add_subparsers())
    >>> args = parser.parse_args(["adhdp", "ant", "--runs", "2", "--actor", "bruteforce"])
    >>> args.experiment, args.runs, args.actor, args.seed, args.func is run_adhdp_command
    ('ant', 2, 'bruteforce', 0, True)
    >>> parser.parse_args(["adhdp", "ant", "--seeds", "3"]).runs  # rl's name for --runs
    3
    """
    p = sub.add_parser(
        "adhdp",
        help="adaptive critics (ADHDP): the ePuck's collision avoidance against random and "
        "frozen-critic baselines, the cart-pole, or the Ant's sine gait (mujoco extra)",
    )
    p.add_argument(
        "experiment", choices=("epuck", "cartpole", "ant"), help="which robot's experiment"
    )
    p.add_argument(
        "--runs",
        "--seeds",  # the same count, as rl, sutton1992 and the experiment files name it
        type=int,
        help="how many seeds, one run each (default 20 for epuck, 50 for cartpole, 10 for "
        "ant); --seeds is the same option, as rl and sutton1992 spell it",
    )
    p.add_argument("--seed", type=int, default=0, help="the first seed (default 0)")
    p.add_argument(
        "--episodes",
        type=int,
        help="epuck: episodes per run (default 50); ant: learning episodes per run (default 40)",
    )
    p.add_argument("--max-trials", type=int, help="cartpole: trials allowed per run (default 100)")
    p.add_argument(
        "--actuator-noise",
        type=float,
        help="cartpole: uniform actuator noise, e.g. 0.05 for 5%% (default 0)",
    )
    p.add_argument(
        "--critic",
        choices=("mlp", "esn"),
        help="cartpole: Si and Wang's direct HDP, two small networks compiled over all runs "
        "(default), or the state-feedback ADHDP with an ESN critic (HDF5 logs with --out)",
    )
    p.add_argument(
        "--actor",
        choices=("bruteforce", "gradient"),
        help="epuck: ActionBruteForce over 16 turns (default) or ADHDP's gradient step; "
        "ant: ActionGradient (default) or ActionBruteForce over 64 gaits",
    )
    p.add_argument("--out", help="folder for the HDF5 episode logs and the plots")
    p.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run_adhdp_command)


__all__ = ["run_adhdp_command", "add_adhdp_parser"]
