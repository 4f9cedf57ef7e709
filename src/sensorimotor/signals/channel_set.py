"""An ordered set of channels: dict <-> array, scaling by bounds, random draws, validation."""

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from sensorimotor.signals.channel import Channel
from sensorimotor.signals.errors import SignalError
from sensorimotor.signals.signal import Signal


def _short(value) -> str:
    """``repr(value)``, cut short: a huge int would fill the screen."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}...{text[-8:]} ({len(text)} characters)"


def _as_float(name: str, value) -> float:
    """``value`` as a finite float, or a ``SignalError`` naming ``name``."""
    if type(value) is float and math.isfinite(value):  # the common case, without ABC checks
        return value
    # NumPy makes a timedelta64 an integer: one without a unit would convert to its count
    if isinstance(value, bool | np.bool_ | np.timedelta64) or isinstance(value, str | bytes):
        raise SignalError(f"channel {name!r}: {value!r} is not a number", channel=name)
    if not isinstance(value, numbers.Real):
        # 0-d NumPy/JAX arrays of a real dtype are numbers too.
        dtype = getattr(value, "dtype", None)
        if getattr(value, "ndim", None) != 0 or dtype is None or np.dtype(dtype).kind not in "iuf":
            raise SignalError(f"channel {name!r}: {value!r} is not a number", channel=name)
    try:
        x = float(value)
    except (OverflowError, TypeError, ValueError):  # a huge int; a timedelta64 is an int too
        raise SignalError(
            f"channel {name!r}: {_short(value)} is not a finite float", channel=name
        ) from None
    if math.isnan(x):
        raise SignalError(f"channel {name!r} is NaN", channel=name)
    if math.isinf(x):
        raise SignalError(f"channel {name!r} is {x} (not finite)", channel=name)
    return x


def channel_value(s_signal, name: str) -> float:
    """One channel of a signal dict as a finite float (a plant reading the sensors it
    needs): a ``SignalError`` naming the channel if it is missing, NaN, inf or not a number;
    a ``TypeError`` if ``s_signal`` is not a dict.

    >>> channel_value({'x': 0.5, 'y': 2}, 'y')
    2.0
    >>> channel_value({'x': float('nan')}, 'x')
    Traceback (most recent call last):
    ...
    sensorimotor.signals.errors.SignalError: channel 'x' is NaN
    """
    try:
        value = s_signal[name]
    except KeyError:
        raise SignalError(f"missing channel {name!r}", channel=name) from None
    except (TypeError, IndexError):
        raise TypeError(
            f"s_signal must be a dict of channels, got {type(s_signal).__name__}"
        ) from None
    return _as_float(name, value)


class ChannelSet:
    """Channels in a fixed order: the bridge between dict signals and arrays.

    A signal is a plain ``{channel name: float}`` dict. ``to_array`` orders its values as the
    channels are ordered, ``from_array`` goes back. ``to_signal`` validates a dict once into a
    ``Signal`` (a dict that carries its array) and ``array_of`` takes that array back without
    converting again; ``signal`` wraps an array the library made itself. ``scale`` maps each bounded channel
    affinely from ``[low, high]`` to ``[0, 1]`` (``u = (v - low) / (high - low)``);
    unbounded channels pass through unchanged. Validation refuses a missing or unknown
    channel, NaN, inf and non-numbers with a ``SignalError`` naming the channel; with
    ``strict=True`` it also refuses values outside the bounds. ``bounded`` says per
    channel whether both bounds are finite, ``unbounded`` names those that are not.

    >>> cs = ChannelSet([Channel('x', (0, 10)), Channel('y', (5, 15))])
    >>> cs.to_array({'y': 11, 'x': 4})
    array([ 4., 11.])
    >>> cs.scale(cs.to_array({'x': 4, 'y': 11}))
    array([0.4, 0.6])
    >>> cs.from_array([1.0, 6.0])
    {'x': 1.0, 'y': 6.0}
    >>> cs.unbounded, ChannelSet([Channel('v'), Channel('x', (0, 1))]).unbounded
    ((), ('v',))
    >>> sig = cs.to_signal({'y': 11, 'x': 4})
    >>> cs.array_of(sig) is sig.array
    True
    >>> cs.validate({'x': 4})
    Traceback (most recent call last):
    ...
    sensorimotor.signals.errors.SignalError: missing channel 'y'
    """

    def __init__(self, channels: Iterable[Channel], strict: bool = False):
        channels = tuple(channels)
        for ch in channels:
            if not isinstance(ch, Channel):
                raise TypeError(f"expected Channel objects, got {ch!r}")
        names = tuple(ch.name for ch in channels)
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate channel names: {duplicates}")
        # bool() would take the string "no" as True: strict is a bool, or a NumPy one
        if not isinstance(strict, bool | np.bool_):
            raise TypeError(f"ChannelSet: strict must be a bool, got {strict!r}")
        self.channels = channels
        self.names = names
        self.strict = bool(strict)
        self._index = {n: i for i, n in enumerate(names)}
        self.low = np.array([ch.low for ch in channels], dtype=np.float64)
        self.high = np.array([ch.high for ch in channels], dtype=np.float64)
        bounded = np.isfinite(self.low) & np.isfinite(self.high)
        self.bounded = bounded
        # the names of the channels not bounded on both sides, for errors that name them
        self.unbounded = tuple(n for n, b in zip(names, bounded, strict=True) if not b)
        # Unbounded channels scale with offset 0 and width 1 (identity); so do zero-width ones.
        self._offset = np.where(bounded, self.low, 0.0)
        width = np.where(bounded, self.high - self.low, 1.0)
        self._width = np.where(width > 0, width, 1.0)
        for a in (self.low, self.high, self.bounded, self._offset, self._width):
            a.setflags(write=False)

    # -- container protocol -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.channels)

    def __iter__(self):
        return iter(self.channels)

    def __contains__(self, name) -> bool:
        return name in self._index

    def __getitem__(self, name: str) -> Channel:
        return self.channels[self._index[name]]

    def __eq__(self, other) -> bool:
        return self is other or (isinstance(other, ChannelSet) and self.channels == other.channels)

    def __hash__(self) -> int:
        return hash(self.channels)

    def __repr__(self) -> str:
        return f"ChannelSet({list(self.channels)!r})"

    def index(self, name: str) -> int:
        """Position of channel ``name`` in array order.

        >>> cs = ChannelSet([Channel('x'), Channel('y')])
        >>> cs.index('y')
        1
        >>> cs.index('z')
        Traceback (most recent call last):
        ...
        sensorimotor.signals.errors.SignalError: unknown channel 'z'
        """
        try:
            return self._index[name]
        except KeyError:
            raise SignalError(f"unknown channel {name!r}", channel=name) from None

    # -- validation -----------------------------------------------------------------------
    def validate(self, signal: Mapping, strict: bool | None = None) -> dict:
        """A clean copy of ``signal`` (channel order, float values), or ``SignalError``."""
        if not isinstance(signal, Mapping):
            raise TypeError(
                f"a signal is a dict {{channel name: value}}, got {type(signal).__name__}"
            )
        for name in signal:
            if name not in self._index:
                raise SignalError(f"unknown channel {name!r}", channel=name)
        strict = self.strict if strict is None else strict
        clean = {}
        for ch in self.channels:
            if ch.name not in signal:
                raise SignalError(f"missing channel {ch.name!r}", channel=ch.name)
            x = _as_float(ch.name, signal[ch.name])
            if strict and not ch.low <= x <= ch.high:
                raise SignalError(
                    f"channel {ch.name!r} = {x} is outside its bounds {ch.bounds}", channel=ch.name
                )
            clean[ch.name] = x
        return clean

    def check_array(self, values, strict: bool | None = None) -> np.ndarray:
        """``values`` as a float array of shape ``(n,)`` or ``(N, n)``, validated.

        Raises ``SignalError`` for a wrong last dimension (naming the expected channels) or a
        non-finite / out-of-bounds (strict) entry (naming its channel).
        """
        try:
            arr = np.asarray(values)
        except (ValueError, TypeError, OverflowError) as exc:  # ragged lists, huge ints
            raise SignalError(
                f"expected a numeric array for channels {list(self.names)}, got "
                f"{type(values).__name__} that is not one ({exc})"
            ) from None
        if arr.dtype.kind not in "iuf":
            raise SignalError(
                f"expected a numeric array for channels {list(self.names)}, got dtype {arr.dtype}"
            )
        arr = arr.astype(np.float64, copy=False)
        if arr.ndim not in (1, 2) or arr.shape[-1] != len(self):
            raise SignalError(
                f"expected shape ({len(self)},) or (N, {len(self)}) for channels "
                f"{list(self.names)}, got {arr.shape}"
            )
        finite = np.isfinite(arr)
        if not finite.all():
            col = int(np.nonzero(~finite.reshape(-1, len(self)).all(axis=0))[0][0])
            bad = arr.reshape(-1, len(self))[:, col][~finite.reshape(-1, len(self))[:, col]][0]
            what = "NaN" if np.isnan(bad) else f"{bad} (not finite)"
            raise SignalError(f"channel {self.names[col]!r} is {what}", channel=self.names[col])
        strict = self.strict if strict is None else strict
        if strict:
            outside = (arr < self.low) | (arr > self.high)
            if outside.any():
                col = int(np.nonzero(outside.reshape(-1, len(self)).any(axis=0))[0][0])
                ch = self.channels[col]
                raise SignalError(
                    f"channel {ch.name!r} is outside its bounds {ch.bounds}", channel=ch.name
                )
        return arr

    # -- conversion -----------------------------------------------------------------------
    def to_array(self, signal: Mapping, strict: bool | None = None) -> np.ndarray:
        """A validated signal as an array of shape ``(n,)`` in channel order."""
        return np.fromiter(
            self.validate(signal, strict).values(), dtype=np.float64, count=len(self)
        )

    def to_signal(self, signal: Mapping, strict: bool | None = None) -> Signal:
        """A validated signal as a ``Signal``: the clean dict, carrying its array.

        One validation and one conversion, as ``to_array``; the result can be passed on and its
        array taken back by ``array_of`` without converting again.
        """
        clean = self.validate(signal, strict)
        array = np.fromiter(clean.values(), dtype=np.float64, count=len(self))
        return Signal._make(self, array, clean)

    def signal(self, values) -> Signal:
        """The ``Signal`` of an array the library made itself, without validating it.

        For arrays known to be sound: shape ``(n,)``, finite, in channel order (an explorer's
        command, a checked sensory array). Use ``from_array`` for anything else.
        """
        array = np.array(values, dtype=np.float64)
        return Signal._make(self, array, zip(self.names, array.tolist(), strict=True))

    def array_of(self, signal: Mapping, strict: bool | None = None) -> np.ndarray:
        """``signal``'s values in channel order: the array a ``Signal`` of these channels
        carries (not converted again, read-only), else ``to_array(signal, strict)``."""
        array = self.carried(signal, strict)
        return self.to_array(signal, strict) if array is None else array

    def carried(self, signal, strict: bool | None = None) -> np.ndarray | None:
        """The array ``signal`` carries if it is an unchanged ``Signal`` of channels equal to
        these (and, when validating strictly, of a strict set), else ``None``.

        >>> cs = ChannelSet([Channel('x', (0, 10))])
        >>> sig = cs.to_signal({'x': 4})
        >>> cs.carried(sig) is sig.array
        True
        >>> cs.carried({'x': 4}) is None, cs.carried(sig, strict=True) is None
        (True, True)
        """
        if type(signal) is not Signal:
            return None
        array = signal.array
        if array is None:
            return None
        owner = signal.channel_set
        if owner is not self and owner != self:
            return None
        if (self.strict if strict is None else strict) and not owner.strict:
            return None
        return array

    def to_array_batch(self, signals: Sequence[Mapping], strict: bool | None = None) -> np.ndarray:
        """A sequence of signals as an array of shape ``(N, n)``.

        >>> cs = ChannelSet([Channel('x'), Channel('y')])
        >>> cs.to_array_batch([{'x': 1, 'y': 2}, {'y': 4, 'x': 3}])
        array([[1., 2.],
               [3., 4.]])
        """
        out = np.empty((len(signals), len(self)), dtype=np.float64)
        for i, signal in enumerate(signals):
            out[i] = self.to_array(signal, strict)
        return out

    def from_array(self, values) -> dict | list[dict]:
        """``(n,)`` -> one signal dict; ``(N, n)`` -> a list of signal dicts."""
        arr = self.check_array(values, strict=False)
        if arr.ndim == 1:
            return dict(zip(self.names, arr.tolist(), strict=True))
        return [dict(zip(self.names, row, strict=True)) for row in arr.tolist()]

    # -- scaling --------------------------------------------------------------------------
    def scale(self, values) -> np.ndarray:
        """Map bounded channels from ``[low, high]`` to ``[0, 1]``; unbounded ones unchanged."""
        return (np.asarray(values, dtype=np.float64) - self._offset) / self._width

    def unscale(self, values) -> np.ndarray:
        """Inverse of ``scale``: ``v = low + u * (high - low)``."""
        return np.asarray(values, dtype=np.float64) * self._width + self._offset

    def clip(self, values) -> np.ndarray:
        """Clip values to the channels' bounds (infinite bounds clip nothing).

        ``min(max(v, low), high)``, as ``np.clip`` computes it, without its dispatch.
        """
        return np.minimum(np.maximum(np.asarray(values, dtype=np.float64), self.low), self.high)

    # -- random draws ---------------------------------------------------------------------
    def random(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray:
        """Uniform draws within the bounds: shape ``(n,)``, or ``(size, n)``.

        Every channel must be bounded.
        """
        if self.unbounded:
            raise ValueError(
                f"cannot draw uniformly: channels {list(self.unbounded)} are unbounded"
            )
        shape = (len(self),) if size is None else (size, len(self))
        # rng.uniform(low, high, size=shape), the same numbers without its per-call checks
        return self.low + (self.high - self.low) * rng.random(shape)

    def random_signal(self, rng: np.random.Generator) -> dict:
        """One uniform random signal as a dict."""
        return self.from_array(self.random(rng))
