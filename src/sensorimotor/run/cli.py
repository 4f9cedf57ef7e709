"""The command line: ``sensorimotor demo``, ``run``, ``sutton1992``, ``adhdp``, ``rl``,
``bc`` (also ``python -m sensorimotor``)."""

import argparse
import os
import sys

from sensorimotor.base.bounds import check_count, check_seed_range
from sensorimotor.run.json_line import json_line
from sensorimotor.run.output_paths import image_file, output_file, output_folder


def _demo(args) -> int:
    from sensorimotor.run.demo import run_demo

    # settings first: a run refused for them must not leave an empty --out folder behind
    check_count("--steps", args.steps)
    check_seed_range("--seed", args.seed)  # before the folder is made
    output_folder("--out", args.out)

    summary = run_demo(
        out_dir=args.out,
        steps=args.steps,
        seed=args.seed,
        progress=not (args.quiet or args.json),
    )
    print(f"\n{summary['steps']} steps per explorer in {summary['seconds']:.1f}s")
    if args.json:
        from sensorimotor.run.demo import summary_json

        print(json_line(summary_json(summary) | {"seed": args.seed}))
    return 0


def _check_idbd_flags(args) -> None:
    """``--meta-step-size`` and ``--initial-step-size`` in IDBD's bounds, before any work
    (a bad initial step size was refused after Experiment 1 had run), naming the flag."""
    import numpy as np

    from sensorimotor.base.bounds import check_value
    from sensorimotor.rules import IDBD

    for name in ("meta_step_size", "initial_step_size"):
        value = getattr(args, name)
        if value is not None:
            flag = f"--{name.replace('_', '-')}"
            try:
                check_value("IDBD", name, value, IDBD.BOUNDS[name])
            except ValueError as err:
                raise ValueError(f"{flag}: {err}") from None
            # the experiments run in float32: 1e300 became inf there, and the figures NaN
            if abs(value) > float(np.finfo(np.float32).max):
                raise ValueError(f"{flag}: {value!r} is beyond float32, the experiments' floats")


def _sutton1992(args) -> int:
    import time

    from sensorimotor.run import sutton1992 as s

    if args.plot is not None and args.experiment == "1":
        raise ValueError("--plot draws Experiment 2's figures: use it with --experiment 2 or all")
    # a flag of the other experiment would be ignored: refused instead, naming it
    only = {"1": ("seeds", "meta_step_size"), "2": ("initial_step_size",)}
    for experiment, names in only.items():
        for name in names:
            if getattr(args, name) is not None and args.experiment not in (experiment, "all"):
                flag = "--" + name.replace("_", "-")
                raise ValueError(
                    f"{flag} is Experiment {experiment}'s: use --experiment {experiment} or all"
                )
    check_seed_range("--seed", args.seed)
    _check_idbd_flags(args)
    if args.plot is not None:  # '' too: refused, not a run without its plot
        image_file("--plot", args.plot)
    show_progress = not (args.quiet or args.json)
    report = {}  # --json: each experiment's result, and the seconds they took
    seconds = 0.0
    if args.experiment in ("1", "all"):
        given = {n: getattr(args, n) for n in only["1"] if getattr(args, n) is not None}
        start = time.perf_counter()
        result = s.experiment1(**given, key=args.seed, show_progress=show_progress)
        seconds += time.perf_counter() - start
        print(s.format_experiment1(result))
        report["experiment1"] = s.result_json(result)
    if args.experiment in ("2", "all"):
        if args.experiment == "all":
            print()
        given = {n: getattr(args, n) for n in only["2"] if getattr(args, n) is not None}
        start = time.perf_counter()
        result = s.experiment2(**given, key=args.seed, show_progress=show_progress)
        seconds += time.perf_counter() - start
        print(s.format_experiment2(result))
        report["experiment2"] = s.result_json(result)
        if args.plot is not None:
            print(f"wrote {s.plot_experiment2(result, args.plot)}")
    if args.json:
        print(json_line(report | {"seed": args.seed, "seconds": seconds}))
    return 0


