"""Sweeps on the local backend (issue 13, items 1 and 3): the shipped examples shrunk, the
same results.csv rows with 1 or 2 workers, errors recorded, a worker's death retried, and
a driver killed with SIGKILL resumed without losing or repeating a trial."""

import functools
import os
import pathlib
import re
import signal
import subprocess
import sys
import time

import pytest

from sensorimotor.run import experiment_tasks
from sensorimotor.run.backend_local import LocalBackend
from sensorimotor.run.cli import main
from sensorimotor.run.experiment import load_experiment, parse_experiment
from sensorimotor.run.sweep import SweepError, read_results, run_sweep

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def shrunk(name: str, tmp_path, **replace) -> str:
    """The shipped example ``name`` with some lines replaced (fewer steps and seeds)."""
    text = (EXAMPLES / name).read_text()
    for pattern, line in replace.items():
        text, n = re.subn(rf"(?m)^{re.escape(pattern)} = .*$", line, text)
        assert n == 1, pattern
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def rows_without_seconds(out) -> list[dict]:
    rows = read_results(os.path.join(out, "results.csv"))
    for row in rows:
        assert float(row.pop("seconds")) >= 0
    return rows


@pytest.fixture
def small_babbling(tmp_path):
    return shrunk(
        "babbling_arm7.toml",
        tmp_path,
        seeds="seeds = 2",
        steps="steps = 60",
        goals="goals = 20",
        explorer='explorer = ["motor babbling", "goal babbling"]',
        learner='learner = ["NNLearner", "WNNLearner"]',
    )


def sutton_example(tmp_path) -> str:
    """The shipped compiled example, shrunk: 2 step sizes x 3 seeds, one compiled batch
    (test_backend_ray runs it too: one compiled program for both files)."""
    return shrunk(
        "sutton1992_lms.toml",
        tmp_path,
        seeds="seeds = 3",
        steps="steps = 3000",
        blocks="blocks = 6",
        final_blocks="final_blocks = 2",
        **{'"rule.step_size"': '"rule.step_size" = [0.01, 0.03]'},
    )


@pytest.fixture
def small_sutton(tmp_path):
    return sutton_example(tmp_path)


@pytest.mark.parametrize("example", ["small_babbling", "small_sutton"])
def test_an_example_gives_the_same_rows_with_one_or_two_workers(
    example, request, tmp_path, monkeypatch
):
    path = request.getfixturevalue(example)
    pools = []  # the worker count of each pool of processes the sweeps ran on
    pool_map = LocalBackend._pool_map

    def spy(self, function, batches):
        pools.append(self.workers)
        yield from pool_map(self, function, batches)

    monkeypatch.setattr(LocalBackend, "_pool_map", spy)
    outs = []
    for workers in (1, 2):
        out = str(tmp_path / f"out{workers}")
        assert main(["run", path, "--out", out, "--workers", str(workers), "--quiet"]) == 0
        outs.append(out)
    # --workers 2 ran in two processes (a --workers the command dropped gave equal rows too)
    assert pools == [2]
    one, two = (rows_without_seconds(out) for out in outs)
    trials = load_experiment(path).trials()
    assert len(one) == len(trials)
    assert one == two
    assert all(row["error"] == "" for row in one)
    metric = "reach_error" if "babbling" in path else "final_mse"
    assert all(float(row[metric]) > 0 for row in one)
    listing = set(os.listdir(outs[0]))
    assert {"results.csv", "summary.md", "experiment.json", "trials"} <= listing
    assert any(f.startswith("curve_") for f in listing)
    assert any(f.startswith("final_") for f in listing)
    for trial in trials:
        folder = os.path.join(outs[0], "trials", trial.trial_id)
        assert {"result.json", "curves.npz"} <= set(os.listdir(folder))


