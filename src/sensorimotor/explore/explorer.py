"""The explorer interface of the sensorimotor tradition (``explorers`` seed, Benureau)."""

import json
from collections.abc import Mapping

import numpy as np

from sensorimotor.base.bounds import is_int
from sensorimotor.base.saved_file import (
    check_header,
    find_saved_class,
    make_header,
    numpy_scalar,
    read_json,
    write_json,
)
from sensorimotor.base.user_config import merge_config
from sensorimotor.learners import Learner
from sensorimotor.signals import Channel, ChannelSet, check_feedback

FORMAT = "sensorimotor.explorer"
FORMAT_VERSION = 1
_STATE_KEYS = ("class", "module", "cfg", "rng_state", "count", "uuids", "state")
MAX_COUNT = 2**62  # the most observations a loaded file may claim (len() needs < 2**63)


def _plain(value):
    """``value`` with NumPy arrays and tuples as lists and NumPy scalars as Python numbers,
    so that a setting given as an array (``s_bounds``, ``cells``) is saved as JSON."""
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _difference(given: ChannelSet, learner: ChannelSet) -> str:
    """What differs between the channels given to an explorer and its learner's, naming
    the channels (a bound mistyped on one of twelve motors was hard to find).

    >>> a, b = Channel('a', (0, 1)), Channel('b', (0, 1))
    >>> _difference(ChannelSet([a, b]), ChannelSet([b, a]))
    "['a', 'b'] here, ['b', 'a'] in the learner"
    >>> _difference(ChannelSet([a]), ChannelSet([Channel('a', (0, 2))]))
    "channel 'a' has bounds (0.0, 1.0) here, (0.0, 2.0) in the learner"
    """
    if sorted(given.names) == sorted(learner.names):
        for ch in given:
            if ch != learner[ch.name]:
                return (
                    f"channel {ch.name!r} has bounds {ch.bounds} here, "
                    f"{learner[ch.name].bounds} in the learner"
                )
    return f"{list(given.names)} here, {list(learner.names)} in the learner"


class InnerLoadError(ValueError):
    """An explorer inside another one's state (a ``MetaExplorer``'s sub-explorer) did not
    load; its message already says which and why, so the outer loader only adds the file."""


def unbounded_error(owner: str, m_set: ChannelSet) -> ValueError | None:
    """The error for motor channels an explorer cannot draw from (unbounded), naming them;
    ``None`` if every one is bounded.

    >>> unbounded_error('X', ChannelSet([Channel('a', (0, 1)), Channel('b')]))
    ValueError("X: every motor channel must be bounded; unbounded: ['b']")
    """
    if not m_set.unbounded:
        return None
    return ValueError(
        f"{owner}: every motor channel must be bounded; unbounded: {list(m_set.unbounded)}"
    )


