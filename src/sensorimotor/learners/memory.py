"""Observation memory: growable preallocated arrays and exact nearest-neighbour search."""

import numpy as np

# Largest number of float64 entries of a temporary (queries x points x dims) difference block.
_CHUNK_ENTRIES = 1 << 21


def knn(points: np.ndarray, queries: np.ndarray, k: int = 1):
    """Exact ``k`` nearest neighbours by brute force, in squared Euclidean distance.

    For every query ``q`` and point ``x_i``, ``d_i = sum_j (x_ij - q_j)**2`` is computed
    directly (no ``|x|^2 + |q|^2 - 2 x.q`` expansion, so distances are exact to rounding of
    the differences and ties resolve to the lowest index, as ``np.argmin`` does). Queries are
    processed in chunks so that no temporary exceeds about 16 MB: the cost is
    ``O(N_points * N_queries * dim)`` time and ``O(N_points)`` extra memory per query.

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
    n = points.shape[0]
    k = min(int(k), n)
    q_count = queries.shape[0]
    d2_out = np.empty((q_count, k))
    idx_out = np.empty((q_count, k), dtype=np.intp)
    step = max(1, _CHUNK_ENTRIES // max(1, n * points.shape[1]))
    for start in range(0, q_count, step):
        q = queries[start : start + step]
        diff = points[None, :, :] - q[:, None, :]
        d2 = np.square(diff, out=diff).sum(axis=-1)
        rows = np.arange(q.shape[0])[:, None]
        if k == 1:
            idx = np.argmin(d2, axis=1)[:, None]
        elif k == n:
            idx = np.broadcast_to(np.arange(n), d2.shape)
            idx = np.take_along_axis(idx, np.argsort(d2, axis=1, kind="stable"), axis=1)
        else:
            part = np.argpartition(d2, k - 1, axis=1)[:, :k]
            # sort candidates by (distance, index): ties go to the lowest index
            keyed = np.sort(part, axis=1)
            order = np.argsort(d2[rows, keyed], axis=1, kind="stable")
            idx = np.take_along_axis(keyed, order, axis=1)
        d2_out[start : start + step] = d2[rows, idx]
        idx_out[start : start + step] = idx
    return d2_out, idx_out


class Memory:
    """Observed motor and sensory arrays, growing by amortised doubling.

    Appending one observation costs ``O(1)`` amortised (capacity doubles when full, no full
    copy per update); ``m`` and ``s`` are read-only views of the first ``len(memory)`` rows.
    Rows are stored in the learner's internal (scaled) units.

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
        self._m = np.empty((capacity, self.n_m))
        self._s = np.empty((capacity, self.n_s))
        self._n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def capacity(self) -> int:
        return self._m.shape[0]

    @property
    def m(self) -> np.ndarray:
        view = self._m[: self._n]
        view.flags.writeable = False
        return view

    @property
    def s(self) -> np.ndarray:
        view = self._s[: self._n]
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
                new = np.empty((cap, old.shape[1]))
                new[: self._n] = old[: self._n]
                setattr(self, name, new)
        self._m[self._n : need] = m
        self._s[self._n : need] = s
        self._n = need

    def truncate(self, n: int) -> None:
        """Forget every row after the first ``n`` (used to undo a failed append)."""
        self._n = min(self._n, int(n))

    def nearest(self, space: str, queries: np.ndarray, k: int = 1):
        """Exact ``k`` nearest observations of ``queries`` (Q, d) in ``space``: ``(d2, idx)``."""
        return knn(self.space(space), queries, k)
