"""Exact k-nearest-neighbour search over a growing array: kd-trees over the bulk, brute force
over the recent tail, the trees rebuilt on a geometric schedule in a background thread."""

import math
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
from scipy.spatial import cKDTree

from sensorimotor.learners.brute_force import knn, row_distances

# A kd-tree's distances are summed in another order than ``sq_distances`` and come back
# square-rooted: the two agree to a few ulps, far inside this relative margin.
_ROUNDING = 1e-9
# Bytes of one scipy kd-tree node (ckdtreenode: nine 8-byte fields), for ``nbytes``.
_NODE_BYTES = 72


class _Unproposed(Exception):
    """A tree cannot rank its rows for a query: squared distances overflow to inf, and
    SciPy then reports a missing row (as the tree's size) or refuses. Brute force answers
    such a query instead."""


def _propose(tree: cKDTree, queries: np.ndarray, k: int):
    """``tree.query(queries, k)`` as ``(dist, rows)``, each ``(Q, k)`` (``(k,)`` for one
    query ``(d,)``), refusing an answer that holds a missing row."""
    try:
        dist, rows = tree.query(queries, k=k)
    except ValueError as err:
        if "overflow" in str(err):
            raise _Unproposed from err
        raise
    dist, rows = (
        np.reshape(dist, (*queries.shape[:-1], k)),
        np.reshape(rows, (*queries.shape[:-1], k)),
    )
    # proposals come sorted by distance: a missing row, at inf, is last
    if (
        queries.ndim == 1
        and rows[-1] == tree.n
        or queries.ndim > 1
        and (rows[:, -1] == tree.n).any()
    ):
        raise _Unproposed
    return dist, rows


def _within(tree: cKDTree, q: np.ndarray, radius: float) -> list:
    """``tree.query_ball_point(q, radius)``: the tree's rows within ``radius`` of ``q``."""
    if not math.isfinite(radius):
        raise _Unproposed
    try:
        return tree.query_ball_point(q, radius)
    except ValueError as err:
        if "overflow" in str(err):
            raise _Unproposed from err
        raise


_BUILDER: tuple[int, ThreadPoolExecutor] | None = None  # (pid, the one build thread)
_BUILDER_LOCK = threading.Lock()


def _builder() -> ThreadPoolExecutor:
    """The thread that builds every index's trees in the background, one build at a time,
    started at first use (and again in a forked child, which has no threads).

    One long-lived thread rather than a thread per build: the first build in a new thread
    can run several times slower (9-12 ms instead of 1.5 for 14k rows, measured in a
    50k-step ``NetworkLearner`` run) while holding the learning loop up, and a single
    thread builds one tree at a time without a lock."""
    global _BUILDER
    with _BUILDER_LOCK:
        if _BUILDER is None or _BUILDER[0] != os.getpid():
            _BUILDER = (os.getpid(), ThreadPoolExecutor(1, thread_name_prefix="kd-tree build"))
        return _BUILDER[1]


def _after_fork_in_child() -> None:
    # a fork from another thread while it held the lock would leave it locked for good
    global _BUILDER_LOCK
    _BUILDER_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


class TreeSchedule(NamedTuple):
    """When a ``NeighbourIndex`` builds its kd-trees.

    * ``min_rows``: below this many rows, brute force only (it is faster there than a
      tree's query); in ``d < 6`` dimensions, where brute force is cheaper, below
      ``min_rows * 6 / d``. Measured crossovers (one query, CPU time): 4-8k rows in 7
      dimensions, 8-16k in 2, for k = 1.
    * ``rows_per_k``: a query for ``k`` neighbours goes to brute force below ``rows_per_k * k``
      rows (times ``6 / d`` likewise): a tree's cost grows with ``k``. Measured crossovers:
      k = 144, 6k rows in 7 dimensions, 12k in 2; k = 300, 12k and 25-30k.
    * ``tail_rows``: rows appended since the last build that are searched by brute force
      before a tree is built over them.
    * ``fraction``: the rows beyond the bulk tree are kept in one middle tree, rebuilt every
      ``tail_rows`` appends, until they exceed ``fraction`` of the bulk (or
      ``sqrt(2 tail_rows / bulk)`` if smaller: beyond ~2M rows); then the bulk tree is
      rebuilt over everything.
    * ``leafsize``: rows per kd-tree leaf (32: as fast as 16 in 7 dimensions, half the
      nodes; a node takes 72 bytes).
    * ``background``: build in a thread (queries meanwhile search the previous trees and a
      longer tail, with the same answers), or in the call that triggers the build.

    >>> TreeSchedule().min_rows
    4096
    """

    min_rows: int = 4096
    rows_per_k: int = 40
    tail_rows: int = 1024
    fraction: float = 1.0 / 32.0
    leafsize: int = 32
    background: bool = True