@pytest.mark.parametrize(
    "name, replace, metric",
    [
        (
            "adhdp_epuck.toml",
            {
                "seeds": "seeds = 1",
                "episodes": "episodes = 2",
                "agent": ('agent = {name = "epuck", max_steps = 15, last_episodes = 1}'),
            },
            "learned_median_length",
        ),
        (
            "rl_cartpole.toml",
            {"seeds": "seeds = 1", "steps": "steps = 200", "agent": 'agent = ["streamq"]'},
            "return",
        ),
    ],
)
def test_the_small_examples_run(name, replace, metric, tmp_path):
    path = shrunk(name, tmp_path, **replace)
    out = str(tmp_path / "out")
    assert main(["run", path, "--out", out, "--quiet"]) == 0
    rows = rows_without_seconds(out)
    assert len(rows) == len(load_experiment(path).trials())
    assert all(row["error"] == "" and float(row[metric]) > 0 for row in rows), rows


def test_the_sutton_sweep_finds_a_u_shaped_error_over_step_sizes(tmp_path):
    # the experiment of sweep.py's example: one compiled program for both
    exp = parse_experiment(
        {
            "task": "continual",
            "seeds": 2,
            "settings": {"rule": "LMS", "bias": False, "steps": 4000, "blocks": 4},
            "grid": {"rule.step_size": [0.0005, 0.03, 0.2]},
        }
    )
    run_sweep(exp, str(tmp_path / "out"), LocalBackend())
    rows = read_results(str(tmp_path / "out" / "results.csv"))
    mse = {}
    for row in rows:
        mse.setdefault(row["rule.step_size"], []).append(float(row["final_mse"]))
    means = {k: sum(v) / len(v) for k, v in mse.items()}
    assert means["0.03"] < means["0.0005"] and means["0.03"] < means["0.2"]


def _fragile(settings, seed, folder):
    if seed == 1:
        raise RuntimeError("this seed fails")
    return {"value": float(seed)}, {}


def test_a_trial_that_raises_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    task = experiment_tasks.Task(lambda: {}, lambda s: None, _fragile)
    monkeypatch.setitem(experiment_tasks.TASKS, "fragile", task)
    exp = parse_experiment({"task": "fragile", "seeds": 3})
    summary = run_sweep(exp, str(tmp_path / "out"), LocalBackend())
    assert (summary["trials"], summary["errors"]) == (3, 1)
    rows = read_results(str(tmp_path / "out" / "results.csv"))
    assert [row["value"] for row in rows] == ["0.0", "", "2.0"]
    assert rows[1]["error"] == "RuntimeError: this seed fails"
    assert "this seed fails" in (tmp_path / "out" / "summary.md").read_text()


def test_a_non_empty_folder_needs_resume_and_the_same_experiment(tmp_path, small_sutton):
    out = str(tmp_path / "out")
    exp = load_experiment(small_sutton)
    run_sweep(exp, out, LocalBackend())
    with pytest.raises(SweepError, match="--resume"):
        run_sweep(exp, out, LocalBackend())
    summary = run_sweep(exp, out, LocalBackend(), resume=True)
    assert (summary["ran"], summary["skipped"]) == (0, 6)
    other = parse_experiment({"task": "continual", "settings": {"steps": 500}})
    with pytest.raises(SweepError, match="another experiment"):
        run_sweep(other, out, LocalBackend(), resume=True)


def test_resume_refuses_a_folder_of_other_files_and_takes_one_killed_at_its_start(
    tmp_path, small_sutton
):
    exp = load_experiment(small_sutton)
    other = tmp_path / "photos"
    other.mkdir()
    (other / "holiday.jpg").write_bytes(b"not a sweep")
    with pytest.raises(SweepError, match="holds no sweep"):
        run_sweep(exp, str(other), LocalBackend(), resume=True)
    assert sorted(p.name for p in other.iterdir()) == ["holiday.jpg"]
    started = tmp_path / "started"  # killed before experiment.json: an empty trials/
    (started / "trials").mkdir(parents=True)
    summary = run_sweep(exp, str(started), LocalBackend(), resume=True)
    assert (summary["ran"], summary["skipped"]) == (6, 0)


def _die_once(marker, batch):
    if not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)  # the worker dies, as if killed
    return [x * 10 for x in batch]


