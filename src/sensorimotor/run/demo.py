"""The showcase: goal babbling versus motor babbling on the 7-joint arm."""

import os
import time

import numpy as np

from sensorimotor.envs import KinematicArm2D
from sensorimotor.explore import (
    LearningProgressExplorer,
    MetaExplorer,
    RandomGoalExplorer,
    RandomMotorExplorer,
)
from sensorimotor.learners import NNLearner
from sensorimotor.run.evaluation import (
    ErrorStats,
    coverage,
    evaluate,
    forward_tests,
    held_out_goals,
    reachable_points,
    uniform_goals,
)
from sensorimotor.run.observation_log import (
    ObservationLog,
    acquire_write_lock,
    release_write_lock,
)
from sensorimotor.run.progress import progress as progress_bar_iter

#: The explorers compared: label -> file stem.
EXPLORERS = {
    "motor babbling": "motor_babbling",
    "goal babbling": "goal_babbling",
    "interest-driven": "interest_driven",
}
TABLE_STEPS = (300, 1000, 3000)
CELLS = 20  # coverage grid: CELLS x CELLS over the sensory bounds [-1, 1]^2


def make_explorer(label: str, learner, seed: int):
    """The demo's explorer called ``label`` around ``learner``.

    * ``'motor babbling'``: ``RandomMotorExplorer``;
    * ``'goal babbling'``: ``MetaExplorer``, 100 steps of motor babbling then
      ``RandomGoalExplorer`` with its defaults (goals uniform in the box of the effects
      reached so far, grown by 0.1 of its extent; noise 0.3 / sqrt(7) = 0.113 of each joint's
      range);
    * ``'interest-driven'``: the same, with ``LearningProgressExplorer`` (SAGG-RIAC regions
      that split as goals accumulate, goals drawn by competence progress within goal
      babbling's learned region; the same noise).

    >>> from sensorimotor.learners import NNLearner
    >>> arm = KinematicArm2D.mid7()
    >>> learner = NNLearner({'m_channels': arm.m_channels, 's_channels': arm.s_channels})
    >>> explorer = make_explorer('goal babbling', learner, seed=0)
    >>> type(explorer).__name__, explorer.cfg.eras, [type(e).__name__ for e in explorer.explorers]
    ('MetaExplorer', (100, None), ['RandomMotorExplorer', 'RandomGoalExplorer'])
    """
    base = {"learner": learner}
    if label == "motor babbling":
        return RandomMotorExplorer({**base, "seed": seed})
    if label == "goal babbling":
        goal = RandomGoalExplorer({**base, "seed": seed + 2})
    elif label == "interest-driven":
        goal = LearningProgressExplorer({**base, "seed": seed + 2})
    else:
        raise ValueError(f"unknown explorer {label!r} (known: {list(EXPLORERS)})")
    motor = RandomMotorExplorer({**base, "seed": seed + 1})
    return MetaExplorer({**base, "explorers": [motor, goal], "eras": (100, None), "seed": seed})


def checkpoints(steps: int) -> list[int]:
    """Steps at which the learner is evaluated: log-spaced, plus ``TABLE_STEPS`` and the end.

    >>> checkpoints(400)
    [10, 12, 16, 20, 26, 34, 43, 55, 71, 91, 116, 149, 191, 244, 300, 312, 400]
    """
    points = set(np.unique(np.geomspace(10, max(steps, 10), 16).astype(int)).tolist())
    points |= {s for s in TABLE_STEPS if s <= steps} | {steps}
    return sorted(p for p in points if 1 <= p <= steps)


def explore_and_evaluate(
    label, arm, tests, steps, seed, log_path=None, show_progress=False, learner=None
):
    """Run one explorer for ``steps`` steps with ``learner`` (default a fresh ``NNLearner``
    seeded with ``seed``), evaluating at checkpoints.

    Returns ``(curve, reached)``: ``curve`` maps each checkpoint step to ``{test name:
    ErrorStats, 'coverage': occupied cells}``, ``reached`` is the ``(steps, 2)`` array of
    reached positions. With ``log_path`` every observation goes to an HDF5 ``ObservationLog``
    (meta: step, exploration tag and goal).
    """
    if learner is None:
        learner = NNLearner(
            {"m_channels": arm.m_channels, "s_channels": arm.s_channels, "seed": seed}
        )
    explorer = make_explorer(label, learner, seed)
    todo = set(checkpoints(steps))
    reached = np.empty((steps, 2))
    curve = {}
    log = None
    if log_path is not None:
        # the old log is replaced only if no other run writes it: removing its lock let a
        # second demo into the same folder overwrite the first one's logs as it ran
        fd = _lock_free(log_path)
        try:
            if os.path.exists(log_path):
                os.remove(log_path)
        finally:
            release_write_lock(fd)
        log = ObservationLog(log_path, arm.m_channels, arm.s_channels, flush_every=500)
    try:
        loop = progress_bar_iter(range(steps), total=steps, desc=f"{label:>16}")
        for t in loop if show_progress else range(steps):
            e = explorer.explore()
            f = arm.execute(e["m_signal"])
            explorer.receive(e, f)
            reached[t] = (f["s_signal"]["x"], f["s_signal"]["y"])
            if log is not None:
                meta = {"step": t, "from": e["from"]}
                if "s_goal" in e:
                    meta["s_goal"] = e["s_goal"]
                log.append(f, meta=meta)
            if t + 1 in todo:
                row = {name: evaluate(learner, arm, test) for name, test in tests.items()}
                row["coverage"] = coverage(reached[: t + 1], arm.s_set, CELLS)
                curve[t + 1] = row
    finally:
        if log is not None:
            log.close()
    return curve, reached