def _rl(args) -> int:
    from sensorimotor.base.devices import cpu_devices_per_core
    from sensorimotor.run.rl import format_table, train_seeds

    if args.compiled:  # before JAX runs: the seeds side by side on every core
        cpu_devices_per_core()
    # train_seeds makes the --save folder once the settings and the env are checked
    result = train_seeds(
        args.agent,
        args.env,
        seeds=args.seeds,
        seed=args.seed,
        steps=args.steps,
        compiled=args.compiled,
        save=args.save,
        progress=not (args.quiet or args.json),
    )
    print(format_table(result))
    print(f"trained {len(result['seeds'])} seed(s) in {result['seconds']:.1f}s")
    if args.json:
        keys = ("seeds", "returns", "stds", "seconds")
        print(json_line({key: result[key] for key in keys}))
    return 0


def _bc(args) -> int:
    from sensorimotor.run.imitation import clone_expert

    check_seed_range("--seed", args.seed)  # named as the flag, not as the agent's argument
    if os.path.isdir(args.expert):
        raise ValueError(f"--expert: {args.expert!r} is a folder; give an agent's .npz file")
    if not os.path.isfile(args.expert):
        raise ValueError(f"--expert: {args.expert!r}: no such file")
    if args.gradient_steps is not None:  # named as the flag, not as BCConfig's field
        check_count("--gradient-steps", args.gradient_steps)
    if args.save is not None:  # '' too: refused now, not after the training
        output_file("--save", args.save)  # before the expert plays and the clone trains
    settings = {} if args.gradient_steps is None else {"gradient_steps": args.gradient_steps}
    result = clone_expert(
        args.env,
        args.expert,
        args.episodes,
        seed=args.seed,
        dagger=args.dagger,
        save=args.save,
        progress=not (args.quiet or args.json),
        **settings,
    )
    print(
        f"expert {result['expert']:.1f}, clone {result['clone']:.1f} "
        f"({result['method']}, {args.episodes} expert episodes, "
        f"{result['seconds']:.1f}s)"
    )
    if args.json:
        print(json_line(result))
    return 0


