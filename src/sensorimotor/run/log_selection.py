"""The part of a log to read: the arguments ``read_log`` and ``read_episodes`` share, checked
before the file is opened."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sensorimotor.base.bounds import is_int


def check_rows(rows, argument: str = "rows") -> slice:
    """``rows`` as a ``slice`` of records (``None``: all of them), or a ``TypeError`` /
    ``ValueError`` naming ``argument``. Start and stop follow Python's slicing (negative
    counts from the end, beyond the end is cut to it); the step, if given, is a positive
    int (every step-th record; a reversed read is refused, reverse what was read).

    >>> check_rows(slice(-100, None)), check_rows(None)
    (slice(-100, None, None), slice(None, None, None))
    >>> check_rows(5)
    Traceback (most recent call last):
    ...
    TypeError: rows must be a slice such as slice(1000, 2000) (or None: all), got int 5
    >>> check_rows(slice(None, None, -1))
    Traceback (most recent call last):
    ...
    ValueError: rows: the slice's step must be a positive int (or None), got -1
    """
    if rows is None:
        return slice(None)
    if not isinstance(rows, slice):
        raise TypeError(
            f"{argument} must be a slice such as slice(1000, 2000) (or None: all), "
            f"got {type(rows).__name__} {rows!r:.60}"
        )
    for part in ("start", "stop"):
        value = getattr(rows, part)
        if value is not None and not is_int(value):
            raise TypeError(
                f"{argument}: the slice's {part} must be an int (or None), "
                f"got {type(value).__name__} {value!r:.60}"
            )
    step = rows.step
    if step is not None and (not is_int(step) or step < 1):
        raise ValueError(
            f"{argument}: the slice's step must be a positive int (or None), got {step!r:.60}"
        )
    return rows


def check_names(names, argument: str) -> list[str] | None:
    """``names`` as a list of distinct names (``None``: all), or a ``TypeError`` /
    ``ValueError`` naming ``argument``: a list or tuple of strings, not one string (whose
    letters would be taken as names).

    >>> check_names(('x', 'y'), 'channels'), check_names(None, 'channels')
    (['x', 'y'], None)
    >>> check_names('x', 'channels')
    Traceback (most recent call last):
    ...
    TypeError: channels must be a list of names, got the str 'x' (write ['x'])
    """
    if names is None:
        return None
    if isinstance(names, str | bytes):
        raise TypeError(
            f"{argument} must be a list of names, got the str {names!r:.60} (write [{names!r:.60}])"
        )
    if not isinstance(names, Iterable):
        raise TypeError(
            f"{argument} must be a list of names, got {type(names).__name__} {names!r:.60}"
        )
    names = list(names)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(
                f"{argument} must be names (str), got {type(name).__name__} {name!r:.60}"
            )
    twice = sorted(name for name, count in Counter(names).items() if count > 1)
    if twice:
        raise ValueError(f"{argument} names {twice} more than once")
    return names