class _Build:
    """A kd-tree being built over rows ``[start, stop)``.

    In a process forked while the build ran in the background, the thread that ran it is
    gone: there the build counts as done, with its tree if it was finished at the fork and
    without one otherwise (its rows stay in the brute-force tail until the next build),
    and its future, the parent's, is never waited on."""

    def __init__(self, points: np.ndarray, start: int, stop: int, leafsize: int, background: bool):
        self.start, self.stop = start, stop
        self.tree = None
        self.pid = os.getpid()
        rows = points[start:stop]
        self.future: Future | None = None
        if background:
            self.future = _builder().submit(self._run_in_background, rows, leafsize)
        else:
            self._run(rows, leafsize)

    def _run(self, rows: np.ndarray, leafsize: int) -> None:
        # the tree keeps a view of the rows (copy_data=False): no second copy of the memory;
        # the sliding-midpoint split (balanced_tree=False) builds ~3x faster than medians
        try:
            self.tree = cKDTree(
                rows, leafsize=leafsize, balanced_tree=False, compact_nodes=False, copy_data=False
            )
        except MemoryError:  # no tree: the rows stay in the brute-force tail, answers unchanged
            self.tree = None

    def _run_in_background(self, rows: np.ndarray, leafsize: int) -> None:
        # SciPy holds the GIL for parts of a build: a pause before the next one lets the
        # thread that learns take it, so that it waits at most one build's part, not several
        self._run(rows, leafsize)
        time.sleep(0.001)

    def _orphaned(self) -> bool:
        """Whether this is a forked child of the process whose thread ran the build."""
        return self.future is not None and self.pid != os.getpid()

    def done(self) -> bool:
        # an orphaned build's future is not asked: its lock may have been held at the fork
        return self.future is None or self._orphaned() or self.future.done()

    def wait(self) -> None:
        """Until the build has finished; an error in it is raised here."""
        if self.future is not None and not self._orphaned():
            self.future.result()


