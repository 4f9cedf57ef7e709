"""Interest-driven goal babbling: goals where competence progresses fastest."""

import math

import numpy as np

from sensorimotor.explore.goal import RandomGoalExplorer


class LearningProgressExplorer(RandomGoalExplorer):
    """Goal babbling that samples goals in the cells of the sensory space where competence
    progresses fastest (an interest model over a fixed grid).

    The goal space (the sensory bounds, or ``cfg['s_bounds']``) is cut into ``cells`` equal
    intervals per channel. Every pursued goal ``g`` (an exploration with ``'s_goal'``) gives
    a competence in scaled sensory units, filed under the cell ``c`` containing ``g``::

        gamma = -|scale(g) - scale(s_reached)|

    Each cell keeps its last ``window`` competences ``gamma_1..gamma_k`` (oldest first); its
    interest is the absolute learning progress, the difference between the means of the
    older and the newer half (SAGG-RIAC's measure, Baranes & Oudeyer 2013, eq. 6)::

        h = k // 2,   interest(c) = | mean(gamma_{k-2h+1..k-h}) - mean(gamma_{k-h+1..k}) |

    (0 while ``k < 2``). A goal is drawn uniformly over the whole goal space with probability
    ``p_random`` (default 0.2), or when no cell has a positive interest; otherwise a cell is
    chosen with probability proportional to its interest and the goal drawn uniformly within
    it. Everything else (inverse model, perturbation ``sigma``, fallback while the learner
    is not ready) is ``RandomGoalExplorer``'s. The tag is ``'goal'`` for goals chosen by
    interest and ``'goal.random'`` for uniform ones. The interest model is saved with the
    explorer.

    A known limit of absolute progress over a fixed grid: where the agent cannot reach,
    competence still varies with where in the cell the goal falls, and that noise reads as
    progress. Where the learner is quickly perfect, as on a toy environment, such cells can
    even win; a longer ``window`` averages the noise down.

    Papers: Baranes & Oudeyer (2013), "Active learning of inverse models with intrinsically
    motivated goal exploration in robots" (SAGG-RIAC); the fixed-grid variant is explauto's
    discretized progress (Moulin-Frier, Rouanet & Oudeyer 2014).

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

    defcfg = {**RandomGoalExplorer.defcfg, "cells": 10, "window": 20, "p_random": 0.2}

    def _setup(self) -> None:
        super()._setup()
        name = type(self).__name__
        n_s = len(self.s_set)
        cells = self.cfg.cells
        cells = [cells] * n_s if isinstance(cells, int | np.integer) else list(cells)
        if len(cells) != n_s or not all(
            isinstance(c, int | np.integer) and not isinstance(c, bool) and c >= 1 for c in cells
        ):
            raise ValueError(
                f"{name}: cfg['cells'] must be a positive int or {n_s} of them, got {self.cfg.cells!r}"
            )
        window = self.cfg.window
        if isinstance(window, bool) or not isinstance(window, int | np.integer) or window < 2:
            raise ValueError(f"{name}: cfg['window'] must be an int >= 2, got {window!r}")
        p = self.cfg.p_random
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 1:
            raise ValueError(f"{name}: cfg['p_random'] must be in [0, 1], got {p!r}")
        self.cells = tuple(int(c) for c in cells)
        self._history: dict[int, list[float]] = {}  # flat cell index -> last competences

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

    def interest(self) -> np.ndarray:
        """Interest of every cell, shape ``cells`` (one axis per sensory channel)."""
        out = np.zeros(int(np.prod(self.cells)))
        for cell, history in self._history.items():
            out[cell] = self.progress(history)
        return out.reshape(self.cells)

    def sample_goal(self) -> np.ndarray:
        self._tag = "goal.random"
        if self.rng.random() < self.cfg.p_random or not self._history:
            return self.rng.uniform(self.goal_low, self.goal_high)
        keys = sorted(self._history)
        weights = np.array([self.progress(self._history[c]) for c in keys])
        total = weights.sum()
        if not total > 0:
            return self.rng.uniform(self.goal_low, self.goal_high)
        cell = keys[int(self.rng.choice(len(keys), p=weights / total))]
        idx = np.array(np.unravel_index(cell, self.cells))
        size = (self.goal_high - self.goal_low) / np.array(self.cells)
        low = self.goal_low + idx * size
        self._tag = "goal"
        return self.rng.uniform(low, low + size)

    def _explore(self) -> dict:
        e = super()._explore()
        if "s_goal" in e:
            e["from"] = self._tag
        return e

    def _observe(self, exploration, m, s, goal) -> None:
        if goal is None:
            return
        gamma = -float(np.linalg.norm(self.s_set.scale(goal) - self.s_set.scale(s)))
        history = self._history.setdefault(self.cell_of(goal), [])
        history.append(gamma)
        del history[: -self.cfg.window]

    # -- persistence ----------------------------------------------------------------------
    def _get_state(self) -> dict:
        return {"history": {str(c): list(h) for c, h in sorted(self._history.items())}}

    def _set_state(self, state) -> None:
        self._history = {int(c): [float(x) for x in h] for c, h in state["history"].items()}
