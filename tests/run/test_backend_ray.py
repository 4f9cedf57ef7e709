"""The Ray backend (issue 13): the same outcomes as the local backend, the shipped examples'
same ``results.csv`` rows with ``--backend local`` and ``--backend ray`` (acceptance 1), a
raising batch recorded and not retried, and a sweep that survives a node of a three-node
cluster dying (acceptance 2).

One simulated cluster (``ray.cluster_utils.Cluster``: a head and two worker nodes, one CPU
each, on this machine) serves the whole module, started and stopped by its fixture; the
driver joins it once, so that Ray's worker processes (and the JAX they imported) are
reused from test to test. Nothing here waits a fixed time: a node is removed when the
sweep has reached a point, and the batches that must still be running then wait for that
point, not for a clock.
"""

import contextlib
import functools
import logging
import os
import signal
import socket
import sys
import time
import warnings
from pathlib import Path

import jax
import pytest

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402
from run.test_sweep import rows_without_seconds, shrunk, sutton_example  # noqa: E402

from sensorimotor.run.backend_local import LocalBackend  # noqa: E402
from sensorimotor.run.backend_ray import CONNECT_TIMEOUT, RayBackend  # noqa: E402
from sensorimotor.run.cli import main  # noqa: E402
from sensorimotor.run.experiment import load_experiment  # noqa: E402
from sensorimotor.run.sweep import run_sweep  # noqa: E402

# A dead node's tasks are rerun once the cluster knows it is dead: health checks every
# second, dead after five missed (Ray's default is three times slower); still lenient
# enough for a loaded two-core machine.
HEALTH = {"health_check_period_ms": 1000, "health_check_failure_threshold": 5}
PATIENCE = 300.0  # seconds a test waits for a cluster event before it fails


@pytest.fixture(scope="module")
def cluster():
    with warnings.catch_warnings():
        # Ray forks and execs its processes: JAX's warning about a fork does not apply
        warnings.filterwarnings("ignore", "os.fork", RuntimeWarning)
        cluster = Cluster(
            initialize_head=True,
            head_node_args={"num_cpus": 1, "include_dashboard": False, "_system_config": HEALTH},
        )
        for _ in range(2):
            cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, logging_level=logging.ERROR)
    # some tasks below are this file's functions: the workers cannot import it by name
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield cluster
    ray.shutdown()
    cluster.shutdown()


def small_babbling(tmp_path, seeds=2):
    """The shipped babbling example, shrunk: 2 explorers x NNLearner x ``seeds``."""
    return shrunk(
        "babbling_arm7.toml",
        tmp_path,
        seeds=f"seeds = {seeds}",
        steps="steps = 40",
        goals="goals = 10",
        explorer='explorer = ["motor babbling", "goal babbling"]',
        learner='learner = ["NNLearner"]',
    )


def small_sutton(tmp_path):
    """The shipped compiled example, shrunk as in test_sweep (2 step sizes x 3 seeds, one
    compiled batch): the compiled program of those tests, from the run's XLA cache."""
    return sutton_example(tmp_path)


# -- batch functions run in Ray workers -------------------------------------------------
def _squares(batch):
    return [{"trial": t, "value": float(t) ** 0.5} for t in batch]


def _float_dtype(batch):
    import jax.numpy as jnp

    return [str(jnp.asarray(0.5).dtype) for _ in batch]


def _key(batch) -> str:
    return str(getattr(batch[0], "trial_id", batch[0]))


def _mark(marks, batch) -> None:
    """Leave ``<node>.<pid>.<batch key>`` in ``marks``: where and by whom a batch started."""
    node = ray.get_runtime_context().get_node_id()
    Path(marks, f"{node}.{os.getpid()}.{_key(batch)}").touch()


def _starts(marks) -> list[tuple[str, int, str]]:
    """``(node, pid, batch key)`` of each batch started."""
    out = []
    for path in Path(marks).glob("*.*.*"):
        node, pid, key = path.name.split(".", 2)
        out.append((node, int(pid), key))
    return out


def _raise_on_three(marks, batch):
    _mark(marks, batch)
    if 3 in batch:
        raise ValueError("trial 3 failed")
    return _squares(batch)