def test_a_dead_worker_has_its_batches_retried(tmp_path):
    backend = LocalBackend(workers=2)
    function = functools.partial(_die_once, str(tmp_path / "died"))
    out = dict((tuple(b), o) for b, o in backend.map(function, [[1], [2], [3]]))
    assert out == {(1,): [10], (2,): [20], (3,): [30]}
    assert (tmp_path / "died").exists()


def test_a_sweep_killed_with_sigkill_resumes_to_every_trial_once(tmp_path):
    path = tmp_path / "slow.toml"
    path.write_text(
        'task = "babbling"\nseeds = 3\n[settings]\nsteps = 150\ngoals = 20\n'
        '[grid]\nexplorer = ["motor babbling", "goal babbling"]\n'
        'learner = ["NNLearner", "WNNLearner"]\n'
    )
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cmd = [sys.executable, "-m", "sensorimotor", "run", str(path), "--out", str(out), "--quiet"]
    driver = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = []
    deadline = time.monotonic() + 300
    while len(done) < 3 and driver.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        done = list(out.glob("trials/*/result.json"))
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    assert driver.returncode == -signal.SIGKILL, driver.stderr.read()
    finished = {p.parent.name: p.read_bytes() for p in out.glob("trials/*/result.json")}
    assert 3 <= len(finished) < 12
    assert not (out / "results.csv").exists()
    assert main(["run", str(path), "--out", str(out), "--resume", "--quiet"]) == 0
    rows = read_results(str(out / "results.csv"))
    keys = [(r["explorer"], r["learner"], r["seed"]) for r in rows]
    assert len(keys) == 12 and len(set(keys)) == 12
    for name, data in finished.items():  # not run again, not lost
        assert (out / "trials" / name / "result.json").read_bytes() == data


def _quick(settings, seed, folder):
    return {"value": float(seed)}, {"step": [1.0, 2.0], "value": [0.0, float(seed)]}


@pytest.mark.parametrize(
    "tamper",
    [
        {"metrics": ["value"]},
        {"metrics": {"value": "abc"}},
        {"metrics": {"value": [1.0]}},
        {"grid_point": None},
        {"seconds": "soon"},
        {"seed": 7},
        {"error": 3},
    ],
)
def test_a_tampered_result_is_a_trial_not_done_and_resume_runs_it_again(
    tmp_path, monkeypatch, tamper
):
    """``read_result`` promises ``None`` for a result.json it cannot read, but read only
    its header: metrics that were not a table of numbers raised AttributeError or
    ValueError out of ``run_sweep(resume=True)``, a missing grid point or seconds a
    KeyError from writing results.csv, another trial's seed was taken as this one's.
    Such a trial counts as not done: resume runs it again and the results are whole."""
    import json

    task = experiment_tasks.Task(lambda: {}, lambda s: None, _quick)
    monkeypatch.setitem(experiment_tasks.TASKS, "quick", task)
    exp = parse_experiment({"task": "quick", "seeds": 2})
    out = tmp_path / "out"
    run_sweep(exp, str(out), LocalBackend())
    rows = read_results(str(out / "results.csv"))
    path = out / "trials" / "seed=1" / "result.json"
    result = json.loads(path.read_text())
    if "grid_point" in tamper and tamper["grid_point"] is None:
        del result["grid_point"]
    else:
        result.update(tamper)
    path.write_text(json.dumps(result))
    summary = run_sweep(exp, str(out), LocalBackend(), resume=True)
    assert (summary["ran"], summary["skipped"], summary["errors"]) == (1, 1, 0)
    again = read_results(str(out / "results.csv"))
    for row in rows + again:
        row.pop("seconds")
    assert again == rows


