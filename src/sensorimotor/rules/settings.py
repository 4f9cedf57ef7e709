"""Checks of a rule's settings (step sizes, decay rates...): a bad one raises at ``init``.

A negative step size or a NaN decay rate does not fail loudly by itself: IDBD's
``log(-1)`` is NaN and the learner then predicts NaN forever. Every rule therefore checks
its settings when its state is made. The bounds are kept by setting name, so a new rule
whose fields reuse the names is checked with no extra code. Traced values (a setting
swept inside a compiled loop) cannot be checked there; the loops check the concrete
settings before they compile.
"""

from __future__ import annotations

import math

import numpy as np

INF = math.inf

# name: (low, high, low included, high included)
BOUNDS = {
    "step_size": (0.0, INF, True, False),
    "initial_step_size": (0.0, INF, False, False),
    "meta_step_size": (0.0, INF, True, False),
    "tau": (0.0, INF, False, False),
    "kappa": (0.0, INF, False, False),
    "forgetting": (0.0, 1.0, False, True),
    "delta": (0.0, INF, False, False),
    "trace_decay": (0.0, 1.0, True, True),
    "decay": (0.0, 1.0, True, False),
    "beta2": (0.0, 1.0, True, False),
    "eps": (0.0, INF, True, False),
}


def _interval(low, high, low_in, high_in) -> str:
    return f"{'[' if low_in else '('}{low:g}, {high:g}{']' if high_in else ')'}"


def check_setting(owner: str, name: str, value):
    """Return ``value`` if it is a finite number (or array of them) inside the interval
    :data:`BOUNDS` gives for ``name``; else raise ``ValueError`` (``TypeError`` for a
    non-number) naming ``owner.name``. A JAX tracer passes: it is checked where it is
    concrete.

    >>> check_setting("RLS", "forgetting", 1.5)
    Traceback (most recent call last):
    ...
    ValueError: RLS.forgetting must be a finite number in (0, 1], got 1.5
    """
    if isinstance(value, bool | str) or value is None:
        raise TypeError(f"{owner}.{name} must be a number, got {value!r}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        if hasattr(value, "aval"):  # a JAX tracer
            return value
        raise TypeError(f"{owner}.{name} must be a number, got {value!r}") from exc
    low, high, low_in, high_in = BOUNDS[name]
    ok = np.isfinite(arr) & ((arr >= low) if low_in else (arr > low))
    ok &= (arr <= high) if high_in else (arr < high)
    if not bool(np.all(ok)):
        raise ValueError(
            f"{owner}.{name} must be a finite number in "
            f"{_interval(low, high, low_in, high_in)}, got {value!r}"
        )
    return value


def check_settings(rule):
    """Return ``rule`` after :func:`check_setting` on each of its fields named in
    :data:`BOUNDS`.

    >>> from sensorimotor.rules import IDBD
    >>> check_settings(IDBD(initial_step_size=-0.1))
    Traceback (most recent call last):
    ...
    ValueError: IDBD.initial_step_size must be a finite number in (0, inf), got -0.1
    """
    owner = type(rule).__name__
    for name in getattr(rule, "_fields", ()):
        if name in BOUNDS:
            check_setting(owner, name, getattr(rule, name))
    return rule
