"""Input checks shared by the linear learners (cheap on the per-sample NumPy path)."""

from __future__ import annotations

import math

import numpy as np

from sensorimotor.base.bounds import is_int

# scalar types that need no check on the per-sample path (a NaN is caught by the guard's
# look at the error); anything else goes through check_finite_scalar
PLAIN_SCALARS = frozenset({float, np.float64, np.float32})


def is_traced(a) -> bool:
    """True if ``a`` is a JAX tracer (inside ``jit``/``scan``/``vmap``): no value checks."""
    if not type(a).__module__.startswith("jax"):
        return False
    import jax

    return isinstance(a, jax.core.Tracer)


def is_float_dtype(dtype) -> bool:
    """Whether ``dtype`` is a floating dtype: NumPy's, or one of JAX's own (``bfloat16``,
    whose NumPy kind is ``'V'``).

    >>> import jax.numpy as jnp
    >>> is_float_dtype(np.float32), is_float_dtype(jnp.bfloat16), is_float_dtype(np.int32)
    (True, True, False)
    """
    kind = np.dtype(dtype).kind
    if kind == "V":  # ml_dtypes' floats: ask JAX, which defines them
        import jax.numpy as jnp

        return bool(jnp.issubdtype(dtype, jnp.floating))
    return kind == "f"


def check_float_dtype(dtype):
    """``dtype`` if it is a floating dtype; else ``TypeError`` naming it (an int state
    held its step sizes as log(0) = -inf and never learned).

    >>> check_float_dtype(np.int32)
    Traceback (most recent call last):
    ...
    TypeError: dtype must be a floating dtype (float32, float64, bfloat16, ...), got int32
    """
    if not is_float_dtype(dtype):
        raise TypeError(
            "dtype must be a floating dtype (float32, float64, bfloat16, ...), got "
            f"{np.dtype(dtype).name}"
        )
    return dtype


def check_vector(name: str, x, n: int):
    """Raise unless ``x`` is a real (float or int) array of shape ``(n,)``; return its
    namespace."""
    get = getattr(x, "__array_namespace__", None)
    if get is None:
        raise TypeError(f"{name} must be an array of shape ({n},), got {type(x).__name__}")
    if x.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {x.shape}")
    if x.dtype.kind not in "iu" and not is_float_dtype(x.dtype):
        raise TypeError(f"{name} must hold real numbers, got dtype {x.dtype}")
    return get()


def check_finite_vector(name: str, x) -> None:
    """Raise ``ValueError`` if a concrete array ``x`` holds NaN or inf."""
    if not is_traced(x) and not bool(np.all(np.isfinite(np.asarray(x)))):
        raise ValueError(f"{name} contains NaN or inf: {np.asarray(x)}")


def any_traced(*values) -> bool:
    """True if any of ``values`` is a JAX tracer: the call is being traced (``jit``,
    ``vmap``, ``scan``), so values cannot be checked, only shapes and dtypes. One traced
    argument is enough: under ``vmap`` a closed-over ``x`` stays concrete while the state
    or the discount is traced."""
    return any(is_traced(v) for v in values)


def like_state(state_w, x, name="x"):
    """``x`` on the engine of the state ``state_w`` if it is a concrete array of the other
    one: NumPy for a NumPy state (a JAX ``x`` made it JAX), JAX, in the state's dtype, for
    a JAX state, concrete or traced (a NumPy ``x`` made it NumPy, and a traced state then
    took the NumPy path). A NumPy ``x`` of another real dtype is cast to a NumPy state's
    dtype: a float64 ``x`` (NumPy's default) made a float32 state float64. A value that
    the cast makes inf raises, naming ``name``.

    >>> like_state(np.zeros(2, np.float32), np.array([0.5, 2.0])).dtype
    dtype('float32')
    >>> like_state(np.zeros(2, np.float32), np.array([1e39, 0.0]))
    Traceback (most recent call last):
    ...
    ValueError: x is too large to learn from in float32: |x| reaches 1e+39, above 1.3e+19 (its square overflows)
    """
    if type(x) is np.ndarray:
        if type(state_w) is np.ndarray:
            if x.dtype is state_w.dtype or x.dtype.kind not in "fiu":
                return x
            return _cast(name, x, state_w.dtype)
        if x.dtype.kind not in "fiu":
            return x
        get = getattr(state_w, "__array_namespace__", None)
        return x if get is None else get().asarray(x, dtype=state_w.dtype)
    if type(state_w) is np.ndarray and not is_traced(x) and hasattr(x, "__array_namespace__"):
        return like_state(state_w, np.asarray(x), name)
    return like_dtype(x, state_w.dtype)


