"""Run an experiment's trials on a backend, survive crashes, and write the results.

``run_sweep(experiment, out_dir, backend)`` writes to ``out_dir``:

* ``experiment.json``: the resolved experiment (every setting, defaults filled in);
* ``trials/<trial_id>/``: each trial's own files: ``result.json`` (its grid point, seed,
  final metrics, error and wall seconds), ``curves.npz`` (its learning-curve arrays) and
  whatever the task logs (HDF5). A trial counts as done only once its ``result.json`` is
  in place, written atomically, so a sweep killed at any moment loses no finished trial
  and ``resume=True`` writes only the missing ones (a compiled batch that lacks one runs
  whole again, so that its figures are those of an uninterrupted run);
* ``results.csv``: one row per trial, in the experiment's order (grid point, then seed):
  the grid keys, ``seed``, each final metric, ``error`` (empty if the trial ran) and
  ``seconds`` (wall time: the one column that differs between two runs);
* ``summary.md`` and plots (:mod:`sensorimotor.run.sweep_report`).

A trial that raises is recorded with its error and the sweep goes on. The trials of a task
that compiles (``continual``) and share their structure form one batch, run as one
compiled sweep; the batches depend on the experiment only, never on the backend or its
workers, so ``results.csv`` is the same whichever runs it. (A compiled lane's float32
figures depend on its batch: the same setting and seed in another experiment, with
another grid or seeds, may differ in the last digits.)

>>> import tempfile
>>> from sensorimotor.run.experiment import parse_experiment
>>> from sensorimotor.run.backend_local import LocalBackend
>>> settings = {"rule": "LMS", "bias": False, "steps": 4000, "blocks": 4}
>>> exp = parse_experiment({"task": "continual", "seeds": 2, "settings": settings,
...                         "grid": {"rule.step_size": [0.0005, 0.03, 0.2]}})
>>> summary = run_sweep(exp, tempfile.mkdtemp() + "/out", LocalBackend())
>>> summary["trials"], summary["ran"], summary["errors"]
(6, 6, 0)
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import time
import traceback

import numpy as np

from sensorimotor.base.bounds import is_int, is_real
from sensorimotor.base.saved_file import (
    atomic_path,
    make_header,
    numpy_scalar,
    read_json,
    read_npz,
    write_json,
    write_npz,
)
from sensorimotor.run.experiment import Experiment, Trial
from sensorimotor.run.experiment_tasks import group_key, run_task_batch
from sensorimotor.run.sweep_report import write_report

__all__ = ["SweepError", "make_batches", "read_results", "run_batch", "run_sweep"]

RESULT = "sensorimotor.trial_result"
EXPERIMENT = "sensorimotor.experiment"
CURVES = "sensorimotor.trial_curves"


class SweepError(ValueError):
    """The output folder cannot take this sweep (not empty without ``resume``, or holding
    another experiment).

    >>> import os, tempfile
    >>> from sensorimotor.run.experiment import parse_experiment
    >>> from sensorimotor.run.backend_local import LocalBackend
    >>> exp = parse_experiment({"task": "continual", "settings": {"steps": 500}})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     open(os.path.join(tmp, "notes.txt"), "w").close()
    ...     run_sweep(exp, tmp, LocalBackend())
    Traceback (most recent call last):
    ...
    sensorimotor.run.sweep.SweepError: --out: '...' is not empty; use --resume to finish the sweep in it, or give another folder
    """


def make_batches(trials: list[Trial]) -> list[list[Trial]]:
    """Trials of one compiled structure together (in the trials' order), others alone.

    A step size is a value of the compiled sweep, a rule's name is its structure:

    >>> from sensorimotor.run.experiment import parse_experiment
    >>> def sizes(grid):
    ...     exp = parse_experiment({"task": "continual", "seeds": 2, "grid": grid})
    ...     return [len(batch) for batch in make_batches(exp.trials())]
    >>> sizes({"rule.step_size": [0.01, 0.1]}), sizes({"rule": ["LMS", "IDBD"]})
    ([4], [2, 2])
    """
    groups: dict = {}
    batches = []
    for trial in trials:
        key = group_key(trial.task, trial.settings)
        if key is None:
            batches.append([trial])
        elif key in groups:
            groups[key].append(trial)
        else:
            groups[key] = [trial]
            batches.append(groups[key])
    return batches


def trial_folder(out_dir: str, trial: Trial) -> str:
    return os.path.join(out_dir, "trials", trial.trial_id)


def run_batch(batch: list[Trial], out_dir: str | None = None) -> list[dict]:
    """Run ``batch``'s trials (a worker's unit): one outcome dict per trial, ``{'trial_id',
    'metrics', 'curves', 'seconds', 'error'}``; a trial that raises gets its error
    (a batch that runs as one compiled call: each of its trials gets the error).

    >>> from sensorimotor.run.experiment import parse_experiment
    >>> exp = parse_experiment({"task": "continual", "settings": {"steps": 500}})
    >>> (outcome,) = run_batch(exp.trials())  # out_dir None: nothing written
    >>> outcome["trial_id"], sorted(outcome["metrics"]), outcome["error"]
    ('seed=0', ['final_mse', 'mean_mse'], None)
    """
    task = batch[0].task
    folders = []
    for trial in batch:
        folder = None
        if out_dir is not None:
            folder = trial_folder(out_dir, trial)
            os.makedirs(folder, exist_ok=True)
        folders.append(folder)
    items = [(t.settings, t.seed) for t in batch]
    start = time.perf_counter()
    if len(batch) > 1 and group_key(task, batch[0].settings) is not None:
        try:
            results = run_task_batch(task, items, folders)
            error = None
        except Exception as exc:
            results, error = [({}, {})] * len(batch), _error(exc)
        seconds = (time.perf_counter() - start) / len(batch)  # a share of the one call
        return [_outcome(t, m, c, seconds, error) for t, (m, c) in zip(batch, results, strict=True)]
    outcomes = []
    for trial, item, folder in zip(batch, items, folders, strict=True):
        start = time.perf_counter()
        try:
            (metrics, curves), error = run_task_batch(task, [item], [folder])[0], None
        except Exception as exc:
            metrics, curves, error = {}, {}, _error(exc)
        outcomes.append(_outcome(trial, metrics, curves, time.perf_counter() - start, error))
    return outcomes


def _error(exc: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text.replace("\n", " ")


def _outcome(trial, metrics, curves, seconds, error) -> dict:
    return {
        "trial_id": trial.trial_id,
        "metrics": {k: float(v) for k, v in metrics.items()},
        "curves": {k: np.asarray(v, dtype=np.float64).tolist() for k, v in curves.items()},
        "seconds": float(seconds),
        "error": error,
    }


def _write_trial(out_dir: str, trial: Trial, outcome: dict) -> None:
    folder = trial_folder(out_dir, trial)
    os.makedirs(folder, exist_ok=True)
    if outcome["curves"]:
        arrays = {k: np.asarray(v, dtype=np.float64) for k, v in outcome["curves"].items()}
        write_npz(os.path.join(folder, "curves.npz"), arrays, make_header(CURVES, 1))
    header = make_header(
        RESULT,
        1,
        trial_id=trial.trial_id,
        grid_point=trial.grid_point,
        seed=trial.seed,
        metrics={k: _json_number(v) for k, v in outcome["metrics"].items()},
        error=outcome["error"],
        seconds=outcome["seconds"],
    )
    write_json(os.path.join(folder, "result.json"), header)  # last: the trial counts now


def _json_number(value: float):
    """A metric for strict JSON: a diverged run's ``inf`` or ``nan`` as its name."""
    return value if np.isfinite(value) else repr(value)


