"""An experiment as a file: a task, its settings, a grid and seeds, read from TOML.

::

    task = "continual"                  # babbling, continual, adhdp or rl
    seeds = 30                          # seeds 0..29, or a list: [3, 7, 11]
    description = "Sutton (1992), Experiment 1"

    [settings]                          # the task's settings (defaults for the rest)
    stream = "SuttonExperiment1Stream"
    rule = {name = "LMS", step_size = 0.01}
    bias = false
    steps = 30000

    [grid]                              # lists; the trials: their product x the seeds
    "rule.step_size" = [0.01, 0.02, 0.04]

A grid key is a setting (``learner = ["NNLearner", "WNNLearner"]``) or, with a dot, one
field of a component (``"rule.step_size"``). Everything is checked when the file is read,
before any trial runs: an unknown key (the nearest known one suggested), a wrong type, a
value out of range (the classes' own checks, by making every grid point's objects), NaN,
an empty grid list, an unknown task, learner, explorer, stream, rule or agent name, a
missing file: one :class:`ExperimentError` naming the key and the file.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "lms.toml")
>>> _ = open(path, "w").write('task = "continual"\\nseeds = 2\\n[grid]\\n"rule.step_size" = [0.01, 0.1]\\n')
>>> trials = load_experiment(path).trials()
>>> len(trials), trials[0].grid_point, trials[0].seed, trials[0].trial_id
(4, {'rule.step_size': 0.01}, 0, 'rule.step_size=0.01_seed=0')
>>> _ = open(path, "w").write('task = "continual"\\n[grid]\\n"rule.step_sise" = [0.01]\\n')
>>> load_experiment(path)
Traceback (most recent call last):
...
sensorimotor.run.experiment.ExperimentError: ...lms.toml: grid."rule.step_sise": LMS has no setting 'step_sise' (did you mean 'step_size'?) (known: step_size)
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import itertools
import json
import os
import re
import tomllib

from sensorimotor.base.bounds import SEED_LIMIT, is_int
from sensorimotor.run.experiment_settings import (
    SettingError,
    check_plain,
    nearest,
    normal_component,
)
from sensorimotor.run.experiment_tasks import TASKS

__all__ = ["Experiment", "ExperimentError", "Trial", "load_experiment", "parse_experiment"]

TOP_KEYS = ("task", "seeds", "description", "settings", "grid")
MAX_TRIALS = 1_000_000
# a sweep's seeds are its own top-level list, crossed with the grid, not a task setting
_SEEDS_AT_TOP = "the seeds are the experiment's top-level list, seeds = [0, 1, 2], not a setting"


class ExperimentError(ValueError):
    """An experiment file refused: the message names the file and the key.

    >>> parse_experiment({"task": "continual", "settings": {"steps": 0}}, "lms.toml")
    Traceback (most recent call last):
    ...
    sensorimotor.run.experiment.ExperimentError: lms.toml: settings.steps: must be an int in [1, inf), got 0
    """


@dataclasses.dataclass(frozen=True)
class Trial:
    """One run: ``task`` with ``settings`` (resolved for this grid point, components as
    tables) and ``seed``; ``grid_point`` holds the grid keys' values; ``trial_id`` is
    stable (the same grid point and seed give the same id) and safe as a folder name.

    >>> exp = parse_experiment({"task": "continual", "seeds": [3, 7],
    ...                         "grid": {"rule.step_size": [0.01, 0.1]}})
    >>> trial = exp.trials()[1]
    >>> trial.seed, trial.settings["rule"], trial.trial_id
    (7, {'name': 'LMS', 'step_size': 0.01}, 'rule.step_size=0.01_seed=7')
    """

    task: str
    settings: dict
    grid_point: dict
    seed: int
    trial_id: str


@dataclasses.dataclass(frozen=True)
class Experiment:
    """A checked experiment: ``task``, base ``settings`` (every setting, defaults filled
    in), ``grid`` (key -> list of values, in the file's order), ``seeds`` (a tuple of
    ints), ``description``, and ``path``, the file it was read from.

    >>> exp = parse_experiment({"task": "continual", "seeds": 2,
    ...                         "grid": {"rule.step_size": [0.01, 0.1], "bias": [True, False]}})
    >>> len(exp.grid_points()), len(exp.trials()), exp.settings["steps"]
    (4, 8, 10000)
    """

    task: str
    settings: dict
    grid: dict
    seeds: tuple
    description: str = ""
    path: str = ""

    def grid_points(self) -> list[dict]:
        """The grid's product, the first key varying slowest (``[{}]`` without a grid)."""
        keys = list(self.grid)
        return [dict(zip(keys, values)) for values in itertools.product(*self.grid.values())]

    def trials(self) -> list[Trial]:
        """Every grid point x every seed, in that order."""
        points = self.grid_points()
        ids = [trial_id(p, seed) for p in points for seed in self.seeds]
        unique = len(set(ids)) == len(ids)  # else two values wrote alike: add the hash
        out = []
        for point in points:
            settings = with_files(resolve(self.settings, point, self.task), self.path)
            for seed in self.seeds:
                tid = trial_id(point, seed, unique=not unique)
                out.append(Trial(self.task, settings, point, seed, tid))
        return out

    def to_json(self) -> dict:
        """The resolved experiment as plain JSON data; ``data``: each data file its trials
        read (a component's ``file``, made absolute) with the SHA-256 of its bytes, so
        that a sweep resumed over other data is told apart."""
        return {
            "task": self.task,
            "description": self.description,
            "seeds": list(self.seeds),
            "settings": self.settings,
            "grid": self.grid,
            "source": self.path,
            "data": self.data_files(),
        }

    def data_files(self) -> dict:
        """``{path: sha256}`` of the data files the trials read (``{}`` for most tasks;
        ``None`` for a file gone since the experiment was read).

        >>> parse_experiment({"task": "continual"}).data_files()
        {}
        """
        files = set()
        for point in self.grid_points():
            for value in with_files(resolve(self.settings, point, self.task), self.path).values():
                if isinstance(value, dict) and isinstance(value.get("file"), str):
                    files.add(value["file"])
        return {path: _sha256(path) for path in sorted(files)}


