"""The forward/inverse learner interface of the sensorimotor tradition (``learners`` seed)."""

import json
import math
import sys
from collections.abc import Mapping, Sequence

import numpy as np

from sensorimotor.base.bounds import is_int, is_real
from sensorimotor.base.saved_file import find_saved_class, make_header, read_npz, write_npz
from sensorimotor.base.user_config import merge_config
from sensorimotor.learners.memory import Memory
from sensorimotor.signals import Channel, ChannelSet, SignalError, check_feedback, uuid_key

FORMAT = "sensorimotor.learner"
FORMAT_VERSION = 1
_MODES = ("exploit", "explore")


# Scaled values beyond this many channel widths are refused: squared distances and the
# normal equations of the learners overflow float64 long before 1e154, so a finite but
# absurd value (1e200 degrees) would give NaN answers or poison the memory.
MAX_SCALED = 1e100


def _scaled(cs: ChannelSet, values, limit: float = MAX_SCALED) -> np.ndarray:
    """``cs.scale(values)``, refusing a value more than ``limit`` channel widths outside its
    channel's bounds, too far for a learner (``SignalError`` naming the channel)."""
    u = cs.scale(values)
    if not (np.abs(u) <= limit).all():
        col = int(np.nonzero(~(np.abs(u.reshape(-1, len(cs))) <= limit).all(axis=0))[0][0])
        ch = cs.channels[col]
        bad = np.asarray(values, dtype=np.float64).reshape(-1, len(cs))[:, col]
        value = bad[~(np.abs(u.reshape(-1, len(cs))[:, col]) <= limit)][0]
        raise SignalError(
            f"channel {ch.name!r} is {value:g}, more than {limit:g} times its range "
            f"{(ch.low, ch.high)} from it: too large for a learner",
            channel=ch.name,
        )
    return u


class NotReadyError(RuntimeError):
    """``predict`` or ``infer`` was asked of a learner that has no observation yet.

    >>> issubclass(NotReadyError, RuntimeError)
    True
    """


