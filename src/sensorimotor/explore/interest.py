"""Interest-driven goal babbling: goals where competence progresses fastest."""

import math

import numpy as np

from sensorimotor.base.bounds import is_int, is_real
from sensorimotor.explore import draws
from sensorimotor.explore.goal import RandomGoalExplorer
from sensorimotor.explore.regions import Regions
from sensorimotor.signals import SignalError


class LearningProgressExplorer(RandomGoalExplorer):
    """Goal babbling that samples goals in the regions of the goal space where competence
    progresses fastest: SAGG-RIAC (Baranes & Oudeyer 2013).

    The goal space (the sensory bounds, or ``cfg['s_bounds']``, fixed when the explorer is
    made: the regions are boxes of it) is cut into regions that split
    as goals accumulate (``Regions``: a region holding more than ``max_points_per_region``
    goals is cut in two where the interests of the halves differ most, down to
    ``max_depth`` cuts; the partition starts as ``cells`` boxes per channel). Every pursued
    goal ``g`` (an exploration with ``'s_goal'``) gives one value, filed in the region of
    ``g``; a region's interest is computed from its last ``window`` values ``v_1..v_k``
    (oldest first). Distances are in scaled sensory units (each channel's bounds mapped to
    ``[0, 1]``, whatever the goal box). Two measures (``cfg['measure']``):

    * ``'progress'`` (default), SAGG-RIAC's absolute competence progress (eq. 6). The
      competence is minus the distance from the goal to the reached effect, floored at
      ``-dist_max``::

          v = gamma = -min(|g - s_reached|, dist_max)
          h = k // 2,   interest(R) = | mean(v_{k-2h+1..k-h}) - mean(v_{k-h+1..k}) |

      (0 while ``k < 2``). SAGG-RIAC divides the difference of the two halves' sums by
      the whole window, which is half this value once the window is full; the means (as
      explauto's interest models take them) also compare a young region's few values
      with each other on the same scale as a full window's. The floor is what makes unreachable goals uninteresting: every
      goal further than ``dist_max`` from anything reached has the same competence, so the
      region's competence neither varies with where in it the goal falls nor reads as
      progress; regions the body reaches show progress while the learner improves there.
      It compares outcomes with outcomes, so it still reads progress under goal babbling's
      default perturbation on a small arm (0.21 of each joint's range on a 2-joint arm),
      where the improvement measure reads none.
    * ``'improvement'``, after the idea of comparing an outcome with the best one
      available before (Forestier et al. 2022): at ``explore`` time the learner's forward
      model predicts what its unperturbed answer ``m*`` to ``g`` reaches, ``s_hat =
      predict(infer(g))``; the value is how much closer the real outcome came, distances
      floored the same way (a goal far from both adds nothing)::

          d(a) = min(|g - a|, dist_max)
          v = max(0, d(s_hat) - d(s_reached)),   interest(R) = mean(v_1..v_k)

      Explorations without that prediction (made elsewhere) add no value. It costs one
      ``predict`` per exploration, and needs a perturbation small beside the gaps between
      the effects reached: under a large one the outcome is rarely closer than ``s_hat``
      and no region reads any interest (give ``sigma=0.05`` on small arms).

    Goals are drawn in goal babbling's region ``[low_g, high_g]`` (``goal_region()``: with
    no ``s_bounds``, the box of the effects reached grown by ``margin``, clipped to the
    sensory bounds; with ``s_bounds``, that fixed box). With probability ``p_random``
    (default 0.2; SAGG-RIAC's share of random goals), or when no region has a positive
    interest, the goal is uniform in it; otherwise a region ``R = [a, b]`` is chosen with
    probability proportional to its interest (times its volume with ``volume=True``,
    explauto's sampling option: interest per unit of goal space) and the goal drawn
    uniformly in its part of the goal region::

        g ~ U(max(a, low_g), min(b, high_g))      (U(low_g, high_g) if that part is empty)

    SAGG-RIAC has a third mode: 10% of its goals go near the least competent goal of a
    region chosen by interest. That mode is not implemented; its share goes to the interest
    mode, 80% here against SAGG-RIAC's 70%. explauto's ``InterestTree`` samples by default
    with a softmax over progress times volume (temperature 0.2 of the largest), with no
    fixed share of random goals.

    Everything else (inverse model, perturbation ``sigma``, by default 0.3 / sqrt(n_m) of
    each motor range, fallback while the learner is not ready) is ``RandomGoalExplorer``'s.
    The tag is ``'goal'`` for goals chosen by interest and ``'goal.random'`` for uniform
    ones (the fallback for an empty part included). The regions are saved with the explorer.

    Papers: Baranes & Oudeyer (2013), "Active learning of inverse models with intrinsically
    motivated goal exploration in robots" (SAGG-RIAC; explauto's ``InterestTree`` names:
    ``max_points_per_region``, ``max_depth``, the progress window); Forestier, Portelas,
    Mollard & Oudeyer (2022), "Intrinsically motivated goal exploration processes with
    automatic curriculum learning".

    >>> from sensorimotor.envs import KinematicArm2D
    >>> from sensorimotor.learners import NNLearner
    >>> arm = KinematicArm2D({'dim': 3})
    >>> learner = NNLearner({'m_channels': arm.m_channels, 's_channels': arm.s_channels})
    >>> explorer = LearningProgressExplorer({'learner': learner, 'seed': 0})
    >>> for _ in range(300):
    ...     e = explorer.explore()
    ...     _ = explorer.receive(e, arm.execute(e['m_signal']))
    >>> interest = explorer.interest()
    >>> len(interest) > 1, round(float(interest.max()), 4)
    (True, 0.0033)
    """

    defcfg = {
        **RandomGoalExplorer.defcfg,
        "cells": 1,
        "max_points_per_region": 100,  # explauto's InterestTree default
        "max_depth": 10,
        "window": 20,
        "p_random": 0.2,
        "measure": "progress",
        "dist_max": 0.1,
        "volume": False,
    }
    MEASURES = ("progress", "improvement")
    _PENDING = 16  # predictions kept for explorations not yet received

    def _setup(self) -> None:
        super()._setup()
        name = type(self).__name__
        n_s = len(self.s_set)
        cells = self.cfg.cells
        if is_int(cells):
            cells = [cells] * n_s
        elif isinstance(cells, list | tuple | np.ndarray):
            cells = list(cells)
        else:  # 2.0 or True: refused below with the setting's name, not "not iterable"
            cells = []
        if len(cells) != n_s or not all(is_int(c) and c >= 1 for c in cells):
            raise ValueError(
                f"{name}: cfg['cells'] must be a positive int or {n_s} of them, got {self.cfg.cells!r}"
            )
        if math.prod(int(c) for c in cells) > 100_000:  # np.prod wrapped 2**32 * 2**32 to 0
            raise ValueError(f"{name}: cfg['cells'] makes more than 100000 regions: {cells!r}")
        window = self.cfg.window
        if not is_int(window) or window < 2:
            raise ValueError(f"{name}: cfg['window'] must be an int >= 2, got {window!r}")
        points = self.cfg.max_points_per_region
        if not is_int(points) or points < 2:
            raise ValueError(
                f"{name}: cfg['max_points_per_region'] must be an int >= 2, got {points!r}"
            )
        depth = self.cfg.max_depth
        if not is_int(depth) or not 0 <= depth <= 64:
            raise ValueError(f"{name}: cfg['max_depth'] must be an int in [0, 64], got {depth!r}")
        p = self.cfg.p_random
        if not is_real(p) or not 0 <= p <= 1:
            raise ValueError(f"{name}: cfg['p_random'] must be in [0, 1], got {p!r}")
        dist_max = self.cfg.dist_max
        if not is_real(dist_max) or not (dist_max > 0 and math.isfinite(dist_max)):
            raise ValueError(
                f"{name}: cfg['dist_max'] must be a finite number > 0, got {dist_max!r}"
            )
        if self.cfg.measure not in self.MEASURES:
            raise ValueError(
                f"{name}: cfg['measure'] must be one of {self.MEASURES}, got {self.cfg.measure!r}"
            )
        if not isinstance(self.cfg.volume, (bool, np.bool_)):
            raise ValueError(
                f"{name}: cfg['volume'] must be True or False, got {self.cfg.volume!r}"
            )
        self.cells = tuple(int(c) for c in cells)
        interest = self.progress if self.cfg.measure == "progress" else _mean
        self.regions = Regions(n_s, self.cells, int(points), int(depth), int(window), interest)
        # the regions are boxes of this goal space: it stays the one given at construction
        # while goal babbling's learned region (where goals are drawn) grows inside it
        self.box_low, self.box_high = self.goal_low.copy(), self.goal_high.copy()
        self._width = np.where(self.box_high > self.box_low, self.box_high - self.box_low, 1.0)
        self._pending: dict[tuple, float] = {}  # goal -> predicted distance |g - s_hat|

    # -- the interest model ---------------------------------------------------------------
    def region_of(self, s) -> int:
        """Index of the region containing ``s`` (raw units; clipped to the goal space).

        >>> from sensorimotor.envs import KinematicArm2D
        >>> from sensorimotor.learners import NNLearner
        >>> arm = KinematicArm2D({'dim': 2})  # sensory bounds [-1, 1]^2
        >>> learner = NNLearner({'m_channels': arm.m_channels, 's_channels': arm.s_channels})
        >>> explorer = LearningProgressExplorer({'learner': learner, 'cells': 2})
        >>> i = explorer.region_of([0.5, -0.5])
        >>> low, high = explorer.region_bounds()
        >>> i, low[i].tolist(), high[i].tolist(), explorer.region_of([7.0, 7.0])
        (2, [0.0, -1.0], [1.0, 0.0], 3)
        >>> explorer.region_of([float("nan"), 0.0])
        Traceback (most recent call last):
        ...
        sensorimotor.signals.errors.SignalError: channel 'x' is NaN
        """
        # NaN, None or a point of one coordinate (broadcast over both) all fell in region 0
        arr = self.s_set.check_array(s, strict=False) if s is not None else None
        if arr is None or arr.ndim != 1:
            got = "None" if arr is None else arr.shape
            raise SignalError(
                f"s: expected shape ({len(self.s_set)},) for channels {list(self.s_set.names)}, "
                f"got {got}"
            )
        return self.regions.find((arr - self.box_low) / self._width)

    def region_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """``(low, high)``: the regions' boxes in raw units, each ``(len(regions), n_s)``."""
        r = self.regions
        return self.box_low + r.low * self._width, self.box_low + r.high * self._width

    @staticmethod
    def progress(competences) -> float:
        """Absolute learning progress of a window of competences (oldest first).

        >>> round(LearningProgressExplorer.progress([-0.5, -0.4, -0.2, -0.1]), 4)  # |-0.45 + 0.15|
        0.3
        >>> round(LearningProgressExplorer.progress([-0.9, -0.5, -0.4, -0.2, -0.1]), 4)  # -0.9 unused
        0.3
        """
        k = len(competences)
        if k < 2:
            return 0.0
        h = k // 2
        older = competences[k - 2 * h : k - h]
        newer = competences[k - h :]
        return abs(math.fsum(older) / h - math.fsum(newer) / h)

    def interest(self) -> np.ndarray:
        """Interest of every region, shape ``(len(regions),)`` (see ``region_bounds``)."""
        return self.regions.interest()

    def sample_goal(self) -> np.ndarray:
        self._tag = "goal.random"
        low, high = self.goal_region()
        if self.rng.random() < self.cfg.p_random:
            return draws.uniform(self.rng, low, high)
        weights = self.regions.interest()
        if self.cfg.volume:
            weights = weights * np.prod(self.regions.high - self.regions.low, axis=1)
        total = weights.sum()
        if not total > 0:
            return draws.uniform(self.rng, low, high)
        i = draws.choice_index(self.rng, draws.cumulative(weights / total))
        a = np.maximum(self.box_low + self.regions.low[i] * self._width, low)
        b = np.minimum(self.box_low + self.regions.high[i] * self._width, high)
        if np.any(a > b):
            # a region (of a loaded file) outside what is reached: the goal is uniform in
            # the goal region, and tagged as such, not as one the interest model placed
            return draws.uniform(self.rng, low, high)
        self._tag = "goal"
        return draws.uniform(self.rng, a, b)

    def _explore(self) -> dict:
        e = super()._explore()
        if "s_goal" in e:
            e["from"] = self._tag
        return e

    def _distance(self, goal: np.ndarray, s: np.ndarray) -> float:
        return float(np.linalg.norm(self.s_set.scale(goal) - self.s_set.scale(s)))

    def _inferred(self, goal: np.ndarray, m: np.ndarray) -> None:
        if self.cfg.measure != "improvement":
            return
        s_hat = self.learner.predict_array(m[None], check=False)[0]
        self._pending[tuple(goal.tolist())] = self._distance(goal, s_hat)
        while len(self._pending) > self._PENDING:
            del self._pending[next(iter(self._pending))]

    def _observe(self, exploration, m, s, goal) -> None:
        super()._observe(exploration, m, s, goal)  # goal babbling's reached box grows
        if goal is None:
            return
        dist_max = self.cfg.dist_max
        reached = min(self._distance(goal, s), dist_max)
        if self.cfg.measure == "progress":
            value = -reached
        else:
            predicted = self._pending.pop(tuple(goal.tolist()), None)
            if predicted is None:
                return
            value = max(0.0, min(predicted, dist_max) - reached)
        self.regions.add((goal - self.box_low) / self._width, value)

    # -- persistence ----------------------------------------------------------------------
    def _get_state(self) -> dict:
        return {
            **super()._get_state(),
            "regions": self.regions.state(),
            "pending": [[list(g), d] for g, d in self._pending.items()],
        }

    def _set_state(self, state) -> None:
        n_s, items = len(self.s_set), state["pending"]
        # numbers only (float() took "0.1" and NaN), and no more than explore() keeps
        if not isinstance(items, list) or len(items) > self._PENDING:
            raise ValueError(f"pending must be a list of at most {self._PENDING} [goal, distance]")
        pending = {}
        for item in items:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], list)):
                raise ValueError("a pending entry is not [goal, distance]")
            g, d = item
            if len(g) != n_s or not all(is_real(x) and math.isfinite(x) for x in g):
                raise ValueError(f"a pending goal does not have {n_s} finite values")
            if not (is_real(d) and math.isfinite(d) and d >= 0):
                raise ValueError(f"a pending distance is not a finite number >= 0: {d!r}")
            pending[tuple(float(x) for x in g)] = float(d)
        regions = Regions(
            self.regions.n,
            self.cells,
            self.regions.max_points,
            self.regions.max_depth,
            self.regions.window,
            self.regions._interest,
        )
        if "regions" in state:
            regions.set_state(state["regions"])
        else:  # a file of the fixed grid (before regions): each cell's values at its centre
            n_cells = len(regions)
            for key, values in state["history"].items():
                # the str(int) JSON writes: int() also took " 0 ", "-0" and "+1"
                if not (isinstance(key, str) and key.isascii() and key.isdigit()):
                    raise ValueError(f"history names cell {key!r}, not an int >= 0")
                cell = int(key)
                if key != str(cell) or not 0 <= cell < n_cells:
                    raise ValueError(f"history names cell {key!r}, not one of the {n_cells} cells")
                if not isinstance(values, list) or not all(
                    is_real(v) and math.isfinite(v) for v in values
                ):
                    raise ValueError(f"history of cell {cell} is not a list of finite numbers")
                centre = (regions.low[cell] + regions.high[cell]) / 2
                regions.goals[cell] = [centre.copy() for _ in values]
                regions.values[cell] = [float(v) for v in values]
                regions.changed(cell)
        super()._set_state(state)  # the reached box: checked before anything is set
        self.regions, self._pending = regions, pending


def _mean(values) -> float:
    return math.fsum(values) / len(values)