def like_dtype(v, dtype):
    """``v`` in ``dtype`` if it is a JAX array (concrete or traced) of another real dtype;
    else ``v``. With JAX's float64 switch on, a float64 sample made a float32 JAX state
    float64 (and a compiled loop over a float32 state failed: its carry changed dtype).
    Python numbers are weakly typed: they take the state's dtype by themselves.

    >>> import jax.numpy as jnp
    >>> like_dtype(jnp.ones(2, jnp.int32), jnp.float32).dtype, like_dtype(0.5, jnp.float32)
    (dtype('float32'), 0.5)
    """
    d = getattr(v, "dtype", None)
    if d is None or d == dtype or type(v) is np.ndarray or d.kind not in "fiu":
        return v
    return v.astype(dtype)


def _cast(name: str, x, dtype):
    """``x`` in ``dtype``; a value the cast overflows (or a NaN or inf already there)
    raises naming ``name``, as it would have in ``x``'s own dtype."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = x.astype(dtype)
    if not np.all(np.isfinite(out)):
        check_finite_vector(name, x)
        check_magnitude(name, x, dtype)
    return out


def check_finite_scalar(name: str, y) -> None:
    """Raise ``ValueError``/``TypeError`` unless a concrete ``y`` is a finite real scalar."""
    if is_traced(y):
        return
    if isinstance(y, str | bytes | bool | np.bool_ | complex) or (
        getattr(getattr(y, "dtype", None), "kind", "f") not in "fiu"
    ):
        raise TypeError(f"{name} must be a real scalar, got {y!r}")
    try:
        v = float(y)
    except OverflowError:  # a Python int beyond float64
        raise ValueError(
            f"{name} is too large for a float: an int of {len(str(y))} digits"
        ) from None
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real scalar, got {y!r}") from None
    if getattr(y, "ndim", 0) != 0:
        raise ValueError(f"{name} must be a scalar, got shape {y.shape}")
    if not math.isfinite(v):
        raise ValueError(f"{name} is not finite: {v}")


def eager_scalar(name: str, value):
    """A scalar for the NumPy engine: ``value`` itself if it is a Python float, else checked
    (:func:`check_finite_scalar`) and made a Python float, so that a JAX or NumPy value
    cannot change the state's engine or precision (a NumPy float64 scalar, such as
    ``ys[t]`` of a float64 array, made a float32 state float64; a Python float does not).

    >>> import jax.numpy as jnp
    >>> eager_scalar("y", jnp.asarray(1.5)), eager_scalar("y", 2), eager_scalar("y", np.float64(3))
    (1.5, 2.0, 3.0)
    """
    if type(value) is float:
        return value
    if type(value) in PLAIN_SCALARS:  # a NaN is caught by the guard's look at the error
        return float(value)
    check_finite_scalar(name, value)
    return float(value)


def _float_info(dtype):
    """``(finfo, name)`` of a floating dtype, NumPy's or one of ml_dtypes' (bfloat16)."""
    try:
        return np.finfo(dtype), np.dtype(dtype).name
    except (TypeError, ValueError):  # bfloat16 and the other ml_dtypes
        import jax.numpy as jnp

        return jnp.finfo(dtype), jnp.dtype(dtype).name


def check_magnitude(name: str, v, dtype) -> None:
    """Raise ``ValueError`` if a concrete ``v`` is so large that its squared norm may
    overflow ``dtype``: no rule learns from it (the squared error, ``x * x`` terms, a
    normaliser's variance overflow), so it is refused rather than taken for a divergence."""
    if is_traced(v):
        return
    info, dtype_name = _float_info(dtype)
    v = np.asarray(v, dtype=np.float64)
    limit = math.sqrt(float(info.max) / max(v.size, 1))
    biggest = float(np.max(np.abs(v)))
    if biggest > limit:
        raise ValueError(
            f"{name} is too large to learn from in {dtype_name}: |{name}| reaches "
            f"{biggest:.3g}, above {limit:.3g} (its square overflows)"
        )


def check_feature_dim(feature_dim) -> int:
    """``feature_dim`` as an int if it is a positive int (not a bool, a float or a string).

    >>> check_feature_dim("3")
    Traceback (most recent call last):
    ...
    TypeError: feature_dim must be a positive int, got '3'
    """
    if not is_int(feature_dim):
        raise TypeError(f"feature_dim must be a positive int, got {feature_dim!r}")
    if feature_dim < 1 or feature_dim > 2**31 - 1:
        raise ValueError(f"feature_dim must be a positive int, got {feature_dim!r}")
    return int(feature_dim)


def check_rule(optimizer, update: str, kind: str) -> None:
    """Raise ``TypeError`` unless ``optimizer`` is a rule with the method ``update`` (a
    supervised rule has ``update_from_error``, a TD rule ``update_from_td_error``)."""
    if not hasattr(optimizer, update):
        raise TypeError(
            f"optimizer must be a {kind} rule with {update}, got {type(optimizer).__name__}"
        )


def configured_step_size(rule) -> float | None:
    """The step size ``rule`` was configured with (the largest, for a vector; a
    meta-learning rule's initial one), or ``None`` for a rule without one or with a traced
    one (a swept step size, checked where it is made).

    >>> from sensorimotor.rules import IDBD
    >>> configured_step_size(IDBD(0.05))
    0.05
    """
    step = getattr(rule, "initial_step_size", getattr(rule, "step_size", None))
    if step is None or is_traced(step):
        return None
    return float(np.max(np.asarray(step, dtype=np.float64)))


def check_step_size_fits(rule, dtype) -> None:
    """Raise ``ValueError`` if ``rule``'s configured step size is beyond ``dtype``'s largest
    number: in float32 ``LMS(1e300)`` made inf weights from the first update on.

    >>> from sensorimotor.rules import LMS
    >>> check_step_size_fits(LMS(1e300), np.float32)
    Traceback (most recent call last):
    ValueError: LMS's step size 1e+300 is beyond float32's largest number (3.4e+38)
    """
    step = configured_step_size(rule)
    info, dtype_name = _float_info(dtype)
    if step is not None and step > float(info.max):
        raise ValueError(
            f"{type(rule).__name__}'s step size {step:.3g} is beyond "
            f"{dtype_name}'s largest number ({float(info.max):.2g})"
        )


def overshooting_input(rule, weights, step_sizes, **inputs) -> str | None:
    """The name of the largest of ``inputs`` (concrete vectors) that is too large for
    ``rule`` as configured, when one of its updates overflowed a state that had not run
    away; ``None`` if there is none to blame.

    Too large: one update at the configured step size overshoots (step size x |v|^2 > 1,
    the LMS stability bound give or take a factor 2). Run away: the state's adapted step
    sizes are above 10 times the configured one, or its weights above the fourth root of
    the dtype's largest number (about 1e77 in float64, 1e9 in float32). Such an input is
    refused and the state kept (the state was fine, the sample too large for the rule as
    set up); an overflow from a state that ran away is a divergence, left to the guard.

    >>> from sensorimotor.rules import IDBD
    >>> w, alpha = np.ones(2), np.full(2, 0.05)
    >>> overshooting_input(IDBD(0.05), w, alpha, x=np.array([0.0, 255.0]), next_x=np.ones(2))
    'x'
    >>> overshooting_input(IDBD(0.05), w, alpha, x=np.ones(2)) is None
    True
    >>> overshooting_input(IDBD(0.05), w, 100 * alpha, x=np.array([0.0, 255.0])) is None
    True
    """
    step = configured_step_size(rule)
    if step is None:
        return None
    w = np.asarray(weights, dtype=np.float64)
    runaway_weight = float(np.finfo(np.asarray(weights).dtype).max) ** 0.25
    if not (np.max(np.abs(w)) <= runaway_weight and np.max(step_sizes) <= 10 * step):
        return None
    sizes = {name: float(np.dot(v, v)) for name, v in inputs.items()}
    name = max(sizes, key=sizes.get)
    return name if step * sizes[name] > 1.0 else None