class Learner:
    """A forward model ``m -> s`` and an inverse model ``s -> m``, learned one observation at a time.

    ``cfg`` is a dict merged over the class's ``defcfg`` (an unknown key is a ``KeyError``
    naming it); ``m_channels`` and ``s_channels`` are lists of ``Channel``. Internally every
    motor and sensory array is scaled to ``[0, 1]`` by its channels' bounds
    (``u = (v - low) / (high - low)``; unbounded channels are left unscaled), and the
    observations are kept in a growable ``Memory``. Public methods take and return raw units.

    * ``update(m_signal, s_signal, uuid=None) -> bool``: one observation; ``False`` (and
      nothing learned) when ``uuid`` was seen before. ``update(feedback)`` (or
      ``update_feedback``) takes an ``env.execute`` result as is, learning from the arrays it
      carries; ``update_array(m_batch, s_batch)`` many observations.
    * The uuids are remembered for ever, in a set of strings (and in the saved file), so
      that a feedback seen at any time before is recognised: a log replayed into a learner
      loaded after a crash teaches it nothing twice. That costs 110 to 190 bytes per
      observation (CPython: a 36-character string of 85 bytes, and its slot in the set,
      whose table grows by steps), more than the memory's own 8 bytes per channel for a few
      channels: about 120 MB for a million observations. A window of recent uuids would
      bound it, and miss the replay's duplicates; an observation learned without a uuid
      (``update(m_signal, s_signal)``, a feedback without ``'uuid'``, ``update_array``)
      does not pay it.
    * ``predict(m_signal) -> s_signal`` and ``infer(s_signal, mode) -> m_signal``, with
      ``predict_array`` / ``infer_array`` for batches ``(N, n)``. ``mode='exploit'`` gives the
      best guess; ``mode='explore'`` adds Gaussian noise of standard deviation
      ``cfg['explore_sigma']`` (scaled motor units, i.e. a fraction of each channel's range)
      drawn from the learner's generator. Inferred commands are clipped to the motor bounds.
      Before any observation both raise ``NotReadyError`` (unless the class sets
      ``needs_data = False``).
    * Bad signals raise ``SignalError`` (a ``ValueError``) naming the channel, and leave the
      learner exactly as it was.
    * ``save(path)`` writes one ``.npz`` file (arrays plus a JSON header with the format
      version; no pickle); ``Learner.load(path)`` returns a learner of the saved class that
      answers identically.

    Subclasses implement ``_predict(m) -> s`` and ``_infer(s) -> m`` on scaled ``(N, n)``
    arrays, and may override ``_learn(m, s)`` (called with the scaled rows just added to
    ``self.memory``), ``_setup()`` (check algorithm keys, build state), and
    ``_state_arrays()`` / ``_set_state_arrays(arrays)`` for state beyond the memory.

    >>> from sensorimotor.learners import NNLearner
    >>> cfg = {'m_channels': [Channel('x', (0, 10)), Channel('y', (5, 15))],
    ...        's_channels': [Channel('a', (5, 25))]}
    >>> learner = NNLearner(cfg)
    >>> learner.update({'x': 5, 'y': 4}, {'a': 9})
    True
    >>> learner.predict({'x': 3, 'y': 4}), len(learner)
    ({'a': 9.0}, 1)
    >>> learner.infer({'a': 3})  # y = 4 was observed, but inferred commands are clipped to bounds
    {'x': 5.0, 'y': 5.0}
    """

    defcfg: Mapping = {"m_channels": None, "s_channels": None, "seed": 0, "explore_sigma": 0.05}
    needs_data: bool = True
    # scaled values beyond this are refused (a learner computing in float32 lowers it)
    max_scaled: float = MAX_SCALED

    def __init__(self, cfg=None):
        name = type(self).__name__
        cfg = merge_config(self.defcfg, cfg, owner=name)
        for key in ("m_channels", "s_channels"):
            # one Channel, a string or an array is not a list of them (they failed in
            # ChannelSet or in `not value` with errors that named neither key nor learner)
            value = cfg[key]
            ok = isinstance(value, Sequence | ChannelSet) and not isinstance(value, str)
            if not ok or not value or not all(isinstance(ch, Channel) for ch in value):
                raise ValueError(
                    f"{name}: cfg[{key!r}] must be a non-empty list of Channel, got "
                    f"{type(value).__name__} {value!r:.60}"
                )
        self.m_set = ChannelSet(cfg.m_channels)
        self.s_set = ChannelSet(cfg.s_channels)
        seed = cfg.seed
        if not is_int(seed) or seed < 0:
            raise ValueError(f"{name}: cfg['seed'] must be a non-negative int, got {seed!r}")
        sigma = cfg.explore_sigma
        try:
            finite = _is_number(sigma) and math.isfinite(sigma)
        except (OverflowError, TypeError):  # an int beyond float64, a timedelta64
            finite = False
        if not finite or sigma < 0:
            raise ValueError(f"{name}: cfg['explore_sigma'] must be a number >= 0, got {sigma!r}")
        self.cfg = cfg
        self.rng = np.random.default_rng(int(seed))
        self.memory = Memory(len(self.m_set), len(self.s_set))
        self._uuids: set[str] = set()
        self._setup()

    # -- hooks for subclasses ---------------------------------------------------------------
    def _setup(self) -> None:
        """Check algorithm keys of ``self.cfg`` and build initial state."""

    def _learn(self, m: np.ndarray, s: np.ndarray) -> None:
        """Learn from the scaled rows ``m`` (N, n_m), ``s`` (N, n_s) just appended to memory."""

    def _predict(self, m: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _infer(self, s: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _state_arrays(self) -> dict:
        """Arrays (name -> ndarray) of state beyond memory, uuids and generator, for ``save``."""
        return {}

    def _set_state_arrays(self, arrays: dict) -> None:
        """Restore what ``_state_arrays`` gave; called by ``load`` after the memory is restored."""
        if self.memory.m.shape[0]:
            self._learn(self.memory.m, self.memory.s)

    # -- observations ---------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.memory)

    @property
    def ready(self) -> bool:
        """Whether ``predict``/``infer`` can answer."""
        return not self.needs_data or len(self.memory) > 0

    def update(self, m_signal: Mapping, s_signal: Mapping | None = None, uuid=None) -> bool:
        """Learn one observation; ``False`` (nothing learned) if ``uuid`` was already seen.

        ``update(feedback)``, with an ``env.execute`` result as the one argument, is
        ``update_feedback(feedback)``. Signals that carry their arrays (``Signal``, as in a
        feedback) are not converted again.
        """
        if s_signal is None:
            if uuid is not None:
                raise TypeError("update(feedback) takes the uuid from the feedback")
            return self.update_feedback(m_signal)
        key = uuid_key(uuid)  # a uuid spelled two ways is one key; a float is refused
        # signals first: bad input with a seen uuid is refused, not skipped silently
        m = _scaled(self.m_set, self.m_set.array_of(m_signal), self.max_scaled)
        s = _scaled(self.s_set, self.s_set.array_of(s_signal), self.max_scaled)
        if key is not None and key in self._uuids:
            return False
        self._add(m[None], s[None], key)
        return True

    def update_feedback(self, feedback: Mapping) -> bool:
        """Learn from an ``env.execute`` result ``{'m_signal', 's_signal', 'uuid'}``.

        The feedback goes through ``check_feedback``: a ``Feedback`` is learned from the arrays
        it carries, a plain dict is validated and converted once.
        """
        feedback = check_feedback(feedback, self.m_set, self.s_set)
        key = feedback.key
        # signals first: bad input with a seen uuid is refused, not skipped silently
        m = _scaled(self.m_set, feedback.m_array, self.max_scaled)
        s = _scaled(self.s_set, feedback.s_array, self.max_scaled)
        if key is not None and key in self._uuids:
            return False
        self._add(m[None], s[None], key)
        return True

    def update_array(self, m_batch, s_batch) -> None:
        """Learn many observations: ``m_batch`` (N, n_m) and ``s_batch`` (N, n_s), raw units.

        >>> from sensorimotor.learners import NNLearner
        >>> learner = NNLearner({'m_channels': [Channel('x', (0, 10))],
        ...                      's_channels': [Channel('a', (0, 100))]})
        >>> learner.update_array(np.array([[1.0], [4.0]]), np.array([[1.0], [16.0]]))
        >>> len(learner), learner.predict_array(np.array([[3.0], [0.0]])).tolist()
        (2, [[16.0], [1.0]])
        """
        m = np.atleast_2d(self.m_set.check_array(m_batch))
        s = np.atleast_2d(self.s_set.check_array(s_batch))
        if m.shape[0] != s.shape[0]:
            raise SignalError(f"m_batch has {m.shape[0]} rows but s_batch has {s.shape[0]}")
        if m.shape[0]:
            self._add(
                _scaled(self.m_set, m, self.max_scaled),
                _scaled(self.s_set, s, self.max_scaled),
                None,
            )

    def _add(self, m: np.ndarray, s: np.ndarray, key) -> None:
        n = len(self.memory)
        self.memory.append(m, s, check=False)  # checked by check_array
        try:
            self._learn(m, s)
        except BaseException:
            self.memory.truncate(n)
            raise
        if key is not None:
            self._uuids.add(key)

    # -- queries --------------------------------------------------------------------------
    def _check_ready(self) -> None:
        if not self.ready:
            raise NotReadyError(f"{type(self).__name__} has no observation yet")

    def predict(self, m_signal: Mapping) -> dict:
        """Forward model: the predicted sensory signal for a motor signal."""
        m = self.m_set.to_array(m_signal)
        return self.s_set.from_array(self.predict_array(m[None])[0])

    def predict_array(self, m_batch, *, check: bool = True) -> np.ndarray:
        """Forward model on arrays: ``(N, n_m) -> (N, n_s)`` (or ``(n_m,) -> (n_s,)``), raw units.

        ``check=False`` skips validating ``m_batch``: for float64 arrays the caller made and
        knows finite, of shape ``(N, n_m)`` or ``(n_m,)`` (an explorer's own commands).

        >>> from sensorimotor.learners import NNLearner
        >>> learner = NNLearner({'m_channels': [Channel('x', (0, 10))],
        ...                      's_channels': [Channel('a', (0, 100))]})
        >>> learner.update_array(np.array([[1.0], [4.0]]), np.array([[1.0], [16.0]]))
        >>> learner.predict_array(np.array([2.0]))  # one row in, one row out
        array([1.])
        """
        m = self.m_set.check_array(m_batch) if check else m_batch
        self._check_ready()
        m2 = np.atleast_2d(m)
        if m2.shape[0] == 0:  # an empty batch: nothing to ask the model
            return np.zeros((0, len(self.s_set)))
        s = self._predict(
            _scaled(self.m_set, m2, self.max_scaled) if check else self.m_set.scale(m2)
        )
        s = self.s_set.unscale(s)
        return s[0] if m.ndim == 1 else s

    def infer(self, s_signal: Mapping, mode: str = "exploit") -> dict:
        """Inverse model: a motor signal expected to produce ``s_signal``, within motor bounds."""
        s = self.s_set.to_array(s_signal)
        return self.m_set.from_array(self.infer_array(s[None], mode)[0])

    def infer_array(self, s_batch, mode: str = "exploit", *, check: bool = True) -> np.ndarray:
        """Inverse model on arrays: ``(N, n_s) -> (N, n_m)`` (or ``(n_s,) -> (n_m,)``), raw units.

        ``check=False`` skips validating ``s_batch``: for float64 arrays the caller made and
        knows finite, of shape ``(N, n_s)`` or ``(n_s,)`` (an explorer's own goals).

        >>> from sensorimotor.learners import NNLearner
        >>> learner = NNLearner({'m_channels': [Channel('x', (0, 10))],
        ...                      's_channels': [Channel('a', (0, 100))]})
        >>> learner.update_array(np.array([[1.0], [4.0]]), np.array([[1.0], [16.0]]))
        >>> learner.infer_array(np.array([[12.0], [2.0]])).tolist()
        [[4.0], [1.0]]
        """
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
        s = self.s_set.check_array(s_batch) if check else s_batch
        self._check_ready()
        s2 = np.atleast_2d(s)
        if s2.shape[0] == 0:  # an empty batch: nothing to ask the model
            return np.zeros((0, len(self.m_set)))
        m = self._infer(_scaled(self.s_set, s2, self.max_scaled) if check else self.s_set.scale(s2))
        if mode == "explore" and self.cfg.explore_sigma > 0:
            m = m + self.rng.normal(0.0, self.cfg.explore_sigma, size=m.shape)
        m = self.m_set.clip(self.m_set.unscale(m))
        return m[0] if s.ndim == 1 else m

    # -- persistence ----------------------------------------------------------------------
    def _header(self) -> dict:
        cfg = {}
        for key, value in self.cfg.items():
            if key in ("m_channels", "s_channels"):
                value = [ch.to_json() for ch in value]
            elif isinstance(value, tuple):
                value = list(value)
            cfg[key] = value
        cls = type(self)
        return make_header(
            FORMAT,
            FORMAT_VERSION,
            **{"class": cls.__name__, "module": cls.__module__},
            cfg=cfg,
            rng_state=self.rng.bit_generator.state,
        )

    def state(self) -> dict:
        """Everything ``save`` writes: ``{'header': dict, name: ndarray, ...}`` (a copy)."""
        out = {
            "header": json.loads(json.dumps(self._header(), default=_json_default)),
            "memory_m": self.memory.m.copy(),
            "memory_s": self.memory.s.copy(),
            "uuids": np.array(sorted(self._uuids), dtype=str),
        }
        for name, arr in self._state_arrays().items():
            out[f"state_{name}"] = np.array(arr, copy=True)
        return out

    def save(self, path) -> None:
        """Write the learner to ``path`` (an ``.npz`` archive with a JSON header; no pickle),
        atomically (see :mod:`sensorimotor.base.saved_file`).

        >>> import pathlib, tempfile
        >>> from sensorimotor.learners import Learner, NNLearner
        >>> learner = NNLearner({'m_channels': [Channel('x', (0, 10))],
        ...                      's_channels': [Channel('a', (0, 100))], 'seed': 3})
        >>> learner.update({'x': 4.0}, {'a': 16.0}, uuid='first')
        True
        >>> folder = tempfile.TemporaryDirectory()
        >>> path = pathlib.Path(folder.name) / 'nn.npz'
        >>> learner.save(path)
        >>> back = Learner.load(path)
        >>> type(back).__name__, back.predict({'x': 5.0}), back.update({'x': 1}, {'a': 1}, 'first')
        ('NNLearner', {'a': 16.0}, False)
        >>> folder.cleanup()
        """
        arrays = self.state()
        write_npz(path, arrays, arrays.pop("header"))

    @classmethod
    def load(cls, path) -> "Learner":
        """Read a learner written by ``save``; ``Learner.load`` returns the saved class."""
        arrays, header = read_npz(
            path,
            FORMAT,
            FORMAT_VERSION,
            header_keys=("class", "module", "cfg", "rng_state"),
            array_names=("memory_m", "memory_s", "uuids"),
        )
        try:  # a class or module that save did not write
            klass = find_saved_class(Learner, header["class"], header["module"], asked=cls)
        except (AttributeError, OverflowError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: not a valid saved learner ({exc})") from None
        if not issubclass(klass, cls):  # a wrong file: ValueError, as Agent.load raises
            raise ValueError(
                f"{path}: holds a saved {klass.__name__}, not the {cls.__name__} asked for"
            )
        try:
            learner = klass(_saved_cfg(path, header["cfg"]))
        except (
            KeyError,
            OverflowError,
            TypeError,
            ValueError,
        ) as exc:  # a setting the class refuses
            if str(path) in str(exc):
                raise
            raise ValueError(f"{path}: {exc}") from None
        m, s, uuids = (arrays.pop(name) for name in ("memory_m", "memory_s", "uuids"))
        _check_memory(path, m, s, uuids, len(learner.m_set), len(learner.s_set), learner.max_scaled)
        learner.memory.append(m, s)
        learner._uuids = set(uuids.tolist())
        prefix = "state_"
        try:  # a class's own state that does not fit: the class says what, here which file
            learner._set_state_arrays(
                {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
            )
        except (KeyError, OverflowError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: {exc}") from None
        try:
            learner.rng.bit_generator.state = header["rng_state"]
        except (KeyError, OverflowError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: rng_state is not a NumPy generator state ({exc})") from None
        return learner

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(m={list(self.m_set.names)}, s={list(self.s_set.names)}, "
            f"observations={len(self.memory) if hasattr(self, 'memory') else 0})"
        )


def _saved_cfg(path, cfg) -> dict:
    """A saved learner's config with its channels rebuilt; a ``ValueError`` naming the
    file and the key for anything missing or malformed."""
    if not isinstance(cfg, dict):
        raise ValueError(f"{path}: cfg must be a JSON object, got {type(cfg).__name__}")
    cfg = dict(cfg)
    for key in ("m_channels", "s_channels"):
        if key not in cfg:
            raise ValueError(f"{path}: cfg has no {key!r}")
        try:
            cfg[key] = [Channel.from_json(d) for d in cfg[key]]
        except (KeyError, OverflowError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: cfg.{key} is not a list of channels ({exc})") from None
    return cfg


def _check_memory(path, m, s, uuids, m_dim: int, s_dim: int, limit: float = MAX_SCALED) -> None:
    """The saved memory must be finite real rows of the channels' widths (at most ``limit``
    in scaled units, as the learner's update takes), at most one uuid (a string) each."""
    for name, rows, width in (("memory_m", m, m_dim), ("memory_s", s, s_dim)):
        if rows.dtype.kind not in "fiu" or rows.ndim != 2 or rows.shape[1] != width:
            raise ValueError(
                f"{path}: {name} must be real numbers of shape (N, {width}), "
                f"got {rows.dtype} {rows.shape}"
            )
        if not np.all(np.isfinite(rows)):
            raise ValueError(f"{path}: {name} holds NaN or inf")
        if not np.all(np.abs(rows) <= limit):  # scaled units: update refuses these
            raise ValueError(
                f"{path}: {name} holds values beyond {limit:g} channel widths, "
                "too large for a learner"
            )
    if len(m) != len(s) or uuids.ndim != 1 or len(uuids) > len(m):
        raise ValueError(
            f"{path}: memory_m, memory_s and uuids disagree in length "
            f"({len(m)}, {len(s)}, {uuids.shape})"
        )
    if uuids.dtype.kind != "U":  # update compares str(uuid): other values never match
        raise ValueError(f"{path}: uuids must be strings, got {uuids.dtype}")


def check_kernel_width(owner: str, width) -> None:
    """A ``ValueError`` naming ``owner``'s ``cfg['width']`` unless it is ``None`` or a
    number > 0 whose square is a float: the kernel divides by ``2 width**2``, and 0 there
    (``width=1e-200``) made every weight NaN.

    >>> check_kernel_width("WNNLearner", 1e-200)
    Traceback (most recent call last):
    ...
    ValueError: WNNLearner: cfg['width'] 1e-200 is too small: its square underflows to 0
    """
    if width is None:
        return
    if not _is_number(width) or not math.isfinite(width) or width <= 0:
        raise ValueError(f"{owner}: cfg['width'] must be None or a number > 0, got {width!r}")
    if not 2.0 * float(width) ** 2 >= sys.float_info.min:
        raise ValueError(
            f"{owner}: cfg['width'] {width!r} is too small: its square underflows to 0"
        )


def _is_number(value) -> bool:
    """A real number a float holds (see :func:`sensorimotor.base.bounds.is_real`)."""
    return is_real(value)


def _is_int(value) -> bool:
    """An integer (Python or NumPy), not a bool."""
    return is_int(value)


def _json_default(value):
    """NumPy scalars and arrays in a config become plain JSON numbers and lists."""
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    raise TypeError(
        f"config value {value!r} ({type(value).__name__}) cannot be saved: "
        "learner configs hold numbers, strings, lists and channels"
    )
