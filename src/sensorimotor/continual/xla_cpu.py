"""How the scan loop is tuned for XLA on CPU: what makes it fast, and why.

:mod:`~sensorimotor.continual.scan_loop` says *what* a compiled learning loop does; this
module holds *how* it is laid out for XLA's CPU backend, behind two calls that change
the compiled code and never the numbers:

* :func:`inner_loop`: the layout of the innermost loop, ``(pack, unpack, sub)``: the
  per-step carry in one flat vector with the int32 counters bit-cast into it
  (:func:`packer`), and a few steps at a time (at most 512 bytes of input,
  :func:`sub_length`), so that XLA runs its kernels on the calling thread;
* :func:`draw_noise`: a chunk's normals drawn in pieces of about 1024 numbers (single
  runs) or at once (vmapped runs);

and :func:`largest_divisor`, for the lengths of chunks, sub-chunks and pieces.

Each trick and its measured effect (2-core x86_64 VM, jax 0.10.2; ``BENCHMARKS.md``,
"Continual learning (linear)"):

1. **One carry buffer.** XLA on CPU runs a loop body that updates many small buffers
   several times slower than one that updates a single one: the learner state, the
   stream state and the metric sums are concatenated into one vector per step (IDBD
   0.8 -> 0.4 us per step).
2. **Counters inside the float vector.** The learner's int32 scalars (its guard counter)
   travel bit for bit (``bitcast_convert_type``: no arithmetic, values stay exact) in
   the float32 vector instead of in a kernel of their own: one kernel fewer per step for
   every rule (Autostep 10 -> 9, IDBD 8 -> 7; LMS 26.5 -> 16.0 ms per 100k steps, best).
3. **Small innermost loops.** XLA's CPU runtime (``ThunkExecutor``) runs the kernels of
   a loop body one after the other on the calling thread only if the body has at most 8
   kernels or every buffer it touches is at most 512 bytes
   (``execute_sequential_num_thunks_threshold = 8``,
   ``execute_sequential_buffer_threshold = 512``); otherwise it dispatches them through
   its thread pool, which costs several hundred nanoseconds per step. A learner's step
   (Autostep: 9-10 kernels) easily passes 8 kernels, and a step that reads its noise
   from a whole chunk (84 kB) touches a large buffer; so when the packed carry is small
   the innermost loop is fed a few steps of input at a time (at most 512 bytes):
   Autostep's step went from about 0.74 to 0.45 us (75 -> 45 ms per 100k steps).
   ``TF_CPP_VMODULE=thunk_executor=2`` prints ``is_sequential=true,
   small_buffers=true`` for that body.
4. **Normals in pieces.** XLA's CPU compiler splits a large inverse-CDF kernel (hash,
   ``erfinv``) across its thread pool (``outer_dimension_partitions`` in the compiled
   HLO). On a machine with few cores that makes a loop's time depend on whether another
   core is free when the split kernel runs: a 100k-step Autostep loop jumped between
   about 38 and 60 ms. Drawn in pieces of about 1024 numbers, the kernels stay on the
   calling thread: 44-46 ms whether or not the other core is busy (LMS lost its share
   of the second core, 16 -> 23 ms). Vmapped loops (seeds, sweeps) draw whole chunks:
   their kernels are hundreds of runs wide and split across the pool anyway (a sweep of
   8 x 30 runs: 1.25-1.28 s whole, 1.33-1.39 s in pieces).

A large carry gains nothing from tricks 1 and 3: :func:`sub_length` then keeps the whole
chunk as one loop, and a network's parameters are not packed (``LoopKind.pack``): an
``MLPLearner((128, 128))`` whose 17.8k parameters were concatenated into the vector at
every step took about 0.4 s per 10k steps instead of 44 ms. Its noise costs the same in
pieces or whole (43.7 / 43.6 ms of CPU per 10k steps), so it is drawn as the linear
learners' is.

Not used, for the record: an XLA option that compiles a small loop into one function
(``--xla_backend_extra_options=xla_cpu_small_while_loop_byte_threshold=4096``) brings
Autostep to about 29 ms, but it is a process-wide flag that a library should not set.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.envs.streams.noise import normals

__all__ = ["draw_noise", "inner_loop", "largest_divisor", "packer", "sub_length"]

SEQUENTIAL_BYTES = 512  # XLA CPU: a body whose buffers are all this small runs sequentially
NOISE_PIECE = 1024  # numbers per kernel that XLA does not split across its thread pool


def largest_divisor(n: int, cap: int) -> int:
    """The largest divisor of ``n`` not above ``cap`` (at least 1).

    >>> largest_divisor(100_000, 1024), largest_divisor(7, 1024), largest_divisor(10, 0)
    (1000, 7, 1)
    """
    for d in range(min(n, cap), 0, -1):
        if n % d == 0:
            return d
    return 1


def inner_loop(template, row, chunk: int, *, pack: bool = True, bits=()):
    """``(pack, unpack, sub)``: how the innermost loop carries ``template`` (a pytree like
    its carry) and how many steps it runs at a time (``sub``, a divisor of ``chunk``),
    given the shapes of one step's input ``row``.

    ``pack``/``unpack`` are those of :func:`packer` (``bits``: the indices of the int
    scalars to bit-cast), or the identity if ``pack`` is false (a large carry such as a
    network's parameters: packing would copy it every step); ``sub`` is
    :func:`sub_length` of the largest buffer of the carry.

    >>> import jax.numpy as jnp
    >>> row = jnp.zeros(21)  # one step's normals, 84 bytes
    >>> pack, unpack, sub = inner_loop((jnp.zeros(11), jnp.int32(0)), row, 1000, bits={1})
    >>> print(pack((jnp.ones(11), jnp.int32(3)))[0].shape, sub)
    (12,) 5
    """
    if pack:
        pack, unpack = packer(template, bits)
    else:
        pack = unpack = lambda tree: tree  # noqa: E731
    carry = jax.tree_util.tree_leaves(jax.eval_shape(lambda: pack(template)))
    sub = sub_length(
        chunk,
        sum(v.size * v.dtype.itemsize for v in jax.tree_util.tree_leaves(row)),
        max((v.size * v.dtype.itemsize for v in carry), default=0),
    )
    return pack, unpack, sub


def sub_length(chunk: int, row_bytes: int, carry_bytes: int) -> int:
    """Steps per innermost loop: the largest divisor of ``chunk`` whose input (``row_bytes``
    a step) fits :data:`SEQUENTIAL_BYTES` (trick 3 of the module docstring).

    Without input, or when the carry or one step's input is larger than the limit
    (nothing to gain), the whole chunk is one inner loop.

    >>> sub_length(1000, 21 * 4, 56 * 4), sub_length(1000, 21 * 4, 600 * 4)
    (5, 1000)
    """
    limit = SEQUENTIAL_BYTES
    if row_bytes == 0 or row_bytes > limit or carry_bytes > limit:
        return chunk
    return largest_divisor(chunk, limit // row_bytes)


def packer(template, bits=()):
    """``(pack, unpack)`` between a pytree like ``template`` and ``(vector, others)``
    (tricks 1 and 2 of the module docstring).

    The floating leaves of the most common float dtype are concatenated into one vector;
    so are the integer leaves whose flat index is in ``bits`` and whose width is that of
    the float dtype (e.g. an int32 counter next to float32 weights), bit for bit, so that
    XLA updates them in the kernel that writes the vector rather than in a kernel of
    their own. Other leaves (keys, other dtypes) pass through untouched.

    >>> import jax.numpy as jnp
    >>> pack, unpack = packer((jnp.zeros(3), jnp.int32(7)), bits={1})
    >>> vec, others = pack((jnp.ones(3), jnp.int32(7)))
    >>> print(vec.shape, others, int(unpack((vec, others))[1]))
    (4,) () 7
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


def draw_noise(steps_key, steps, noise_dim: int, *, pieces: bool = True):
    """The normals of steps ``steps``: row ``i`` is ``normals(fold_in(steps_key, steps[i]),
    noise_dim)``, shape ``steps.shape + (noise_dim,)`` (trick 4 of the module docstring).

    With ``pieces`` (one run), drawn at most about :data:`NOISE_PIECE` numbers per
    kernel; without (a loop vmapped over many runs, whose kernels are wide anyway), all
    at once. The numbers are identical either way.

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
    piece = largest_divisor(n, NOISE_PIECE // noise_dim) if pieces else n
    if piece == n:
        return rows(steps)
    out = jax.lax.map(rows, steps.reshape(n // piece, piece))
    return out.reshape((n, noise_dim))
