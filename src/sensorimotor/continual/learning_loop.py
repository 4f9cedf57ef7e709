"""Compiled learning loops: ``lax.scan`` over a stream, vmapped over seeds and settings.

The loop is compiled once per *structure* (learner and stream types, their int/bool/str
settings, ``num_steps``, ``trace_interval`` and the tracking options); float settings
(step sizes, meta step sizes, noise levels) and the key are traced arguments. So a
second call with another seed or step size reuses the compiled code, and a sweep over
seeds x step sizes is one compilation (:func:`run_sweep`).

Metrics are summarised inside the loop: a running mean per block of ``trace_interval``
steps (the decimated ``trace``) and their mean over the run (``metrics``); no per-step
array is kept. Metrics are summed over chunks of at most 1024 steps (a plain sum is the
cheapest thing in the compiled step) and the chunk means are averaged with a running
mean, :math:`m \\leftarrow m + (c - m)/j`: accurate in float32 over any run length.
Within a chunk the innermost loop runs a few steps at a time, with at most 512 bytes of
stream noise, so that XLA's CPU runtime executes its kernels sequentially on the calling
thread (see ``_loop_parts._sub_length``): Autostep's step went from about 0.74 to 0.45 us.
The normals of a chunk are drawn a few hundred at a time (``_loop_parts.draw_noise``), so
that no kernel is split across XLA's thread pool: the loop's time then no longer depends
on whether another core is free.
"""

from __future__ import annotations

import collections
import functools
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.base.pytree import combine, partition
from sensorimotor.continual.loop_parts import (
    _chunk_length,
    _packer,
    _sub_length,
    check_loop_args,
    draw_noise,
)
from sensorimotor.rules.guard import DivergenceError

_TRACES: collections.Counter = collections.Counter()


def loop_keys(key):
    """The keys a compiled loop derives from ``key``: ``(init_key, steps_key)``.

    The stream starts from ``stream.init(init_key)``; step ``t`` (from 0) is
    ``stream.step(state, jax.random.fold_in(steps_key, t))``. Streams with ``noise_dim``
    and ``advance`` get the same samples, their normals drawn for a chunk of steps at once.

    >>> import jax
    >>> init_key, steps_key = loop_keys(jax.random.key(0))
    >>> print(init_key.shape, steps_key.shape)
    () ()
    """
    k_stream, k_steps = jax.random.split(key)
    return k_stream, k_steps


def compile_count() -> dict:
    """How many times each loop body has been traced (compiled) in this process.

    A diagnostic for tests and benchmarks: a call that reuses the cache leaves it
    unchanged.
    """
    return dict(_TRACES)


class LoopResult(NamedTuple):
    """What a compiled loop returns (batched loops add leading axes to every leaf).

    Attributes:
        state: the learner state after the last step.
        stream_state: the stream state after the last step.
        metrics: the learner's metrics record, each field averaged over all steps.
        trace: the same record, averaged over each block of ``trace_interval`` steps;
            each field has shape ``(num_steps // trace_interval,)``.
        step_sizes: the learner's per-weight step sizes at the end of each block,
            ``(num_blocks, num_weights)``, if ``track_step_sizes`` else ``None``.
        normalizer: the normaliser state at the end of each block (leading axis
            ``num_blocks``) if ``track_normalizer`` else ``None``.
    """

    state: Any
    stream_state: Any
    metrics: Any
    trace: Any
    step_sizes: Any
    normalizer: Any


_STATIC = ("static_l", "static_s", "num_blocks", "interval", "track_ss", "track_norm", "kind")


