"""Compiled learning loop of a streaming MLP over a stream: one ``lax.scan``, compiled once.

The MLP counterpart of :func:`sensorimotor.continual.run_learning_loop`, with the same result
(:class:`~sensorimotor.continual.learning_loop.LoopResult`) and conventions: metrics are
summarised inside the loop as running means (:math:`m \\leftarrow m + (v - m)/k`) per
block of ``trace_interval`` steps (``trace``, a :class:`~sensorimotor.continual.MLPMetrics`
of arrays of shape ``(num_steps // trace_interval,)``) and over the run (``metrics``); no
per-step array is kept.

Compile once: the compiled loop is cached on the *structure* only (hidden sizes, optimiser
type, trace on/off, dtype, the stream's type and int settings, ``num_steps``,
``trace_interval``). Hyperparameters (step size, kappa, trace decay, ...) are pytree leaves,
converted to arrays of the learner's dtype before the call, the stream's float settings are
data too (``run._loop_parts.partition``), the guard policy acts
after the run, and the key is data: a second call with another key, step size, noise level
or guard policy does not recompile. Traces are counted under
``"mlp"`` in :func:`sensorimotor.continual.learning_loop.compile_count`.

Key schedule, as in the linear loops (an eager loop can replay it exactly; see
:func:`mlp_loop_keys`): the stream starts from ``stream.init(stream_key)`` and step ``t``
(from 0) is ``stream.step(s, jax.random.fold_in(steps_key, t))``. The per-step randomness
is computed for a chunk of steps at once (vectorised): a stream with ``noise_dim`` and
``advance`` gets its normals that way (``normals(fold_in(steps_key, t), noise_dim)``, the
same samples as its ``step``), any other stream its keys. On CPU a Threefry hash per step
inside the scan would cost as much as the MLP update itself.
"""

import dataclasses
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.base.pytree import combine, partition
from sensorimotor.continual.learning_loop import (
    _TRACES,
    LoopResult,
    _check_keys,
    _chunk_length,
    loop_keys,
)
from sensorimotor.continual.loop_parts import check_loop_args
from sensorimotor.envs.streams.noise import normals
from sensorimotor.rules.guard import DivergenceError

__all__ = [
    "mlp_loop_keys",
    "run_mlp_learning_loop",
    "run_mlp_learning_loop_batched",
]


def _as_leaves(learner):
    """Hyperparameter leaves as arrays of the learner's dtype (same avals whatever was
    passed); the guard policy, applied after the run, is normalised out of the cache key."""
    learner = dataclasses.replace(learner, guard="skip")
    return jax.tree_util.tree_map(lambda v: jnp.asarray(v, learner.dtype), learner)


def mlp_loop_keys(key):
    """``(learner_key, stream_key, steps_key)`` derived from a loop's ``key``.

    ``stream_key`` and ``steps_key`` are :func:`~sensorimotor.continual.learning_loop.loop_keys`,
    so a stream yields the same samples under this loop as under the linear loops; the
    learner's initial state comes from ``jax.random.fold_in(key, 0x6D6C70)``.

    >>> import jax
    >>> print(len(mlp_loop_keys(jax.random.key(0))))
    3
    """
    k_stream, k_steps = loop_keys(key)
    return jax.random.fold_in(key, _INIT_SALT), k_stream, k_steps


_INIT_SALT = 0x6D6C70  # "mlp"


