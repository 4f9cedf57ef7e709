"""The array namespace of an input (NumPy or JAX) and dtype helpers, for the rules and the
streaming learners that run on either engine."""

from __future__ import annotations

import numpy as np


def namespace(x):
    """Array namespace of ``x`` (``numpy`` for NumPy arrays, ``jax.numpy`` for JAX arrays).

    Python floats and NumPy scalars are treated as NumPy.
    """
    if type(x) is np.ndarray:  # the per-sample path: skip the protocol call (0.2 us)
        return np
    get = getattr(x, "__array_namespace__", None)
    if get is None:
        return np
    return get()


def default_float(xp, dtype=None):
    """``dtype`` if given, else the default floating dtype of ``xp`` (JAX: float32 unless x64)."""
    if dtype is not None:
        return dtype
    if xp is np:
        return np.float64
    return xp.zeros(()).dtype


def full(xp, n, value, dtype=None):
    """A length-``n`` vector filled with ``value`` (a float or a traced scalar)."""
    dtype = default_float(xp, dtype)
    return xp.zeros((n,), dtype=dtype) + xp.asarray(value, dtype=dtype)