def trial_id(point: dict, seed: int, unique: bool = False) -> str:
    """``key=value_..._seed=N``, characters a file name may hold; a long one (or with
    ``unique``, any) is cut and ends with a hash of the whole.

    >>> trial_id({"learner": "NNLearner", "explorer": "goal babbling"}, 3)
    'learner=NNLearner_explorer=goal-babbling_seed=3'
    """
    parts = [f"{k}={_label(v)}" for k, v in point.items()] + [f"seed={seed}"]
    text = "_".join(re.sub(r"[^A-Za-z0-9=.+_-]+", "-", p) for p in parts)
    if len(text) > 120 or unique:
        digest = hashlib.sha1(json.dumps([point, seed], sort_keys=True).encode()).hexdigest()
        text = f"{text[:100]}_{digest[:12]}"
    return text


def _sha256(path: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def with_files(settings: dict, path: str) -> dict:
    """``settings`` with each component's ``file``, a relative path (or ``~/...``), made
    absolute from the folder of ``path``, the experiment file: data travel with the file
    that names them, whatever folder a trial runs in.

    >>> with_files({"stream": {"name": "ArrayStream", "file": "data.npz"}}, "/exp/lms.toml")
    {'stream': {'name': 'ArrayStream', 'file': '/exp/data.npz'}}
    """
    folder = os.path.dirname(os.path.abspath(path))
    out = dict(settings)
    for key, value in settings.items():
        file = value.get("file") if isinstance(value, dict) else None
        if isinstance(file, str) and file:
            file = os.path.expanduser(file)
            out[key] = {**value, "file": os.path.normpath(os.path.join(folder, file))}
    return out


def _label(value) -> str:
    if isinstance(value, dict):
        return "-".join(f"{k}-{v}" for k, v in value.items())
    return str(value).lower() if isinstance(value, bool) else str(value)


def resolve(settings: dict, point: dict, task: str) -> dict:
    """``settings`` with the grid point's values set (a dotted key sets a component's
    field)."""
    out = copy.deepcopy(settings)
    spec = TASKS[task].settings()
    for key, value in point.items():
        head, _, field = key.partition(".")
        if field:
            out[head] = {**out[head], field: value}
        elif spec[head].kind == "component":
            out[head] = normal_component(spec[head], value)
        else:
            out[head] = value
    return out


def load_experiment(path) -> Experiment:
    """Read and check the experiment file ``path`` (TOML); see the module's docstring.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "lms.toml")
    ...     with open(path, "w") as f:
    ...         _ = f.write('task = "continual"\\nseeds = [0, 1, 2]\\n'
    ...                     '[settings]\\nsteps = 500\\n'
    ...                     '[grid]\\n"rule.step_size" = [0.01, 0.1]\\n')
    ...     exp = load_experiment(path)
    >>> exp.task, exp.seeds, exp.settings["steps"], len(exp.trials())
    ('continual', (0, 1, 2), 500, 6)
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ExperimentError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ExperimentError(f"{path}: a folder, expected a TOML file") from None
    except OSError as exc:
        raise ExperimentError(f"{path}: cannot read ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ExperimentError(f"{path}: not valid TOML ({exc})") from None
    return parse_experiment(data, path)


def parse_experiment(data: dict, path: str = "<experiment>") -> Experiment:
    """Check ``data`` (an experiment file's tables) and return the :class:`Experiment`.

    >>> exp = parse_experiment({"task": "continual", "settings": {"rule": {"name": "IDBD"}}})
    >>> exp.settings["rule"], exp.seeds
    ({'name': 'IDBD'}, (0,))
    >>> parse_experiment({"task": "continuel"})
    Traceback (most recent call last):
    ...
    sensorimotor.run.experiment.ExperimentError: <experiment>: task: unknown task 'continuel' (did you mean 'continual'?) (known: babbling, continual, adhdp, rl)
    """

    def fail(key, message):
        raise ExperimentError(f"{path}: {key}: {message}")

    for key in data:
        if key not in TOP_KEYS:
            fail(key, f"unknown key{nearest(key, TOP_KEYS)} (known: {', '.join(TOP_KEYS)})")
    if "task" not in data:
        fail("task", f"missing (one of {', '.join(TASKS)})")
    task = data["task"]
    if not isinstance(task, str):
        fail("task", f"must be a string, got {task!r}")
    if task not in TASKS:
        fail("task", f"unknown task {task!r}{nearest(task, TASKS)} (known: {', '.join(TASKS)})")
    seeds = _seeds(data.get("seeds", 1), fail)
    description = data.get("description", "")
    if not isinstance(description, str):
        fail("description", f"must be a string, got {description!r}")
    spec = TASKS[task].settings()
    given = data.get("settings", {})
    if not isinstance(given, dict):
        fail("settings", f"must be a table, got {given!r}")
    settings = {}
    for key, setting in spec.items():
        value = given.get(key, setting.default)
        settings[key] = _setting(spec, key, value, f"settings.{key}", fail)
    for key in given:
        if key in ("seed", "seeds") and key not in spec:
            fail(f"settings.{key}", _SEEDS_AT_TOP)
        if key not in spec:
            fail(
                f"settings.{key}",
                f"unknown setting of task {task!r}{nearest(key, spec)} (known: {', '.join(spec)})",
            )
    grid = data.get("grid", {})
    if not isinstance(grid, dict):
        fail("grid", f"must be a table of lists, got {grid!r}")
    size = len(seeds)
    for key, values in grid.items():
        where = f"grid.{_quoted(key)}"
        head, _, field = key.partition(".")
        if head in ("seed", "seeds") and head not in spec:
            fail(where, _SEEDS_AT_TOP)
        if head not in spec:
            fail(where, f"unknown setting of task {task!r}{nearest(head, spec)}")
        if field and spec[head].kind != "component":
            fail(where, f"{head!r} is not a component: it has no field {field!r}")
        if field and head in grid:
            fail(where, f"the grid sets {head!r} itself too: put the field in its tables")
        table = given.get(head)
        if not field and spec[head].kind == "component" and isinstance(table, dict):
            fields = sorted(k for k in table if k != "name")
            if fields:  # the grid's components replace the table whole: they were lost
                fail(
                    where,
                    f"replaces settings.{head} whole, so its fields {fields} would be "
                    f"ignored: put them in the grid's tables (e.g. {{name = ..., "
                    f"{fields[0]} = ...}})",
                )
        if not isinstance(values, list):
            fail(where, f"must be a list of values, got {values!r}")
        if not values:
            fail(where, "is empty: the grid would have no trials")
        for value in values:
            if field:
                _setting(spec, head, {**settings[head], field: value}, where, fail)
            else:
                _setting(spec, head, value, where, fail)
        if len(set(map(_canonical, values))) < len(values):
            fail(where, f"holds a value twice: {values!r}")
        size *= len(values)
        if size > MAX_TRIALS:
            fail("grid", f"more than {MAX_TRIALS} trials")
    experiment = Experiment(task, settings, grid, seeds, description, path)
    for point in experiment.grid_points():
        resolved = with_files(resolve(settings, point, task), path)
        try:
            TASKS[task].check(resolved)
        except SettingError as exc:
            keys = [k for k in point if k.partition(".")[0] == exc.key]
            where = f"grid.{_quoted(keys[0])}" if keys else f"settings.{exc.key}"
            at = f" (grid point {point})" if point else ""
            fail(where, f"{exc}{at}")
    return experiment


def _quoted(key: str) -> str:
    return f'"{key}"' if "." in key else key


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _setting(spec, key, value, where, fail):
    setting = spec[key]
    try:
        if setting.kind == "component":
            return normal_component(setting, value)
        return check_plain(key, setting, value)
    except ValueError as exc:
        fail(where, str(exc))


def _seeds(value, fail) -> tuple:
    if is_int(value):
        if not 1 <= value <= MAX_TRIALS:
            fail("seeds", f"must be a count from 1 to {MAX_TRIALS} or a list of seeds, got {value}")
        return tuple(range(value))
    if not isinstance(value, list):
        fail("seeds", f"must be a count or a list of seeds, got {value!r}")
    if not value:
        fail("seeds", "is empty: the experiment would have no trials")
    for seed in value:
        if not is_int(seed) or not 0 <= seed < SEED_LIMIT:
            fail("seeds", f"each seed must be an int in [0, 2**32), got {seed!r}")
    if len(set(value)) < len(value):
        fail("seeds", f"holds a seed twice: {value!r}")
    return tuple(value)
