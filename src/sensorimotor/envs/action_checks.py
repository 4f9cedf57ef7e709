"""An action checked against a Gymnasium space before it touches an environment's state."""

import jax
import jax.numpy as jnp
import numpy as np
from gymnasium import spaces

from sensorimotor.base.bounds import is_int


def check_box_action(action, space: spaces.Box, name: str = "action") -> np.ndarray:
    """``action`` as a float64 array clipped to ``space``, or an error naming ``name``.

    A non-numeric, boolean or complex action is a ``TypeError``; a wrong shape, NaN or
    inf a ``ValueError``. A finite action outside the box is clipped to it (as a motor
    saturates); the caller reports what was applied.

    >>> box = spaces.Box(-1.0, 1.0, (2,), np.float32)
    >>> check_box_action([0.5, 3.0], box)
    array([0.5, 1. ])
    >>> check_box_action([0.5, float('nan')], box)
    Traceback (most recent call last):
    ...
    ValueError: action[1] is nan: the action must be finite
    """
    try:
        a = np.asarray(action)
    except Exception as err:  # a ragged list, an object that refuses conversion
        raise TypeError(f"{name} must be a numeric array, got {action!r}") from err
    if a.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a numeric array, got dtype {a.dtype} ({action!r})")
    if a.shape != space.shape:
        raise ValueError(f"{name} must have shape {space.shape}, got {a.shape}")
    a = a.astype(np.float64)
    _check_finite(a, f"{name}[{{}}] is {{}}: the {name} must be finite")
    return np.minimum(np.maximum(a, space.low), space.high)


def real_action(action, owner: str):
    """``action`` as a JAX array of real numbers: a bool or complex one (whose dtype is
    known even under ``jit``) is a ``TypeError`` naming ``owner``'s action, as the
    Gymnasium faces refuse it (a complex action lost its imaginary part silently, and
    ``True`` pushed as 1); so is what JAX cannot make an array of (a string).

    >>> real_action([True, False], "Robot")
    Traceback (most recent call last):
    ...
    TypeError: Robot: action must hold real numbers, got dtype bool
    """
    try:
        action = jnp.asarray(action)
    except TypeError:
        raise TypeError(f"{owner}: action must be an array of numbers, got {action!r}") from None
    if action.dtype.kind in "bc":
        raise TypeError(f"{owner}: action must hold real numbers, got dtype {action.dtype}")
    return action


def check_known_action_finite(action, owner: str, what: str = "action") -> None:
    """Refuse a NaN or inf in a JAX environment's ``action`` when its value is known (an
    eager call): it would pass a clip and make the state NaN from then on. A traced action
    (under ``jit`` or ``vmap``) is not checked: compiled code cannot raise.

    >>> import jax.numpy as jnp
    >>> check_known_action_finite(jnp.array([0.5, jnp.nan]), "Robot", "torques")
    Traceback (most recent call last):
    ...
    ValueError: Robot: action[1] is nan: the torques must be finite
    """
    if not isinstance(action, jax.core.Tracer):
        _check_finite(
            np.asarray(action), f"{owner}: action[{{}}] is {{}}: the {what} must be finite"
        )


def _check_finite(a: np.ndarray, message: str) -> None:
    """A ``ValueError`` with ``message.format(index, value)`` for ``a``'s first NaN or inf."""
    finite = np.isfinite(a)
    if not finite.all():
        i = int(np.flatnonzero(~finite.ravel())[0])
        raise ValueError(message.format(i, a.ravel()[i]))


def check_discrete_action(action, space: spaces.Discrete, name: str = "action") -> int:
    """``action`` as an int in ``space``, or an error naming ``name``.

    An integer (Python, NumPy, or a 0-d integer array) is accepted; a float, a bool, a
    string or an array of another shape is a ``TypeError``, an integer outside
    ``[start, start + n)`` a ``ValueError``.

    >>> check_discrete_action(np.int64(2), spaces.Discrete(3))
    2
    >>> check_discrete_action(3, spaces.Discrete(3))
    Traceback (most recent call last):
    ...
    ValueError: action must be an int in [0, 3), got 3
    """
    a = action
    if isinstance(a, np.ndarray) and a.shape == ():
        a = a[()]
    if not is_int(a):
        raise TypeError(f"{name} must be an int, got {action!r} ({type(action).__name__})")
    lo, hi = int(space.start), int(space.start) + int(space.n)
    if not lo <= a < hi:
        raise ValueError(f"{name} must be an int in [{lo}, {hi}), got {a}")
    return int(a)
