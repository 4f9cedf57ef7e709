"""Settings checked against the bounds their class declares.

A negative step size or a NaN drift rate does not fail loudly by itself: the learner or
stream just produces NaN from then on. So each class that holds such settings (a rule, a
stream, a GVF) declares the interval of each of them in a class attribute ``BOUNDS``
(setting name -> :class:`Bounds`), and :func:`check_settings` checks an object against its
own class's declaration when the object is used. Nothing is looked up by a field's name
elsewhere: a field is checked only if its class says how. A JAX tracer passes: a setting
swept inside a compiled loop is checked, concrete, before the loop compiles.

>>> from typing import NamedTuple
>>> class Decay(NamedTuple):
...     rate: float = 0.5
...     BOUNDS = {"rate": UNIT}
>>> check_settings(Decay(1.5))
Traceback (most recent call last):
...
ValueError: Decay.rate must be a finite number in [0, 1], got 1.5
"""

from __future__ import annotations

import math

import numpy as np

INF = math.inf


class Bounds(tuple):
    """``(low, high, low_included, high_included, integer)``: an interval of allowed values."""

    def __new__(cls, low, high=INF, low_in=True, high_in=False, integer=False):
        return super().__new__(cls, (low, high, low_in, high_in, integer))

    def describe(self) -> str:
        low, high, low_in, high_in, integer = self
        kind = "an int" if integer else "a finite number"
        return f"{kind} in {'[' if low_in else '('}{low:g}, {high:g}{']' if high_in else ')'}"


UNIT = Bounds(0.0, 1.0, True, True)  # a probability-like setting: discount, trace decay
COUNT = Bounds(1, INF, True, False, True)  # a positive int: a dimension, an interval
NON_NEGATIVE = Bounds(0.0)  # a step size, a noise level, a drift rate
POSITIVE = Bounds(0.0, INF, False)  # a scale that divides or is a logarithm's argument
FINITE = Bounds(-INF, INF, False)  # any finite number: a reward


def is_int(value) -> bool:
    """Whether ``value`` is an integer: a Python or NumPy int, not a bool and not an
    ``np.timedelta64`` (which NumPy makes a subclass of ``np.signedinteger``).

    >>> is_int(3), is_int(np.int8(3)), is_int(True), is_int(np.timedelta64(3)), is_int(3.0)
    (True, True, False, False, False)
    """
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.timedelta64)


def check_flag(name: str, value) -> bool:
    """``value`` if it is True or False (a NumPy bool too); else a ``TypeError`` naming
    ``name``: a string ``"False"`` or ``"no"`` is truthy, an int ``0`` falsy.

    >>> check_flag("deterministic", "no")
    Traceback (most recent call last):
    ...
    TypeError: deterministic must be True or False, got 'no'
    """
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def is_real(value) -> bool:
    """Whether ``value`` is a real number a float holds: a Python or NumPy int or float,
    not a bool, an ``np.timedelta64`` or an int beyond float64.

    >>> is_real(0.5), is_real(np.float32(2)), is_real(True), is_real(10**400), is_real("1")
    (True, True, False, False, False)
    """
    if not isinstance(value, int | float | np.integer | np.floating) or isinstance(
        value, bool | np.timedelta64
    ):
        return False
    try:
        float(value)
    except OverflowError:
        return False
    return True


def holds_non_number(value) -> bool:
    """Whether ``value`` is, or a list or tuple (nested or not) holds, a bool, a bool array
    or a string: ``np.asarray`` would make ``[True, 0.5]`` and ``["1", 0.5]`` the floats
    ``[1.0, 0.5]``.

    >>> holds_non_number([0.5, [1.0, True]]), holds_non_number(["1"]), holds_non_number([2, 0.5])
    (True, True, False)
    """
    todo, seen = [value], set()
    while todo:  # a loop, not recursion: a deeply nested list must not overflow the stack
        item = todo.pop()
        if isinstance(item, list | tuple):
            if id(item) not in seen:  # a list holding itself would loop forever
                seen.add(id(item))
                todo.extend(item)
        elif isinstance(item, bool | np.bool_ | str | bytes):
            return True
        elif getattr(getattr(item, "dtype", None), "kind", None) == "b":
            return True
    return False


