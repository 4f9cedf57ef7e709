"""The local backend of a sweep: in this process, or in a pool of worker processes.

A backend has one method, ``map(function, batches)``: it runs ``function(batch)`` for each
batch (a list of trials, plain data) and yields ``(batch, outcomes)`` as batches finish, in
any order, or ``(batch, exception)`` for a batch whose call raised. ``function`` is a
module-level function (or a ``functools.partial`` of one), so it pickles to a worker.

>>> backend = LocalBackend()
>>> [out for _, out in backend.map(sum, [[1, 2], [3]])]
[3, 3]
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator

from sensorimotor.base.bounds import check_count

__all__ = ["LocalBackend"]


class LocalBackend:
    """Run batches here (``workers=1``) or in ``workers`` processes.

    The pool's processes are *spawned*, not forked: JAX's threads do not survive a fork.
    A worker that dies (killed, out of memory, a crash in native code) breaks the pool;
    the batches it had not finished are retried in a new pool, each at most ``retries``
    times, then reported as failed with the ``BrokenProcessPool`` error. A worker whose
    driver dies (a sweep killed with SIGKILL, to be resumed) exits within a second instead
    of running the queued trials for no one and staying for ever. A map stopped early (its
    caller interrupted by Ctrl-C, or the generator closed) drops the batches not started.

    A batch that raises is yielded with its exception, and the others go on:

    >>> backend = LocalBackend(workers=1)
    >>> [(batch, repr(out)) for batch, out in backend.map(max, [[1, 5], []])]
    [([1, 5], '5'), ([], "ValueError('max() ...')")]
    >>> LocalBackend(workers=0)
    Traceback (most recent call last):
    ...
    ValueError: workers must be a positive int, got 0
    """

    def __init__(self, workers: int = 1, retries: int = 2):
        self.workers = check_count("workers", workers)
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ValueError(f"retries must be a non-negative int, got {retries!r}")
        self.retries = retries

    def __repr__(self) -> str:
        return f"LocalBackend(workers={self.workers})"

    def __enter__(self) -> LocalBackend:  # as RayBackend, which connects here: nothing to do
        return self

    def __exit__(self, *exc_info) -> None:
        return None

    def map(self, function: Callable, batches: Iterable[list]) -> Iterator[tuple]:
        """Yield ``(batch, function(batch))`` (or ``(batch, exception)``) as each ends."""
        batches = list(batches)
        if self.workers == 1:
            for batch in batches:
                try:
                    outcome = function(batch)
                except Exception as exc:  # recorded against the batch; the sweep goes on
                    outcome = exc
                yield batch, outcome
            return
        yield from self._pool_map(function, batches)

    def _pool_map(self, function, batches):
        tries = [0] * len(batches)
        todo = list(range(len(batches)))
        context = multiprocessing.get_context("spawn")
        while todo:
            broken = []
            workers = min(self.workers, len(todo))
            with cf.ProcessPoolExecutor(
                max_workers=workers,
                mp_context=context,
                initializer=_exit_with_driver,
                initargs=(os.getpid(),),
            ) as pool:
                futures = {pool.submit(function, batches[i]): i for i in todo}
                try:
                    for future in cf.as_completed(futures):
                        i = futures[future]
                        try:
                            outcome = future.result()
                        except cf.process.BrokenProcessPool as exc:
                            tries[i] += 1
                            if tries[i] <= self.retries:
                                broken.append(i)
                                continue
                            outcome = exc
                        except Exception as exc:
                            outcome = exc
                        yield batches[i], outcome
                finally:
                    # stopped early (Ctrl-C, or the caller closed this generator): the
                    # queued batches are dropped; the pool's exit would otherwise run them
                    # all, for no one, before the interrupted sweep could end
                    pool.shutdown(cancel_futures=True)
            todo = broken


def _exit_with_driver(driver_pid: int, period: float = 0.5) -> None:
    """In a pool worker: exit once the driver is gone (this process then has another
    parent). A killed driver cannot stop its pool, and its workers would go on with the
    trials queued for it, writing into the sweep's folder while a resumed sweep runs
    there, then block for ever on the result pipe."""

    def watch():
        while os.getppid() == driver_pid:
            time.sleep(period)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-driver", daemon=True).start()