def _core(
    dyn_l,
    dyn_s,
    key,
    state0,
    *,
    static_l,
    static_s,
    num_blocks,
    interval,
    track_ss,
    track_norm,
    kind,
    batched=False,
):
    _TRACES[kind] += 1  # runs only while tracing
    learner = combine(dyn_l, static_l)
    stream = combine(dyn_s, static_s)
    k_stream, k_steps = loop_keys(key)
    sstate = stream.init(k_stream)
    lstate = learner.init(stream.feature_dim, xp=jnp) if state0 is None else state0

    vectorised = hasattr(stream, "advance") and hasattr(stream, "noise_dim")
    chunk = _chunk_length(interval)

    def one(carry, inp):
        ls, ss = carry
        t, z = inp
        if vectorised:
            ss, ts = stream.advance(ss, z)
        else:
            ss, ts = stream.step(ss, jax.random.fold_in(k_steps, t))
        if kind == "td":
            res = learner.update(ls, ts.x, ts.reward, ts.next_x, ts.gamma)
        else:
            res = learner.update(ls, ts.x, ts.y)
        return (res.state, ss), res.metrics

    def noise(steps):
        if not vectorised:
            return jnp.zeros(steps.shape + (0,))
        # one run: small kernels that stay on this thread; vmapped runs: whole chunks
        return draw_noise(k_steps, steps, stream.noise_dim, None if batched else 1024)

    t0 = jnp.zeros((), jnp.int32)
    row = noise(t0[None])[0]
    metric_shapes = jax.eval_shape(one, (lstate, sstate), (t0, row))[1]

    zeros = jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, s.dtype), metric_shapes)
    # The per-step carry is packed into one flat vector: XLA on CPU runs a loop body that
    # updates many small buffers several times slower than one that updates a single one.
    # the learner's integer scalars (its guard counter) travel in the float vector
    bits = [i for i, leaf in enumerate(jax.tree_util.tree_leaves(lstate)) if jnp.ndim(leaf) == 0]
    pack, unpack = _packer((lstate, sstate, zeros), bits=set(bits))

    def inner(carry, inp):
        ls, ss, acc = unpack(carry)
        (ls, ss), m = one((ls, ss), inp)
        acc = jax.tree_util.tree_map(jnp.add, acc, m)  # a plain sum: cheapest in the loop
        return pack((ls, ss, acc)), None

    vec = jax.eval_shape(lambda: pack((lstate, sstate, zeros))[0])
    sub = _sub_length(chunk, row.size * row.dtype.itemsize, vec.size * vec.dtype.itemsize)

    def inner_block(carry, inp):  # a few steps, small buffers: see _sub_length
        return jax.lax.scan(inner, carry, inp)[0], None

    def run_chunk(carry, first):
        ls, ss, mean, j = carry
        steps = first + jnp.arange(chunk, dtype=jnp.int32)
        inputs = jax.tree_util.tree_map(
            lambda a: a.reshape((chunk // sub, sub) + a.shape[1:]), (steps, noise(steps))
        )
        packed, _ = jax.lax.scan(inner_block, pack((ls, ss, zeros)), inputs)
        ls, ss, total = unpack(packed)
        j = j + 1  # running mean over chunks of the chunk means (accurate in float32)
        mean = jax.tree_util.tree_map(lambda m, s: m + (s / chunk - m) / j, mean, total)
        return (ls, ss, mean, j), None

    def block(carry, b):
        ls, ss = carry
        firsts = b * interval + chunk * jnp.arange(interval // chunk, dtype=jnp.int32)
        (ls, ss, acc, _), _ = jax.lax.scan(run_chunk, (ls, ss, zeros, t0), firsts)
        ss_out = learner.step_sizes(ls) if track_ss else None
        norm_out = ls.normalizer if track_norm else None
        return (ls, ss), (acc, ss_out, norm_out)

    blocks = jnp.arange(num_blocks, dtype=jnp.int32)
    (ls, ss), (trace, ss_trace, norm_trace) = jax.lax.scan(block, (lstate, sstate), blocks)
    if hasattr(learner, "recover"):  # a divergence on the very last step is caught here
        ls = learner.recover(ls)
    metrics = jax.tree_util.tree_map(lambda a: jnp.mean(a, axis=0), trace)
    return LoopResult(ls, ss, metrics, trace, ss_trace, norm_trace)


@functools.partial(jax.jit, static_argnames=_STATIC)
def _run_one(dyn_l, dyn_s, key, state0, **static):
    return _core(dyn_l, dyn_s, key, state0, **static)


@functools.partial(jax.jit, static_argnames=_STATIC)
def _run_seeds(dyn_l, dyn_s, keys, state0, **static):
    return jax.vmap(lambda k: _core(dyn_l, dyn_s, k, state0, batched=True, **static))(keys)


@functools.partial(jax.jit, static_argnames=_STATIC)
def _run_sweep(dyn_l, dyn_s, keys, state0, **static):
    def per_setting(dl):
        return jax.vmap(lambda k: _core(dl, dyn_s, k, state0, batched=True, **static))(keys)

    return jax.vmap(per_setting)(dyn_l)


def _prepare(learner, stream, num_steps, trace_interval, track_step_sizes, track_normalizer, kind):
    num_steps, interval = check_loop_args(stream, num_steps, trace_interval)
    if not hasattr(learner, "update") or not hasattr(learner, "init"):
        raise TypeError(f"learner must have init and update, got {type(learner).__name__}")
    if track_normalizer and getattr(learner, "normalizer", None) is None:
        raise ValueError("track_normalizer=True needs a learner with a normalizer")
    learner.init(int(stream.feature_dim))  # validates the settings eagerly (NumPy, cheap)
    dyn_l, static_l = partition(learner)
    dyn_s, static_s = partition(stream)
    static = dict(
        static_l=static_l,
        static_s=static_s,
        num_blocks=num_steps // interval,
        interval=interval,
        track_ss=bool(track_step_sizes),
        track_norm=bool(track_normalizer),
        kind=kind,
    )
    return dyn_l, dyn_s, static


def _check_keys(keys):
    """``keys`` must be a non-empty batch of PRNG keys (one run per key)."""
    shape = getattr(keys, "shape", None)
    if shape is None or len(shape) == 0:
        raise TypeError(
            "keys must be a batch of PRNG keys, e.g. jax.random.split(key, 30); "
            f"got {type(keys).__name__} of shape {shape}"
        )
    if shape[0] == 0:
        raise ValueError("keys is empty: a batched loop needs at least one key (one run)")


def _guard_counts(state):
    """Guard counters of a learner state (a Horde has one per GVF)."""
    if hasattr(state, "guard_count"):
        return np.asarray(state.guard_count)
    if hasattr(state, "groups"):  # a Horde: one stacked counter per group of GVFs
        return np.concatenate([np.asarray(g.guard_count) for g in state.groups], axis=-1)
    return np.zeros(())


def _check_guard(learner, result, state0):
    if getattr(learner, "guard", "reset") != "raise":
        return
    before = 0 if state0 is None else _guard_counts(state0)
    after = _guard_counts(result.state)
    if bool(np.any(after > before)):
        raise DivergenceError(
            f"the learner diverged and was reset {int(np.max(after))} "
            "time(s) during the compiled loop (guard='raise')"
        )


def run_learning_loop(
    learner,
    stream,
    num_steps: int,
    key,
    *,
    trace_interval=None,
    track_step_sizes: bool = False,
    track_normalizer: bool = False,
    state=None,
    _kind: str = "supervised",
) -> LoopResult:
    """Run ``learner`` on ``stream`` for ``num_steps`` steps, compiled (``jit`` + ``scan``).

    Args:
        learner: e.g. ``LinearLearner(optimizer=IDBD(...))``.
        stream: a supervised stream (``step`` returns a ``TimeStep``).
        num_steps: number of samples.
        key: a JAX PRNG key; the stream's initial state and every sample derive from it.
        trace_interval: block length of the decimated trace (a divisor of
            ``num_steps``); default one block.
        track_step_sizes: record the per-weight step sizes at the end of each block.
        track_normalizer: record the normaliser state at the end of each block.
        state: a learner state to continue from (default: ``learner.init``).

    Returns:
        a :class:`LoopResult`.

    Example:
        >>> import jax
        >>> from sensorimotor.continual import LinearLearner
        >>> from sensorimotor.rules import Autostep
        >>> from sensorimotor.envs.streams import RandomWalkStream
        >>> learner = LinearLearner(optimizer=Autostep(initial_step_size=0.01))
        >>> out = run_learning_loop(learner, RandomWalkStream(5), 2000, jax.random.key(0),
        ...                         trace_interval=500)
        >>> print(out.trace.squared_error.shape, bool(out.trace.squared_error[-1] < 0.1))
        (4,) True
    """
    dyn_l, dyn_s, static = _prepare(
        learner, stream, num_steps, trace_interval, track_step_sizes, track_normalizer, _kind
    )
    result = _run_one(dyn_l, dyn_s, key, state, **static)
    _check_guard(learner, result, state)
    return result


def run_learning_loop_batched(
    learner,
    stream,
    num_steps: int,
    keys,
    *,
    trace_interval=None,
    track_step_sizes: bool = False,
    track_normalizer: bool = False,
    state=None,
    _kind: str = "supervised",
) -> LoopResult:
    """:func:`run_learning_loop` vmapped over ``keys`` (one run per key, one compilation).

    ``keys`` is a batch of PRNG keys (e.g. ``jax.random.split(key, 30)``); every leaf of
    the result gains a leading axis of that size.

    Example:
        >>> import jax
        >>> from sensorimotor.continual import LinearLearner
        >>> from sensorimotor.rules import LMS
        >>> from sensorimotor.envs.streams import RandomWalkStream
        >>> out = run_learning_loop_batched(LinearLearner(LMS(0.05)), RandomWalkStream(3),
        ...                                 1000, jax.random.split(jax.random.key(0), 4))
        >>> print(out.metrics.squared_error.shape)
        (4,)
    """
    _check_keys(keys)
    dyn_l, dyn_s, static = _prepare(
        learner, stream, num_steps, trace_interval, track_step_sizes, track_normalizer, _kind
    )
    result = _run_seeds(dyn_l, dyn_s, keys, state, **static)
    _check_guard(learner, result, state)
    return result


def run_sweep(
    learners: Sequence,
    stream,
    num_steps: int,
    keys,
    *,
    trace_interval=None,
    track_step_sizes: bool = False,
    track_normalizer: bool = False,
    _kind: str = "supervised",
) -> LoopResult:
    """Every learner in ``learners`` x every key in ``keys``, in one compiled call.

    The learners must share their structure (same types, same int/bool/str settings);
    their float settings are stacked and vmapped. Every leaf of the result gains two
    leading axes, ``(len(learners), len(keys))``.

    Example:
        >>> import jax
        >>> from sensorimotor.continual import LinearLearner
        >>> from sensorimotor.rules import LMS
        >>> from sensorimotor.envs.streams import RandomWalkStream
        >>> learners = [LinearLearner(LMS(a)) for a in (0.001, 0.01, 0.1)]
        >>> out = run_sweep(learners, RandomWalkStream(3), 1000,
        ...                 jax.random.split(jax.random.key(0), 5))
        >>> print(out.metrics.squared_error.shape)
        (3, 5)
    """
    learners = list(learners)
    if not learners:
        raise ValueError("learners is empty")
    _check_keys(keys)
    dyn_l, dyn_s, static = _prepare(
        learners[0],
        stream,
        num_steps,
        trace_interval,
        track_step_sizes,
        track_normalizer,
        _kind,
    )
    columns = [dyn_l]
    for other in learners[1:]:
        other.init(int(stream.feature_dim))  # validates its settings eagerly, as _prepare does
        dyn, st = partition(other)
        if st != static["static_l"]:
            raise ValueError(
                "all learners of a sweep must share their structure (types and int/bool/str "
                f"settings); {other!r} differs from {learners[0]!r}"
            )
        columns.append(dyn)
    stacked = [jnp.stack([jnp.asarray(col[i]) for col in columns]) for i in range(len(dyn_l))]
    result = _run_sweep(stacked, dyn_s, keys, None, **static)
    _check_guard(learners[0], result, None)
    return result
