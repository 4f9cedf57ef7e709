"""Goal babbling: random goals reached through the learner's inverse model."""

import math

import numpy as np

from sensorimotor.base.bounds import is_real
from sensorimotor.explore import draws
from sensorimotor.explore.explorer import Explorer, unbounded_error
from sensorimotor.learners import NotReadyError


class RandomGoalExplorer(Explorer):
    """Goal babbling: draw a goal in the sensory space, try the command the learner infers.

    Goals are drawn uniformly, ``g ~ U(low_g, high_g)``, in the goal region. By default it is
    learned from what has been reached: the bounding box ``[lo, hi]`` of every effect the
    explorer has seen (its own, and those of the other explorers of a ``MetaExplorer`` that
    holds it), grown on each side by ``margin`` times its extent, both ends clipped into the
    sensory channels' bounds (unbounded channels clip nothing), so that ``low_g <= high_g``
    even when every effect lies beyond a bound (the region is then that bound's edge)::

        low_g = clip(lo - margin * (hi - lo), low_s, high_s)
        high_g = clip(hi + margin * (hi - lo), low_s, high_s)

    so the goals stay near the reachable space, which grows as the goals just beyond its
    edge are pursued (``margin = cfg['margin']``, default 0.1). Until it has seen an effect
    (around a learner trained elsewhere) the goals are drawn in the sensory channels' bounds,
    or, some unbounded, the command is uniform random. ``cfg['s_bounds']``, a list of
    ``(low, high)`` pairs, one per sensory channel, fixes the goal region instead, whatever is
    reached (each pair finite, ``low <= high``, with a finite width ``high - low``). A
    subclass that overrides ``sample_goal`` has the fixed box ``goal_low,
    goal_high`` (``s_bounds``, or the sensory channels' bounds, which must then be finite);
    ``LearningProgressExplorer`` cuts it into regions and draws within ``goal_region()``.

    The command is the learner's best guess perturbed in scaled motor units (each channel's
    range mapped to ``[0, 1]``)::

        u = scale(learner.infer(g, mode='exploit')) + sigma * n,   n ~ N(0, I)
        m = clip(unscale(u), low_m, high_m)

    so on motor channel ``i`` the noise's standard deviation is ``sigma * (high_i - low_i)``,
    a share of that channel's range, drawn from the explorer's own generator (the exploration
    noise is the explorer's, not the learner's). ``sigma = cfg['sigma']``; by default (``None``)
    it is chosen from the ``n_m`` motor channels so that the noise vector has the same length
    in the unit motor cube whatever their number (root mean square ``sqrt(E|sigma n|^2) =
    0.3``)::

        sigma = 0.3 / sqrt(n_m)          (0.113 of each channel's range for 7 channels)

    (a fixed share per channel moves a long redundant chain too far: on a 20-joint arm 0.1
    doubles the reach error of 0.05). The exploration is ``{'m_signal', 's_goal', 'from':
    'goal'}``. While the learner raises ``NotReadyError`` (no observation yet) the command is
    uniform random, ``{'m_signal', 'from': 'goal.fallback'}``, without a goal.

    Seed: ``explorers.RandomGoalExplorer`` (Benureau); Rolf, Steil & Gienger (2010), "Goal
    babbling permits direct learning of inverse kinematics"; Moulin-Frier & Oudeyer (2013);
    the defaults stand in for what explauto's users pick by hand (Moulin-Frier, Rouanet &
    Oudeyer 2014): noise 0.1 of each motor range, goals in a box around the reachable space.

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
    >>> low, high = explorer.goal_region()
    >>> inside = bool(np.all(low >= arm.s_set.low) and np.all(high <= arm.s_set.high))
    >>> inside, round(float(high[0] - low[0]), 2)  # within [-1, 1]^2, 1.77 wide in x
    (True, 1.77)
    """

    defcfg = {**Explorer.defcfg, "sigma": None, "s_bounds": None, "margin": 0.1}
    needs_learner = True
    NOISE_LENGTH = 0.3  # RMS length of the noise in the unit motor cube, cfg['sigma'] None

    def _setup(self) -> None:
        name = type(self).__name__
        for key in ("sigma", "margin"):
            value = self.cfg[key]
            if key == "sigma" and value is None:
                continue
            if not is_real(value) or not value >= 0:
                raise ValueError(f"{name}: cfg[{key!r}] must be a number >= 0, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"{name}: cfg[{key!r}] must be finite, got {value!r}")
        error = unbounded_error(type(self).__name__, self.m_set)
        if error is not None:
            raise error
        sigma = self.cfg.sigma
        self.sigma = (
            self.NOISE_LENGTH / math.sqrt(len(self.m_set)) if sigma is None else float(sigma)
        )
        bounds = self.cfg.s_bounds
        self.learns_region = bounds is None
        # a subclass that draws its own goals (an interest model over a grid) may use the
        # fixed box goal_low, goal_high, which must then be finite
        own_goals = type(self).sample_goal is not RandomGoalExplorer.sample_goal
        if bounds is None:
            if own_goals and not self.s_set.bounded.all():
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
            with np.errstate(over="ignore"):
                width = arr[:, 1] - arr[:, 0]
            if not np.all(np.isfinite(width)):  # (-1e308, 1e308): goals low + inf * u
                raise ValueError(
                    f"{name}: cfg['s_bounds'] must have finite widths (high - low), got {bounds!r}"
                )
            low, high = arr[:, 0].copy(), arr[:, 1].copy()
        self.goal_low, self.goal_high = low, high
        self._bounded = bool(np.all(np.isfinite(low)) and np.all(np.isfinite(high)))
        self._reached: tuple[np.ndarray, np.ndarray] | None = None  # effects' bounding box

    # -- the goal region ------------------------------------------------------------------
    def goal_region(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(low, high)`` of the box goals are drawn from now (raw sensory units), or
        ``None`` while a learned region has seen no effect and has no sensory bounds."""
        if not self.learns_region:
            return self.goal_low.copy(), self.goal_high.copy()
        if self._reached is None:
            return (self.goal_low.copy(), self.goal_high.copy()) if self._bounded else None
        lo, hi = self._reached
        pad = self.cfg.margin * (hi - lo)
        # Clip both ends into the bounds: effects all beyond one bound (a sensor reading
        # past its channel's range, a loaded 'reached') would otherwise give low > high and
        # goals outside the bounds; clipped, the region is the bound's edge there.
        low = np.clip(lo - pad, self.goal_low, self.goal_high)
        high = np.clip(hi + pad, self.goal_low, self.goal_high)
        return low, high

    def _extend(self, s: np.ndarray) -> None:
        if self._reached is None:
            self._reached = (s.copy(), s.copy())
        else:
            lo, hi = self._reached
            np.minimum(lo, s, out=lo)
            np.maximum(hi, s, out=hi)

    def _observe(self, exploration, m, s, goal) -> None:
        self._extend(s)

    def _witness(self, m, s) -> None:
        self._extend(s)

    def sample_goal(self) -> np.ndarray:
        """A goal (raw sensory units, shape ``(n_s,)``); uniform in the goal region here,
        subclasses choose (in the fixed box ``goal_low, goal_high``).

        A subclass returns a finite float64 array: it is the explorer's own, not validated
        again (``check_explorer`` checks the goals an explorer makes).
        """
        if not self.learns_region or self._reached is None:
            return draws.uniform(self.rng, self.goal_low, self.goal_high)
        low, high = self.goal_region()
        return draws.uniform(self.rng, low, high)

    def _inferred(self, goal: np.ndarray, m: np.ndarray) -> None:
        """Hook: the learner's unperturbed answer ``m`` for ``goal`` (raw units)."""

    def _fallback(self) -> dict:
        return {"m_signal": self.m_set.signal(self.random_motor()), "from": "goal.fallback"}

    def _explore(self) -> dict:
        if self.learns_region and self._reached is None and not self._bounded:
            return self._fallback()
        goal = self.sample_goal()
        try:
            m = self.learner.infer_array(goal[None], mode="exploit", check=False)[0]
        except NotReadyError:
            return self._fallback()
        self._inferred(goal, m)
        u = self.m_set.scale(m) + self.sigma * self.rng.standard_normal(len(self.m_set))
        m = self.m_set.clip(self.m_set.unscale(u))
        return {"m_signal": self.m_set.signal(m), "s_goal": self.s_set.signal(goal), "from": "goal"}

    # -- persistence ----------------------------------------------------------------------
    def _get_state(self) -> dict:
        if self._reached is None:
            return {"reached": None}
        return {"reached": [self._reached[0].tolist(), self._reached[1].tolist()]}

    def _set_state(self, state) -> None:
        reached = state.get("reached")  # absent from files saved before the learned region
        if reached is None:
            self._reached = None
            return
        n = len(self.s_set)
        # numbers only: np.asarray would turn the strings "0.1" or true into floats
        rows_ok = isinstance(reached, list) and len(reached) == 2
        if not rows_ok or not all(
            isinstance(row, list) and len(row) == n and all(is_real(v) for v in row)
            for row in reached
        ):
            raise ValueError(f"'reached' must be 2 rows of {n} finite numbers")
        arr = np.asarray(reached, dtype=np.float64)
        if arr.shape != (2, n) or not np.all(np.isfinite(arr)):
            raise ValueError(f"'reached' must be 2 rows of {len(self.s_set)} finite numbers")
        if np.any(arr[0] > arr[1]):
            raise ValueError("'reached' needs low <= high")
        self._reached = (arr[0].copy(), arr[1].copy())