@pytest.mark.parametrize("entry", [["task", "quick"], "quick", 3, None])
def test_an_experiment_json_whose_experiment_is_not_a_table_is_refused_naming_it(
    tmp_path, monkeypatch, entry
):
    """``--resume`` read the ``experiment`` entry of experiment.json with ``.get``: a list
    or a string there (a tampered file) was an AttributeError naming neither."""
    import json

    task = experiment_tasks.Task(lambda: {}, lambda s: None, _quick)
    monkeypatch.setitem(experiment_tasks.TASKS, "quick", task)
    exp = parse_experiment({"task": "quick", "seeds": 2})
    out = tmp_path / "out"
    run_sweep(exp, str(out), LocalBackend())
    path = out / "experiment.json"
    saved = json.loads(path.read_text())
    saved["experiment"] = entry
    path.write_text(json.dumps(saved))
    with pytest.raises(ValueError, match=re.escape(f"{path}: ")) as info:
        run_sweep(exp, str(out), LocalBackend(), resume=True)
    assert "'experiment' is not a table" in str(info.value)
    assert json.loads(path.read_text()) == saved  # the file is left for the user to see


POOL_DRIVER = """
import multiprocessing, sys, threading, time
from sensorimotor.run.backend_local import LocalBackend

def report_workers():
    while len(multiprocessing.active_children()) < 2:
        time.sleep(0.05)
    print(*[p.pid for p in multiprocessing.active_children()], flush=True)

threading.Thread(target=report_workers, daemon=True).start()
for _ in LocalBackend(workers=2).map(time.sleep, [600.0, 600.0, 600.0]):
    pass
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")
def test_the_pool_workers_of_a_killed_driver_exit(tmp_path):
    """A sweep killed with SIGKILL left its pool's worker processes running: they went on
    with the batches queued for the dead driver (writing trial logs into the folder that
    --resume then works in), then blocked for ever, each holding its memory."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    driver = subprocess.Popen(
        [sys.executable, "-c", POOL_DRIVER], env=env, stdout=subprocess.PIPE, text=True
    )
    workers = [int(pid) for pid in driver.stdout.readline().split()]
    driver.stdout.close()
    assert len(workers) == 2
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    deadline = time.monotonic() + 120  # a wait for the event, not a measure of its time
    while any(map(_running, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in workers if _running(pid)]
    for pid in left:  # do not leave them behind either way
        os.kill(pid, signal.SIGKILL)
    assert not left


def test_an_int_step_size_in_the_grid_runs_in_the_batch_of_the_floats(tmp_path):
    """ "rule.step_size" = [0, 0.01]: the 0 was an int, kept as structure, a batch of its own
    that failed in vmap (no setting to sweep) for every seed."""
    from sensorimotor.run.sweep import make_batches

    exp = parse_experiment(
        {
            "task": "continual",
            "seeds": 2,
            "settings": {"rule": "LMS", "steps": 1000, "blocks": 2},
            "grid": {"rule.step_size": [0, 0.01]},
        }
    )
    assert [len(b) for b in make_batches(exp.trials())] == [4]
    summary = run_sweep(exp, str(tmp_path / "out"), LocalBackend())
    assert summary["errors"] == 0
    rows = read_results(str(tmp_path / "out" / "results.csv"))
    assert [r["error"] for r in rows] == [""] * 4


def test_a_resumed_trial_has_the_figures_of_an_uninterrupted_run(tmp_path, small_sutton):
    """A lane's float32 figures depend on its batch: resuming ran the missing trial in a
    batch of its own, and its final_mse differed in the last digits."""
    import shutil

    exp = load_experiment(small_sutton)
    out = str(tmp_path / "out")
    run_sweep(exp, out, LocalBackend())
    before = (tmp_path / "out" / "results.csv").read_text()
    gone = exp.trials()[4]
    shutil.rmtree(os.path.join(out, "trials", gone.trial_id))
    summary = run_sweep(exp, out, LocalBackend(), resume=True)
    assert (summary["ran"], summary["skipped"]) == (1, 5)
    def without_seconds(text):  # the last column, the one that differs between runs
        return [line.rsplit(",", 1)[0] for line in text.splitlines()]

    after = (tmp_path / "out" / "results.csv").read_text()
    assert without_seconds(after) == without_seconds(before)
