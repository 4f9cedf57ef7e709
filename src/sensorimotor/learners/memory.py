"""Observation memory: growable preallocated arrays and exact nearest-neighbour search."""

import numpy as np

# Largest number of float64 entries of a temporary (queries x points x dims) difference block.
_CHUNK_ENTRIES = 1 << 21
# Stride of the subsample that sets a candidate threshold for k-nearest selection.
_STRIDE = 8


def knn(points: np.ndarray, queries: np.ndarray, k: int = 1):
    """Exact ``k`` nearest neighbours by brute force, in squared Euclidean distance.

    For every query ``q`` and point ``x_i``, ``d_i = sum_j (x_ij - q_j)**2`` is computed
    directly, summing over ``j`` in order (no ``|x|^2 + |q|^2 - 2 x.q`` expansion, so
    distances are exact to the rounding of the differences; for ``dim < 8`` they equal
    ``((x - q) ** 2).sum(axis=-1)`` bit for bit), and ties resolve to the lowest index as
    ``np.argmin`` does. Queries are processed in chunks so that no temporary exceeds about
    16 MB: ``O(N_points * N_queries * dim)`` time. Column-major ``points`` (as ``Memory``
    keeps them) make each pass contiguous.

    Args:
        points: shape ``(N, d)``, ``N >= 1``.
        queries: shape ``(Q, d)``.
        k: number of neighbours, ``1 <= k``; clipped to ``N``.

    Returns:
        ``(d2, idx)``: squared distances and indices, shape ``(Q, k)``, nearest first.

    >>> pts = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    >>> d2, idx = knn(pts, np.array([[0.9, 0.1]]), k=2)
    >>> idx.tolist(), np.round(d2, 2).tolist()
    ([[1, 0]], [[0.02, 0.82]])
    """
    n, dim = points.shape
    k = min(int(k), n)
    q_count = queries.shape[0]
    d2_out = np.empty((q_count, k))
    idx_out = np.empty((q_count, k), dtype=np.intp)
    step = max(1, _CHUNK_ENTRIES // max(1, n))
    cols = [points[:, j] for j in range(dim)]
    for start in range(0, q_count, step):
        q = queries[start : start + step]
        # accumulate (x_j - q_j)^2 one dimension at a time: the same left-to-right sum as
        # ((x - q) ** 2).sum(axis=-1) for dim < 8, and fast on column-major memory
        d2 = np.zeros((q.shape[0], n))
        tmp = np.empty_like(d2)
        for j in range(dim):
            np.subtract(cols[j][None, :], q[:, j, None], out=tmp)
            np.multiply(tmp, tmp, out=tmp)
            d2 += tmp
        rows = np.arange(q.shape[0])[:, None]
        if k == 1:
            idx = np.argmin(d2, axis=1)[:, None]
        elif k == n:
            idx = np.argsort(d2, axis=1, kind="stable")
        else:
            idx = np.stack([_smallest(row, k) for row in d2])
        d2_out[start : start + step] = d2[rows, idx]
        idx_out[start : start + step] = idx
    return d2_out, idx_out


def _smallest(d2: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` smallest entries of ``d2``, sorted by (value, index)."""
    n = d2.shape[0]
    cand = None
    if n > 16 * k:
        # A threshold from a strided subsample: when at least k entries lie below it, the k
        # smallest are among them (exact), and partitioning ~2k candidates beats all n.
        sub = d2[::_STRIDE]
        j = min(sub.shape[0] - 1, (2 * k) // _STRIDE + 1)
        thr = np.partition(sub, j)[j]
        found = np.flatnonzero(d2 <= thr)
        if found.shape[0] >= k:
            cand = found
    if cand is None:
        cand = np.arange(n)
    vals = d2[cand]
    if cand.shape[0] > k:
        # everything below the k-th value, then the lowest indices among those equal to it
        # (cand is in increasing index order)
        kth = np.partition(vals, k - 1)[k - 1]
        below = vals < kth
        tied = np.flatnonzero(vals == kth)[: k - int(below.sum())]
        keep = np.concatenate([np.flatnonzero(below), tied])
        cand, vals = cand[keep], vals[keep]
    order = np.lexsort((cand, vals))
    return cand[order]


class Memory:
    """Observed motor and sensory arrays, growing by amortised doubling.

    Appending one observation costs ``O(1)`` amortised (capacity doubles when full, no full
    copy per update); ``m`` and ``s`` are read-only ``(N, n)`` views of the observations,
    stored column-major for fast distance passes, in the learner's internal (scaled) units.

    >>> mem = Memory(2, 1, capacity=4)
    >>> for i in range(5):
    ...     mem.append(np.array([[i, i + 1.0]]), np.array([[2.0 * i]]))
    >>> len(mem), mem.capacity, mem.s[-1].tolist()
    (5, 8, [8.0])
    >>> mem.nearest("m", np.array([[2.2, 3.1]]))[1].tolist()
    [[2]]
    """

    def __init__(self, n_m: int, n_s: int, capacity: int = 64):
        self.n_m, self.n_s = int(n_m), int(n_s)
        # column-major storage: row i of ``m`` is column i here, so that a distance pass
        # over one dimension reads contiguous memory
        self._m = np.empty((self.n_m, capacity))
        self._s = np.empty((self.n_s, capacity))
        self._n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def capacity(self) -> int:
        return self._m.shape[1]

    @property
    def m(self) -> np.ndarray:
        view = self._m[:, : self._n].T
        view.flags.writeable = False
        return view

    @property
    def s(self) -> np.ndarray:
        view = self._s[:, : self._n].T
        view.flags.writeable = False
        return view

    def space(self, name: str) -> np.ndarray:
        """``'m'`` or ``'s'``: the observed rows of that space."""
        if name == "m":
            return self.m
        if name == "s":
            return self.s
        raise ValueError(f"space must be 'm' or 's', got {name!r}")

    def append(self, m: np.ndarray, s: np.ndarray) -> None:
        """Append rows ``m`` (N, n_m) and ``s`` (N, n_s)."""
        count = m.shape[0]
        need = self._n + count
        if need > self.capacity:
            cap = max(need, 2 * self.capacity)
            for name in ("_m", "_s"):
                old = getattr(self, name)
                new = np.empty((old.shape[0], cap))
                new[:, : self._n] = old[:, : self._n]
                setattr(self, name, new)
        self._m[:, self._n : need] = m.T
        self._s[:, self._n : need] = s.T
        self._n = need

    def truncate(self, n: int) -> None:
        """Forget every row after the first ``n`` (used to undo a failed append)."""
        self._n = min(self._n, int(n))

    def nearest(self, space: str, queries: np.ndarray, k: int = 1):
        """Exact ``k`` nearest observations of ``queries`` (Q, d) in ``space``: ``(d2, idx)``."""
        return knn(self.space(space), queries, k)
