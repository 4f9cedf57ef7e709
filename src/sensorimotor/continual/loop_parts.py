"""Pieces of the compiled loops: argument checks, carry packing, chunks, noise pieces."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.base.bounds import check_settings
from sensorimotor.envs.streams.noise import normals


def check_loop_args(stream, num_steps, trace_interval) -> tuple[int, int]:
    """Validate a loop's stream, ``num_steps`` and ``trace_interval``; return
    ``(num_steps, interval)`` (the interval defaults to one block of ``num_steps``)."""
    for name in ("feature_dim", "init", "step"):
        if not hasattr(stream, name):
            raise TypeError(f"stream must have {name!r} (see sensorimotor.envs.streams)")
    check_settings(stream)  # its float settings are traced inside the loop
    if isinstance(num_steps, bool) or not isinstance(num_steps, int | np.integer):
        raise TypeError(f"num_steps must be an int, got {num_steps!r}")
    num_steps = int(num_steps)
    if num_steps <= 0:
        raise ValueError(f"num_steps must be positive, got {num_steps}")
    interval = num_steps if trace_interval is None else int(trace_interval)
    if interval <= 0 or num_steps % interval:
        raise ValueError(
            f"trace_interval must be a positive divisor of num_steps={num_steps}, "
            f"got {trace_interval}"
        )
    return num_steps, interval


def _chunk_length(interval: int, cap: int = 1024) -> int:
    """The largest divisor of ``interval`` not above ``cap`` (at least 1).

    >>> _chunk_length(100_000), _chunk_length(7), _chunk_length(10, cap=0)
    (1000, 7, 1)
    """
    for d in range(min(interval, cap), 0, -1):
        if interval % d == 0:
            return d
    return 1


def _sub_length(chunk: int, noise_row_bytes: int, carry_bytes: int, limit: int = 512) -> int:
    """Steps per innermost loop: the largest divisor of ``chunk`` whose noise fits ``limit`` bytes.

    XLA's CPU runtime runs the kernels of a loop body one after the other on the calling
    thread only if the body has at most 8 kernels or every buffer it touches is at most
    512 bytes; otherwise it dispatches them through its thread pool, which costs several
    hundred nanoseconds per step. A learner's step (Autostep: 10 kernels) easily passes 8
    kernels, so when the packed carry is small the compiled loops feed the innermost loop
    a few steps of noise at a time (at most 512 bytes) instead of a whole chunk: its
    buffers stay small whatever the rule. Without noise, or when the carry or one step's
    noise is larger than ``limit`` (nothing to gain), the whole chunk is one inner loop.

    >>> _sub_length(1000, 21 * 4, 56 * 4), _sub_length(1000, 21 * 4, 600 * 4)
    (5, 1000)
    """
    if noise_row_bytes == 0 or noise_row_bytes > limit or carry_bytes > limit:
        return chunk
    return _chunk_length(chunk, limit // noise_row_bytes)


def _packer(template, bits=()):
    """``(pack, unpack)`` between a pytree like ``template`` and ``(vector, others)``.

    The floating leaves of the most common float dtype are concatenated into one vector;
    so are the integer leaves whose flat index is in ``bits`` and whose width is that of
    the float dtype (e.g. an int32 counter next to float32 weights), bit for bit
    (``bitcast_convert_type``: no arithmetic, the values stay exact), so that XLA updates
    them in the kernel that writes the vector rather than in a kernel of their own.
    Other leaves (keys, other dtypes) pass through untouched.
    """
    leaves, treedef = jax.tree_util.tree_flatten(template)
    floats = [
        getattr(leaf, "dtype", None)
        for leaf in leaves
        if jnp.issubdtype(getattr(leaf, "dtype", np.int32), jnp.floating)
    ]
    dtype = max(set(floats), key=floats.count) if floats else None

    def mode(i, leaf):
        ldt = getattr(leaf, "dtype", None)
        if dtype is None or ldt is None:
            return None
        if ldt == dtype:
            return "float"
        same_width = np.dtype(ldt).itemsize == np.dtype(dtype).itemsize
        if i in bits and jnp.issubdtype(ldt, jnp.integer) and same_width:
            return "bits"
        return None

    modes = [mode(i, leaf) for i, leaf in enumerate(leaves)]
    dtypes = [getattr(leaf, "dtype", None) for leaf in leaves]
    shapes = [np.shape(leaf) for leaf in leaves]
    sizes = [int(np.prod(sh)) for sh in shapes]

    def pack(tree):
        vec, others = [], []
        for v, m in zip(jax.tree_util.tree_leaves(tree), modes, strict=True):
            if m is None:
                others.append(v)
                continue
            v = jax.lax.bitcast_convert_type(v, dtype) if m == "bits" else v
            vec.append(jnp.reshape(v, (-1,)))
        return (jnp.concatenate(vec) if vec else jnp.zeros((0,))), tuple(others)

    def unpack(carry):
        vec, others = carry
        out, start, it = [], 0, iter(others)
        for m, ldt, sh, size in zip(modes, dtypes, shapes, sizes, strict=True):
            if m is None:
                out.append(next(it))
                continue
            v = jnp.reshape(vec[start : start + size], sh)
            out.append(jax.lax.bitcast_convert_type(v, ldt) if m == "bits" else v)
            start += size
        return jax.tree_util.tree_unflatten(treedef, out)

    return pack, unpack


def _piece_length(num_steps: int, noise_dim: int, limit: int = 1024) -> int:
    """The largest divisor of ``num_steps`` whose noise (``noise_dim`` numbers a step) fits
    ``limit`` numbers; at least 1.

    >>> _piece_length(1000, 21), _piece_length(1000, 2000), _piece_length(8, 3)
    (40, 1, 8)
    """
    return _chunk_length(num_steps, limit // noise_dim)


def draw_noise(steps_key, steps, noise_dim: int, limit: int | None = 1024):
    """The normals of steps ``steps``: row ``i`` is ``normals(fold_in(steps_key, steps[i]),
    noise_dim)``, shape ``steps.shape + (noise_dim,)``.

    Drawn at most about ``limit`` numbers per kernel (``None``: all at once, for a loop
    vmapped over many runs, whose kernels are wide anyway). XLA's CPU compiler splits a
    larger inverse-CDF kernel (hash, ``erfinv``) across its thread pool. On a machine with
    few cores, that makes a loop's time depend on whether another core is free when the
    split kernel runs. On this project's 2-core machine, the time of a 100k-step Autostep
    loop then jumped between about 38 and 60 ms. Drawn in pieces, the kernels stay on the
    calling thread: the same loop takes 44-46 ms whether or not the other core is busy.
    The numbers are identical either way.

    >>> import jax, jax.numpy as jnp
    >>> key = jax.random.key(0)
    >>> z = draw_noise(key, jnp.arange(100), 21)
    >>> row = normals(jax.random.fold_in(key, 7), 21)
    >>> print(z.shape, bool((z[7] == row).all()))
    (100, 21) True
    """

    def rows(ts):
        return jax.vmap(lambda t: normals(jax.random.fold_in(steps_key, t), noise_dim))(ts)

    n = steps.shape[0]
    piece = n if limit is None else _piece_length(n, noise_dim, limit)
    if piece == n:
        return rows(steps)
    out = jax.lax.map(rows, steps.reshape(n // piece, piece))
    return out.reshape((n, noise_dim))
