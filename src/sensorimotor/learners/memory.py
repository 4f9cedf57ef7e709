"""Observation memory: growable preallocated arrays and exact nearest-neighbour search."""

import numpy as np

from sensorimotor.base.bounds import check_count, is_int, where_not_finite
from sensorimotor.learners import brute_force
from sensorimotor.learners.neighbour_index import NeighbourIndex, TreeSchedule

__all__ = ["Memory", "knn"]

_DOUBLE_BELOW = 1 << 16  # rows: the capacity doubles below this, grows by 1/8 above


def _rows(name: str, value, width: int | None = None) -> np.ndarray:
    """``value`` as a finite real array of shape ``(N, width)``, else a ``ValueError`` or
    ``TypeError`` naming ``name``: NumPy broadcast a row of the wrong width into the memory
    (``[1.0]`` stored as ``[1.0, 1.0]``) and searched NaN as the nearest of all.

    >>> _rows("queries", np.array([[0.0, np.nan]]), 2)
    Traceback (most recent call last):
    ...
    ValueError: queries has a NaN or infinite entry at index (0, 1): [[ 0. nan]]
    """
    shape = f"(N, {'d' if width is None else width})"
    if isinstance(value, str | bytes) or value is None:
        raise TypeError(f"{name} must be an array of shape {shape}, got {value!r}")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:  # a ragged list
        raise TypeError(f"{name} must be an array of shape {shape}: {exc}") from None
    if arr.dtype.kind not in "fiu":  # a bool, complex, str or object array
        raise TypeError(f"{name} must be a real array of shape {shape}, got dtype {arr.dtype}")
    if arr.ndim != 2 or (width is not None and arr.shape[1] != width):
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    if arr.dtype.kind != "f":  # squared int coordinates overflow
        arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} has a NaN or infinite entry{where_not_finite(arr)}")
    return arr


def _k(k) -> int:
    if not is_int(k) or k < 1:  # int() took 2.5 for 2 and "3" for 3
        raise ValueError(f"k must be a positive int, got {k!r}")
    return int(k)


def knn(points, queries, k: int = 1):
    """Exact ``k`` nearest ``points`` (N, d) of each of ``queries`` (Q, d), by brute force in
    squared Euclidean distance: ``(d2, idx)`` of shape ``(Q, min(k, N))``, nearest first,
    ties to the lowest index. The arrays are checked (finite, real, of one width ``d``, at
    least one point): a NaN is nearest to nothing and an array of another width measured
    only its first columns.

    >>> pts = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    >>> d2, idx = knn(pts, np.array([[0.9, 0.1]]), k=2)
    >>> idx.tolist(), np.round(d2, 2).tolist()
    ([[1, 0]], [[0.02, 0.82]])
    >>> knn(pts, np.array([[0.9]]))
    Traceback (most recent call last):
    ...
    ValueError: queries must have shape (N, 2), got (1, 1)
    """
    points = _rows("points", points)
    if not len(points):
        raise ValueError("points is empty: knn needs at least one point")
    queries = _rows("queries", queries, points.shape[1])
    return brute_force.knn(points, queries, _k(k))