def _run(args) -> int:
    from sensorimotor.run.experiment import load_experiment
    from sensorimotor.run.sweep import run_sweep

    experiment = load_experiment(args.experiment)  # every check before anything is written
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be at least 1, got {args.workers}")
    if args.address is not None and args.backend != "ray":
        raise ValueError("--address joins a Ray cluster: use it with --backend ray")
    if args.address is not None and args.workers is not None:  # said in the options' words
        raise ValueError(
            "--workers sizes a Ray started here; the cluster at --address "
            f"{args.address!r} runs as many trials at once as it has CPUs: drop --workers"
        )
    default = os.path.join("runs", os.path.splitext(os.path.basename(args.experiment))[0])
    out = default if args.out is None else args.out  # '' is refused, not the default
    if not out:
        raise ValueError("--out: the folder name is empty")
    if os.path.exists(out) and not os.path.isdir(out):
        raise ValueError(f"--out: {out!r} is a file, expected a folder")
    if os.path.isdir(out) and os.listdir(out) and not args.resume:
        raise ValueError(
            f"--out: {out!r} is not empty; use --resume to finish the sweep in it, "
            "or give another folder"
        )
    if args.backend == "ray":
        try:
            from sensorimotor.run.backend_ray import RayBackend

            backend = RayBackend(address=args.address, workers=args.workers)
        except ImportError as exc:
            raise ValueError(
                f"--backend ray needs Ray and sensorimotor.run.backend_ray ({exc}); "
                "install the ray extra: pip install 'sensorimotor[ray]'"
            ) from None
    else:
        from sensorimotor.run.backend_local import LocalBackend

        backend = LocalBackend(workers=args.workers or 1)

    def report(done, total):
        if not (args.quiet or args.json):
            print(f"{done}/{total} trials", file=sys.stderr, flush=True)

    # Ray joined (or started) before --out is written: a cluster that cannot be reached
    # must not leave a folder behind that a new run then calls not empty
    with backend:
        output_folder("--out", out)
        summary = run_sweep(experiment, out, backend, resume=args.resume, progress=report)
    print(
        f"{summary['trials']} trials ({summary['ran']} run, {summary['skipped']} already done, "
        f"{summary['errors']} with errors) in {summary['seconds']:.1f}s on {backend!r}"
    )
    print(f"wrote {os.path.join(out, 'results.csv')} and {os.path.join(out, 'summary.md')}")
    if args.json:
        files = [os.path.abspath(path) for path in summary["files"]]
        print(json_line({"out": os.path.abspath(out)} | summary | {"files": files}))
    if summary["errors"]:  # a script or CI job must not take a sweep of failures for a run
        print(
            f"sensorimotor run: {summary['errors']} of {summary['trials']} trials raised: "
            f"see the error column of {os.path.join(out, 'results.csv')}",
            file=sys.stderr,
        )
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sensorimotor", description="Learning in robots, one sample at a time."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo", help="goal babbling versus motor babbling on the 7-joint arm: table, plots, logs"
    )
    demo.add_argument("--steps", type=int, default=3000, help="exploration steps (default 3000)")
    demo.add_argument("--seed", type=int, default=0, help="the explorers' seed (default 0)")
    demo.add_argument("--out", default="runs/demo", help="output folder (default runs/demo)")
    demo.add_argument(
        "--json",
        action="store_true",
        help="last line: JSON steps, seed, seconds, reachable_cells, results (per explorer and "
        "step: uniform goals, random goals, forward, coverage), logs and plots",
    )
    demo.add_argument("--quiet", action="store_true", help="no progress bar (also with --json)")
    demo.set_defaults(func=_demo)
    sutton = sub.add_parser(
        "sutton1992",
        help="reproduce Sutton's (1992) Experiments 1 (LMS versus IDBD) and 2 (the step sizes "
        "IDBD finds), compiled",
    )
    sutton.add_argument(
        "--experiment", choices=("1", "2", "all"), default="all", help="which (default all)"
    )
    sutton.add_argument("--seeds", type=int, help="Experiment 1's runs (default 30)")
    sutton.add_argument("--meta-step-size", type=float, help="Experiment 1's IDBD (default 0.01)")
    sutton.add_argument(
        "--initial-step-size",
        type=float,
        help="Experiment 2's initial IDBD step size (default 0.05, Experiment 1's)",
    )
    sutton.add_argument(
        "--seed",
        type=int,
        default=1992,
        help="the root key that each experiment splits into its seeds' keys (default 1992)",
    )
    sutton.add_argument("--plot", metavar="PNG", help="draw Experiment 2's figures to this file")
    sutton.add_argument(
        "--json",
        action="store_true",
        help="last line: one JSON object: experiment1 and/or experiment2 (each result's "
        "fields: lms_step_sizes, lms_mse, idbd_mse, ...; relevant, irrelevant, ...), seed and "
        "seconds",
    )
    sutton.add_argument("--quiet", action="store_true", help="no progress bars (also with --json)")
    sutton.set_defaults(func=_sutton1992)
    run = sub.add_parser(
        "run",
        help="run an experiment file (TOML): its grid x seeds, here or on Ray; results.csv, "
        "summary.md and plots in --out",
    )
    run.add_argument("experiment", metavar="EXPERIMENT.toml", help="the experiment file")
    run.add_argument(
        "--backend",
        choices=("local", "ray"),
        default="local",
        help="this machine, or a Ray cluster (the ray extra) (default local)",
    )
    run.add_argument("--workers", type=int, help="worker processes (default 1; ray: its own)")
    run.add_argument("--address", help="ray: a cluster to join ('auto' or host:port)")
    run.add_argument("--out", help="output folder (default runs/<experiment name>)")
    run.add_argument("--resume", action="store_true", help="run only the trials not done in --out")
    run.add_argument(
        "--json",
        action="store_true",
        help="last line: JSON out, trials, ran, skipped, errors, seconds and the files written",
    )
    run.add_argument("--quiet", action="store_true", help="no progress lines (also with --json)")
    run.set_defaults(func=_run)
    from sensorimotor.run.adhdp.adhdp_command import add_adhdp_parser

    add_adhdp_parser(sub)

    rl = sub.add_parser(
        "rl",
        help="train a deep RL agent over seeds (rl-zoo's settings where it has them) and "
        "print each seed's greedy mean return over 20 episodes",
    )
    rl.add_argument(
        "agent", choices=("dqn", "reinforce", "streamq", "streamac"), help="the agent to train"
    )
    rl.add_argument("--env", required=True, help="a Gymnasium id, e.g. CartPole-v1")
    rl.add_argument("--seeds", type=int, default=1, help="how many seeds (default 1)")
    rl.add_argument("--seed", type=int, default=0, help="the first seed (default 0)")
    rl.add_argument("--steps", type=int, help="environment steps (default: the zoo's, or 50k)")
    rl.add_argument(
        "--compiled", action="store_true", help="train all seeds at once on the JAX environment"
    )
    rl.add_argument("--save", metavar="DIR", help="write seed-<seed>.npz per seed here")
    rl.add_argument(
        "--json", action="store_true", help="last line: JSON seeds, returns, stds and seconds"
    )
    rl.add_argument("--quiet", action="store_true", help="no progress bars (also with --json)")
    rl.set_defaults(func=_rl)
    bc = sub.add_parser(
        "bc",
        help="clone an expert saved by `rl --save` from K of its episodes (behavioural "
        "cloning, or DAgger) and print the clone's and the expert's greedy mean returns",
    )
    bc.add_argument("--env", required=True, help="a Gymnasium id, e.g. CartPole-v1")
    bc.add_argument("--expert", required=True, metavar="PATH", help="an agent's .npz file")
    bc.add_argument("--episodes", type=int, default=10, help="expert episodes (default 10)")
    bc.add_argument("--seed", type=int, default=0, help="the clone's seed (default 0)")
    bc.add_argument("--dagger", action="store_true", help="DAgger: one round per episode")
    bc.add_argument(
        "--gradient-steps",
        type=int,
        help="per learn call (BC) or round (DAgger); default: the agent's",
    )
    bc.add_argument("--save", metavar="FILE", help="write the clone here (.npz)")
    bc.add_argument(
        "--json",
        action="store_true",
        help="last line: JSON method, expert and clone returns, and seconds",
    )
    bc.add_argument("--quiet", action="store_true", help="no progress bars (also with --json)")
    bc.set_defaults(func=_bc)
    return parser