def read_result(out_dir: str, trial: Trial) -> dict | None:
    """A trial's ``result.json`` as written, or ``None`` if it is absent or unreadable
    (a trial not finished).

    >>> import tempfile
    >>> from sensorimotor.run.experiment import parse_experiment
    >>> from sensorimotor.run.backend_local import LocalBackend
    >>> exp = parse_experiment({"task": "continual", "seeds": 1, "settings": {"steps": 500}})
    >>> out, trial = tempfile.mkdtemp() + "/out", exp.trials()[0]
    >>> read_result(out, trial) is None  # not run yet
    True
    >>> _ = run_sweep(exp, out, LocalBackend())
    >>> result = read_result(out, trial)
    >>> result["trial_id"], result["error"], sorted(result["metrics"])
    ('seed=0', None, ['final_mse', 'mean_mse'])
    """
    path = os.path.join(trial_folder(out_dir, trial), "result.json")
    if not os.path.exists(path):
        return None
    try:
        result = read_json(path, RESULT, 1, header_keys=("metrics", "seed", "error"))
    except ValueError:
        return None
    if not _is_result_of(result, trial):
        return None
    result["metrics"] = {k: float(v) for k, v in result["metrics"].items()}
    return result


def _is_result_of(result: dict, trial: Trial) -> bool:
    """Whether ``result`` holds what :func:`_write_trial` writes for ``trial``: a file
    changed since (other metrics, seed or grid point) is a trial not done, run again,
    never a row of results.csv or a crash of the sweep."""
    metrics, error, seconds = result.get("metrics"), result.get("error"), result.get("seconds")

    def same(a, b) -> bool:  # as JSON: a tuple of the grid reads back as a list
        return json.dumps(a, sort_keys=True, default=numpy_scalar) == json.dumps(
            b, sort_keys=True, default=numpy_scalar
        )

    return (
        result.get("trial_id") == trial.trial_id
        and is_int(result.get("seed"))
        and result["seed"] == trial.seed
        and same(result.get("grid_point"), trial.grid_point)
        and isinstance(metrics, dict)
        and all(is_real(v) or v in _NON_FINITE for v in metrics.values())
        and (error is None or isinstance(error, str))
        and is_real(seconds)
    )


