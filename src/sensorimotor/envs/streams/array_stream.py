"""Streams over a user's own recorded arrays: the rows in order, one per step.

:class:`ArrayStream` (supervised: ``x`` of shape ``(T, feature_dim)``, ``y`` of shape
``(T,)`` or ``(T, k)``) and :class:`ArrayTDStream` (temporal difference: a series of
``T + 1`` observations, the ``T`` cumulants and discounts of the transitions between
them) have the streams' protocol (``init(key)``, ``step(state, key)``, ``feature_dim``),
so the compiled loops and a Python loop run learners over them as over the synthetic
streams. The key is ignored: the data are the stream, so every seed of a batched loop or
a sweep sees the same rows (the seeds then differ only where the learner draws, e.g. an
MLP's initial weights).

The data are checked once, when the stream is made (a ``TypeError`` or ``ValueError``
naming the argument: not an array of real numbers, a wrong number of axes, no rows,
lengths that do not match, NaN or inf, a value whose square would overflow), and kept as
JAX arrays (a copy) in JAX's precision: float64 data are float32 unless JAX's float64
switch is on, integers become JAX's default float and half-precision floats float32.

End of the data: a compiled loop refuses, before it compiles, to run more steps than the
stream holds (``len(stream)``); a Python loop's ``step`` past the last row raises
``IndexError``; under the user's own ``jit``/``scan``, where nothing can raise, a row past
the end is NaN. With ``cycle=True`` the stream goes round the data again, endlessly.

The classes are pytrees (the arrays are leaves, ``cycle`` is structure), not
NamedTuples: JAX rebuilds a NamedTuple through its constructor, with tracers or
placeholders as fields, which the checks of the data would refuse.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.base.bounds import where_not_finite
from sensorimotor.envs.streams.td_time_step import TDTimeStep
from sensorimotor.envs.streams.time_step import TimeStep
from sensorimotor.rules.array_namespace import default_float

__all__ = ["ArrayStream", "ArrayStreamState", "ArrayTDStream"]


class ArrayStreamState(NamedTuple):
    """The row the next step yields (int32 scalar; it wraps to 0 with ``cycle=True``).

    Example:
        >>> import numpy as np
        >>> stream = ArrayStream(np.eye(3), np.arange(3.0))
        >>> state, ts = stream.step(stream.init())
        >>> print(int(state.index), float(ts.y))
        1 0.0
    """

    index: Any


def _data(owner: str, name: str, value, ndims: tuple, shape: str):
    """``value`` as a JAX float array after the checks of the module docstring; errors
    say ``owner: name ...`` and the ``shape`` expected (e.g. ``"(T, feature_dim)"``)."""
    if isinstance(value, jax.core.Tracer):
        raise TypeError(
            f"{owner}: {name} is a traced value: make the stream outside jit/vmap from "
            "concrete arrays, and pass the stream in"
        )
    if value is None or isinstance(value, str | bytes | bool | dict | set):
        raise TypeError(f"{owner}: {name} must be an array of shape {shape}, got {value!r}")
    try:
        a = np.asarray(value)
    except (TypeError, ValueError) as err:  # a ragged list, an object refusing conversion
        raise TypeError(
            f"{owner}: {name} must be an array of shape {shape}, got {type(value).__name__}"
        ) from err
    integer = a.dtype.kind in "iu"
    if not (integer or jnp.issubdtype(a.dtype, jnp.floating)):
        raise TypeError(f"{owner}: {name} must hold real numbers, got dtype {a.dtype}")
    if a.ndim not in ndims:
        hint = f" (one feature: {name}[:, None])" if ndims == (2,) and a.ndim == 1 else ""
        raise ValueError(f"{owner}: {name} must have shape {shape}, got shape {a.shape}{hint}")
    if a.size == 0:
        raise ValueError(f"{owner}: {name} is empty (shape {a.shape}): there is nothing to learn")
    if not integer and not np.all(np.isfinite(a)):
        raise ValueError(f"{owner}: {name} contains NaN or inf{where_not_finite(a)}")
    dtype = default_float(jnp) if integer else jnp.promote_types(a.dtype, jnp.float32)
    dtype = jax.dtypes.canonicalize_dtype(dtype)  # float64 is float32 unless x64 is on
    # a row too large for a learner (its squared norm overflows), or for the dtype itself
    limit = math.sqrt(float(jnp.finfo(dtype).max) / max(math.prod(a.shape[1:]), 1))
    biggest = float(np.max(np.abs(a.astype(np.float64) if integer else a)))
    if biggest > limit:
        why = " (float64 data are float32 unless JAX's float64 switch is on)"
        raise ValueError(
            f"{owner}: {name} is too large to learn from in {dtype.name}: |{name}| reaches "
            f"{biggest:.3g}, above {limit:.3g} (the square of a row overflows)"
            + (why if a.dtype == np.float64 and dtype != np.float64 else "")
        )
    return jnp.array(a, dtype=dtype)  # a copy: changing value later changes nothing here


def _check_length(owner: str, name: str, a, length: int, what: str):
    if a.shape[0] != length:
        raise ValueError(f"{owner}: {name} has {a.shape[0]} rows, expected {length} ({what})")


class _ArrayData:
    """What the array streams share: frozen fields, the pytree, length, index, end."""

    __slots__ = ()
    _DATA: tuple = ()  # the names of the array fields, the pytree's leaves
    _STEPS: str = ""  # the array field with one entry per step

    def _set(self, cycle, **data):
        if not isinstance(cycle, bool | np.bool_):
            raise TypeError(f"{type(self).__name__}: cycle must be a bool, got {cycle!r}")
        for name, value in data.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "cycle", bool(cycle))

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is frozen: make a new one")

    def tree_flatten(self):
        return tuple(getattr(self, n) for n in self._DATA), (self.cycle,)

    def tree_flatten_with_keys(self):
        keys = tuple((jax.tree_util.GetAttrKey(n), getattr(self, n)) for n in self._DATA)
        return keys, (self.cycle,)

    @classmethod
    def tree_unflatten(cls, aux, children):
        obj = object.__new__(cls)  # no checks: the leaves may be tracers or placeholders
        for name, value in zip(cls._DATA, children, strict=True):
            object.__setattr__(obj, name, value)
        object.__setattr__(obj, "cycle", aux[0])
        return obj

    def __repr__(self):
        def spec(a):
            return f"{a.dtype}{list(a.shape)}" if hasattr(a, "shape") else repr(a)

        fields = ", ".join(f"{n}={spec(getattr(self, n))}" for n in self._DATA)
        return f"{type(self).__name__}({fields}, cycle={self.cycle})"

    def __len__(self) -> int:
        """The number of steps the data hold, before ``cycle`` goes round again."""
        return int(getattr(self, self._STEPS).shape[0])

    def init(self, key=None) -> ArrayStreamState:
        """Start at the first row (``key`` is ignored)."""
        return ArrayStreamState(jnp.zeros((), jnp.int32))

    def check_num_steps(self, num_steps: int) -> None:
        """Refuse ``num_steps`` beyond the data unless ``cycle``: a compiled loop calls it
        before it compiles."""
        if not self.cycle and num_steps > len(self):
            raise ValueError(
                f"num_steps={num_steps} runs past the end of the data: the "
                f"{type(self).__name__} holds {len(self)} steps; run at most len(stream) "
                "steps, or make it with cycle=True to go round the data again"
            )

    def _advance(self, state):
        """``(next_state, i)``: the row ``i`` of this step; past the end (without
        ``cycle``) an eager call raises ``IndexError``."""
        i, n = state.index, len(self)
        if not isinstance(i, jax.core.Tracer) and not 0 <= int(i) < n:
            raise IndexError(
                f"{type(self).__name__}: step at row {int(i)}, past the end of the data "
                f"({n} steps); make it with cycle=True to go round the data again"
            )
        i = jnp.asarray(i, jnp.int32)
        nxt = jnp.where(i + 1 == n, 0, i + 1) if self.cycle else i + 1
        return ArrayStreamState(nxt), i


def _row(a, i):
    """Row ``i`` of ``a``, NaN past the end (the eager path raised before)."""
    return jnp.take(a, i, axis=0, mode="fill", fill_value=jnp.nan)


@jax.tree_util.register_pytree_with_keys_class
class ArrayStream(_ArrayData):
    r"""A supervised stream over recorded arrays: step :math:`t` yields row :math:`t`,
    :math:`(x_t, y_t)`, for :math:`t = 0, \dots, T-1` (and :math:`(x_{t \bmod T},
    y_{t \bmod T})` for ever with ``cycle=True``).

    Args:
        x: inputs, shape ``(T, feature_dim)`` (one feature: ``x[:, None]``).
        y: targets, shape ``(T,)`` (a scalar per step, what ``LinearLearner`` and
            ``MLPLearner`` learn) or ``(T, k)`` (a vector, for a learner of ``k``
            outputs; the built-in ones learn one column: ``ArrayStream(x, y[:, j])``).
        cycle: go round the data again after the last row, instead of ending there.

    A compiled loop (``run_learning_loop``, its batched forms and sweeps,
    ``run_mlp_learning_loop``) takes at most ``len(stream)`` steps without ``cycle``;
    every seed sees the same rows; each run starts at row 0 (to go on from row ``k``
    with a learned state: ``ArrayStream(x[k:], y[k:])`` and ``state=``). The module
    docstring says how the data are checked and stored.

    Example (IDBD on 4000 recorded samples of a noisy linear target):
        >>> import jax, numpy as np
        >>> from sensorimotor.continual import IDBD, LinearLearner, run_learning_loop
        >>> rng = np.random.default_rng(0)
        >>> x = rng.normal(size=(4000, 3))
        >>> y = x @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=4000)
        >>> stream = ArrayStream(x, y)
        >>> out = run_learning_loop(LinearLearner(IDBD(0.01, 0.01)), stream, len(stream),
        ...                         jax.random.key(0), trace_interval=1000)
        >>> mse = np.asarray(out.trace.squared_error)  # the mean per block of 1000 rows
        >>> print(np.round(mse, 3))
        [0.241 0.01  0.011 0.009]
        >>> run_learning_loop(LinearLearner(IDBD()), stream, 5000, jax.random.key(0))
        Traceback (most recent call last):
        ...
        ValueError: num_steps=5000 runs past the end of the data: the ArrayStream holds 4000 steps; run at most len(stream) steps, or make it with cycle=True to go round the data again
    """

    __slots__ = ("x", "y", "cycle")
    _DATA = ("x", "y")
    _STEPS = "y"

    def __init__(self, x, y, *, cycle: bool = False):
        owner = "ArrayStream"
        x = _data(owner, "x", x, (2,), "(T, feature_dim)")
        y = _data(owner, "y", y, (1, 2), "(T,) or (T, k)")
        _check_length(owner, "y", y, x.shape[0], "one target per row of x")
        self._set(cycle, x=x, y=y)

    @property
    def feature_dim(self) -> int:
        """The number of columns of ``x``."""
        return int(self.x.shape[1])

    def step(self, state: ArrayStreamState, key=None):
        """``(state, TimeStep(x[i], y[i]))`` for the row ``i = state.index`` (``key`` is
        ignored)."""
        state, i = self._advance(state)
        return state, TimeStep(_row(self.x, i), _row(self.y, i))


@jax.tree_util.register_pytree_with_keys_class
class ArrayTDStream(_ArrayData):
    r"""A TD stream over a recorded series: step :math:`t` yields the transition
    :math:`o_t \to o_{t+1}` with its cumulant :math:`c_t` and discount
    :math:`\gamma_t`, for :math:`t = 0, \dots, T-1`: ``TDTimeStep(x=observations[t],
    reward=cumulants[t], next_x=observations[t + 1], gamma=discount[t])``, whose TD
    error is :math:`\delta_t = c_t + \gamma_t v(o_{t+1}) - v(o_t)`.

    Args:
        observations: the features of ``T + 1`` successive states, shape
            ``(T + 1, feature_dim)``.
        cumulants: what each of the ``T`` transitions yields (its reward), shape ``(T,)``.
        discount: a number in ``[0, 1]``, or one per transition, shape ``(T,)``: 0 where
            an episode ends (then ``observations[t + 1]``, the next episode's first
            state, does not enter the target).
        cycle: go round the transitions again after the last one. The transition from
            the last observation back to the first is not one of them; a TD(lambda)
            trace is carried across the wrap unless ``discount[-1]`` is 0.

    Example (the TD(0) value of a series whose cumulant is 1 at every step: 1/(1-0.9)):
        >>> import jax, numpy as np
        >>> from sensorimotor.continual import TDIDBD, TDLinearLearner, run_td_learning_loop
        >>> stream = ArrayTDStream(np.ones((2001, 1)), np.ones(2000), 0.9)
        >>> learner = TDLinearLearner(TDIDBD(0.1, 0.0))
        >>> out = run_td_learning_loop(learner, stream, len(stream), jax.random.key(0),
        ...                            trace_interval=500)
        >>> print(np.round(np.asarray(out.state.weights), 3))
        [10.]
        >>> print(np.round(np.asarray(out.trace.squared_td_error), 3))  # per block of 500
        [0.1 0.  0.  0. ]
    """

    __slots__ = ("observations", "cumulants", "discount", "cycle")
    _DATA = ("observations", "cumulants", "discount")
    _STEPS = "cumulants"

    def __init__(self, observations, cumulants, discount, *, cycle: bool = False):
        owner = "ArrayTDStream"
        obs = _data(owner, "observations", observations, (2,), "(T + 1, feature_dim)")
        if obs.shape[0] < 2:
            raise ValueError(
                f"{owner}: observations has {obs.shape[0]} row, at least 2 are needed "
                "(T + 1 observations make T transitions)"
            )
        num = obs.shape[0] - 1
        c = _data(owner, "cumulants", cumulants, (1,), "(T,)")
        _check_length(owner, "cumulants", c, num, "one per transition: len(observations) - 1")
        g = _data(owner, "discount", discount, (0, 1), "() or (T,)")
        if g.ndim:
            _check_length(owner, "discount", g, num, "one per transition: len(observations) - 1")
        if not bool(jnp.all((g >= 0) & (g <= 1))):
            raise ValueError(f"{owner}: discount must be in [0, 1], got {np.asarray(g)}")
        self._set(cycle, observations=obs, cumulants=c, discount=jnp.broadcast_to(g, (num,)))

    @property
    def feature_dim(self) -> int:
        """The number of columns of ``observations``."""
        return int(self.observations.shape[1])

    def step(self, state: ArrayStreamState, key=None):
        """``(state, TDTimeStep)`` of the transition ``i = state.index`` (``key`` is
        ignored)."""
        state, i = self._advance(state)
        obs = self.observations
        return state, TDTimeStep(
            _row(obs, i), _row(self.cumulants, i), _row(obs, i + 1), _row(self.discount, i)
        )