def check_value(owner: str, name: str, value, bounds: Bounds):
    """Return ``value`` if it is a finite number (or array of them; an int if
    ``bounds`` says so) inside ``bounds``; else raise ``ValueError`` (``TypeError`` for a
    non-number) naming ``owner.name``.

    >>> check_value("RLS", "forgetting", 1.5, Bounds(0.0, 1.0, False, True))
    Traceback (most recent call last):
    ...
    ValueError: RLS.forgetting must be a finite number in (0, 1], got 1.5
    """
    low, high, low_in, high_in, integer = bounds
    # NumPy's and JAX's booleans (scalars, arrays) convert to 1.0 and 0.0 as Python's do
    is_bool = getattr(getattr(value, "dtype", None), "kind", None) == "b"
    if isinstance(value, bool | str) or value is None or is_bool:
        raise TypeError(f"{owner}.{name} must be a number, got {value!r}")
    if isinstance(value, list | tuple) and holds_non_number(value):
        raise TypeError(f"{owner}.{name} must be a number, got {value!r}")
    # a JAX int (a tracer under jit, whose value is not known: passed below) is an int
    jax_int = hasattr(value, "aval") and getattr(getattr(value, "dtype", None), "kind", "") in "iu"
    if integer and not is_int(value) and not jax_int:
        raise TypeError(f"{owner}.{name} must be an int, got {value!r}")
    if isinstance(value, int) and not -(2**63) <= value < 2**63:  # JAX cannot take it
        raise ValueError(f"{owner}.{name} must be {bounds.describe()}, got an int beyond int64")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except OverflowError:  # a Python int beyond float64
        raise ValueError(
            f"{owner}.{name} must be {bounds.describe()}, got an int too large for a float"
        ) from None
    except (TypeError, ValueError) as exc:
        if hasattr(value, "aval"):  # a JAX tracer
            return value
        raise TypeError(f"{owner}.{name} must be a number, got {value!r}") from exc
    ok = np.isfinite(arr) & ((arr >= low) if low_in else (arr > low))
    ok &= (arr <= high) if high_in else (arr < high)
    if not bool(np.all(ok)):
        raise ValueError(f"{owner}.{name} must be {bounds.describe()}, got {value!r}")
    return value


def where_not_finite(arr) -> str:
    """Where ``arr``'s first NaN or inf is, and the array itself if it is short: NumPy
    prints a long series with its middle elided, often hiding the very value at fault.

    >>> where_not_finite(np.array([1.0, np.nan, np.inf]))
    ' at index 1 (and 1 more of 3 values): [ 1. nan inf]'
    >>> where_not_finite(np.full((30, 2), np.nan))  # a long array is not printed
    ' at index (0, 0) (and 59 more of 60 values)'
    """
    bad = np.argwhere(~np.isfinite(arr))
    where = ""
    if arr.ndim:
        index = tuple(int(i) for i in bad[0])
        where = f" at index {index[0] if arr.ndim == 1 else index}"
        if len(bad) > 1:
            where += f" (and {len(bad) - 1} more of {arr.size} values)"
    return where + (f": {arr}" if arr.size <= 20 else "")


def check_count(name: str, value) -> int:
    """``value`` as an int if it is a positive int (not a bool); else ``ValueError``
    naming ``name``: a number of samples, seeds or steps.

    >>> check_count("seeds", 0)
    Traceback (most recent call last):
    ...
    ValueError: seeds must be a positive int, got 0
    """
    if not is_int(value) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


SEED_LIMIT = 2**32  # a JAX key holds 32 bits of its seed: seeds 2**32 apart are one run


