"""The bounds of the rules' settings: a bad step size or decay rate raises at ``init``.

IDBD's ``log(-1)`` is NaN, and the learner would then predict NaN forever; so every rule
checks its settings when its state is made (see :mod:`sensorimotor.base.bounds`).
"""

from __future__ import annotations

from sensorimotor.base.bounds import INF, UNIT, Bounds, check_fields, check_value

BOUNDS = {
    "step_size": Bounds(0.0),
    "initial_step_size": Bounds(0.0, INF, False),
    "meta_step_size": Bounds(0.0),
    "tau": Bounds(0.0, INF, False),
    "kappa": Bounds(0.0, INF, False),
    "forgetting": Bounds(0.0, 1.0, False, True),
    "delta": Bounds(0.0, INF, False),
    "trace_decay": UNIT,
    "decay": Bounds(0.0, 1.0),
    "beta2": Bounds(0.0, 1.0),
    "eps": Bounds(0.0),
}


def check_setting(owner: str, name: str, value):
    """Check one rule setting ``owner.name`` against :data:`BOUNDS`; return ``value``.

    >>> check_setting("obgd", "trace_decay", 1.5)
    Traceback (most recent call last):
    ...
    ValueError: obgd.trace_decay must be a finite number in [0, 1], got 1.5
    """
    return check_value(owner, name, value, BOUNDS[name])


def check_settings(rule):
    """Return ``rule`` after checking each of its fields named in :data:`BOUNDS`.

    >>> from sensorimotor.rules import IDBD
    >>> check_settings(IDBD(initial_step_size=-0.1))
    Traceback (most recent call last):
    ...
    ValueError: IDBD.initial_step_size must be a finite number in (0, inf), got -0.1
    """
    return check_fields(rule, BOUNDS)