class NeighbourIndex:
    """Exact ``k`` nearest rows of a growing array: two kd-tree queries and a bounded brute
    force per query, the trees rebuilt in a background thread.

    The rows ``[0, N)`` are covered by at most two kd-trees (``scipy.spatial.cKDTree``,
    Bentley 1975; Maneewongvatana & Mount 1999 for the sliding-midpoint split), the bulk
    ``[0, b)`` and the middle ``[b, c)``, and the tail ``[c, N)``, fewer than ``tail_rows``
    rows, is searched by brute force. When the tail reaches ``tail_rows``, the middle tree
    is rebuilt over ``[b, N)``; when the rows beyond the bulk exceed ``fraction * b`` (or
    the rows have moved to a larger array), the bulk is rebuilt over ``[0, N)``. Build work
    per appended row, amortised, with ``f`` the fraction: ``~ (1 / f) log N`` for the
    geometric bulk schedule plus ``~ f N / tail_rows * log N`` for the middle tree (about
    30 + 30 rows rebuilt per append at N = 1M with the defaults; ``f`` shrinks as
    ``sqrt(2 tail_rows / N)`` beyond, so ``O(sqrt(N) log N)``): the price of searching two
    trees only (the logarithmic method's ``O(log^2 N)`` per row would search ``O(log N)``
    trees per query).
    The builds run in a background thread (``TreeSchedule.background``), so the calling
    thread's update stays ``O(1)``; a finished build replaces the trees it covers on the
    next call, and queries meanwhile search the previous trees and a longer tail.

    Answers equal ``knn`` on all rows, distances and ties included: each tree proposes its
    ``k + 1`` nearest, their squared distances are recomputed as ``knn`` computes them
    (``row_distances``), and the ``k`` best by (distance, index) are kept; when a tree's
    farthest proposal is not strictly farther (beyond rounding) than the ``k``-th best, a
    tie may hide behind it and that tree is asked for twice as many.

    The trees are derived state: copies and saved learners drop them and rebuild. A process
    forked during a background build (``multiprocessing`` with ``fork``) starts that build
    again in its own thread: the parent's thread does not run in the child.

    >>> rng = np.random.default_rng(0)
    >>> pts = rng.uniform(size=(5000, 3))
    >>> index = NeighbourIndex(TreeSchedule(min_rows=1000, background=False))
    >>> index.update(pts, 5000)
    >>> d2, idx = index.query(pts, 5000, pts[:2] + 0.001, k=2)
    >>> bool((idx == knn(pts, pts[:2] + 0.001, 2)[1]).all()), index.trees
    (True, 1)
    >>> round(float(d2[0, 0]), 8)  # the point itself, 0.001 away in each of 3 dimensions
    3e-06
    """

    def __init__(self, schedule: TreeSchedule | None = None):
        self.schedule = TreeSchedule() if schedule is None else schedule
        self._trees: list[tuple[int, int, cKDTree]] = []  # contiguous ranges from row 0
        self._build: _Build | None = None
        self.builds = 0  # trees built and installed so far (for tests of the schedule)

    # -- derived state: dropped by copies ---------------------------------------------------
    def __getstate__(self):
        return {"schedule": self.schedule}

    def __setstate__(self, state):
        self.__init__(state["schedule"])

    # -- maintenance --------------------------------------------------------------------------
    @property
    def trees(self) -> int:
        """Number of kd-trees in use.

        >>> pts = np.random.default_rng(0).uniform(size=(3000, 2))
        >>> index = NeighbourIndex(TreeSchedule(min_rows=100, background=False))
        >>> index.trees
        0
        >>> index.update(pts, 3000)
        >>> index.trees
        1
        """
        return len(self._trees)

    @property
    def building(self) -> bool:
        """Whether a build has been started and not yet installed.

        >>> pts = np.random.default_rng(0).uniform(size=(3000, 2))
        >>> index = NeighbourIndex(TreeSchedule(min_rows=100))
        >>> index.update(pts, 3000)  # starts a build in the background thread
        >>> index.building
        True
        >>> index.wait()
        >>> index.update(pts, 3000)  # installs the finished build
        >>> index.building, index.trees
        (False, 1)
        """
        return self._build is not None

    @property
    def covered(self) -> int:
        """Rows ``[0, covered)`` are in the trees; the rest is the brute-force tail.

        >>> pts = np.random.default_rng(0).uniform(size=(3500, 2))
        >>> index = NeighbourIndex(TreeSchedule(min_rows=100, background=False))
        >>> index.update(pts, 3000)
        >>> index.update(pts, 3500)  # 500 new rows, fewer than tail_rows: no build
        >>> index.covered
        3000
        """
        return self._trees[-1][1] if self._trees else 0

    def update(self, points: np.ndarray, n: int) -> None:
        """Note that ``points`` (row-major, C-contiguous float64) now holds ``n`` rows: install
        a finished build and start the next one that the schedule calls for.

        >>> pts = np.random.default_rng(0).uniform(size=(3000, 2))
        >>> index = NeighbourIndex(TreeSchedule(min_rows=100, background=False))
        >>> index.update(pts, 500)  # 500 rows, fewer than tail_rows (1024): brute force
        >>> index.trees
        0
        >>> index.update(pts, 3000)  # a tree over rows [0, 3000)
        >>> index.trees, index.covered
        (1, 3000)
        """
        build = self._build
        if build is not None:
            if not build.done():
                return
            self._install(build)
        s = self.schedule
        covered = self.covered
        if n < self._min_rows(points.shape[1]) or n - covered < s.tail_rows:
            return
        bulk = self._trees[0][1] if self._trees else 0
        # the two rebuild costs per row, bulk / fraction and the middle's fraction * bulk /
        # tail_rows, balance at sqrt(2 tail_rows / bulk): beyond a few million rows that
        # keeps the work per row O(sqrt(N) log N) instead of O(N log N)
        fraction = min(s.fraction, math.sqrt(2.0 * s.tail_rows / max(bulk, 1)))
        start = 0 if n - bulk > fraction * bulk or self._moved(points) else bulk
        self._build = _Build(points, start, n, s.leafsize, s.background)
        if not s.background:
            self._install(self._build)

    def _min_rows(self, dim: int, k: int = 1) -> int:
        """Rows from which a tree beats brute force for ``k`` neighbours in ``dim`` dimensions."""
        s = self.schedule
        return int(max(s.min_rows, s.rows_per_k * k) * max(1.0, 6.0 / dim))

    def _moved(self, points: np.ndarray) -> bool:
        """Whether the rows have moved to a new array since the bulk tree was built: then it
        is rebuilt at once, so that the old array is not kept alive by it for long."""
        base = points
        while base.base is not None:
            base = base.base
        return any(arr is not base for arr in self.row_arrays())

    def _install(self, build: _Build) -> None:
        self._build = None
        build.wait()  # finished: this only raises an error of the build, a bug, here
        if build.tree is None:  # the build failed (out of memory): brute force covers its rows
            return
        self._trees = [t for t in self._trees if t[1] <= build.start]
        self._trees.append((build.start, build.stop, build.tree))
        self.builds += 1

    def wait(self) -> None:
        """Finish a build in progress (tests; a robot never needs to).

        >>> pts = np.random.default_rng(0).uniform(size=(3000, 2))
        >>> index = NeighbourIndex(TreeSchedule(min_rows=100))
        >>> index.update(pts, 3000)  # starts a build in the background thread
        >>> index.wait()
        >>> index.update(pts, 3000)  # finished: installed now
        >>> index.trees
        1
        """
        if self._build is not None:
            self._build.wait()

    def truncate(self, n: int) -> None:
        """Forget rows from ``n`` on: trees and builds reaching beyond them are dropped.

        >>> pts = np.random.default_rng(0).uniform(size=(3000, 2))
        >>> index = NeighbourIndex(TreeSchedule(min_rows=100, background=False))
        >>> index.update(pts, 3000)
        >>> index.truncate(2000)  # the tree holds rows up to 2999: dropped
        >>> index.trees, index.covered
        (0, 0)
        """
        if self._build is not None and self._build.stop > n:
            self._build = None  # its thread finishes on its own; the result is discarded
        while self._trees and self._trees[-1][1] > n:
            self._trees.pop()

    def nbytes(self) -> int:
        """Bytes held by the trees beyond the rows they share: their index arrays and nodes.

        >>> pts = np.random.default_rng(0).uniform(size=(3000, 2))
        >>> index = NeighbourIndex(TreeSchedule(min_rows=100, background=False))
        >>> before = index.nbytes()
        >>> index.update(pts, 3000)
        >>> before, index.nbytes() > 3000 * 8  # at least one 8-byte row index per row
        (0, True)
        """
        return sum(t.indices.nbytes + t.size * _NODE_BYTES for _, _, t in self._trees)

    def row_arrays(self) -> list:
        """The arrays whose rows the trees read (an older one stays alive while a tree built
        on it is in use).

        >>> pts = np.random.default_rng(0).uniform(size=(3000, 2))
        >>> index = NeighbourIndex(TreeSchedule(min_rows=100, background=False))
        >>> index.update(pts, 3000)
        >>> [rows is pts for rows in index.row_arrays()]  # the tree shares pts, no copy
        [True]
        """
        out = []
        for _, _, tree in self._trees:
            base = tree.data
            while base.base is not None:
                base = base.base
            out.append(base)
        return out

    # -- queries ------------------------------------------------------------------------------
    def query(self, points: np.ndarray, n: int, queries: np.ndarray, k: int = 1):
        """``knn(points[:n], queries, k)``, from the trees and the tail: ``(d2, idx)`` (Q, k).

        >>> pts = np.random.default_rng(0).uniform(size=(3500, 2))
        >>> index = NeighbourIndex(TreeSchedule(min_rows=100, background=False))
        >>> index.update(pts, 3000)
        >>> d2, idx = index.query(pts, 3500, pts[[7, 3200]])  # row 3200: in the tail
        >>> idx.tolist(), d2.tolist()
        ([[7], [3200]], [[0.0], [0.0]])
        """
        if not self._trees or n < self._min_rows(points.shape[1], k):
            return knn(points[:n], queries, k)
        try:
            return self._query_trees(points, n, queries, min(int(k), n))
        except _Unproposed:  # distances beyond float range: brute force orders them as knn
            return knn(points[:n], queries, k)

    def _query_trees(self, points, n, queries, k):
        """``query`` once trees cover the bulk (raises ``_Unproposed`` if a tree cannot
        rank its rows)."""
        if queries.shape[0] == 1:
            if k == 1:
                return self._nearest_one(points, n, queries[0])
            return self._query_one(points, n, queries[0], k)
        sizes = [stop - start for start, stop, _ in self._trees]
        asks = [min(k + 1, size) for size in sizes]
        d2, idx, ok = self._merge(points, n, queries, k, asks)
        rows = np.flatnonzero(~ok)
        while rows.size:  # ties at the edge of a tree's proposals: ask those trees for more
            asks = [min(2 * a, size) for a, size in zip(asks, sizes, strict=True)]
            d2r, idxr, okr = self._merge(points, n, queries[rows], k, asks)
            d2[rows], idx[rows] = d2r, idxr
            rows = rows[~okr]
        return d2, idx

    def _nearest_one(self, points, n, q):
        """``query`` for one query ``q`` (d,) and ``k = 1``: a robot loop's query, in plain
        Python floats around the trees' calls.

        The bulk tree proposes its two nearest rows: a row it did not propose is farther
        than the second. The later trees' rows come later, so only a strictly nearer row of
        theirs wins: they are asked for every row within the best distance so far
        (``query_ball_point``, the radius widened by the rounding margin; a third of a
        nearest-neighbour query's cost at small ``d``). Candidates' squared distances are
        summed as ``sq_distances`` sums them (one dimension at a time, in order; the same
        IEEE operations in Python floats), so the answer is ``knn``'s to the bit, ties to
        the earliest row."""
        q_list = q.tolist()
        best_d2, best = math.inf, -1
        edge = math.inf
        for start, stop, tree in self._trees:
            if start == 0:  # the bulk
                ask = min(2, stop - start)
                dist, rows = _propose(tree, q, ask)
                rows = rows.tolist()
                if ask < stop - start:  # the tree holds rows it did not propose
                    edge = float(dist[-1])
            elif best_d2 == 0.0:  # nothing is strictly nearer than an exact hit
                break
            else:
                rows = _within(tree, q, math.sqrt(best_d2) * (1.0 + _ROUNDING))
            for row in rows:
                d2 = 0.0
                for x, y in zip(points[start + row].tolist(), q_list, strict=True):
                    t = x - y
                    d2 += t * t
                if d2 < best_d2 or (d2 == best_d2 and start + row < best):
                    best_d2, best = d2, start + row
            if best < 0:  # the bulk's proposals are all at inf (overflow)
                raise _Unproposed
        covered = self.covered
        if covered < n:
            d2t, idxt = knn(points[covered:n], q[None], 1)
            d2, row = float(d2t[0, 0]), int(idxt[0, 0]) + covered
            if d2 < best_d2:  # a tail row comes after every tree row: it wins only if nearer
                best_d2, best = d2, row
        if best_d2 < edge * edge * (1.0 - _ROUNDING):
            return np.array([[best_d2]]), np.array([[best]], dtype=np.intp)
        return self._query_one(points, n, q, 1)  # a tie may hide behind a proposal: ask more

    def _query_one(self, points, n, q, k):
        """``query`` for one query ``q`` (d,): the per-sample path, with fewer array calls
        (``k = 1`` comes here only when a tie may hide behind ``_nearest_one``'s proposals)."""
        covered = self.covered
        asks = [min(k + 1, stop - start) for start, stop, _ in self._trees]
        while True:
            found, edges = [], []
            for (start, stop, tree), ask in zip(self._trees, asks, strict=True):
                dist, rows = _propose(tree, q, ask)
                found.append(rows + start)
                if ask < stop - start:
                    edges.append(float(dist[-1]))
            cand = np.concatenate(found) if len(found) > 1 else found[0]
            d2 = row_distances(points, cand[None], q[None])[0]
            if covered < n:
                d2t, idxt = knn(points[covered:n], q[None], k)
                cand = np.concatenate([cand, idxt[0] + covered])
                d2 = np.concatenate([d2, d2t[0]])
            order = np.lexsort((cand, d2))[:k]
            d2, cand = d2[order], cand[order]
            kth = float(d2[-1])
            if all(kth < e * e * (1.0 - _ROUNDING) for e in edges):
                return d2[None], cand[None]
            sizes = [stop - start for start, stop, _ in self._trees]
            asks = [min(2 * a, size) for a, size in zip(asks, sizes, strict=True)]

    def _merge(self, points, n, queries, k, asks):
        """The ``k`` best by (distance, index) among the trees' ``asks`` proposals and the
        tail's ``k`` nearest, and per query whether no unproposed row can tie or beat them."""
        q_count = queries.shape[0]
        covered = self.covered
        d2_parts, idx_parts, edges = [], [], []
        for (start, stop, tree), ask in zip(self._trees, asks, strict=True):
            dist, found = _propose(tree, queries, ask)
            found = found + start
            d2_parts.append(row_distances(points, found, queries))
            idx_parts.append(found)
            if ask < stop - start:  # the tree holds rows it did not propose
                edges.append(dist[:, -1])
        if covered < n:
            d2t, idxt = knn(points[covered:n], queries, k)
            d2_parts.append(d2t)
            idx_parts.append(idxt + covered)
        d2 = np.concatenate(d2_parts, axis=1)
        idx = np.concatenate(idx_parts, axis=1)
        order = np.lexsort((idx, d2), axis=-1)[:, :k]
        d2 = np.take_along_axis(d2, order, axis=1)
        idx = np.take_along_axis(idx, order, axis=1)
        ok = np.ones(q_count, dtype=bool)
        for edge in edges:
            ok &= d2[:, -1] < edge * edge * (1.0 - _ROUNDING)
        return d2, idx, ok
