"""Action momentum (HDPy's ``Momentum``, ``ConstMomentum``, ``RadialMomentum``) and the
schedules that let a setting be a constant or a function of ``(episode, step)``."""

from __future__ import annotations

import inspect
import math

import numpy as np

from sensorimotor.base.bounds import UNIT, check_value

TWO_PI = 2.0 * math.pi


def _takes_step_only(function, name: str) -> bool:
    """Whether ``function`` takes one argument (HDPy's function of the time) rather than
    ``(episode, step)``; a ``TypeError`` naming ``name`` if it takes neither. A function
    whose signature cannot be read (a builtin) is taken to take ``(episode, step)``."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return False
    for args, one in (((0, 0), False), ((0,), True)):
        try:
            signature.bind(*args)
            return one
        except TypeError:
            pass
    raise TypeError(
        f"{name}: a function must take (episode, step), or the step alone as HDPy's "
        f"function of the time does; got one of signature {signature}"
    )


class Schedule:
    """A setting that is a constant or a function of ``(episode, step)``.

    ``Schedule(0.9)(3, 10)`` is 0.9; ``Schedule(f)(episode, step)`` is ``f(episode,
    step)``. A function of one argument is HDPy's form, a function of the time since the
    episode started: it is called with the step, ``f(step)``. A constant is checked
    against ``bounds`` when made, a function's arguments too (one that takes neither
    ``(episode, step)`` nor ``(step)`` is a ``TypeError`` then, not at the first step),
    and its value at each call (a ``ValueError`` naming ``name``).

    >>> print(Schedule(lambda episode, step: 1.0 / episode, "alpha")(4, 0))
    0.25
    >>> print(Schedule(lambda t: 0.5**t, "alpha")(4, 2))  # HDPy's f(time): the step
    0.25
    """

    def __init__(self, value, name: str, bounds=None, owner: str = "ActorCritic"):
        self.name, self.bounds, self.owner = name, bounds, owner
        self.function = value if callable(value) else None
        self.value = None if callable(value) else self._check(value)
        self.of_step_only = callable(value) and _takes_step_only(value, name)

    def _check(self, value) -> float:
        if self.bounds is not None:
            return float(check_value(self.owner, self.name, value, self.bounds))
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise TypeError(f"{self.name} must be a number or a function, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"{self.name} must be finite, got {value}")
        return float(value)

    def __call__(self, episode: int, step: int) -> float:
        if self.function is None:
            return self.value
        if self.of_step_only:
            return self._check(self.function(step))
        return self._check(self.function(episode, step))

    def __repr__(self) -> str:
        return repr(self.function if self.function is not None else self.value)


class Momentum:
    r"""An action momentum: the next action from the current one and a proposal.

    .. math::  a_{t+1} = m\, a_t + (1 - m)\, a^*

    ``m = 0`` follows the proposal, ``m = 1`` keeps the action. ``__call__(a_curr, a_prop,
    episode, step)`` returns the next action; ``m`` may be a function of ``(episode,
    step)`` (see :class:`Schedule`). Subclasses redefine :meth:`combine`.

    >>> print(Momentum(0.25)(np.array([0.0]), np.array([1.0]), 1, 1))
    [0.75]
    """

    def __init__(self, value=0.0):
        # the class named, not ActorCritic: RadialMomentum(1.5) is made by the user
        self.momentum = Schedule(value, "momentum", UNIT, owner=type(self).__name__)

    def __call__(self, a_curr, a_prop, episode: int = 0, step: int = 0):
        return self.combine(a_curr, a_prop, self.momentum(episode, step))

    def combine(self, a_curr, a_prop, m: float):
        return m * a_curr + (1.0 - m) * a_prop

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.momentum!r})"


class ConstMomentum(Momentum):
    """HDPy's linear momentum with a constant ``value`` in ``[0, 1]`` (see :class:`Momentum`).

    >>> print(ConstMomentum(0.5)(np.array([2.0]), np.array([4.0])))
    [3.]
    """

    def __init__(self, value: float):
        if callable(value):
            raise TypeError("ConstMomentum takes a number; use Momentum for a schedule")
        super().__init__(value)


class RadialMomentum(Momentum):
    r"""Momentum on angles (radians): the point a fraction ``1 - m`` of the way from
    ``a_curr`` to ``a_prop`` along the shorter arc, in ``[0, 2 pi)``.

    .. math::  a_{t+1} = \big(a_t + (1 - m)\, \mathrm{wrap}(a^* - a_t)\big) \bmod 2\pi,
               \quad \mathrm{wrap}(d) \in [-\pi, \pi)

    HDPy documents "the (smaller) intermediate angle ... with respect to the momentum";
    its code takes the angle of the weighted mean of the two unit vectors, which agrees
    with the arc at ``m`` = 0, 1/2 and 1 only (``m`` = 0.3 across a gap of 3 rad: 2.10
    here, 2.90 there). The arc is used here so that ``m`` is the share of the turn kept,
    as it is for :class:`Momentum`.

    >>> print(RadialMomentum(0.5)(np.array([6.0]), np.array([0.5])).round(4))  # across 0
    [0.1084]
    """

    def combine(self, a_curr, a_prop, m: float):
        d = (a_prop - a_curr + math.pi) % TWO_PI - math.pi
        return (a_curr + (1.0 - m) * d) % TWO_PI


def as_momentum(value) -> Momentum:
    """A :class:`Momentum` from a number, a function of ``(episode, step)`` or a
    ``Momentum`` (kept).

    >>> as_momentum(0.3)
    Momentum(0.3)
    """
    return value if isinstance(value, Momentum) else Momentum(value)


__all__ = ["Schedule", "Momentum", "ConstMomentum", "RadialMomentum", "as_momentum"]
