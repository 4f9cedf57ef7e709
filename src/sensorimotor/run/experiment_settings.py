"""The settings an experiment file may hold, and how each is checked.

A task (``babbling``, ``continual``, ``adhdp``, ``rl``) declares its settings as a dict
name -> :class:`Setting`. A setting is a plain value (``kind`` ``'int'``, ``'float'``,
``'bool'``, ``'str'``) or a *component*: one of the library's objects named by a string
(``learner = "NNLearner"``) or by a table with its own settings (``rule = {name = "LMS",
step_size = 0.03}``). A component's own settings are checked by making the object, so
each class's checks (``BOUNDS`` and ``check_settings``, a learner's ``cfg`` checks) are
the ones an experiment file meets.

>>> step = Setting("int", 100, bounds=COUNT)
>>> check_plain("steps", step, 0)
Traceback (most recent call last):
...
ValueError: must be an int in [1, inf), got 0
>>> nearest("lerner", ["learner", "explorer", "steps"])
" (did you mean 'learner'?)"
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

from sensorimotor.base.bounds import COUNT, Bounds, check_value, is_int, is_real
from sensorimotor.base.names import nearest

__all__ = [
    "COUNT",
    "Component",
    "Setting",
    "SettingError",
    "Task",
    "check_plain",
    "component_fields",
    "guarded",
    "nearest",
    "normal_component",
    "typed_fields",
]


class SettingError(ValueError):
    """A setting refused by a task's checks: ``key`` names it (a settings key).

    >>> try:
    ...     guarded("steps", int, "ten")
    ... except SettingError as err:
    ...     print(err.key, "|", err)
    steps | invalid literal for int() with base 10: 'ten'
    """

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


class Component(NamedTuple):
    """One object a component setting may name: ``fields`` are the settings its table may
    hold besides ``name``; ``make`` builds it from them (and so checks it), called by the
    task: with the fields as a dict (a ``cfg``, with the task's own entries added), or, for
    a ``NamedTuple`` class, through :func:`typed_fields`.

    >>> from sensorimotor.rules import LMS
    >>> lms = Component(LMS, LMS._fields)
    >>> rule = Setting("component", "LMS", choices={"LMS": lms})
    >>> table = normal_component(rule, {"name": "LMS", "step_size": 0.1})
    >>> typed_fields(lms.make, component_fields(table)).step_size
    0.1
    """

    make: Callable
    fields: tuple


class Setting(NamedTuple):
    """A task's setting: ``kind`` (``'int'``, ``'float'``, ``'bool'``, ``'str'``,
    ``'component'``), ``default`` (``None``: the task's own default), ``bounds`` for
    numbers, ``choices`` (names) for strings and components (name -> :class:`Component`).

    >>> explorer = Setting("str", "goal babbling", choices=("motor babbling", "goal babbling"))
    >>> check_plain("explorer", explorer, "goal bablling")
    Traceback (most recent call last):
    ...
    ValueError: unknown name 'goal bablling' (did you mean 'goal babbling'?) (known: 'motor babbling', 'goal babbling')
    """

    kind: str
    default: Any = None
    bounds: Bounds | None = None
    choices: Any = ()
    help: str = ""


def _type_name(value) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def check_plain(key: str, setting: Setting, value):
    """``value`` if it fits the plain ``setting``; else ``ValueError`` (the caller names the
    key and the file).

    >>> from sensorimotor.base.bounds import UNIT
    >>> gamma = Setting("float", 0.9, bounds=UNIT)
    >>> check_plain("gamma", gamma, 1)  # an int is a number
    1
    >>> check_plain("gamma", gamma, 1.5)
    Traceback (most recent call last):
    ...
    ValueError: must be a finite number in [0, 1], got 1.5
    """
    kind = setting.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false, got {_type_name(value)} {value!r}")
        return value
    if kind == "str":
        if not isinstance(value, str):
            raise ValueError(f"must be a string, got {_type_name(value)} {value!r}")
        if setting.choices and value not in setting.choices:
            raise ValueError(
                f"unknown name {value!r}{nearest(value, setting.choices)} "
                f"(known: {', '.join(map(repr, setting.choices))})"
            )
        return value
    if kind == "int" and not is_int(value):
        raise ValueError(f"must be an int, got {_type_name(value)} {value!r}")
    if kind == "float":
        if not is_real(value):
            raise ValueError(f"must be a number, got {_type_name(value)} {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"must be a finite number, got {value!r}")
    if setting.bounds is not None:
        try:
            check_value("", key, value, setting.bounds)
        except (TypeError, ValueError):
            raise ValueError(f"must be {setting.bounds.describe()}, got {value!r}") from None
    return value


def normal_component(setting: Setting, value) -> dict:
    """A component's value as a table ``{'name': ..., **fields}``, its name and field names
    checked (an unknown one suggests the nearest known).

    >>> from sensorimotor.rules import LMS
    >>> rule = Setting("component", "LMS", choices={"LMS": Component(LMS, LMS._fields)})
    >>> normal_component(rule, "LMS")
    {'name': 'LMS'}
    >>> normal_component(rule, {"name": "LMS", "stepsize": 0.1})
    Traceback (most recent call last):
    ...
    ValueError: LMS has no setting 'stepsize' (did you mean 'step_size'?) (known: step_size)
    """
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict):
        raise ValueError(f"must be a name or a table with a name, got {_type_name(value)}")
    name = value.get("name")
    if not isinstance(name, str):
        raise ValueError(f"needs a name (a string), got {name!r}")
    if name not in setting.choices:
        raise ValueError(
            f"unknown name {name!r}{nearest(name, setting.choices)} "
            f"(known: {', '.join(map(repr, setting.choices))})"
        )
    fields = setting.choices[name].fields
    for field, v in value.items():
        if field == "name":
            continue
        if field not in fields:
            raise ValueError(
                f"{name} has no setting {field!r}{nearest(field, fields)} "
                f"(known: {', '.join(fields) or 'none'})"
            )
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"{name}.{field} must be a finite number, got {v!r}")
    return dict(value)


def typed_fields(cls, fields: dict, name: str | None = None):
    """``cls(**fields)`` for a ``NamedTuple`` class whose defaults give each field's type
    (a float field takes an int), checked by ``check_settings`` if the class has ``BOUNDS``;
    errors say ``name`` (default the class's name: the component's name in the file).

    >>> from sensorimotor.rules import LMS
    >>> typed_fields(LMS, {"step_size": "big"})
    Traceback (most recent call last):
    ...
    ValueError: LMS.step_size must be a number, got a string 'big'
    """
    from sensorimotor.base.bounds import check_settings

    name = name or cls.__name__
    defaults = cls._field_defaults
    for field, value in fields.items():
        default = defaults.get(field)
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int):
            ok = is_int(value)
        elif isinstance(default, float):
            ok = is_real(value)
        elif isinstance(default, str):
            ok = isinstance(value, str)
        else:
            ok = True
        if not ok:
            want = {bool: "true or false", int: "an int", float: "a number", str: "a string"}
            raise ValueError(
                f"{name}.{field} must be {want[type(default)]}, got {_type_name(value)} {value!r}"
            )
    try:
        obj = cls(**fields)
    except TypeError as exc:
        raise ValueError(f"{name}: {exc}") from None
    return check_settings(obj)


class Task(NamedTuple):
    """A task an experiment file may name: ``settings()`` its settings (name -> Setting),
    ``check(settings)`` the checks that need several settings or make objects
    (``SettingError`` naming the key), ``run(settings, seed, folder) -> (metrics, curves)``
    one trial. ``batched``: trials with the same ``group_key(settings)`` run together
    through ``run_batch(items)``.

    The tasks an experiment file may name are in ``experiment_tasks.TASKS``:

    >>> from sensorimotor.run.experiment_tasks import TASKS, defaults
    >>> task = TASKS["continual"]
    >>> sorted(task.settings()), task.batched
    (['bias', 'blocks', 'final_blocks', 'rule', 'steps', 'stream'], True)
    >>> task.check({**defaults("continual"), "steps": 10, "blocks": 3})
    Traceback (most recent call last):
    ...
    sensorimotor.run.experiment_settings.SettingError: must divide steps (10), got 3
    """

    settings: Callable
    check: Callable
    run: Callable | None = None
    batched: bool = False
    run_batch: Callable | None = None
    group_key: Callable | None = None


def component_fields(component: dict) -> dict:
    """A component table's own settings (all but its ``name``).

    >>> component_fields({"name": "LMS", "step_size": 0.1})
    {'step_size': 0.1}
    """
    return {k: v for k, v in component.items() if k != "name"}


def guarded(key: str, make: Callable, *args):
    """``make(*args)``, its ``ValueError``, ``TypeError`` or ``KeyError`` raised again as a
    ``SettingError`` naming ``key``.

    >>> guarded("steps", int, "ten")
    Traceback (most recent call last):
    ...
    sensorimotor.run.experiment_settings.SettingError: invalid literal for int() with base 10: 'ten'
    """
    try:
        return make(*args)
    except SettingError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        raise SettingError(key, str(message)) from None
