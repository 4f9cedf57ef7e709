"""The blackbox environment: a motor signal in, sensory feedback out."""

import functools
import inspect
import uuid
from collections.abc import Mapping

import numpy as np

from sensorimotor.base.user_config import Config, merge_config
from sensorimotor.signals import ChannelSet, Feedback, SignalError


class Environment:
    """A blackbox that executes motor signals and returns sensory feedback.

    Subclasses set ``m_channels`` and ``s_channels`` (lists of ``Channel``) and implement
    ``_execute(m_signal, meta=None) -> s_signal``. ``execute`` validates the motor signal
    (a ``SignalError`` naming the channel for a missing, unknown, NaN, inf or non-numeric
    value), runs it, validates the sensory signal, and returns the feedback::

        {'m_signal': executed motor signal, 's_signal': sensory signal, 'uuid': uuid4}

    ``meta`` is an optional dict the environment may read options from and write logs into.
    ``cfg`` (a dict, a dataclass or ``None``) is merged over the class's documented defaults
    ``defcfg``; an unknown key is an error. ``cfg`` is always optional, even for a subclass
    whose ``__init__`` declares it without a default (as the ``environments`` seed's own
    example does). Environments are context managers; ``close()`` is idempotent.

    ``execute`` returns a ``Feedback``: it reads and prints as that dict, and its signals
    carry their validated arrays, so that explorers, learners and logs use them without
    converting again.

    Optional hooks: ``_motor_command(m_array) -> m_array`` says what is really executed
    (e.g. clipped to joint limits; the feedback reports it; it must return a finite array of
    the same shape, not validated again); ``_execute_vector(m_array, meta) -> s_array`` is
    an array path for one command, used by ``execute`` instead of ``_execute`` when it is
    the more derived of the two (its output is validated by ``check_array``); and
    ``_execute_array(m_batch) -> s_batch`` is a vectorised path used by ``execute_array``
    unless a subclass overrides ``_execute`` or ``_execute_vector`` below it (the batch
    would not follow that override: ``execute_array`` then loops over the one-command path
    ``execute`` takes, so both always agree).

    The seed's example, as written there:

    >>> from sensorimotor import Channel, Environment
    >>> ch_x = Channel('x', bounds=(0, 10))
    >>> ch_y = Channel('y', bounds=(5, 15))
    >>> ch_a = Channel('a', bounds=(5, 25))
    >>> class Sum(Environment):
    ...     def __init__(self, cfg):
    ...         self.m_channels = [ch_x, ch_y]
    ...         self.s_channels = [ch_a]
    ...     def _execute(self, m_signal, meta=None):
    ...         return {'a': m_signal['x'] + m_signal['y']}
    >>> sum_env = Sum()
    >>> feedback = sum_env.execute({'x': 2, 'y': 11})
    >>> feedback['m_signal'], feedback['s_signal'], type(feedback['uuid']).__name__
    ({'x': 2.0, 'y': 11.0}, {'a': 13.0}, 'UUID')
    """

    defcfg: Mapping = {}
    m_channels: list = []
    s_channels: list = []

    _executes_vectors: bool = False
    _batch_path: bool = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # The most derived of ``_execute`` and ``_execute_vector`` is the one ``execute`` calls,
        # so that a subclass overriding ``_execute`` of an array-path class is obeyed.
        for klass in cls.__mro__:
            if "_execute_vector" in klass.__dict__ or "_execute" in klass.__dict__:
                cls._executes_vectors = "_execute_vector" in klass.__dict__
                break
        # ``execute_array`` takes ``_execute_array`` only where it is as derived as the
        # one-command path: under a subclass's own ``_execute`` (a sensor offset added to
        # the arm's) the arm's batch gave other effects than ``execute``.
        hooks = ("_execute", "_execute_vector", "_execute_array")
        for klass in cls.__mro__:
            if klass is Environment:
                break
            if any(hook in klass.__dict__ for hook in hooks):
                # (the base's own stub, set again, is no batch path: a way to remove one)
                own = klass.__dict__.get("_execute_array", Environment._execute_array)
                cls._batch_path = own is not Environment._execute_array
                break
        init = cls.__dict__.get("__init__")
        if init is None:
            return
        params = list(inspect.signature(init).parameters.values())
        if len(params) >= 2 and params[1].name == "cfg" and params[1].default is inspect._empty:

            @functools.wraps(init)
            def __init__(self, cfg=None, *args, **kw):
                init(self, cfg, *args, **kw)

            cls.__init__ = __init__

    def __init__(self, cfg=None):
        self.cfg = merge_config(self.defcfg, cfg, owner=type(self).__name__)

    # -- channels -------------------------------------------------------------------------
    def _channel_set(self, attr: str) -> ChannelSet:
        channels = tuple(getattr(self, attr))
        cache = self.__dict__.setdefault("_channel_sets", {})
        cs = cache.get(attr)
        if cs is None or cs.channels != channels:
            cs = cache[attr] = ChannelSet(channels)
        return cs

    @property
    def m_set(self) -> ChannelSet:
        """The motor channels as a ``ChannelSet`` (array order, scaling, validation)."""
        return self._channel_set("m_channels")

    @property
    def s_set(self) -> ChannelSet:
        """The sensory channels as a ``ChannelSet``."""
        return self._channel_set("s_channels")

    @property
    def config(self) -> Config:
        """The merged configuration (``defcfg`` when a subclass never called ``__init__``)."""
        if "cfg" not in self.__dict__:
            self.cfg = merge_config(self.defcfg, None, owner=type(self).__name__)
        return self.cfg

    # -- execution ------------------------------------------------------------------------
    def _check_open(self):
        if self.__dict__.get("_closed", False):
            raise RuntimeError(f"{type(self).__name__} is closed")

    def _motor_command(self, m_array: np.ndarray) -> np.ndarray:
        """What the environment really executes for a validated command (default: as given)."""
        return m_array

    def execute(self, m_signal: Mapping, meta: dict | None = None) -> Feedback:
        """Execute one motor signal; return the ``Feedback`` ``{'m_signal', 's_signal', 'uuid'}``.

        The motor signal is validated and converted once; the sensory signal is validated
        once (a ``SignalError`` naming the channel, blaming ``_execute``, if it is bad).
        """
        self._check_open()
        m_set, s_set = self.m_set, self.s_set
        m_array = self._motor_command(m_set.to_array(m_signal))
        m_executed = m_set.signal(m_array)
        if self._executes_vectors:
            s_executed = s_set.signal(self._sensory_vector(self._execute_vector(m_array, meta)))
        else:
            s_out = self._execute(dict(m_executed), meta)
            try:
                s_executed = s_set.to_signal(s_out)
            except (SignalError, TypeError) as err:
                raise SignalError(
                    f"{type(self).__name__}._execute returned a bad sensory signal: {err}",
                    channel=getattr(err, "channel", None),
                ) from err
        return Feedback.of(m_executed, s_executed, uuid.uuid4())

    def _sensory_vector(self, s_out) -> np.ndarray:
        """What ``_execute_vector`` returned, checked: ``(n_s,)`` finite numbers, or a
        ``SignalError`` blaming it."""
        s_set = self.s_set
        try:
            s_array = s_set.check_array(s_out)
            if s_array.ndim != 1:
                raise SignalError(f"expected shape ({len(s_set)},), got {s_array.shape}")
        except (SignalError, TypeError) as err:
            raise SignalError(
                f"{type(self).__name__}._execute_vector returned a bad sensory signal: {err}",
                channel=getattr(err, "channel", None),
            ) from err
        return s_array

    def _execute(self, m_signal: dict, meta: dict | None = None) -> dict:
        raise NotImplementedError(f"{type(self).__name__} must implement _execute")

    @property
    def has_batch_path(self) -> bool:
        """Whether ``execute_array`` uses the class's vectorised ``_execute_array`` (it has
        one, and no subclass below it overrides ``_execute`` or ``_execute_vector``)."""
        return type(self)._batch_path

    def execute_array(self, m_batch) -> np.ndarray:
        """Sensory arrays ``(N, n_s)`` for motor arrays ``(N, n_m)``, validated like ``execute``.

        Uses the vectorised ``_execute_array`` when the class has one, else a loop; a batch
        it returns that is not ``(N, n_s)`` finite numbers raises a ``SignalError`` blaming
        ``_execute_array``.
        """
        self._check_open()
        m_batch = self._motor_command(self.m_set.check_array(np.atleast_2d(m_batch)))
        if self.has_batch_path:
            s_out = self._execute_array(m_batch)
            expected = (len(m_batch), len(self.s_set))
            try:
                s_batch = self.s_set.check_array(s_out)
                # check_array takes (n_s,) too, and any number of rows
                if s_batch.shape != expected:
                    raise SignalError(
                        f"expected shape {expected} for {len(m_batch)} motor arrays, "
                        f"got {s_batch.shape}"
                    )
            except (SignalError, TypeError) as err:
                raise SignalError(
                    f"{type(self).__name__}._execute_array returned a bad sensory batch: {err}",
                    channel=getattr(err, "channel", None),
                ) from err
            return s_batch
        if self._executes_vectors:  # the path execute takes (there may be no _execute)
            out = np.empty((len(m_batch), len(self.s_set)))
            for i, m in enumerate(m_batch):
                out[i] = self._sensory_vector(self._execute_vector(m, None))
            return out
        rows = [self._execute(self.m_set.from_array(m), None) for m in m_batch]
        return self.s_set.to_array_batch(rows)

    def _execute_array(self, m_batch: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # -- life cycle -----------------------------------------------------------------------
    def close(self) -> None:
        """Release resources. Calling it again does nothing."""
        if not self.__dict__.get("_closed", False):
            self._close()
            self._closed = True

    def _close(self) -> None:
        """Override to release resources (called once)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
