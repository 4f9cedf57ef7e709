"""A signal dict that carries its validated values as an array."""

import numpy as np


class Signal(dict):
    """A signal ``{channel name: float}`` that carries the same values as an array.

    Made by a ``ChannelSet``: ``to_signal(mapping)`` validates a dict once, ``signal(array)``
    wraps an array the library made itself. To read, print, compare, copy or serialise, a
    ``Signal`` is the plain dict of the seeds; besides, ``array`` holds its values as a
    read-only float64 array in the order of ``channel_set``, so whoever receives the signal
    (an explorer, a learner, a log) uses the array instead of converting and validating the
    dict again (``ChannelSet.array_of``).

    A ``Signal`` may be changed in place like any dict (``sig['x'] = 1.0``, ``update``,
    ``del``, ``pop``...); that drops its array (``array`` becomes ``None``), and the next
    consumer converts and validates the dict as it would a plain one. ``dict(sig)`` and
    ``sig.copy()`` are plain dicts.

    >>> from sensorimotor.signals import Channel, ChannelSet
    >>> cs = ChannelSet([Channel('x', (0, 10)), Channel('y', (5, 15))])
    >>> sig = cs.to_signal({'y': 11, 'x': 4})
    >>> sig, sig.array, sig.channel_set is cs
    ({'x': 4.0, 'y': 11.0}, array([ 4., 11.]), True)
    >>> sig['x'] = 5.0
    >>> sig, sig.array is None
    ({'x': 5.0, 'y': 11.0}, True)
    """

    __slots__ = ("_array", "_channel_set")

    @classmethod
    def _make(cls, channel_set, array: np.ndarray, values) -> "Signal":
        """A signal of ``values`` (a dict or pairs) whose array is ``array`` (owned, made read-only)."""
        sig = cls(values)
        array.flags.writeable = False
        sig._array = array
        sig._channel_set = channel_set
        return sig

    @property
    def array(self) -> np.ndarray | None:
        """The values in channel order (read-only), or ``None`` once the dict was changed."""
        return getattr(self, "_array", None)

    @property
    def channel_set(self):
        """The ``ChannelSet`` whose order ``array`` follows (``None`` for a bare ``Signal``)."""
        return getattr(self, "_channel_set", None)

    # -- changing the dict drops the array ---------------------------------------------------
    def _drop(self) -> None:
        self._array = None

    def __setitem__(self, key, value):
        self._drop()
        dict.__setitem__(self, key, value)

    def __delitem__(self, key):
        self._drop()
        dict.__delitem__(self, key)

    def __ior__(self, other):
        self._drop()
        return dict.__ior__(self, other)

    def pop(self, *args):
        self._drop()
        return dict.pop(self, *args)

    def popitem(self):
        self._drop()
        return dict.popitem(self)

    def setdefault(self, key, default=None):
        self._drop()
        return dict.setdefault(self, key, default)

    def update(self, *args, **kwargs):
        self._drop()
        dict.update(self, *args, **kwargs)

    def clear(self):
        self._drop()
        dict.clear(self)

    def __reduce__(self):
        return _rebuild, (dict(self), self.array, self.channel_set)


def _rebuild(values: dict, array, channel_set) -> Signal:
    """Unpickle (and copy) a ``Signal``."""
    sig = Signal(values)
    sig._array = None if array is None else np.array(array)
    if sig._array is not None:
        sig._array.flags.writeable = False
    sig._channel_set = channel_set
    return sig
