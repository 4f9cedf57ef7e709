"""Goal babbling: random goals reached through the learner's inverse model."""

import math

import numpy as np

from sensorimotor.base.bounds import is_real
from sensorimotor.explore import draws
from sensorimotor.explore.explorer import Explorer
from sensorimotor.learners import NotReadyError


class RandomGoalExplorer(Explorer):
    """Goal babbling: draw a goal in the sensory space, try the command the learner infers.

    For a goal ``g ~ U(low_s, high_s)`` (the sensory channels' bounds, or ``cfg['s_bounds']``,
    a list of ``(low, high)`` pairs, one per sensory channel), the command is the learner's
    best guess perturbed in scaled motor units (each channel's range mapped to ``[0, 1]``)::

        u = scale(learner.infer(g, mode='exploit')) + sigma * n,   n ~ N(0, I)
        m = clip(unscale(u), low_m, high_m)

    drawn from the explorer's own generator, so the exploration noise is the explorer's and
    not the learner's (``sigma = cfg['sigma']``, default 0.05). The exploration is
    ``{'m_signal', 's_goal', 'from': 'goal'}``. While the learner raises ``NotReadyError``
    (no observation yet) the command is uniform random, ``{'m_signal', 'from':
    'goal.fallback'}``, without a goal. Goals outside the reachable space are what makes goal
    babbling expand: the nearest reachable answer, perturbed, lands further out.

    Seed: ``explorers.RandomGoalExplorer`` (Benureau); Rolf, Steil & Gienger (2010), "Goal
    babbling permits direct learning of inverse kinematics"; Moulin-Frier & Oudeyer (2013).

    >>> from sensorimotor.envs import KinematicArm2D
    >>> from sensorimotor.learners import NNLearner
    >>> arm = KinematicArm2D({'dim': 3})
    >>> learner = NNLearner({'m_channels': arm.m_channels, 's_channels': arm.s_channels})
    >>> explorer = RandomGoalExplorer({'learner': learner, 'seed': 0})
    >>> tags = []
    >>> for _ in range(50):
    ...     e = explorer.explore()
    ...     _ = explorer.receive(e, arm.execute(e['m_signal']))
    ...     tags.append(e['from'])
    >>> tags[:3], sorted(e['s_goal'])
    (['goal.fallback', 'goal', 'goal'], ['x', 'y'])
    """

    defcfg = {**Explorer.defcfg, "sigma": 0.05, "s_bounds": None}
    needs_learner = True

    def _setup(self) -> None:
        name = type(self).__name__
        sigma = self.cfg.sigma
        if not is_real(sigma) or not sigma >= 0:
            raise ValueError(f"{name}: cfg['sigma'] must be a number >= 0, got {sigma!r}")
        if not math.isfinite(sigma):
            raise ValueError(f"{name}: cfg['sigma'] must be finite, got {sigma!r}")
        if not self.m_set.bounded.all():
            raise ValueError(f"{name}: every motor channel must be bounded")
        bounds = self.cfg.s_bounds
        if bounds is None:
            if not self.s_set.bounded.all():
                raise ValueError(
                    f"{name}: unbounded sensory channels: give cfg['s_bounds'] for the goals"
                )
            low, high = self.s_set.low.copy(), self.s_set.high.copy()
        else:
            try:
                arr = np.asarray(bounds, dtype=np.float64)
            except (TypeError, ValueError, OverflowError):
                arr = np.zeros((0,))  # refused just below
            if arr.shape != (len(self.s_set), 2) or not np.all(np.isfinite(arr)):
                raise ValueError(
                    f"{name}: cfg['s_bounds'] must be {len(self.s_set)} finite (low, high) "
                    f"pairs, got {bounds!r}"
                )
            if np.any(arr[:, 0] > arr[:, 1]):
                raise ValueError(f"{name}: cfg['s_bounds'] needs low <= high, got {bounds!r}")
            low, high = arr[:, 0].copy(), arr[:, 1].copy()
        self.goal_low, self.goal_high = low, high

    def sample_goal(self) -> np.ndarray:
        """A goal (raw sensory units, shape ``(n_s,)``); uniform here, subclasses choose.

        A subclass returns a finite float64 array: it is the explorer's own, not validated
        again (``check_explorer`` checks the goals an explorer makes).
        """
        return draws.uniform(self.rng, self.goal_low, self.goal_high)

    def _inferred(self, goal: np.ndarray, m: np.ndarray) -> None:
        """Hook: the learner's unperturbed answer ``m`` for ``goal`` (raw units)."""

    def _explore(self) -> dict:
        goal = self.sample_goal()
        try:
            m = self.learner.infer_array(goal[None], mode="exploit", check=False)[0]
        except NotReadyError:
            return {"m_signal": self.m_set.signal(self.random_motor()), "from": "goal.fallback"}
        self._inferred(goal, m)
        u = self.m_set.scale(m) + self.cfg.sigma * self.rng.standard_normal(len(self.m_set))
        m = self.m_set.clip(self.m_set.unscale(u))
        return {"m_signal": self.m_set.signal(m), "s_goal": self.s_set.signal(goal), "from": "goal"}