_NON_FINITE = ("inf", "-inf", "nan")  # how _json_number writes a diverged run's metric


def read_curves(out_dir: str, trial: Trial) -> dict:
    """A trial's learning-curve arrays (``{}`` if it has none).

    >>> import tempfile
    >>> from sensorimotor.run.experiment import parse_experiment
    >>> from sensorimotor.run.backend_local import LocalBackend
    >>> exp = parse_experiment({"task": "continual", "seeds": 1, "settings": {"steps": 500}})
    >>> out = tempfile.mkdtemp() + "/out"
    >>> _ = run_sweep(exp, out, LocalBackend())
    >>> {name: curve.shape for name, curve in read_curves(out, exp.trials()[0]).items()}
    {'step': (10,), 'mse': (10,)}
    """
    path = os.path.join(trial_folder(out_dir, trial), "curves.npz")
    if not os.path.exists(path):
        return {}
    return read_npz(path, CURVES, 1)[0]


def _prepare_folder(experiment: Experiment, out_dir: str, resume: bool) -> None:
    path = os.path.join(out_dir, "experiment.json")
    resolved = experiment.to_json()
    if os.path.isdir(out_dir) and os.listdir(out_dir):
        if not resume:
            raise SweepError(
                f"--out: {out_dir!r} is not empty; use --resume to finish the sweep in it, "
                "or give another folder"
            )
        if not os.path.exists(path) and set(os.listdir(out_dir)) - {"trials"}:
            # (a sweep killed at its very start leaves at most an empty trials/)
            raise SweepError(
                f"--resume: {out_dir!r} holds no sweep (no experiment.json) but other "
                "files; give another folder"
            )
        if os.path.exists(path):
            old = read_json(path, EXPERIMENT, 1, header_keys=("experiment",))["experiment"]
            if not isinstance(old, dict):  # a tampered file: its entry is read with .get
                raise ValueError(f"{path}: 'experiment' is not a table, got {type(old).__name__}")
            keep = ("task", "seeds", "settings", "grid")
            if {k: old.get(k) for k in keep} != {k: resolved[k] for k in keep}:
                raise SweepError(
                    f"--resume: {out_dir!r} holds another experiment ({old.get('source')}); "
                    "give another folder"
                )
            # the same experiment over other data (a file recorded again, or another file
            # of the same name beside another copy of the experiment): its trials differ
            if old.get("data", {}) != resolved["data"]:
                raise SweepError(
                    f"--resume: {out_dir!r} holds this experiment over other data files "
                    f"({', '.join(sorted(old.get('data') or {})) or 'none'}; now: "
                    f"{', '.join(resolved['data']) or 'none'}, or their contents changed); "
                    "give another folder"
                )
    os.makedirs(os.path.join(out_dir, "trials"), exist_ok=True)
    write_json(path, make_header(EXPERIMENT, 1, experiment=resolved))