def _lock_free(log_path: str) -> int:
    """The write lock of the log at ``log_path`` (to release), or a ``ValueError`` if another
    run holds it."""
    try:
        return acquire_write_lock(log_path, "run")
    except RuntimeError as err:
        raise ValueError(f"{err} (a second demo into the same folder?)") from None


def run_demo(
    out_dir: str = "runs/demo",
    steps: int = 3000,
    seed: int = 0,
    progress: bool = True,
    *,
    progress_bar: bool | None = None,
    verbose: bool = True,
    goals: int = 500,
    explorers=tuple(EXPLORERS),
) -> dict:
    """Goal babbling versus motor babbling on ``KinematicArm2D.mid7()``.

    Each explorer (see ``make_explorer``) explores for ``steps`` steps with its own
    ``NNLearner`` (exact nearest neighbour); at checkpoints the learner is evaluated on three
    held-out test sets (``sensorimotor.run.evaluation``): reach error on ``goals`` goals
    spread uniformly over the reachable space (``'uniform goals'``), reach error on the
    effects of random commands (``'random goals'``) and forward error on random commands
    (``'forward'``), all in arm lengths (the arm's total length is 1); and coverage, the
    occupied cells of a 20 x 20 grid over the sensory bounds. Writes to ``out_dir``:
    ``<explorer>.h5`` (the observation log of each run), ``learning_curves.png`` and
    ``reached.png``. Prints the results table (``verbose``) and shows progress bars on stderr
    (``progress``; ``progress_bar`` is an alias). Takes about 5 s for 3000 steps.

    Returns ``{'steps', 'seconds', 'table' (str), 'reachable_cells', 'results': {explorer:
    {step: {test: ErrorStats, 'coverage': int}}}, 'logs': {explorer: path}, 'plots': [paths]}``.

    >>> import tempfile
    >>> result = run_demo(tempfile.mkdtemp(), steps=200, progress=False, verbose=False,
    ...                   goals=100, explorers=('motor babbling', 'goal babbling'))
    >>> final = result['results']['goal babbling'][200]
    >>> sorted(final), final['uniform goals'].n
    (['coverage', 'forward', 'random goals', 'uniform goals'], 100)
    >>> print(result['table'].splitlines()[5])
    step  explorer           mean  median     p90  random goals  forward  coverage
    """
    if progress_bar is not None:
        progress = progress_bar
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    for label in explorers:
        if label not in EXPLORERS:
            raise ValueError(f"unknown explorer {label!r} (known: {list(EXPLORERS)})")
    # a --steps too large for memory fails here, before a folder or a lock file is made
    np.empty((steps, 2))  # each run's reached positions, allocated in explore_and_evaluate
    os.makedirs(out_dir, exist_ok=True)
    logs = {label: os.path.join(out_dir, EXPLORERS[label] + ".h5") for label in explorers}
    for path in logs.values():  # before any is replaced: not one log of a running demo
        release_write_lock(_lock_free(path))
    start = time.perf_counter()
    arm = KinematicArm2D.mid7()
    test_seed = seed + 10_000  # test sets are held out from every explorer's draws
    reachable = reachable_points(arm, seed=test_seed)
    tests = {
        "uniform goals": uniform_goals(arm, goals, seed=test_seed, points=reachable),
        "random goals": held_out_goals(arm, goals, seed=test_seed + 1),
        "forward": forward_tests(arm, goals, seed=test_seed + 2),
    }
    reachable_cells = coverage(reachable, arm.s_set, CELLS)
    results, reached = {}, {}
    for label in explorers:
        results[label], reached[label] = explore_and_evaluate(
            label, arm, tests, steps, seed, log_path=logs[label], show_progress=progress
        )
    table = results_table(results, reachable_cells, steps, goals)
    from sensorimotor.run.demo_plots import plot_learning_curves, plot_reached

    plots = [
        plot_learning_curves(
            results, reachable_cells, os.path.join(out_dir, "learning_curves.png")
        ),
        plot_reached(reached, reachable, arm, os.path.join(out_dir, "reached.png")),
    ]
    seconds = time.perf_counter() - start
    if verbose:
        print(table)
        print(f"\nwritten: {', '.join([*logs.values(), *plots])}")
    return {
        "steps": steps,
        "seconds": seconds,
        "table": table,
        "reachable_cells": reachable_cells,
        "results": results,
        "logs": logs,
        "plots": plots,
    }