def _wait_for(predicate, what):
    deadline = time.monotonic() + PATIENCE
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {PATIENCE:g} s for {what}")
        time.sleep(0.05)


def _held(marks, head, function, batch):
    """``function(batch)``, once marked. A batch on a worker node waits until the test has
    removed a node (``marks/removed``): so the removed node is running one then. A batch on
    the head waits until a worker node has started one: so Ray, the head being busy, has
    sent batches to the other nodes."""
    _mark(marks, batch)
    if ray.get_runtime_context().get_node_id() != head:
        _wait_for(Path(marks, "removed").exists, "a node to be removed")
    else:
        _wait_for(lambda: {n for n, _, _ in _starts(marks)} - {head}, "a worker node's batch")
    return function(batch)


class _RemoveABusyNode:
    """A backend that passes each batch to ``inner`` and, after the first result, removes a
    worker node that has started a batch (batches are held there until then): its Ray
    processes and the worker processes that run its batches are killed, as when a machine
    goes down."""

    def __init__(self, inner, cluster, marks):
        self.inner, self.cluster, self.marks = inner, cluster, Path(marks)
        self.removed = None

    def _busy_worker_node(self):
        started = {node for node, _, _ in _starts(self.marks)}
        return next((n for n in self.cluster.worker_nodes if n.node_id in started), None)

    def _remove_a_busy_node(self):
        _wait_for(lambda: self._busy_worker_node() is not None, "a busy worker node")
        node = self._busy_worker_node()
        self.cluster.remove_node(node, allow_graceful=False)
        for where, pid, _ in _starts(self.marks):
            if where == node.node_id:
                with contextlib.suppress(ProcessLookupError):  # died with its raylet
                    os.kill(pid, signal.SIGKILL)
        self.removed = node.node_id
        (self.marks / "removed").touch()

    def map(self, function, batches):
        head = self.cluster.head_node.node_id
        held = functools.partial(_held, str(self.marks), head, function)
        for result in self.inner.map(held, batches):
            if self.removed is None:
                self._remove_a_busy_node()
            yield result


# -- tests ------------------------------------------------------------------------------
def test_outcomes_are_those_of_the_local_backend(cluster):
    batches = [[0, 1], [2, 3], [4], [5, 6, 7]]
    on_ray = list(RayBackend(address=cluster.address).map(_squares, batches))
    assert sorted(on_ray) == sorted(LocalBackend().map(_squares, batches))
    assert ray.is_initialized()  # the fixture's connection: the backend did not own it


def test_a_raising_batch_is_yielded_as_its_exception_and_not_retried(cluster, tmp_path):
    function = functools.partial(_raise_on_three, str(tmp_path))
    finished = {_key(b): o for b, o in RayBackend().map(function, [[1], [3]])}
    assert finished["1"] == _squares([1])
    assert type(finished["3"]) is ValueError and str(finished["3"]) == "trial 3 failed"
    assert [key for _, _, key in _starts(tmp_path)].count("3") == 1  # run once: no retry


def test_a_worker_computes_with_the_drivers_jax_precision(cluster):
    # Ray reuses its worker processes from task to task: the switch is set for each task
    batches = [[0], [1], [2]]
    with jax.enable_x64(True):
        assert sorted(RayBackend().map(_float_dtype, batches)) == [
            (b, ["float64"]) for b in batches
        ]
    assert sorted(RayBackend().map(_float_dtype, batches)) == [(b, ["float32"]) for b in batches]


@pytest.mark.parametrize("example", [small_babbling, small_sutton], ids=["babbling", "sutton"])
def test_an_example_gives_the_same_rows_on_ray_and_locally(cluster, tmp_path, example):
    """Acceptance 1: the same seeds give the same numbers in a Ray worker as in process."""
    path = example(tmp_path)
    rows = {}
    for backend in ("local", "ray"):
        out = str(tmp_path / backend)
        address = ["--address", cluster.address] if backend == "ray" else []
        assert main(["run", path, "--out", out, "--backend", backend, *address, "--quiet"]) == 0
        rows[backend] = rows_without_seconds(out)
    assert len(rows["ray"]) == len(load_experiment(path).trials())
    assert all(row["error"] == "" for row in rows["ray"])
    assert rows["ray"] == rows["local"]


