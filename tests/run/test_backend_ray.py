"""The Ray backend: the same outcomes as in-process, a raising batch recorded and not
retried, and a sweep that survives a node of a three-node cluster dying (issue 13,
acceptance 2).

One simulated cluster (``ray.cluster_utils.Cluster``: a head and two worker nodes, one CPU
each, on this machine) serves the whole module; the driver joins it once, so that Ray's
worker processes (and the JAX they imported) are reused from test to test. Nothing here
waits a fixed time: a node is removed when the sweep has reached a point, and the tasks
that must still be running then wait for that point, not for a clock.
"""

import contextlib
import functools
import logging
import os
import signal
import sys
import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402

from sensorimotor.run.backend_ray import RayBackend  # noqa: E402

# A dead node's tasks are rerun once the cluster knows it is dead: health checks every
# second, dead after five missed (Ray's default is three times slower); still lenient
# enough for a loaded two-core machine.
HEALTH = {"health_check_period_ms": 1000, "health_check_failure_threshold": 5}
PATIENCE = 300.0  # seconds a test waits for a cluster event before it fails


@pytest.fixture(scope="module")
def cluster():
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "include_dashboard": False, "_system_config": HEALTH},
    )
    for _ in range(2):
        cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, logging_level=logging.ERROR)
    # the tasks below are this file's functions: the workers cannot import it by name
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield cluster
    ray.shutdown()
    cluster.shutdown()


# -- batch functions run in Ray workers -------------------------------------------------
def _squares(batch):
    return [{"trial": t, "value": float(t) ** 0.5} for t in batch]


def _raise_on_three(marks, batch):
    Path(marks, f"{batch[0]}.{os.getpid()}.{time.monotonic_ns()}").touch()
    if 3 in batch:
        raise ValueError("trial 3 failed")
    return _squares(batch)


def _wait_for(predicate, what):
    deadline = time.monotonic() + PATIENCE
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {PATIENCE:g} s for {what}")
        time.sleep(0.05)


def _started_on(marks):
    """The nodes on which a batch has started (marks ``<first trial>.<node>.<pid>``)."""
    return {p.name.split(".")[1] for p in Path(marks).glob("*.*.*")}


def _held(marks, head, function, batch):
    """``function(batch)``, after leaving a mark ``<first trial>.<node>.<pid>``. A batch on
    a worker node waits until the test has removed a node (``marks/removed``): so the
    removed node is running one then. A batch on the head waits until a worker node has
    started one: so Ray, the head being busy, has sent batches to the other nodes."""
    node = ray.get_runtime_context().get_node_id()
    Path(marks, f"{batch[0]}.{node}.{os.getpid()}").touch()
    if node != head:
        _wait_for(Path(marks, "removed").exists, "a node to be removed")
    else:
        _wait_for(lambda: _started_on(marks) - {head}, "a batch on a worker node")
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
        started = _started_on(self.marks)
        for node in self.cluster.worker_nodes:
            if node.node_id in started:
                return node
        return None

    def map(self, function, batches):
        head = self.cluster.head_node.node_id
        held = functools.partial(_held, str(self.marks), head, function)
        for result in self.inner.map(held, batches):
            if self.removed is None:
                _wait_for(lambda: self._busy_worker_node() is not None, "a busy worker node")
                node = self._busy_worker_node()
                self.cluster.remove_node(node, allow_graceful=False)
                for mark in self.marks.glob(f"*.{node.node_id}.*"):
                    with contextlib.suppress(ProcessLookupError):  # died with its raylet
                        os.kill(int(mark.name.split(".")[2]), signal.SIGKILL)
                self.removed = node.node_id
                (self.marks / "removed").touch()
            yield result


def _sweep_stand_in(backend, trials, per_batch):
    """What a sweep needs of a backend: trials in batches, one row per finished trial."""
    batches = [trials[i : i + per_batch] for i in range(0, len(trials), per_batch)]
    rows, failed = [], []
    for batch, outcomes in backend.map(_squares, batches):
        if isinstance(outcomes, BaseException):
            failed.append((batch, outcomes))
        else:
            rows.extend(outcomes)
    return rows, failed


# -- tests ------------------------------------------------------------------------------
def test_outcomes_are_those_of_the_function_in_process(cluster):
    batches = [[0, 1], [2, 3], [4], [5, 6, 7]]
    with RayBackend(address=cluster.address) as backend:
        finished = list(backend.map(_squares, batches))
    assert sorted(finished) == sorted((batch, _squares(batch)) for batch in batches)
    assert ray.is_initialized()  # the fixture's connection: the backend did not own it


def test_a_raising_batch_is_yielded_as_its_exception_and_not_retried(cluster, tmp_path):
    with RayBackend(address=cluster.address) as backend:
        finished = dict(
            (tuple(b), o)
            for b, o in backend.map(functools.partial(_raise_on_three, str(tmp_path)), [[1], [3]])
        )
    assert finished[(1,)] == _squares([1])
    assert type(finished[(3,)]) is ValueError and str(finished[(3,)]) == "trial 3 failed"
    assert len(list(tmp_path.glob("3.*"))) == 1  # run once: an error is data, not a crash


def test_a_node_dies_mid_sweep_and_every_trial_finishes_once(cluster, tmp_path):
    """Acceptance 2: of three nodes, one is killed while it runs a batch; the batch is run
    again elsewhere and each trial is recorded exactly once."""
    trials = list(range(12))
    backend = _RemoveABusyNode(RayBackend(address=cluster.address), cluster, tmp_path)
    rows, failed = _sweep_stand_in(backend, trials, per_batch=2)
    assert failed == []
    assert sorted(row["trial"] for row in rows) == trials
    # the removed node had started a batch, which then ran again on a node still alive
    on_removed = [p.name.split(".")[0] for p in tmp_path.glob(f"*.{backend.removed}.*")]
    assert on_removed
    for first_trial in on_removed:
        assert len(list(tmp_path.glob(f"{first_trial}.*"))) >= 2


def test_refuses_workers_with_an_address_and_bad_counts():
    with pytest.raises(ValueError, match="workers"):
        RayBackend(address="auto", workers=2)
    with pytest.raises(ValueError, match="workers"):
        RayBackend(workers=0)
    with pytest.raises(ValueError, match="address"):
        RayBackend(address="")
