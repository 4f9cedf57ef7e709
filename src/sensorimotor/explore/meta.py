"""A schedule of explorers: e.g. motor babbling first, then goal babbling."""

import math
from collections.abc import Mapping

import numpy as np

from sensorimotor.base.bounds import is_int, is_real
from sensorimotor.explore import draws
from sensorimotor.explore.explorer import Explorer, InnerLoadError
from sensorimotor.explore.goal import RandomGoalExplorer
from sensorimotor.explore.motor import RandomMotorExplorer


def _tree(explorer: Explorer) -> list[Explorer]:
    """``explorer`` and, for a schedule, every explorer inside it."""
    subs = explorer.explorers if isinstance(explorer, MetaExplorer) else []
    return [explorer, *(one for sub in subs for one in _tree(sub))]


class MetaExplorer(Explorer):
    """Delegates each exploration to one of several explorers, chosen by a schedule of eras.

    ``cfg['explorers']`` is a list of distinct explorers sharing this explorer's learner (one
    object may not appear twice, here or inside an inner schedule; default:
    ``[RandomMotorExplorer, RandomGoalExplorer]`` seeded ``seed + 1`` and ``seed + 2``).
    ``cfg['eras']`` are the ends of the eras in observations received (the last one
    ``None``: forever) and ``cfg['weights']`` one row of non-negative weights per era, with a
    positive, finite sum. With ``n = len(self)`` observations received, the era is the first
    ``i`` with ``n < eras[i]`` and the sub-explorer ``j`` is drawn with probability
    ``weights[i][j] / sum(weights[i])`` from this explorer's generator. The default,
    ``eras=(100, None)``, ``weights=((1, 0), (0, 1))``: 100 steps of motor babbling, then
    goal babbling.

    The exploration is the sub-explorer's with two more keys: ``'explorer'``, the index of
    the sub-explorer that made it, and ``'explorer_path'``, the list of indices chosen at
    each level, this schedule's first (``[j]``, or ``[j, k, ...]`` when sub-explorer ``j``
    is itself a ``MetaExplorer`` that chose its ``k``). ``receive`` feeds the learner once
    and passes the observation on to that sub-explorer (so an interest model learns from
    it; an inner schedule gets the exploration as it made it, its own index in
    ``'explorer'``), and its motor and sensory values to the others (``_witness``: a goal
    explorer's learned region grows with motor babbling's effects). Saved with its
    sub-explorers. Seed: ``explorers.MetaExplorer`` (Benureau).

    >>> from sensorimotor.envs import KinematicArm2D
    >>> from sensorimotor.learners import NNLearner
    >>> arm = KinematicArm2D({'dim': 3})
    >>> learner = NNLearner({'m_channels': arm.m_channels, 's_channels': arm.s_channels})
    >>> explorer = MetaExplorer({'learner': learner, 'eras': (5, None), 'seed': 0})
    >>> tags = []
    >>> for _ in range(8):
    ...     e = explorer.explore()
    ...     _ = explorer.receive(e, arm.execute(e['m_signal']))
    ...     tags.append(e['from'])
    >>> tags
    ['motor', 'motor', 'motor', 'motor', 'motor', 'goal', 'goal', 'goal']
    """

    defcfg = {
        **Explorer.defcfg,
        "explorers": None,
        "eras": (100, None),
        "weights": ((1.0, 0.0), (0.0, 1.0)),
    }
    needs_learner = True

    def _setup(self) -> None:
        name = type(self).__name__
        subs = self.cfg.explorers
        if subs is None:
            base = {"learner": self.learner, "m_channels": list(self.m_set)}
            base["s_channels"] = list(self.s_set)
            seed = int(self.cfg.seed)
            subs = [
                RandomMotorExplorer({**base, "seed": seed + 1}),
                RandomGoalExplorer({**base, "seed": seed + 2}),
            ]
        subs = list(subs)
        if not subs:
            raise ValueError(f"{name}: cfg['explorers'] must hold at least one explorer")
        for i, sub in enumerate(subs):
            if not isinstance(sub, Explorer):
                raise TypeError(f"{name}: cfg['explorers'][{i}] is not an Explorer: {sub!r}")
            if sub.learner is not self.learner:
                raise ValueError(
                    f"{name}: cfg['explorers'][{i}] does not share the learner: give it "
                    f"cfg['learner'], the same learner object as this explorer's"
                )
        # One object twice (here or inside an inner schedule) would be saved twice and load
        # as two explorers, which then go on differently from the one they were.
        seen: set[int] = set()
        for i, sub in enumerate(subs):
            for one in _tree(sub):
                if id(one) in seen:
                    raise ValueError(
                        f"{name}: cfg['explorers'][{i}] holds an explorer already in the "
                        f"schedule ({one!r}): give each place its own explorer"
                    )
                seen.add(id(one))
        sequence = list | tuple | np.ndarray
        if not isinstance(self.cfg.eras, sequence):
            raise ValueError(f"{name}: cfg['eras'] must be a list, got {self.cfg.eras!r}")
        rows = self.cfg.weights
        if not isinstance(rows, sequence) or not all(isinstance(r, sequence) for r in rows):
            raise ValueError(
                f"{name}: cfg['weights'] must be a list of rows, one per era of cfg['eras'] "
                f"({self.cfg.eras!r}), got {rows!r}"
            )
        eras = list(self.cfg.eras)
        weights = [list(row) for row in rows]
        if not eras or eras[-1] is not None:
            raise ValueError(f"{name}: cfg['eras'] must end with None (the last era never ends)")
        ends = eras[:-1]
        if not all(is_int(e) and e >= 0 for e in ends):  # NumPy ints too (np.cumsum)
            raise ValueError(f"{name}: cfg['eras'] must be ints >= 0 then None, got {eras!r}")
        if any(b <= a for a, b in zip(ends, ends[1:], strict=False)):
            raise ValueError(f"{name}: cfg['eras'] must increase, got {eras!r}")
        if len(weights) != len(eras):
            raise ValueError(f"{name}: cfg['weights'] needs one row per era ({len(eras)})")
        for row in weights:
            ok = len(row) == len(subs) and all(
                is_real(w) and math.isfinite(w) and w >= 0 for w in row
            )
            # a sum beyond float range (1e308 + 1e308) divides every weight to 0 or NaN
            if not ok or not (sum(row) > 0 and math.isfinite(sum(row))):
                raise ValueError(
                    f"{name}: each row of cfg['weights'] must be {len(subs)} weights >= 0 "
                    f"with a positive finite sum, got {row!r}"
                )
        self.explorers = subs
        self._probs = [np.asarray(row, dtype=np.float64) / sum(row) for row in weights]
        self._cdfs = [draws.cumulative(p) for p in self._probs]

    def era(self) -> int:
        """Index of the current era: the first ``i`` with ``len(self) < eras[i]``.

        >>> from sensorimotor.envs import KinematicArm2D
        >>> from sensorimotor.learners import NNLearner
        >>> arm = KinematicArm2D({'dim': 2})
        >>> learner = NNLearner({'m_channels': arm.m_channels, 's_channels': arm.s_channels})
        >>> explorer = MetaExplorer({'learner': learner, 'eras': (2, None)})
        >>> eras = []
        >>> for _ in range(3):
        ...     eras.append(explorer.era())
        ...     e = explorer.explore()
        ...     _ = explorer.receive(e, arm.execute(e['m_signal']))
        >>> eras, explorer.era()
        ([0, 0, 1], 1)
        """
        n = len(self)
        for i, end in enumerate(self.cfg.eras):
            if end is None or n < end:
                return i
        raise AssertionError("unreachable: the last era is None")

    def _explore(self) -> dict:
        j = draws.choice_index(self.rng, self._cdfs[self.era()])  # rng.choice(n, p=probs)
        sub = self.explorers[j]
        e = dict(sub.explore())
        # An inner schedule wrote its own choice into 'explorer'; keep the whole path so that
        # each level reads back its own index on receive (overwriting it sent the
        # observation to the wrong inner explorer).
        inner = list(e["explorer_path"]) if isinstance(sub, MetaExplorer) else []
        e["explorer"] = j
        e["explorer_path"] = [j, *inner]
        return e

    def _route(self, exploration: Mapping) -> tuple[int, Mapping]:
        """``(j, sub_exploration)``: the sub-explorer that made ``exploration`` and the
        exploration as it made it (for an inner schedule: its own path and index)."""
        j = exploration.get("explorer")
        if not is_int(j):
            raise ValueError(f"exploration['explorer'] must be the int explore() gave, got {j!r}")
        if not 0 <= j < len(self.explorers):
            raise ValueError(f"exploration['explorer'] = {j} names no sub-explorer")
        path = exploration.get("explorer_path", [j])  # a hand-made exploration may omit it
        if not isinstance(path, list | tuple) or not path or path[0] != j:
            raise ValueError(
                f"exploration['explorer_path'] must be the list explore() gave, starting with "
                f"exploration['explorer'] = {j}, got {path!r}"
            )
        sub = self.explorers[j]
        if not isinstance(sub, MetaExplorer):
            if len(path) != 1:
                raise ValueError(
                    f"exploration['explorer_path'] = {path!r} goes below sub-explorer {j}, "
                    "which is not a schedule"
                )
            return int(j), exploration
        if len(path) < 2:
            raise ValueError(
                f"exploration['explorer_path'] = {path!r} does not name which explorer of "
                f"the inner schedule {j} made it"
            )
        rest = list(path[1:])
        return int(j), {**exploration, "explorer": rest[0], "explorer_path": rest}

    def _check_exploration(self, exploration: Mapping) -> None:
        j, sub_exploration = self._route(exploration)
        self.explorers[j]._check_exploration(sub_exploration)

    def _observe(self, exploration, m, s, goal) -> None:
        j, sub_exploration = self._route(exploration)
        self.explorers[j]._record(sub_exploration, m, s, goal, None)
        for i, sub in enumerate(self.explorers):
            if i != j:
                sub._witness(m, s)

    def _witness(self, m, s) -> None:
        for sub in self.explorers:  # a schedule inside a schedule
            sub._witness(m, s)

    # -- persistence ----------------------------------------------------------------------
    def _cfg_to_json(self) -> dict:
        cfg = super()._cfg_to_json()
        cfg["explorers"] = [sub.state() for sub in self.explorers]
        cfg["eras"] = list(self.cfg.eras)
        cfg["weights"] = [list(row) for row in self.cfg.weights]
        return cfg

    @classmethod
    def _cfg_from_json(cls, cfg: dict, learner) -> dict:
        cfg = super()._cfg_from_json(cfg, learner)
        subs = cfg["explorers"]
        if not isinstance(subs, list):
            raise ValueError(f"cfg['explorers'] must be a list of saved explorers, got {subs!r}")
        cfg["explorers"] = []
        for i, st in enumerate(subs):
            try:
                cfg["explorers"].append(Explorer.from_state(st, learner, f"sub-explorer {i}"))
            except (TypeError, ValueError) as exc:
                # the file may be sound and the learner given to load() the wrong one
                raise InnerLoadError(str(exc)) from None
        return cfg