def test_a_node_dies_mid_sweep_and_every_trial_is_in_results_once(cluster, tmp_path):
    """Acceptance 2: of three nodes, one is killed while it runs a batch; that batch runs
    again on a node still alive, and results.csv holds each trial exactly once."""
    experiment = load_experiment(small_babbling(tmp_path, seeds=3))
    marks = tmp_path / "marks"
    marks.mkdir()
    backend = _RemoveABusyNode(RayBackend(address=cluster.address), cluster, marks)
    summary = run_sweep(experiment, tmp_path / "out", backend)
    assert summary["errors"] == 0
    rows = rows_without_seconds(tmp_path / "out")
    assert sorted((r["explorer"], r["seed"]) for r in rows) == sorted(
        (t.grid_point["explorer"], str(t.seed)) for t in experiment.trials()
    )
    # the removed node had started a batch, which then ran again on a node still alive
    starts = _starts(marks)
    lost = {key for node, _, key in starts if node == backend.removed}
    assert lost
    for key in lost:
        assert {node for node, _, k in starts if k == key} - {backend.removed}


def test_refuses_workers_with_an_address_and_bad_counts():
    with pytest.raises(ValueError, match="workers"):
        RayBackend(address="auto", workers=2)
    with pytest.raises(ValueError, match="workers"):
        RayBackend(workers=0)
    with pytest.raises(ValueError, match="address"):
        RayBackend(address="")
    with pytest.raises(ValueError, match="max_retries"):
        RayBackend(max_retries=-2)


def test_without_ray_the_command_refuses_before_writing_anything(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails as if not installed
    with pytest.raises(ImportError, match=r"sensorimotor\[ray\]"):
        RayBackend()
    out = tmp_path / "out"
    assert main(["run", small_sutton(tmp_path), "--backend", "ray", "--out", str(out)]) == 2
    assert "pip install 'sensorimotor[ray]'" in capsys.readouterr().err
    assert not out.exists()


def test_a_ray_that_cannot_be_reached_leaves_no_out_folder(tmp_path, monkeypatch, capsys):
    """`--address auto` with no Ray running printed Ray's 'Could not find any running Ray
    instance' after --out was written (experiment.json, trials/): the same command, once
    Ray ran, was refused for a folder 'not empty'. Ray is now joined first."""

    def unreachable(self):
        raise ConnectionError("Could not find any running Ray instance.")

    monkeypatch.setattr(RayBackend, "_connect", unreachable)
    out = tmp_path / "out"
    command = ["run", small_sutton(tmp_path), "--backend", "ray", "--address", "auto"]
    assert main([*command, "--out", str(out)]) == 2
    assert "Could not find any running Ray instance" in capsys.readouterr().err
    assert not out.exists()


def test_an_address_where_nothing_listens_is_refused_at_once_naming_it(
    tmp_path, monkeypatch, capsys
):
    """`--address HOST:PORT` where no cluster runs hung inside Ray's own retries (minutes of
    'Failed to connect to GCS' lines, then more). The address is now tried first with a
    plain TCP connection: nothing there is a ConnectionError naming it, before ray.init
    (never called here, so no Ray is started or joined)."""
    with socket.socket() as s:  # a free port of this machine: nothing listens there
        s.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{s.getsockname()[1]}"

    def must_not_start(*args, **kwargs):
        raise AssertionError("ray.init was called for an address where nothing listens")

    # as in a fresh process: not connected (this module's cluster may be joined already)
    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", must_not_start)
    start = time.perf_counter()
    with pytest.raises(ConnectionError, match=f"no Ray cluster at address '{address}'"):
        next(RayBackend(address=address).map(sorted, [[1.0]]))
    assert time.perf_counter() - start < CONNECT_TIMEOUT  # refused at once, not waited for
    out = tmp_path / "out"
    command = ["run", small_sutton(tmp_path), "--backend", "ray", "--address", address]
    assert main([*command, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"sensorimotor run: error: no Ray cluster at address '{address}'" in err
    assert not out.exists()