def _run(learner, dyn_s, static_s, num_blocks, interval, key, state):
    _TRACES["mlp"] += 1  # runs only while tracing
    stream = combine(dyn_s, static_s)
    k_init, k_stream, k_steps = mlp_loop_keys(key)
    if state is None:
        state = learner.init(k_init, stream.feature_dim)
    stream_state = stream.init(k_stream)
    dtype = jnp.dtype(learner.dtype)
    vectorised = hasattr(stream, "advance") and hasattr(stream, "noise_dim")
    chunk = _chunk_length(interval)

    def draws(steps):
        """Per-step randomness of a chunk, computed vectorised: the stream's standard
        normals if it has ``advance``, else the per-step keys."""
        if vectorised:
            nd = stream.noise_dim
            return jax.vmap(lambda t: normals(jax.random.fold_in(k_steps, t), nd))(steps)
        return jax.vmap(lambda t: jax.random.fold_in(k_steps, t))(steps)

    def sample(ss, draw):
        return stream.advance(ss, draw) if vectorised else stream.step(ss, draw)

    def as_float(metrics):
        return jax.tree_util.tree_map(lambda v: jnp.asarray(v, dtype), metrics)

    t0 = jnp.zeros((1,), jnp.int32)
    shapes = jax.eval_shape(
        lambda s, ss, d: as_float(learner.step(s, sample(ss, d)[1].x, 0.0).metrics),
        state,
        stream_state,
        draws(t0)[0],
    )
    zeros = jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, s.dtype), shapes)

    def learn(carry, ts):
        ls, acc, n = carry
        result = learner.step(ls, ts.x, ts.y)
        n = n + 1.0
        acc = jax.tree_util.tree_map(lambda a, v: a + (v - a) / n, acc, as_float(result.metrics))
        return (result.state, acc, n), None

    def advance_and_learn(carry, z):
        ls, ss, acc, n = carry
        ss, ts = stream.advance(ss, z)
        (ls, acc, n), _ = learn((ls, acc, n), ts)
        return (ls, ss, acc, n), None

    def run_chunk(carry, first):
        steps = first + jnp.arange(chunk, dtype=jnp.int32)
        if vectorised:  # the cheap advance runs inside the learner's scan
            return jax.lax.scan(advance_and_learn, carry, draws(steps))[0], None
        # A stream that draws its own randomness (hashes, nested loops) runs the chunk in
        # a scan of its own: kept out of the learner's loop body, it does not make XLA
        # copy the network's parameters around its inner loops at every step.
        ls, ss, acc, n = carry
        ss, samples = jax.lax.scan(lambda s, k: stream.step(s, k), ss, draws(steps))
        (ls, acc, n), _ = jax.lax.scan(learn, (ls, acc, n), samples)
        return (ls, ss, acc, n), None

    def block(carry, b):
        ls, ss = carry
        firsts = b * interval + chunk * jnp.arange(interval // chunk, dtype=jnp.int32)
        init = (ls, ss, zeros, jnp.zeros((), dtype))
        (ls, ss, acc, _), _ = jax.lax.scan(run_chunk, init, firsts)
        return (ls, ss), acc

    blocks = jnp.arange(num_blocks, dtype=jnp.int32)
    (final, stream_final), trace = jax.lax.scan(block, (state, stream_state), blocks)
    metrics = jax.tree_util.tree_map(lambda a: jnp.mean(a, axis=0), trace)
    return LoopResult(final, stream_final, metrics, trace, None, None)


_STATIC = ("static_s", "num_blocks", "interval")
_run_jit = jax.jit(_run, static_argnames=_STATIC)


@partial(jax.jit, static_argnames=_STATIC)
def _run_batched(learner, dyn_s, static_s, num_blocks, interval, keys, state):
    def one(k):
        return _run(learner, dyn_s, static_s, num_blocks, interval, k, state)

    return jax.vmap(one)(keys)


def _prepare(stream, num_steps, trace_interval):
    num_steps, interval = check_loop_args(stream, num_steps, trace_interval)
    try:
        dyn_s, static_s = partition(stream)
    except TypeError as exc:
        raise TypeError(f"stream must be hashable (frozen), got {type(stream).__name__}") from exc
    return dyn_s, static_s, num_steps // interval, interval


def _check_guard(learner, result, state):
    if learner.guard != "raise":
        return
    before = 0 if state is None else np.asarray(state.guard_count)
    grew = np.asarray(result.state.guard_count) - before
    if bool(np.any(grew > 0)):
        raise DivergenceError(
            f"{int(np.max(grew))} update(s) were not finite during the compiled loop "
            "and were discarded (guard='raise')"
        )


def run_mlp_learning_loop(
    learner, stream, num_steps: int, key, *, trace_interval=None, state=None
) -> LoopResult:
    """Run ``num_steps`` updates of an :class:`~sensorimotor.continual.MLPLearner` on
    ``stream`` in one compiled ``jit`` + ``scan``.

    Args:
        learner: an ``MLPLearner``.
        stream: a frozen stream (``feature_dim``, ``init(key)``, ``step(state, key)``
            returning a ``TimeStep``), e.g. :class:`~sensorimotor.envs.streams.RandomWalkStream`.
        num_steps: number of samples.
        key: a JAX PRNG key: the learner's initial state, the stream's and every sample
            derive from it (see the module docstring).
        trace_interval: block length of the decimated ``trace`` (a divisor of
            ``num_steps``); default one block.
        state: a learner state to continue from (default: ``learner.init``).

    Returns:
        :class:`~sensorimotor.continual.learning_loop.LoopResult` (``step_sizes`` and
        ``normalizer`` are ``None``). With ``learner.guard == "raise"``, raises
        :class:`~sensorimotor.rules.DivergenceError` after the run if an update was discarded.

    Example:
        >>> import jax
        >>> from sensorimotor.envs.streams import RandomWalkStream
        >>> from sensorimotor.continual import MLPLearner
        >>> out = run_mlp_learning_loop(MLPLearner((32, 32)), RandomWalkStream(5), 4000,
        ...                             jax.random.key(0), trace_interval=1000)
        >>> trace = out.trace.squared_error
        >>> print(trace.shape, bool(trace[-1] < 0.1 * trace[0]))
        (4,) True
    """
    dyn_s, static_s, num_blocks, interval = _prepare(stream, num_steps, trace_interval)
    result = _run_jit(_as_leaves(learner), dyn_s, static_s, num_blocks, interval, key, state)
    _check_guard(learner, result, state)
    return result


def run_mlp_learning_loop_batched(
    learner, stream, num_steps: int, keys, *, trace_interval=None, state=None
) -> LoopResult:
    """:func:`run_mlp_learning_loop` vmapped over ``keys`` (one run per key, one compilation).

    Every leaf of the result gains a leading axis of length ``len(keys)``; ``state``, if
    given, is one (unbatched) learner state shared by all runs.

    Example:
        >>> import jax
        >>> from sensorimotor.envs.streams import RandomWalkStream
        >>> from sensorimotor.continual import MLPLearner
        >>> keys = jax.random.split(jax.random.key(0), 3)
        >>> out = run_mlp_learning_loop_batched(MLPLearner((8,)), RandomWalkStream(3), 200, keys)
        >>> print(out.metrics.squared_error.shape)
        (3,)
    """
    _check_keys(keys)
    dyn_s, static_s, num_blocks, interval = _prepare(stream, num_steps, trace_interval)
    result = _run_batched(_as_leaves(learner), dyn_s, static_s, num_blocks, interval, keys, state)
    _check_guard(learner, result, state)
    return result
