"""Interest-driven goal babbling: goals where competence progresses fastest."""

import math

import numpy as np

from sensorimotor.base.bounds import is_int, is_real
from sensorimotor.explore import draws
from sensorimotor.explore.goal import RandomGoalExplorer


class LearningProgressExplorer(RandomGoalExplorer):
    """Goal babbling that samples goals in the cells of the sensory space where competence
    progresses fastest (an interest model over a fixed grid).

    The goal space (the sensory bounds, or ``cfg['s_bounds']``) is cut into ``cells`` equal
    intervals per channel. Every pursued goal ``g`` (an exploration with ``'s_goal'``) gives
    one value, filed under the cell ``c`` containing ``g``; each cell keeps its last
    ``window`` values ``v_1..v_k`` (oldest first) and its interest is computed from them.
    Distances are in scaled sensory units (each channel's range mapped to ``[0, 1]``). Two
    measures (``cfg['measure']``):

    * ``'progress'``, SAGG-RIAC's absolute competence progress (Baranes & Oudeyer 2013,
      eq. 6): ``v = gamma = -|g - s_reached|`` and the interest is the difference between
      the means of the older and the newer half of the window::

          h = k // 2,   interest(c) = | mean(v_{k-2h+1..k-h}) - mean(v_{k-h+1..k}) |

      (0 while ``k < 2``). Its known weakness: where the agent cannot reach, competence
      still varies with where in the cell the goal falls, and that noise reads as progress;
      where the learner is quickly perfect (a toy environment) such cells can even win.
    * ``'improvement'`` (default), our variant after the idea of comparing an outcome with
      the best one available before (Forestier et al. 2022): at ``explore`` time the
      learner's forward model predicts what its unperturbed answer ``m*`` to ``g`` reaches,
      ``s_hat = predict(infer(g))`` (for ``NNLearner``, the closest outcome reached so far);
      the value is how much closer the real outcome came::

          v = max(0, |g - s_hat| - |g - s_reached|),   interest(c) = mean(v_1..v_k)

      The same goal is on both sides, so where in the cell it falls cancels out, and cells
      where nothing gets closer any more (unreachable, or mastered) fall to zero interest.
      Explorations without that prediction (made elsewhere) add no value. It costs one
      ``predict`` per exploration.

    A goal is drawn uniformly over the whole goal space with probability ``p_random``
    (default 0.2), or when no cell has a positive interest; otherwise a cell is chosen with
    probability proportional to its interest and the goal drawn uniformly within it.
    Everything else (inverse model, perturbation ``sigma``, here 0.05 by default, fallback
    while the learner is not ready) is ``RandomGoalExplorer``'s. The tag is ``'goal'`` for
    goals chosen by interest and ``'goal.random'`` for uniform ones. The interest model is saved with the explorer.

    Papers: Baranes & Oudeyer (2013), "Active learning of inverse models with intrinsically
    motivated goal exploration in robots" (SAGG-RIAC); the fixed grid is explauto's
    discretized progress (Moulin-Frier, Rouanet & Oudeyer 2014); Forestier, Portelas,
    Mollard & Oudeyer (2022), "Intrinsically motivated goal exploration processes with
    automatic curriculum learning".

    >>> from sensorimotor.envs import KinematicArm2D
    >>> from sensorimotor.learners import NNLearner
    >>> arm = KinematicArm2D({'dim': 3})
    >>> learner = NNLearner({'m_channels': arm.m_channels, 's_channels': arm.s_channels})
    >>> explorer = LearningProgressExplorer({'learner': learner, 'cells': 4, 'seed': 0})
    >>> for _ in range(200):
    ...     e = explorer.explore()
    ...     _ = explorer.receive(e, arm.execute(e['m_signal']))
    >>> interest = explorer.interest()
    >>> interest.shape, bool(interest.max() > 0)
    ((4, 4), True)
    """

    defcfg = {
        **RandomGoalExplorer.defcfg,
        "sigma": 0.05,  # goal babbling's default noise drowns the improvement on small arms
        "cells": 10,
        "window": 20,
        "p_random": 0.2,
        "measure": "improvement",
    }
    MEASURES = ("improvement", "progress")
    _PENDING = 16  # predictions kept for explorations not yet received

    def _setup(self) -> None:
        super()._setup()
        name = type(self).__name__
        n_s = len(self.s_set)
        cells = self.cfg.cells
        cells = [cells] * n_s if is_int(cells) else list(cells)
        if len(cells) != n_s or not all(is_int(c) and c >= 1 for c in cells):
            raise ValueError(
                f"{name}: cfg['cells'] must be a positive int or {n_s} of them, got {self.cfg.cells!r}"
            )
        window = self.cfg.window
        if not is_int(window) or window < 2:
            raise ValueError(f"{name}: cfg['window'] must be an int >= 2, got {window!r}")
        p = self.cfg.p_random
        if not is_real(p) or not 0 <= p <= 1:
            raise ValueError(f"{name}: cfg['p_random'] must be in [0, 1], got {p!r}")
        if self.cfg.measure not in self.MEASURES:
            raise ValueError(
                f"{name}: cfg['measure'] must be one of {self.MEASURES}, got {self.cfg.measure!r}"
            )
        self.cells = tuple(int(c) for c in cells)
        self._history: dict[int, list[float]] = {}  # flat cell index -> last values
        self._pending: dict[tuple, float] = {}  # goal -> predicted distance |g - s_hat|

    # -- the interest model ---------------------------------------------------------------
    def cell_of(self, s: np.ndarray) -> int:
        """Flat index of the cell containing ``s`` (raw units; clipped to the goal space)."""
        width = np.where(self.goal_high > self.goal_low, self.goal_high - self.goal_low, 1.0)
        u = (np.asarray(s, dtype=np.float64) - self.goal_low) / width
        idx = np.clip(np.floor(u * self.cells).astype(int), 0, np.array(self.cells) - 1)
        return int(np.ravel_multi_index(tuple(idx), self.cells))

    @staticmethod
    def progress(competences) -> float:
        """Absolute learning progress of a window of competences (oldest first)."""
        k = len(competences)
        if k < 2:
            return 0.0
        h = k // 2
        older = competences[k - 2 * h : k - h]
        newer = competences[k - h :]
        return abs(math.fsum(older) / h - math.fsum(newer) / h)

    def cell_interest(self, values) -> float:
        """Interest of one cell from its window of values (see the class docstring)."""
        if self.cfg.measure == "progress":
            return self.progress(values)
        return math.fsum(values) / len(values) if values else 0.0

    def interest(self) -> np.ndarray:
        """Interest of every cell, shape ``cells`` (one axis per sensory channel)."""
        out = np.zeros(int(np.prod(self.cells)))
        for cell, history in self._history.items():
            out[cell] = self.cell_interest(history)
        return out.reshape(self.cells)

    def sample_goal(self) -> np.ndarray:
        self._tag = "goal.random"
        if self.rng.random() < self.cfg.p_random or not self._history:
            return draws.uniform(self.rng, self.goal_low, self.goal_high)
        keys = sorted(self._history)
        weights = np.array([self.cell_interest(self._history[c]) for c in keys])
        total = weights.sum()
        if not total > 0:
            return draws.uniform(self.rng, self.goal_low, self.goal_high)
        cell = keys[draws.choice_index(self.rng, draws.cumulative(weights / total))]
        idx = np.array(np.unravel_index(cell, self.cells))
        size = (self.goal_high - self.goal_low) / np.array(self.cells)
        low = self.goal_low + idx * size
        self._tag = "goal"
        return draws.uniform(self.rng, low, low + size)

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
        if goal is None:
            return
        reached = self._distance(goal, s)
        if self.cfg.measure == "progress":
            value = -reached
        else:
            predicted = self._pending.pop(tuple(goal.tolist()), None)
            if predicted is None:
                return
            value = max(0.0, predicted - reached)
        history = self._history.setdefault(self.cell_of(goal), [])
        history.append(value)
        del history[: -self.cfg.window]

    # -- persistence ----------------------------------------------------------------------
    def _get_state(self) -> dict:
        return {
            "history": {str(c): list(h) for c, h in sorted(self._history.items())},
            "pending": [[list(g), d] for g, d in self._pending.items()],
        }

    def _set_state(self, state) -> None:
        n_cells = int(np.prod(self.cells))
        history = {int(c): [float(x) for x in h] for c, h in state["history"].items()}
        for cell, values in history.items():
            if not 0 <= cell < n_cells:
                raise ValueError(f"history names cell {cell}, outside the {n_cells} cells")
            if not all(math.isfinite(v) for v in values):
                raise ValueError(f"history of cell {cell} holds NaN or inf")
        pending = {tuple(float(x) for x in g): float(d) for g, d in state["pending"]}
        if any(len(g) != len(self.s_set) for g in pending):
            raise ValueError(f"a pending goal does not have {len(self.s_set)} values")
        self._history, self._pending = history, pending