def summary_json(summary: dict) -> dict:
    """:func:`run_demo`'s summary as JSON values, for ``demo --json``: ``steps``, ``seconds``,
    ``reachable_cells`` as they are, ``logs`` and ``plots`` as absolute paths, and
    ``results`` as ``{explorer:
    {step (a string, as JSON keys are): {test: {'mean', 'median', 'p90', 'n'}, 'coverage':
    int}}}`` (the table, without its text).

    >>> from sensorimotor.run.evaluation import ErrorStats
    >>> stats = ErrorStats(0.5, 0.4, 0.9, 3)
    >>> summary = {'steps': 10, 'seconds': 1.5, 'table': '...', 'reachable_cells': 200,
    ...            'results': {'goal babbling': {10: {'forward': stats, 'coverage': 7}}},
    ...            'logs': {'goal babbling': 'goal.h5'}, 'plots': ['a.png']}
    >>> summary_json(summary)['results']
    {'goal babbling': {'10': {'forward': {'mean': 0.5, 'median': 0.4, 'p90': 0.9, 'n': 3}, 'coverage': 7}}}
    """
    results = {
        label: {
            str(step): {
                test: value._asdict() if isinstance(value, ErrorStats) else value
                for test, value in row.items()
            }
            for step, row in curve.items()
        }
        for label, curve in summary["results"].items()
    }
    kept = ("steps", "seconds", "reachable_cells")
    paths = {  # absolute: a script reading the line may run in another folder
        "logs": {label: os.path.abspath(path) for label, path in summary["logs"].items()},
        "plots": [os.path.abspath(path) for path in summary["plots"]],
    }
    return {key: summary[key] for key in kept} | paths | {"results": results}


def results_table(results: dict, reachable_cells: int, steps: int, goals: int) -> str:
    """The printed table: errors (mean, median, p90 on uniform goals; mean on random goals and
    forward) and coverage at ``TABLE_STEPS`` and the last step, then the verdict."""
    rows = sorted({s for s in TABLE_STEPS if s <= steps} | {steps})
    width = max(4, len(str(steps)))  # --steps 20000: the column as wide as its numbers
    lines = [
        f"7-joint arm, {steps} steps; errors in arm lengths (the arm's length is 1)",
        f"  mean/median/p90: reach error on {goals} goals spread uniformly over the reachable space",
        f"  random goals: mean reach error on the effects of {goals} random commands",
        f"  forward: mean forward error on {goals} random commands",
        f"  coverage: occupied cells of a {CELLS}x{CELLS} grid (about {reachable_cells} reachable)",
        f"{'step':>{width}}  {'explorer':<15} {'mean':>7} {'median':>7} {'p90':>7}  "
        f"{'random goals':>12} {'forward':>8} {'coverage':>9}",
    ]
    for step in rows:
        for label, curve in results.items():
            r = curve[step]
            u = r["uniform goals"]
            lines.append(
                f"{step:>{width}}  {label:<15} {u.mean:7.4f} {u.median:7.4f} {u.p90:7.4f}  "
                f"{r['random goals'].mean:12.4f} {r['forward'].mean:8.4f} {r['coverage']:9d}"
            )
    if "motor babbling" in results and "goal babbling" in results:
        m, g = results["motor babbling"][steps], results["goal babbling"][steps]
        better = g["coverage"] > m["coverage"] and g["uniform goals"].mean < m["uniform goals"].mean
        lines.append(
            f"after {steps} steps goal babbling covers {g['coverage']} cells (motor babbling "
            f"{m['coverage']}) and reaches uniform goals with mean error "
            f"{g['uniform goals'].mean:.4f} (motor babbling {m['uniform goals'].mean:.4f}): "
            + ("goal babbling wins on both." if better else "goal babbling does NOT win on both.")
        )
    return "\n".join(lines)