class Explorer:
    """Chooses the next motor command to try, and learns from what it gave.

    The loop of the ``explorers`` seed::

        e = explorer.explore()          # {'m_signal': dict, 's_goal': dict (goal explorers),
                                        #  'from': str tag}; the dicts are Signals
        f = env.execute(e['m_signal'])  # Feedback {'m_signal', 's_signal', 'uuid'}
        explorer.receive(e, f)          # feeds cfg['learner'] too

    ``cfg`` is merged over ``defcfg`` (an unknown key is a ``KeyError`` naming it):
    ``m_channels`` and ``s_channels`` (lists of ``Channel``; taken from the learner when
    omitted, and they must equal the learner's), ``learner`` (a ``Learner``, shared with the
    caller, who may query it at any time) and ``seed`` (the explorer's own generator: the same
    seed, learner and feedback give the same explorations).

    ``receive`` checks the exploration and the feedback first (``check_feedback``: a
    feedback from ``env.execute`` carries its validated arrays and is not converted again, a
    plain dict is validated and converted once): a missing, unknown, NaN or non-numeric
    channel raises ``SignalError`` (``FeedbackError`` for a malformed feedback, a
    ``TypeError`` for a malformed exploration), and neither the explorer nor its learner
    changes. Feedback whose ``uuid`` was received before is ignored (``receive`` returns
    ``False``), however long before, and after ``save`` and ``load`` too: the explorer
    remembers every uuid, as its learner does (see ``Learner``): 110 to 190 bytes per
    observation for each of them (a feedback without ``'uuid'`` costs neither).
    ``len(explorer)`` is the number of observations received.

    ``save(path)`` writes the explorer's own state (configuration, generator, observation
    count, uuids, and e.g. an interest model) as JSON with a format version (settings given as
    NumPy arrays or scalars are written as lists and numbers), never the learner:
    save the learner with ``learner.save`` and pass it to ``Explorer.load(path, learner)``.

    Subclasses implement ``_explore() -> dict``, extend ``defcfg`` with their own settings
    (``defcfg = {**Explorer.defcfg, 'noise': 0.1}``) and may override ``_setup()``,
    ``_observe(exploration, m, s, goal)`` (raw arrays, already validated, read-only: must not
    fail), ``_witness(m, s)`` (an observation a sibling made, passed on by a ``MetaExplorer``),
    ``_get_state()`` / ``_set_state(state)`` (JSON-able), ``_check_exploration(e)``.

    >>> from sensorimotor.envs import KinematicArm2D
    >>> from sensorimotor.explore import RandomMotorExplorer
    >>> from sensorimotor.learners import NNLearner
    >>> arm = KinematicArm2D({'dim': 3})
    >>> learner = NNLearner({'m_channels': arm.m_channels, 's_channels': arm.s_channels})
    >>> explorer = RandomMotorExplorer({'learner': learner, 'seed': 3})
    >>> for _ in range(10):
    ...     e = explorer.explore()
    ...     f = arm.execute(e['m_signal'])
    ...     _ = explorer.receive(e, f)
    >>> explorer.receive(e, f)  # the same feedback again: ignored
    False
    >>> len(explorer), len(learner), e['from']
    (10, 10, 'motor')
    """

    defcfg: Mapping = {"m_channels": None, "s_channels": None, "learner": None, "seed": 0}
    needs_learner: bool = False

    def __init__(self, cfg=None):
        name = type(self).__name__
        missing = [key for key in Explorer.defcfg if key not in self.defcfg]
        if missing:  # else a bare AttributeError: 'learner' a few lines down
            raise TypeError(
                f"{name}.defcfg lacks the keys every explorer has: {missing}; "
                f"write defcfg = {{**Explorer.defcfg, ...}} (or the parent's defcfg)"
            )
        cfg = merge_config(self.defcfg, cfg, owner=name)
        learner = cfg.learner
        if learner is not None and not isinstance(learner, Learner):
            raise TypeError(
                f"{name}: cfg['learner'] must be a Learner, got {type(learner).__name__}"
            )
        if self.needs_learner and learner is None:
            raise ValueError(f"{name}: cfg['learner'] is required")
        sets = {}
        for key, side in (("m_channels", "m_set"), ("s_channels", "s_set")):
            channels = cfg[key]
            if not channels:
                if learner is None:
                    raise ValueError(f"{name}: cfg[{key!r}] (or cfg['learner']) is required")
                channels = getattr(learner, side).channels
            sets[side] = ChannelSet(channels)
            if learner is not None and getattr(learner, side) != sets[side]:
                raise ValueError(
                    f"{name}: cfg[{key!r}] differs from the learner's channels: "
                    + _difference(sets[side], getattr(learner, side))
                )
        seed = cfg.seed
        if not is_int(seed) or seed < 0:
            raise ValueError(f"{name}: cfg['seed'] must be a non-negative int, got {seed!r}")
        self.cfg = cfg
        self.m_set: ChannelSet = sets["m_set"]
        self.s_set: ChannelSet = sets["s_set"]
        self.learner = learner
        self.rng = np.random.default_rng(int(seed))
        self._uuids: set[str] = set()
        self._count = 0
        self._setup()

    # -- hooks ----------------------------------------------------------------------------
    def _setup(self) -> None:
        """Check algorithm keys of ``self.cfg``; build initial state."""

    def _explore(self) -> dict:
        raise NotImplementedError(
            f"{type(self).__name__} must implement _explore() -> dict (the exploration: "
            "{'m_signal': dict, 'from': str tag})"
        )

    def _check_exploration(self, exploration: Mapping) -> None:
        """Raise if ``exploration`` cannot have been made by this explorer."""

    def _observe(self, exploration: Mapping, m: np.ndarray, s: np.ndarray, goal) -> None:
        """Update internal state from a validated observation (``goal``: array or ``None``)."""

    def _witness(self, m: np.ndarray, s: np.ndarray) -> None:
        """Update internal state from an observation another explorer made (read-only)."""

    def _get_state(self) -> dict:
        return {}

    def _set_state(self, state: Mapping) -> None:
        pass

    # -- the loop -------------------------------------------------------------------------
    def explore(self) -> dict:
        """The next exploration: ``{'m_signal': dict, 'from': str}`` (+ ``'s_goal'``)."""
        return self._explore()

    def receive(self, exploration: Mapping, feedback: Mapping) -> bool:
        """Learn from ``feedback = env.execute(exploration['m_signal'])``.

        Returns ``False`` (and changes nothing) when the feedback's uuid was seen before. The
        feedback goes through ``check_feedback`` once; the learner and the explorer's own
        bookkeeping then use the arrays it carries.
        """
        feedback = check_feedback(feedback, self.m_set, self.s_set)
        m, s, goal, key = self._validate(exploration, feedback)
        if key is not None and key in self._uuids:
            return False
        if self.learner is not None:
            self.learner.update_feedback(feedback)
        self._record(exploration, m, s, goal, key)
        return True

    def _validate(self, exploration, feedback):
        """``(m, s, goal, key)``: the feedback's arrays, the goal's array (or ``None``) and the
        uuid as a string (or ``None``), once the exploration and the feedback are checked."""
        if not isinstance(exploration, Mapping):
            raise TypeError(
                f"exploration must be the dict explore() returned, got {type(exploration).__name__}"
            )
        feedback = check_feedback(feedback, self.m_set, self.s_set)
        goal = exploration.get("s_goal")
        if goal is not None:
            goal = self.s_set.array_of(goal)
        tag = exploration.get("from")
        if tag is not None and not isinstance(tag, str):
            raise TypeError(f"exploration['from'] must be a str, got {type(tag).__name__}")
        self._check_exploration(exploration)
        return feedback.m_array, feedback.s_array, goal, feedback.key

    def _record(self, exploration, m, s, goal, key) -> None:
        self._observe(exploration, m, s, goal)
        if key is not None:
            self._uuids.add(key)
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def random_motor(self) -> np.ndarray:
        """A uniform random command within the motor bounds (raw units), from ``self.rng``."""
        return self.m_set.random(self.rng)

    # -- persistence ----------------------------------------------------------------------
    def _cfg_to_json(self) -> dict:
        out = {}
        for key, value in self.cfg.items():
            if key == "learner":
                # saved apart (learner.save); that there was one is kept, so that a load
                # without it is refused rather than explore on teaching nothing
                out[key] = value is not None
                continue
            if key in ("m_channels", "s_channels"):
                side = self.m_set if key == "m_channels" else self.s_set
                value = [ch.to_json() for ch in side]
            else:
                value = _plain(value)
            out[key] = value
        return out

    @classmethod
    def _cfg_from_json(cls, cfg: dict, learner) -> dict:
        cfg = dict(cfg)
        had = cfg.get("learner", False)  # files from before this was kept: not known
        if not isinstance(had, bool):
            raise ValueError(f"cfg['learner'] must be true or false, got {had!r}")
        if had and learner is None:  # the file is sound: say what to pass, not "invalid"
            raise InnerLoadError(
                f"the {cls.__name__} was saved with a learner, which it teaches: pass it, "
                "Explorer.load(path, learner)"
            )
        for key in ("m_channels", "s_channels"):
            cfg[key] = [Channel.from_json(d) for d in cfg[key]]
        cfg["learner"] = learner
        return cfg

    def state(self) -> dict:
        """The explorer's own state as a JSON-able dict (what ``save`` writes)."""
        cls = type(self)
        state = make_header(
            FORMAT,
            FORMAT_VERSION,
            **{"class": cls.__name__, "module": cls.__module__},
            cfg=self._cfg_to_json(),
            rng_state=self.rng.bit_generator.state,
            count=self._count,
            uuids=sorted(self._uuids),
            state=self._get_state(),
        )
        return json.loads(json.dumps(state, allow_nan=False, default=numpy_scalar))

    @classmethod
    def from_state(cls, state: Mapping, learner=None, where="explorer state") -> "Explorer":
        """Rebuild an explorer from ``state()`` and the learner it used (``where`` names
        the state's origin in error messages)."""
        check_header(where, state, FORMAT, FORMAT_VERSION, _STATE_KEYS)
        try:  # a class, a module or channels that are not what save wrote
            klass = find_saved_class(Explorer, state["class"], state["module"], asked=cls)
            cfg = klass._cfg_from_json(state["cfg"], learner)
        except InnerLoadError as exc:  # a sub-explorer refused, maybe the learner: say which
            raise ValueError(f"{where}: {exc}") from None
        except (AttributeError, KeyError, OverflowError, TypeError, ValueError) as exc:
            raise ValueError(
                f"{where}: not a valid saved explorer ({type(exc).__name__}: {exc})"
            ) from None
        if not issubclass(klass, cls):  # a wrong file, as for Learner.load and Agent.load
            raise ValueError(
                f"{where}: holds a saved {klass.__name__}, not the {cls.__name__} asked for"
            )
        try:
            explorer = klass(cfg)
        except (KeyError, OverflowError, TypeError, ValueError) as exc:
            # settings refused (a TypeError too: "cells": 2.0 in a hand-edited file), or a
            # learner that differs: name the file
            raise ValueError(f"{where}: {exc}") from None
        try:  # a hand-edited or corrupted file: name it and what is wrong, load nothing
            explorer.rng.bit_generator.state = state["rng_state"]
            count, uuids = state["count"], state["uuids"]
            if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_COUNT:
                # len() must fit an index-sized int: 2**63 loaded, then len() and explore()
                # raised OverflowError
                raise ValueError(f"count must be an int in [0, {MAX_COUNT}], got {count!r}")
            if not isinstance(uuids, list) or not all(isinstance(u, str) for u in uuids):
                raise ValueError("uuids must be a list of str")
            if len(set(uuids)) > count:
                raise ValueError(f"count {count} is below the {len(set(uuids))} uuids seen")
            explorer._count = count
            explorer._uuids = set(uuids)
            explorer._set_state(state["state"])
        except (AttributeError, IndexError, KeyError, OverflowError, TypeError, ValueError) as exc:
            raise ValueError(
                f"{where}: not a valid {klass.__name__} state ({type(exc).__name__}: {exc})"
            ) from None
        return explorer

    def save(self, path) -> None:
        """Write ``state()`` to ``path`` as JSON (atomically; no pickle)."""
        write_json(path, self.state())

    @classmethod
    def load(cls, path, learner=None) -> "Explorer":
        """Read an explorer written by ``save``; pass the learner it explored with."""
        state = read_json(path, FORMAT, FORMAT_VERSION, _STATE_KEYS)
        return cls.from_state(state, learner, where=path)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(m={list(self.m_set.names)}, s={list(self.s_set.names)}, "
            f"received={len(self)})"
        )
