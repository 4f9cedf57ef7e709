"""Exact nearest neighbours by brute force, in squared Euclidean distance."""

import numpy as np

# Largest number of float64 entries of a temporary (queries x points) distance block.
_CHUNK_ENTRIES = 1 << 21
# Stride of the subsample that sets a candidate threshold for k-nearest selection.
_STRIDE = 8


def sq_distances(points: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Squared distances ``(Q, N)`` of ``queries`` (Q, d) to ``points`` (N, d), summed in order.

    ``d_qi = sum_j (x_ij - q_j)**2`` accumulated over ``j = 0, 1, ...`` one dimension at a
    time (no ``|x|^2 + |q|^2 - 2 x.q`` expansion): exact to the rounding of the differences,
    and for ``d < 8`` equal bit for bit to ``((x - q) ** 2).sum(axis=-1)``. Every exact
    search of the library computes its distances here, so they agree to the last bit.

    >>> sq_distances(np.array([[0.0, 0.0], [1.0, 2.0]]), np.array([[1.0, 0.0]])).tolist()
    [[1.0, 4.0]]
    """
    d2 = np.subtract(points[:, 0][None, :], queries[:, 0, None])
    np.multiply(d2, d2, out=d2)
    if points.shape[1] > 1:
        tmp = np.empty_like(d2)
        for j in range(1, points.shape[1]):
            np.subtract(points[:, j][None, :], queries[:, j, None], out=tmp)
            np.multiply(tmp, tmp, out=tmp)
            d2 += tmp
    return d2


def row_distances(points: np.ndarray, idx: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """``d2[q, c] = |points[idx[q, c]] - queries[q]|^2`` ``(Q, C)``, summed as ``sq_distances``.

    >>> row_distances(np.array([[0.0, 0.0], [1.0, 2.0]]), np.array([[1, 0]]),
    ...               np.array([[1.0, 0.0]])).tolist()
    [[4.0, 1.0]]
    """
    diff = points[idx] - queries[:, None, :]
    np.multiply(diff, diff, out=diff)
    if points.shape[1] < 8:  # NumPy sums fewer than 8 terms in order: one call
        return diff.sum(axis=-1)
    d2 = diff[:, :, 0].copy()
    for j in range(1, points.shape[1]):
        d2 += diff[:, :, j]
    return d2


def knn(points: np.ndarray, queries: np.ndarray, k: int = 1):
    """Exact ``k`` nearest neighbours by brute force, in squared Euclidean distance.

    For every query ``q`` and point ``x_i``, ``d_i = sum_j (x_ij - q_j)**2`` is computed
    directly (``sq_distances``), and ties resolve to the lowest index as ``np.argmin``
    does. Queries are processed in chunks so that no temporary exceeds about 16 MB:
    ``O(N_points * N_queries * dim)`` time.

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
    if q_count == 1 and k == 1:  # the per-sample path of a robot loop: no chunk bookkeeping
        d2 = sq_distances(points, queries)[0]
        j = int(np.argmin(d2))
        return d2[j : j + 1][None].copy(), np.array([[j]], dtype=np.intp)
    d2_out = np.empty((q_count, k))
    idx_out = np.empty((q_count, k), dtype=np.intp)
    step = max(1, _CHUNK_ENTRIES // max(1, n))
    for start in range(0, q_count, step):
        d2 = sq_distances(points, queries[start : start + step])
        rows = np.arange(d2.shape[0])[:, None]
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