def run_sweep(
    experiment: Experiment, out_dir: str, backend, resume: bool = False, progress=None
) -> dict:
    """Run every trial of ``experiment`` not yet done in ``out_dir`` on ``backend`` and
    write the results (see the module's docstring). ``progress(done, total)`` is called
    after each batch.

    Returns ``{'trials', 'ran', 'skipped', 'errors', 'seconds', 'files'}``.

    >>> import os, tempfile
    >>> from sensorimotor.run.experiment import parse_experiment
    >>> from sensorimotor.run.backend_local import LocalBackend
    >>> exp = parse_experiment({"task": "continual", "settings": {"steps": 500}})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     first = run_sweep(exp, tmp, LocalBackend())
    ...     again = run_sweep(exp, tmp, LocalBackend(), resume=True)  # nothing left to run
    ...     names = sorted(os.listdir(tmp))
    >>> first["ran"], again["ran"], again["skipped"], names
    (1, 0, 1, ['curve_mse.png', 'experiment.json', 'results.csv', 'summary.md', 'trials'])
    """
    start = time.perf_counter()
    out_dir = os.fspath(out_dir)
    _prepare_folder(experiment, out_dir, resume)
    trials = experiment.trials()
    todo = {t.trial_id for t in trials if read_result(out_dir, t) is None}
    by_id = {t.trial_id: t for t in trials}
    ran = 0
    function = functools.partial(run_batch, out_dir=os.path.abspath(out_dir))
    done = len(trials) - len(todo)
    # a batch with a trial to do runs whole, as it ran first: a compiled lane's float32
    # figures depend on the batch around it, so a resumed trial matches an uninterrupted
    # run only in the same batch (its finished trials are not written again)
    batches = [b for b in make_batches(trials) if any(t.trial_id in todo for t in b)]
    for batch, outcomes in backend.map(function, batches):
        if isinstance(outcomes, BaseException):
            outcomes = [_outcome(t, {}, {}, 0.0, _error(outcomes)) for t in batch]
        for outcome in outcomes:
            if outcome["trial_id"] in todo:
                _write_trial(out_dir, by_id[outcome["trial_id"]], outcome)
                ran += 1
                done += 1
        if progress is not None:
            progress(done, len(trials))
    results = [read_result(out_dir, t) for t in trials]
    missing = [t.trial_id for t, r in zip(trials, results, strict=True) if r is None]
    if missing:  # pragma: no cover - a backend that dropped a batch
        raise RuntimeError(f"trials without a result: {missing[:5]}")
    files = [write_csv(experiment, results, out_dir)]
    curves = {
        t.trial_id: read_curves(out_dir, t)
        for t, r in zip(trials, results, strict=True)
        if r["error"] is None
    }
    files += write_report(experiment, trials, results, metric_names(results), curves, out_dir)
    return {
        "trials": len(trials),
        "ran": ran,
        "skipped": len(trials) - len(todo),
        "errors": sum(r["error"] is not None for r in results),
        "seconds": time.perf_counter() - start,
        "files": files,
    }


def metric_names(results: list[dict]) -> list[str]:
    """The metrics of the results, in the order they first appear."""
    names: dict = {}
    for r in results:
        names.update(dict.fromkeys(r["metrics"]))
    return list(names)


def write_csv(experiment: Experiment, results: list[dict], out_dir: str) -> str:
    """``results.csv`` (atomically): grid keys, seed, metrics, error, seconds."""
    keys = list(experiment.grid)
    metrics = metric_names(results)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([*keys, "seed", *metrics, "error", "seconds"])
    for r in results:
        point = [_cell(r["grid_point"][k]) for k in keys]
        values = [repr(r["metrics"][m]) if m in r["metrics"] else "" for m in metrics]
        writer.writerow([*point, r["seed"], *values, r["error"] or "", f"{r['seconds']:.3f}"])
    path = os.path.join(out_dir, "results.csv")
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text.getvalue())
    return path


def _cell(value) -> str:
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value).lower() if isinstance(value, bool) else str(value)


def read_results(path: str) -> list[dict]:
    """``results.csv`` as a list of row dicts (strings), for tests and notebooks.

    >>> import os, tempfile
    >>> from sensorimotor.run.experiment import parse_experiment
    >>> from sensorimotor.run.backend_local import LocalBackend
    >>> exp = parse_experiment({"task": "continual", "seeds": 1, "settings": {"steps": 500}})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = run_sweep(exp, tmp, LocalBackend())
    ...     rows = read_results(os.path.join(tmp, "results.csv"))
    >>> len(rows), list(rows[0]), rows[0]["error"]
    (1, ['seed', 'final_mse', 'mean_mse', 'error', 'seconds'], '')
    """
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