class Memory:
    """Observed motor and sensory arrays, growing by amortised doubling, with exact search.

    Appending one observation costs ``O(1)`` amortised (when full, the capacity doubles, or
    grows by an eighth beyond 65536 rows; no full copy per update); ``m`` and ``s`` are read-only ``(N, n)`` views of the observations
    (row-major, C-contiguous), in the learner's internal (scaled) units.

    ``nearest(space, queries, k)`` gives exactly ``knn(space rows, queries, k)`` (distances,
    and ties to the earliest observation): brute force while the memory is small, then a
    ``NeighbourIndex`` per space (kd-trees sharing these rows, plus a brute-force tail),
    ``O(log N)`` per query. A space's index is kept up to date from its first query on.

    >>> mem = Memory(2, 1, capacity=4)
    >>> for i in range(5):
    ...     mem.append(np.array([[i, i + 1.0]]), np.array([[2.0 * i]]))
    >>> len(mem), mem.capacity, mem.s[-1].tolist()
    (5, 8, [8.0])
    >>> mem.nearest("m", np.array([[2.2, 3.1]]))[1].tolist()
    [[2]]
    """

    def __init__(
        self, n_m: int, n_s: int, capacity: int = 64, schedule: TreeSchedule | None = None
    ):
        self.n_m, self.n_s = check_count("n_m", n_m), check_count("n_s", n_s)
        if not is_int(capacity) or capacity < 0:
            raise ValueError(f"capacity must be an int >= 0, got {capacity!r}")
        # row-major storage: a kd-tree over a range of rows shares it without a copy
        self._m = np.empty((capacity, self.n_m))
        self._s = np.empty((capacity, self.n_s))
        self._n = 0
        schedule = TreeSchedule() if schedule is None else schedule
        self.index = {"m": NeighbourIndex(schedule), "s": NeighbourIndex(schedule)}
        self._active: list[str] = []  # spaces queried so far: their index follows appends

    def __len__(self) -> int:
        return self._n

    @property
    def capacity(self) -> int:
        """Rows the arrays hold before they grow again.

        >>> Memory(2, 1, capacity=4).capacity
        4
        """
        return self._m.shape[0]

    @property
    def m(self) -> np.ndarray:
        """The observed motor rows ``(N, n_m)``: a read-only view, not a copy.

        >>> mem = Memory(2, 1)
        >>> mem.append(np.array([[0.1, 0.2]]), np.array([[0.3]]))
        >>> mem.m.tolist(), mem.m.flags.writeable
        ([[0.1, 0.2]], False)
        """
        view = self._m[: self._n]
        view.flags.writeable = False
        return view

    @property
    def s(self) -> np.ndarray:
        """The observed sensory rows ``(N, n_s)``: a read-only view, not a copy.

        >>> mem = Memory(2, 1)
        >>> mem.append(np.array([[0.1, 0.2]]), np.array([[0.3]]))
        >>> mem.s.tolist(), mem.s.flags.writeable
        ([[0.3]], False)
        """
        view = self._s[: self._n]
        view.flags.writeable = False
        return view

    def space(self, name: str) -> np.ndarray:
        """``'m'`` or ``'s'``: the observed rows of that space.

        >>> mem = Memory(2, 1)
        >>> mem.append(np.array([[0.1, 0.2]]), np.array([[0.3]]))
        >>> mem.space("s").tolist()
        [[0.3]]
        >>> mem.space("x")
        Traceback (most recent call last):
        ValueError: space must be 'm' or 's', got 'x'
        """
        if name == "m":
            return self.m
        if name == "s":
            return self.s
        raise ValueError(f"space must be 'm' or 's', got {name!r}")

    def _rows(self, name: str) -> np.ndarray:
        return self._m if name == "m" else self._s

    def append(self, m: np.ndarray, s: np.ndarray, *, check: bool = True) -> None:
        """Append rows ``m`` (N, n_m) and ``s`` (N, n_s): finite real arrays with as many
        rows, else a ``ValueError`` or ``TypeError`` naming ``m`` or ``s``, and the memory
        as it was. ``check=False`` skips the checks: for float64 arrays the caller made and
        checked (a learner's, on its per-sample path).

        >>> mem = Memory(2, 1, capacity=1)
        >>> mem.append(np.zeros((3, 2)), np.ones((3, 1)))  # grows to fit the three rows
        >>> len(mem), mem.capacity, mem.s[:, 0].tolist()
        (3, 3, [1.0, 1.0, 1.0])
        >>> mem.append(np.zeros((2, 2)), np.ones((1, 1)))
        Traceback (most recent call last):
        ...
        ValueError: m has 2 rows but s has 1
        """
        if check:
            m, s = _rows("m", m, self.n_m), _rows("s", s, self.n_s)
            if m.shape[0] != s.shape[0]:  # NumPy broadcast one row of s over every row of m
                raise ValueError(f"m has {m.shape[0]} rows but s has {s.shape[0]}")
        count = m.shape[0]
        need = self._n + count
        if need > self.capacity:
            # doubling while small; beyond that, growth by an eighth keeps the spare capacity
            # under 12.5% of a large memory (each row is copied ~8 times in all: still O(1))
            grown = 2 * self.capacity if self.capacity < _DOUBLE_BELOW else self.capacity * 9 // 8
            cap = max(need, grown)
            for name in ("_m", "_s"):
                old = getattr(self, name)
                # a new array (not a resize): trees built on the old one keep reading it
                new = np.empty((cap, old.shape[1]))
                new[: self._n] = old[: self._n]
                setattr(self, name, new)
        self._m[self._n : need] = m
        self._s[self._n : need] = s
        self._n = need
        for name in self._active:
            self.index[name].update(self._rows(name), need)

    def truncate(self, n: int) -> None:
        """Forget every row after the first ``n`` (used to undo a failed append).

        >>> mem = Memory(1, 1)
        >>> mem.append(np.array([[0.0], [1.0], [2.0]]), np.array([[5.0], [6.0], [7.0]]))
        >>> mem.truncate(1)
        >>> len(mem), mem.m.tolist(), mem.s.tolist()
        (1, [[0.0]], [[5.0]])
        """
        if not is_int(n) or n < 0:  # a negative n made len() negative
            raise ValueError(f"n must be an int >= 0, got {n!r}")
        self._n = min(self._n, int(n))
        for index in self.index.values():
            index.truncate(self._n)

    def nearest(self, space: str, queries: np.ndarray, k: int = 1, *, check: bool = True):
        """Exact ``k`` nearest observations of ``queries`` (Q, d) in ``space``: ``(d2, idx)``,
        equal to ``knn(self.space(space), queries, k)``. ``queries`` must be finite and real,
        ``k`` a positive int, and the memory not empty; ``check=False`` skips these checks
        (for a caller's own float64 queries).

        >>> mem = Memory(1, 1)
        >>> mem.append(np.array([[0.0], [1.0], [3.0]]), np.array([[5.0], [6.0], [7.0]]))
        >>> d2, idx = mem.nearest("m", np.array([[0.9], [2.5]]), k=2)
        >>> idx.tolist(), d2.round(2).tolist()
        ([[1, 0], [2, 1]], [[0.01, 0.81], [0.25, 2.25]])
        """
        if space not in self.index:
            raise ValueError(f"space must be 'm' or 's', got {space!r}")
        if check:
            queries = _rows("queries", queries, self.n_m if space == "m" else self.n_s)
            k = _k(k)
            if not self._n:
                raise ValueError("the memory is empty: no observation is nearest")
        index = self.index[space]
        if space not in self._active:
            self._active.append(space)
        rows = self._rows(space)
        index.update(rows, self._n)
        return index.query(rows, self._n, queries, k)

    def wait(self) -> None:
        """Finish the index builds in progress (tests and benchmarks).

        >>> mem = Memory(2, 1, schedule=TreeSchedule(min_rows=100))
        >>> mem.append(np.random.default_rng(0).uniform(size=(2000, 2)), np.zeros((2000, 1)))
        >>> _ = mem.nearest("m", np.zeros((1, 2)))  # starts a kd-tree build in the background
        >>> mem.wait()
        >>> _ = mem.nearest("m", np.zeros((1, 2)))  # the finished tree is installed and used
        >>> mem.index["m"].trees
        1
        """
        for index in self.index.values():
            index.wait()

    @property
    def nbytes(self) -> int:
        """Bytes held: the row arrays (capacity included) and the indexes' trees, with any
        older row arrays a tree still reads.

        >>> Memory(2, 1, capacity=10).nbytes  # 10 rows of 2 + 1 float64, no tree yet
        240
        """
        arrays = {id(self._m): self._m.nbytes, id(self._s): self._s.nbytes}
        total = 0
        for index in self.index.values():
            total += index.nbytes()
            for base in index.row_arrays():
                arrays.setdefault(id(base), base.nbytes)
        return total + sum(arrays.values())
