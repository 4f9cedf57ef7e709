"""SAGG-RIAC's goal regions: boxes of the goal space that split as goals accumulate."""

import math

import numpy as np

from sensorimotor.base.bounds import is_int, is_real


class Regions:
    """A partition of the scaled goal space ``[0, 1]^n`` into boxes that split as goals fall in.

    Each region (a leaf of the split tree; only the leaves are kept) holds the last goals
    ``g`` (scaled) filed in it with one value ``v`` each, oldest first. Its interest is
    ``interest(values[-window:])``, a function given by the owner (e.g. the absolute
    competence progress). When a region holds more than ``max_points`` goals and is shallower
    than ``max_depth`` splits, it is cut in two along one axis by SAGG-RIAC's criterion
    (Baranes & Oudeyer 2013, section 4.2): the cut maximising::

        n_1 * n_2 * |interest(R_1) - interest(R_2)|

    (``n_i`` goals in child ``R_i``, each child's interest from its own goals in order of
    arrival). The candidate cuts are this library's choice: 1/4, 1/2 and 3/4 of every axis
    of the region, the new goal included. explauto's ``InterestTree`` (``best_interest_diff``)
    differs in three ways: it splits just before filing the goal that overfills the region,
    tries the midpoints between consecutive goals, and only along one axis, which cycles with
    the depth. When no cut separates interests (all zero), the widest axis is cut at its
    middle, so that regions where goals accumulate keep getting finer. (explauto's argmax
    over all-zero scores would cut between the two lowest goals.) The goals go to their
    child (``g < cut``: the lower one). Only cuts strictly inside the region are made (no
    child has zero width). A region at ``max_depth``, or too narrow for any such cut, keeps
    its last ``max_points`` goals. explauto refuses a window of ``max_points`` or more; it is
    accepted here, and at ``max_depth`` only the last ``max_points`` values are kept for it.

    The partition starts as a grid of ``cells`` boxes per axis (one region with ``cells=1``),
    the last box of each axis ending at exactly 1.0.

    >>> regions = Regions(2, cells=1, max_points=4, max_depth=5, window=4, interest=np.std)
    >>> for x in (0.1, 0.2, 0.7, 0.8, 0.9):
    ...     _ = regions.add(np.array([x, 0.5]), x)
    >>> len(regions), [round(float(h), 2) for h in regions.high[:, 0]]
    (2, [0.75, 1.0])
    """

    def __init__(self, n: int, cells, max_points: int, max_depth: int, window: int, interest):
        self.n, self.max_points, self.max_depth, self.window = n, max_points, max_depth, window
        self._interest = interest
        cells = (int(cells),) * n if np.ndim(cells) == 0 else tuple(int(c) for c in cells)
        grid = np.stack(np.meshgrid(*[np.arange(c) for c in cells], indexing="ij"), axis=-1)
        idx = grid.reshape(-1, n).astype(np.float64)
        size = 1.0 / np.array(cells, dtype=np.float64)
        # The last cell of each axis ends at exactly 1.0: c * (1 / c) rounds below 1 for some
        # c (49, 98, ...), and find() then filed 1.0 in no region (region 0 by default).
        # The other edges stay idx * size, so neighbours share their edge exactly.
        last = idx + 1 == np.array(cells)
        self.low, self.high = idx * size, np.where(last, 1.0, (idx + 1) * size)
        self.depth = [0] * len(idx)
        self.goals: list[list[np.ndarray]] = [[] for _ in idx]
        self.values: list[list[float]] = [[] for _ in idx]
        self._cache: list[float | None] = [None] * len(idx)  # interests not yet recomputed

    def __len__(self) -> int:
        return len(self.depth)

    def find(self, g: np.ndarray) -> int:
        """Index of the region holding the scaled goal ``g`` (clipped to ``[0, 1]``).

        >>> regions = Regions(2, cells=2, max_points=10, max_depth=3, window=4, interest=np.mean)
        >>> regions.find(np.array([0.7, 0.2])), regions.find(np.array([1.0, 1.0]))
        (2, 3)
        """
        g = np.clip(g, 0.0, 1.0)
        inside = (g >= self.low) & ((g < self.high) | (self.high >= 1.0))
        return int(np.argmax(inside.all(axis=1)))

    def interest(self) -> np.ndarray:
        """Interest of every region, shape ``(len(self),)`` (recomputed only for the regions
        that changed; after editing ``values`` by hand, call ``changed(i)``)."""
        cache = self._cache
        for i, x in enumerate(cache):
            if x is None:
                cache[i] = self.region_interest(self.values[i])
        return np.array(cache)

    def changed(self, i: int) -> None:
        """Mark region ``i``'s interest for recomputation."""
        self._cache[i] = None

    def region_interest(self, values) -> float:
        return float(self._interest(values[-self.window :])) if values else 0.0

    def add(self, g: np.ndarray, value: float) -> int:
        """File the scaled goal ``g`` with its ``value``; split its region if full. Returns
        the index of the region it was filed in (before any split)."""
        i = self.find(g)
        self.goals[i].append(np.clip(g, 0.0, 1.0))
        self.values[i].append(float(value))
        self._cache[i] = None
        if len(self.goals[i]) > self.max_points:
            if not (self.depth[i] < self.max_depth and self._split(i)):
                del self.goals[i][: -self.max_points], self.values[i][: -self.max_points]
        return i

    def _split(self, i: int) -> bool:
        """Cut region ``i`` in two; ``False`` (and nothing changes) when no cut lies strictly
        inside it (a region as narrow as floating point allows)."""
        goals, values = np.array(self.goals[i]), self.values[i]
        low, high = self.low[i], self.high[i]
        best, cut = 0.0, None
        for axis in range(self.n):
            for frac in (0.25, 0.5, 0.75):
                c = low[axis] + frac * (high[axis] - low[axis])
                if not low[axis] < c < high[axis]:
                    continue  # rounded onto an edge: a child would have zero width
                lower = goals[:, axis] < c
                n1 = int(lower.sum())
                if n1 == 0 or n1 == len(goals):
                    continue
                v1 = [v for v, b in zip(values, lower, strict=True) if b]
                v2 = [v for v, b in zip(values, lower, strict=True) if not b]
                score = n1 * (len(goals) - n1)
                score *= abs(self.region_interest(v1) - self.region_interest(v2))
                if score > best:
                    best, cut = score, (axis, c)
        if cut is None:
            # Goals piling on one point halve the region again and again: after ~50 halvings
            # the middle rounds onto an edge, and a zero-width child would make the
            # explorer's own file unloadable. Cut the widest axis whose middle is strictly
            # inside, or not at all.
            for axis in np.argsort(low - high, kind="stable"):  # widest first
                c = (low[axis] + high[axis]) / 2
                if low[axis] < c < high[axis]:
                    cut = (int(axis), c)
                    break
            else:
                return False
        axis, c = cut
        lower = goals[:, axis] < c
        upper_low, lower_high = low.copy(), high.copy()
        upper_low[axis] = lower_high[axis] = c
        depth = self.depth[i] + 1
        self.low = np.vstack([self.low, upper_low])
        self.high = np.vstack([self.high, high])
        self.high[i] = lower_high
        self.depth[i] = depth
        self.depth.append(depth)
        self.goals.append([g for g, b in zip(self.goals[i], lower, strict=True) if not b])
        self.values.append([v for v, b in zip(values, lower, strict=True) if not b])
        self.goals[i] = [g for g, b in zip(self.goals[i], lower, strict=True) if b]
        self.values[i] = [v for v, b in zip(values, lower, strict=True) if b]
        self._cache[i] = None
        self._cache.append(None)
        return True

    # -- persistence ----------------------------------------------------------------------
    def state(self) -> dict:
        return {
            "low": self.low.tolist(),
            "high": self.high.tolist(),
            "depth": list(self.depth),
            "goals": [[g.tolist() for g in gs] for gs in self.goals],
            "values": [list(v) for v in self.values],
        }

    def set_state(self, state) -> None:
        """Restore ``state()``; a ``ValueError`` names what is wrong, and nothing changes.

        A saved state must be exactly what ``state()`` writes: ``low`` and ``high`` lists of
        ``n`` numbers per region, boxes in ``[0, 1]`` of positive width, no two overlapping
        with positive volume and together filling the space; integer depths in ``[0,
        max_depth]``; each region's goals ``n`` finite numbers in ``[0, 1]`` with one finite
        number as value.
        """
        n = self.n
        low = _rows(state["low"], n, "low")
        high = _rows(state["high"], n, "high")
        depth, goals_in, values_in = state["depth"], state["goals"], state["values"]
        if not all(isinstance(x, list) for x in (depth, goals_in, values_in)):
            raise ValueError("regions: depth, goals and values must be lists")
        k = len(low)
        if not (len(high) == len(depth) == len(goals_in) == len(values_in) == k) or k == 0:
            raise ValueError("regions: low, high, depth, goals and values differ in length")
        if not all(is_int(d) and 0 <= d <= self.max_depth for d in depth):
            # int() once accepted 2.7, "3" and true; a depth past max_depth splits again
            raise ValueError(f"regions: depths must be ints in [0, {self.max_depth}]")
        if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high))):
            raise ValueError("regions: bounds hold NaN or inf")
        if np.any(low < 0) or np.any(high > 1) or np.any(low >= high):
            raise ValueError("regions: bounds outside [0, 1] or empty")
        if not math.isclose(float(np.prod(high - low, axis=1).sum()), 1.0, rel_tol=1e-9):
            raise ValueError("regions: the boxes do not fill the goal space")
        # the volumes may sum to 1 with two boxes overlapping and a gap elsewhere, where
        # find() then answers region 0
        _check_disjoint(low, high)
        goals, values = [], []
        for i in range(k):
            g = _rows(goals_in[i], n, f"the goals of region {i}")
            if not np.all(np.isfinite(g)) or np.any(g < 0) or np.any(g > 1):
                raise ValueError(f"regions: a goal of region {i} is not {n} values in [0, 1]")
            vs = values_in[i]
            if not isinstance(vs, list) or not all(is_real(v) for v in vs):
                raise ValueError(f"regions: the values of region {i} are not a list of numbers")
            if len(g) != len(vs):
                raise ValueError(f"regions: region {i} has {len(g)} goals, {len(vs)} values")
            if not all(math.isfinite(v) for v in vs):
                raise ValueError(f"regions: the values of region {i} hold NaN or inf")
            goals.append(list(g))
            values.append([float(v) for v in vs])
        self.low, self.high, self.depth, self.goals, self.values = low, high, depth, goals, values
        self._cache = [None] * k


