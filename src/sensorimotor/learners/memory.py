"""Observation memory: growable preallocated arrays and exact nearest-neighbour search."""

import numpy as np

from sensorimotor.learners.brute_force import knn
from sensorimotor.learners.neighbour_index import NeighbourIndex, TreeSchedule

__all__ = ["Memory", "knn"]

_DOUBLE_BELOW = 1 << 16  # rows: the capacity doubles below this, grows by 1/8 above


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
        self.n_m, self.n_s = int(n_m), int(n_s)
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

    def append(self, m: np.ndarray, s: np.ndarray) -> None:
        """Append rows ``m`` (N, n_m) and ``s`` (N, n_s).

        >>> mem = Memory(2, 1, capacity=1)
        >>> mem.append(np.zeros((3, 2)), np.ones((3, 1)))  # grows to fit the three rows
        >>> len(mem), mem.capacity, mem.s[:, 0].tolist()
        (3, 3, [1.0, 1.0, 1.0])
        """
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
        self._n = min(self._n, int(n))
        for index in self.index.values():
            index.truncate(self._n)

    def nearest(self, space: str, queries: np.ndarray, k: int = 1):
        """Exact ``k`` nearest observations of ``queries`` (Q, d) in ``space``: ``(d2, idx)``,
        equal to ``knn(self.space(space), queries, k)``.

        >>> mem = Memory(1, 1)
        >>> mem.append(np.array([[0.0], [1.0], [3.0]]), np.array([[5.0], [6.0], [7.0]]))
        >>> d2, idx = mem.nearest("m", np.array([[0.9], [2.5]]), k=2)
        >>> idx.tolist(), d2.round(2).tolist()
        ([[1, 0], [2, 1]], [[0.01, 0.81], [0.25, 2.25]])
        """
        if space not in self.index:
            raise ValueError(f"space must be 'm' or 's', got {space!r}")
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
