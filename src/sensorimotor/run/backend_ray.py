"""The Ray backend of a sweep: each batch of trials is one Ray task.

``RayBackend(address=None, workers=None)`` runs ``function(batch)`` for every batch as a
Ray core task and yields ``(batch, outcomes)`` in the order the tasks finish, or
``(batch, exception)`` for a batch whose task failed; the protocol of
:class:`~sensorimotor.run.backend_local.LocalBackend`, so :func:`run_sweep` takes either.

* ``address=None`` starts a Ray of its own on this machine (``workers`` CPUs, all of them
  if ``None``; no dashboard) for one :meth:`map` and stops it after the last batch (in a
  ``with`` block, for every map in the block). ``address="auto"`` or ``"host:port"``
  joins a running cluster (``ray start --head``) the same way and leaves it running; its
  nodes need ``sensorimotor`` installed, and its CPUs decide how many tasks run at once.
  If this process is already connected to a Ray (``ray.init`` by the caller), the backend
  uses that one and leaves the connection as it found it. ``ray.init`` has no connection
  timeout: at an address where no cluster answers it retries for many minutes (Ray 2.60:
  no error after 4). So a ``"host:port"`` is first tried with a plain TCP connection, and
  one that nothing accepts within :data:`CONNECT_TIMEOUT` seconds is a
  ``ConnectionError`` naming the address, before ``ray.init``.
* A task whose worker process or node dies is run again, up to ``max_retries`` times: a
  trial counts once, from the run that finished. A task that *raises* is not retried:
  its exception (the original one, not Ray's wrapper) is yielded, as ``LocalBackend``
  yields it, and the sweep records it.
* Ray starts its workers as fresh Python processes (no ``fork`` of the driver), so each
  imports JAX cleanly; the driver's ``jax_enable_x64`` switch is set in the worker before
  ``function`` runs, so a trial computes with the same dtypes, the same seeds and the same
  code as in the driver, and gives the same numbers.

Ray is an optional dependency (``pip install 'sensorimotor[ray]'``), imported when the
backend is first used. Here ``sorted`` stands for the sweep's batch function, and a Ray
with one CPU is started and stopped:

>>> sorted(RayBackend(workers=1).map(sorted, [[0.5, 0.25], [2.0]]))
[([0.5, 0.25], [0.25, 0.5]), ([2.0], [2.0])]
"""

from __future__ import annotations

import logging
import socket
import warnings
from collections.abc import Callable, Iterable, Iterator

from sensorimotor.base.bounds import check_count, is_int

__all__ = ["CONNECT_TIMEOUT", "RayBackend", "check_reachable"]

#: seconds a ``"host:port"`` address has to accept a TCP connection before ``ray.init``
CONNECT_TIMEOUT = 5.0

__doctest_requires__ = ("ray",)  # the root conftest skips the doctests without it


def _ray():
    try:
        import ray
    except ImportError as error:
        raise ImportError(
            "the Ray backend needs Ray: pip install 'sensorimotor[ray]' (or 'ray')"
        ) from error
    return ray


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Return if something accepts a TCP connection at ``address`` (``"host:port"``, or
    Ray Client's ``"ray://host:port"``) within ``timeout`` seconds, else raise
    ``ConnectionError`` naming it; an address of another form (``"auto"``) is Ray's to
    resolve and is not tried.

    >>> import socket
    >>> with socket.socket() as s:  # a port of this machine where nothing listens
    ...     s.bind(("127.0.0.1", 0))
    ...     port = s.getsockname()[1]
    >>> check_reachable(f"127.0.0.1:{port}")
    Traceback (most recent call last):
    ...
    ConnectionError: no Ray cluster at address '127.0.0.1:...': ...
    """
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not (sep and host and port.isdigit()):
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except (OSError, OverflowError) as error:  # refused, timed out, unknown host, bad port
        raise ConnectionError(
            f"no Ray cluster at address {address!r}: nothing accepted a connection within "
            f"{timeout:g} s ({error}); start one there (ray start --head --port={port}) or "
            "check the address"
        ) from None


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

    Making one checks the settings and that Ray is installed; Ray starts (or is joined)
    at the first :meth:`map` or ``with`` block, not here:

    >>> backend = RayBackend(workers=2, max_retries=1)
    >>> backend.address, backend.workers, backend.max_retries
    (None, 2, 1)
    >>> RayBackend(address="auto", workers=2)
    Traceback (most recent call last):
    ...
    ValueError: workers sizes a Ray started here; the cluster at address 'auto' has its own CPUs (give workers=None)
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
        if not is_int(max_retries) or max_retries < -1:  # Ray's -1: retry for ever
            raise ValueError(f"max_retries must be an int >= -1, got {max_retries!r}")
        _ray()  # Ray missing: say so now, before a sweep prepares its folder
        self.address, self.workers, self.max_retries = address, workers, max_retries
        self._owns_ray = False

    def __repr__(self) -> str:
        return f"RayBackend(address={self.address!r}, workers={self.workers!r})"

    def __enter__(self) -> RayBackend:
        self._connect()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _connect(self):
        """Ray, connected: to the Ray this process already uses, else as asked (and then
        this backend owns the connection)."""
        ray = _ray()
        if ray.is_initialized():
            return ray
        quiet = {"logging_level": logging.ERROR, "configure_logging": True}
        with warnings.catch_warnings():
            # Ray starts its processes with fork + exec (subprocess): JAX's warning about a
            # fork in a multithreaded process does not apply, the child runs no JAX code.
            warnings.filterwarnings("ignore", "os.fork", RuntimeWarning)
            if self.address is None:
                # "local": a new Ray of our own, even if RAY_ADDRESS or `ray start` points
                # at another one on this machine.
                ray.init(address="local", num_cpus=self.workers, include_dashboard=False, **quiet)
            else:
                check_reachable(self.address)  # Ray itself would retry for many minutes
                ray.init(address=self.address, **quiet)
        self._owns_ray = True
        return ray

    def close(self) -> None:
        """Disconnect from Ray if this backend connected (a Ray it started stops)."""
        if self._owns_ray:
            self._owns_ray = False
            _ray().shutdown()

    def map(
        self, function: Callable[[list], list], batches: Iterable[list]
    ) -> Iterator[tuple[list, list | BaseException]]:
        """``(batch, function(batch))`` for each batch as its task finishes; ``(batch,
        exception)`` for a batch that raised or whose retries ran out.

        ``function`` is a module-level function (or a ``functools.partial`` of one): each
        worker imports it from the installed library. Outside a ``with`` block, a Ray that
        ``map`` connects to (or starts) is let go once the last batch is yielded.
        """
        import jax

        ray = _ray()
        connected_here = not ray.is_initialized()
        self._connect()
        pending = {}
        try:
            task = ray.remote(_run_batch).options(
                max_retries=self.max_retries, retry_exceptions=False
            )
            x64 = bool(jax.config.jax_enable_x64)
            pending = {task.remote(function, batch, x64): batch for batch in batches}
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
            if connected_here:
                self.close()