def _rows(rows, n: int, what: str) -> np.ndarray:
    """``rows``, a list of lists of ``n`` numbers (bools and strings refused), as a
    ``(len(rows), n)`` float array; nothing is reshaped."""
    ok = isinstance(rows, list) and all(
        isinstance(r, list) and len(r) == n and all(is_real(v) for v in r) for r in rows
    )
    if not ok:
        raise ValueError(f"regions: {what} must be a list of rows of {n} numbers")
    return np.array(rows, dtype=np.float64).reshape(len(rows), n)


def _check_disjoint(low: np.ndarray, high: np.ndarray, block: int = 256) -> None:
    """Raise ``ValueError`` if two boxes overlap with positive volume (sharing a face is
    fine). Pairwise, vectorised by blocks: the boxes sorted along the axis with the most
    distinct lows, each is compared only with those after it that start before it ends."""
    k, n = low.shape
    axis = int(np.argmax([len(np.unique(low[:, a])) for a in range(n)]))
    order = np.argsort(low[:, axis], kind="stable")
    lo, hi = low[order], high[order]
    for a in range(0, k, block):
        b = min(a + block, k)
        end = int(np.searchsorted(lo[:, axis], hi[a:b, axis].max(), side="left"))
        for c in range(a, end, 4 * block):
            d = min(c + 4 * block, end)
            inter = np.minimum(hi[a:b, None], hi[None, c:d]) - np.maximum(
                lo[a:b, None], lo[None, c:d]
            )
            volume = np.prod(np.clip(inter, 0.0, None), axis=2)
            later = np.arange(c, d)[None, :] > np.arange(a, b)[:, None]  # each pair once
            if np.any((volume > 0) & later):
                i, j = np.argwhere((volume > 0) & later)[0]
                raise ValueError(
                    f"regions: regions {int(order[a + i])} and {int(order[c + j])} overlap"
                )
