"""The Ray backend of a sweep: each batch of trials is one Ray task.

``RayBackend(address=None, workers=None)`` runs ``function(batch)`` for every batch as a
Ray core task and yields ``(batch, outcomes)`` in the order the tasks finish, or
``(batch, exception)`` for a batch whose task failed; the protocol of
:class:`~sensorimotor.run.backend_local.LocalBackend`, so :func:`run_sweep` takes either.

* ``address=None`` starts a Ray of its own on this machine (``workers`` CPUs, all of them
  if ``None``; no dashboard), and :meth:`close` (or leaving a ``with`` block) stops it.
  ``address="auto"`` or ``"host:port"`` joins a running cluster (``ray start --head``);
  its nodes need ``sensorimotor`` installed, and its CPUs decide how many tasks run at
  once. Inside a Ray the caller already started, the backend uses that one and leaves it
  running.
* A task whose worker process or node dies is run again, up to ``max_retries`` times: a
  trial counts once, from the run that finished. A task that *raises* is not retried:
  its exception (the original one, not Ray's wrapper) is yielded, as ``LocalBackend``
  yields it, and the sweep records it.
* Ray starts its workers as fresh Python processes (no ``fork`` of the driver), so each
  imports JAX cleanly; the driver's ``jax_enable_x64`` switch is set in the worker before
  ``function`` runs, so a trial computes with the same dtypes, the same seeds and the same
  code as in the driver, and gives the same numbers.

Ray is an optional dependency (``pip install 'sensorimotor[ray]'``), imported when the
backend is first used. Here ``sorted`` stands for the sweep's batch function:

>>> with RayBackend(workers=1) as backend:
...     finished = sorted(backend.map(sorted, [[0.5, 0.25], [2.0]]))
>>> finished
[([0.5, 0.25], [0.25, 0.5]), ([2.0], [2.0])]
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

from sensorimotor.base.bounds import check_count

__all__ = ["RayBackend"]


def _ray():
    try:
        import ray
    except ImportError as error:
        raise ImportError(
            "the Ray backend needs Ray: pip install 'sensorimotor[ray]' (or 'ray')"
        ) from error
    return ray


def _run_batch(function: Callable, batch: list, enable_x64: bool) -> list:
    """One task, in a Ray worker: ``function(batch)`` under the driver's JAX precision."""
    import jax

    # A worker is reused across tasks and sweeps: set the switch every time, both ways.
    if jax.config.jax_enable_x64 != enable_x64:
        jax.config.update("jax_enable_x64", enable_x64)
    return function(batch)


class RayBackend:
    """Batches of trials as Ray tasks, on a Ray started here or on a running cluster.

    Args:
        address: ``None`` (start a local Ray), ``"auto"`` (the cluster ``ray start``
            runs on this machine) or a cluster's ``"host:port"``.
        workers: CPUs of the local Ray, at most this many tasks at once (``None``: all
            of the machine's); only with ``address=None``.
        max_retries: how many times a task is rerun after its worker or node died.
    """

    def __init__(self, address: str | None = None, workers: int | None = None, max_retries=3):
        if address is not None and (not isinstance(address, str) or not address):
            raise ValueError(f"address must be None, 'auto' or 'host:port', got {address!r}")
        if workers is not None:
            workers = check_count("workers", workers)
            if address is not None:
                raise ValueError(
                    f"workers sizes a Ray started here; the cluster at address {address!r} "
                    "has its own CPUs (give workers=None)"
                )
        if max_retries != -1:  # Ray's -1: retry for ever
            max_retries = check_count("max_retries", max_retries + 1) - 1
        self.address, self.workers, self.max_retries = address, workers, max_retries
        self._owns_ray = False

    def __enter__(self) -> RayBackend:
        self._connect()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _connect(self):
        ray = _ray()
        if ray.is_initialized():
            return ray
        quiet = {"logging_level": logging.ERROR, "configure_logging": True}
        if self.address is None:
            # "local": a new Ray of our own, even if RAY_ADDRESS or `ray start` points at
            # another one on this machine.
            ray.init(address="local", num_cpus=self.workers, include_dashboard=False, **quiet)
        else:
            ray.init(address=self.address, **quiet)
        self._owns_ray = True
        return ray

    def close(self) -> None:
        """Disconnect from Ray, and stop it if this backend started it."""
        if self._owns_ray:
            self._owns_ray = False
            _ray().shutdown()

    def map(
        self, function: Callable[[list], list], batches: Iterable[list]
    ) -> Iterator[tuple[list, list | BaseException]]:
        """``(batch, function(batch))`` for each batch as its task finishes; ``(batch,
        exception)`` for a batch that raised or whose retries ran out.

        ``function`` must be importable by name (a module-level function), so that each
        worker loads it from the installed library.
        """
        import jax

        ray = self._connect()
        task = ray.remote(_run_batch).options(max_retries=self.max_retries, retry_exceptions=False)
        x64 = bool(jax.config.jax_enable_x64)
        pending = {task.remote(function, batch, x64): batch for batch in batches}
        try:
            while pending:
                (done,), _ = ray.wait(list(pending), num_returns=1)
                batch = pending.pop(done)
                try:
                    outcomes = ray.get(done)
                except ray.exceptions.RayTaskError as error:
                    outcomes = error.cause if isinstance(error.cause, Exception) else error
                except ray.exceptions.RayError as error:  # worker or node lost, retries spent
                    outcomes = error
                yield batch, outcomes
        finally:
            for ref in pending:  # the caller stopped early: nothing keeps running for it
                ray.cancel(ref, force=True)
