"""An experiment file's ``ArrayStream``: a user's recorded arrays from an ``.npz`` file,
swept like the synthetic streams; every way the file can be wrong is refused when the
experiment is read, naming the setting and the file."""

import json

import numpy as np
import pytest

from sensorimotor.run.cli import main
from sensorimotor.run.experiment import ExperimentError, load_experiment


def _recorded(path, rows=2000, seed=0, noise=0.05):
    """A noisy linear target over 3 inputs, as a user might have recorded it."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + noise * rng.normal(size=rows)
    np.savez(path, inputs=x, targets=y)
    return x, y


def _experiment(folder, stream, steps=2000, grid=""):
    path = folder / "lms.toml"
    path.write_text(
        'task = "continual"\nseeds = 2\n[settings]\n'
        f"stream = {stream}\nsteps = {steps}\nblocks = 4\n"
        'rule = {name = "LMS", step_size = 0.02}\n' + grid
    )
    return path


def test_a_sweep_over_recorded_arrays_learns_them_from_a_path_relative_to_the_file(
    tmp_path, monkeypatch, capsys
):
    data = tmp_path / "data"
    data.mkdir()
    _recorded(data / "recorded.npz")
    path = _experiment(
        tmp_path,
        '{name = "ArrayStream", file = "data/recorded.npz", x = "inputs", y = "targets"}',
        grid='[grid]\n"rule.step_size" = [0.001, 0.02]\n',
    )
    monkeypatch.chdir(data)  # not the experiment's folder: the path is the file's
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--json", "--quiet"]) == 0
    report = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (report["trials"], report["errors"]) == (4, 0)
    trials = load_experiment(path).trials()
    assert {t.settings["stream"]["file"] for t in trials} == {str(data / "recorded.npz")}
    rows = (out / "results.csv").read_text().splitlines()
    header = rows[0].split(",")
    final = [float(r.split(",")[header.index("final_mse")]) for r in rows[1:]]
    # the noise's variance is 0.0025: the faster rate gets there in 2000 rows, the slow
    # one does not; both seeds see the same rows, so they agree exactly
    slow, fast = final[:2], final[2:]
    assert fast[0] == fast[1] < 0.004 and slow[0] == slow[1] > 0.1


def test_a_grid_over_files_resolves_each_from_the_experiments_folder(tmp_path):
    _recorded(tmp_path / "a.npz", seed=1)
    _recorded(tmp_path / "b.npz", seed=2)
    path = _experiment(
        tmp_path,
        '{name = "ArrayStream", x = "inputs", y = "targets", file = "a.npz"}',
        grid='[grid]\n"stream.file" = ["a.npz", "b.npz"]\n',
    )
    files = [t.settings["stream"]["file"] for t in load_experiment(path).trials()]
    assert files == [str(tmp_path / n) for n in ("a.npz", "a.npz", "b.npz", "b.npz")]


def _refusal(tmp_path, stream, steps=2000):
    with pytest.raises(ExperimentError) as err:
        load_experiment(_experiment(tmp_path, stream, steps=steps))
    return str(err.value)


def test_a_missing_or_wrong_file_is_refused_naming_the_setting_and_the_file(tmp_path):
    _recorded(tmp_path / "recorded.npz")
    message = _refusal(tmp_path, '{name = "ArrayStream", file = "gone.npz"}')
    assert "lms.toml: settings.stream: ArrayStream.file: no such file" in message
    assert "gone.npz" in message
    message = _refusal(tmp_path, '{name = "ArrayStream", file = "recorded.npz"}')
    assert "recorded.npz: no array 'x' (it has: inputs, targets)" in message
    assert "the .npz file of the recorded arrays is missing" in _refusal(
        tmp_path, '{name = "ArrayStream"}'
    )
    np.save(tmp_path / "one.npy", np.zeros((3, 2)))
    assert "one.npy: not an .npz file" in _refusal(
        tmp_path, '{name = "ArrayStream", file = "one.npy"}'
    )
    (tmp_path / "table.csv").write_text("1,2\n3,4\n")
    assert "table.csv: not an .npz file" in _refusal(
        tmp_path, '{name = "ArrayStream", file = "table.csv"}'
    )
    np.savez(tmp_path / "objects.npz", x=np.array([{"a": 1}], dtype=object), y=np.zeros(1))
    assert "objects.npz: entry 'x' cannot be read (it holds Python objects" in _refusal(
        tmp_path, '{name = "ArrayStream", file = "objects.npz"}'
    )
    assert "is a folder" in _refusal(tmp_path, f'{{name = "ArrayStream", file = "{tmp_path}"}}')


def test_arrays_the_task_cannot_learn_are_refused_before_any_trial_runs(tmp_path):
    x, y = _recorded(tmp_path / "recorded.npz", rows=100)
    table = '{name = "ArrayStream", file = "recorded.npz", x = "inputs", y = "targets"%s}'
    message = _refusal(tmp_path, table % "", steps=200)
    assert "settings.steps: must be at most the ArrayStream's 100 rows" in message
    load_experiment(_experiment(tmp_path, table % ", cycle = true", steps=200))  # round again
    np.savez(tmp_path / "recorded.npz", inputs=x, targets=np.stack([y, y], 1))
    assert "LinearLearner learns one target per row" in _refusal(tmp_path, table % "", steps=100)
    y[3] = np.nan
    np.savez(tmp_path / "recorded.npz", inputs=x, targets=y)
    message = _refusal(tmp_path, table % "", steps=100)
    assert "settings.stream: ArrayStream: y" in message and "(in recorded.npz)" in message
    assert "ArrayStream.cycle must be true or false" in _refusal(
        tmp_path, table % ', cycle = "yes"'
    )


def test_a_sweep_resumed_over_other_data_is_refused(tmp_path, capsys):
    """experiment.json kept the file's name as written: a sweep resumed after the data
    were recorded again (or from another copy of the experiment, beside other data) mixed
    the two datasets' trials. The files' digests are kept now, and compared."""
    _recorded(tmp_path / "recorded.npz")
    path = _experiment(
        tmp_path, '{name = "ArrayStream", file = "recorded.npz", x = "inputs", y = "targets"}'
    )
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 0
    saved = json.loads((out / "experiment.json").read_text())["experiment"]["data"]
    assert (
        list(saved) == [str(tmp_path / "recorded.npz")]
        and len(saved[str(tmp_path / "recorded.npz")]) == 64
    )
    assert main(["run", str(path), "--out", str(out), "--resume", "--quiet"]) == 0  # same data
    capsys.readouterr()
    _recorded(tmp_path / "recorded.npz", seed=9)  # recorded again
    assert main(["run", str(path), "--out", str(out), "--resume", "--quiet"]) == 2
    assert "holds this experiment over other data files" in capsys.readouterr().err