def console_script() -> None:
    """The ``sensorimotor`` command (and ``python -m sensorimotor``): :func:`main`, then its
    exit status. After Ctrl-C the process ends at once (``os._exit(130)``), once the
    interrupted work has unwound and its files are closed: an interpreter shut down
    normally while XLA's threads still ran an interrupted computation could crash in the
    shutdown (a segmentation fault, status 139, after the "interrupted" line)."""
    code = main()
    if code == 130:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    sys.exit(code)


def main(argv=None) -> int:
    """Entry point of the ``sensorimotor`` command (returns its exit status)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, OSError) as exc:  # a bad setting or path, named by what refused it
        print(f"{parser.prog} {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except MemoryError as exc:  # counts too large for this machine: said, not a traceback
        print(
            f"{parser.prog} {args.command}: error: not enough memory for these settings "
            f"({exc or 'MemoryError'}): lower the counts (--steps, --episodes, --runs, ...)",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:  # Ctrl-C: the shell's status for SIGINT, not a traceback
        pass
    # said once the interrupted frames are freed: a progress bar they held prints its
    # last line when it is closed, and that line comes before this one
    hint = "; --resume finishes the sweep" if args.command == "run" else ""
    print(f"{parser.prog} {args.command}: interrupted{hint}", file=sys.stderr)
    return 130


if __name__ == "__main__":
    sys.exit(main())