def check_seed_range(name: str, first, count: int = 1) -> int:
    """``first`` as an int if it and the ``count - 1`` seeds after it are ints in ``[0,
    2**32)``, what a JAX key holds (beyond, a seed was the run of another, or overflowed);
    else ``ValueError`` naming ``name``.

    >>> check_seed_range("--seed", 2**32 - 3, count=2)
    4294967293
    >>> check_seed_range("--seed", 2**32 - 3, count=5)
    Traceback (most recent call last):
    ...
    ValueError: --seed 4294967293 with 5 seeds runs past 4294967295, the last seed a key holds
    """
    if not is_int(first) or not 0 <= first < SEED_LIMIT:
        raise ValueError(f"{name} must be a non-negative int below 2**32, got {first!r}")
    if first + count - 1 >= SEED_LIMIT:
        raise ValueError(
            f"{name} {first} with {count} seeds runs past {SEED_LIMIT - 1}, the last seed a "
            "key holds"
        )
    return int(first)


def check_widths(name: str, value) -> tuple:
    """``value`` as a tuple of ints if it is a list or tuple of positive ints (not bools):
    the hidden layer widths of a network (``net_arch``); else ``ValueError`` naming
    ``name``.

    >>> check_widths("DQNConfig.net_arch", [64, 64])
    (64, 64)
    >>> check_widths("DQNConfig.net_arch", 64)
    Traceback (most recent call last):
    ...
    ValueError: DQNConfig.net_arch must be a list of positive ints, got 64
    """
    if isinstance(value, list | tuple) and all(is_int(w) and w >= 1 for w in value):
        return tuple(int(w) for w in value)
    raise ValueError(f"{name} must be a list of positive ints, got {value!r}")


def float_settings(obj):
    """``obj`` with every setting that its class's ``BOUNDS`` declares a (non-integer)
    number and that is given as an int turned into a float, in ``obj`` and in the settings
    objects (``NamedTuple``) it holds. A compiled loop traces float settings and keeps ints
    as structure: ``LMS(1)`` would compile apart from ``LMS(0.5)``, and a sweep of ``LMS(0)``
    alone had no setting to sweep.

    >>> from sensorimotor.rules import IDBD
    >>> float_settings((IDBD(1, 0), 3))
    (IDBD(initial_step_size=1.0, meta_step_size=0.0), 3)
    """
    if type(obj) in (tuple, list):
        return type(obj)(float_settings(item) for item in obj)
    if not (isinstance(obj, tuple) and hasattr(obj, "_fields")):
        return obj
    fields = {f: float_settings(getattr(obj, f)) for f in obj._fields}
    for name, bounds in getattr(type(obj), "BOUNDS", {}).items():
        value = fields.get(name)
        if not bounds[4] and is_int(value) and is_real(value):
            fields[name] = float(value)
    if all(fields[f] is getattr(obj, f) for f in obj._fields):
        return obj
    return obj._replace(**fields)


def check_settings(obj, owner: str | None = None):
    """Return ``obj`` after :func:`check_value` on each setting its class declares in
    ``BOUNDS`` (a class without ``BOUNDS`` declares nothing to check). Messages name
    ``owner.setting``; ``owner`` defaults to the class's name.

    >>> from sensorimotor.rules import IDBD
    >>> check_settings(IDBD(initial_step_size=-0.1))
    Traceback (most recent call last):
    ...
    ValueError: IDBD.initial_step_size must be a finite number in (0, inf), got -0.1
    """
    cls = type(obj)
    owner = cls.__name__ if owner is None else owner
    for name, bounds in getattr(cls, "BOUNDS", {}).items():
        try:
            value = getattr(obj, name)
        except AttributeError:
            raise TypeError(
                f"{cls.__name__}.BOUNDS declares {name!r}, which is not one of its settings"
            ) from None
        check_value(owner, name, value, bounds)
    return obj
