"""Compiled learning loop of a streaming MLP over a stream: one ``lax.scan``, compiled once.

``run_mlp_learning_loop(learner, stream, num_steps, key)`` draws the learner's initial state
and the stream's, then runs ``num_steps`` updates inside one compiled ``jax.lax.scan`` and
returns summaries computed inside the loop (never a per-step array): the mean squared error
over all steps, a trace of the mean squared error over each block of ``trace_interval``
steps, the mean effective step size and the number of updates the divergence guard rejected.

Compile once: the compiled loop is cached on the *structure* only (hidden sizes, optimiser
type, stream, ``num_steps``, ``trace_interval``, dtypes). Hyperparameters (step size, kappa,
trace decay, ...) are pytree leaves, converted to arrays of the learner's dtype before the
call, and the key is data: a second call with another key or step size does not recompile.

Key schedule (so that an eager loop can replay it exactly)::

    k_init, k_stream, k_steps = jax.random.split(key, 3)
    state = learner.init(k_init, stream.feature_dim); s = stream.init(k_stream)
    for each block:                    # num_steps // trace_interval blocks, then the rest
        k_steps, k_block = jax.random.split(k_steps)
        for k in jax.random.split(k_block, block_length):
            s, (x, y) = stream.step(s, k); state = learner.step(state, x, y).state
"""

import dataclasses
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from sensorimotor.rules.guard import DivergenceError

__all__ = ["MLPLoopResult", "run_mlp_learning_loop", "run_mlp_learning_loop_batched"]

_TRACES = {"count": 0}  # times the loop body was traced (a test fails on unexpected retraces)


class MLPLoopResult(NamedTuple):
    """Summary of a compiled run (batched runs add a leading axis to every field).

    Attributes:
        state: learner state after the last step.
        mean_squared_error: mean of ``(y - prediction)^2`` over all steps (before each update).
        squared_error_trace: mean squared error of each block of ``trace_interval`` steps,
            shape ``(num_steps // trace_interval,)``.
        mean_effective_step_size: mean of the optimiser's effective step size.
        num_rejected: updates discarded by the divergence guard during the run.
    """

    state: Any
    mean_squared_error: Any
    squared_error_trace: Any
    mean_effective_step_size: Any
    num_rejected: Any


def _as_leaves(learner):
    """Hyperparameter leaves as arrays of the learner's dtype: same avals whatever was passed.

    The guard policy acts after the run only, so it is normalised away from the compiled key.
    """
    learner = dataclasses.replace(learner, guard="skip")
    return jax.tree_util.tree_map(lambda v: jnp.asarray(v, learner.dtype), learner)


def _run(learner, stream, num_steps, trace_interval, key, state):
    _TRACES["count"] += 1
    k_init, k_stream, k_steps = jax.random.split(key, 3)
    if state is None:
        state = learner.init(k_init, stream.feature_dim)
    stream_state = stream.init(k_stream)
    zero = jnp.zeros((), learner.dtype)

    def one_step(carry, k):
        state, s, se, alpha = carry
        s, ts = stream.step(s, k)
        result = learner.step(state, ts.x, ts.y)
        m = result.metrics
        return (result.state, s, se + m.squared_error, alpha + m.effective_step_size), None

    def block(carry, length):
        state, s, k_steps = carry
        k_steps, k_block = jax.random.split(k_steps)
        keys = jax.random.split(k_block, length)
        (state, s, se, alpha), _ = jax.lax.scan(one_step, (state, s, zero, zero), keys)
        return (state, s, k_steps), (se, alpha)

    num_blocks, rest = divmod(num_steps, trace_interval)
    carry = (state, stream_state, k_steps)
    carry, (se_blocks, alpha_blocks) = jax.lax.scan(
        lambda c, _: block(c, trace_interval), carry, None, length=num_blocks
    )
    se_total, alpha_total = jnp.sum(se_blocks), jnp.sum(alpha_blocks)
    if rest:
        carry, (se_rest, alpha_rest) = block(carry, rest)
        se_total, alpha_total = se_total + se_rest, alpha_total + alpha_rest
    final = carry[0]
    rejected = final.num_rejected - state.num_rejected
    return MLPLoopResult(
        final,
        se_total / num_steps,
        se_blocks / trace_interval,
        alpha_total / num_steps,
        rejected,
    )


_STATIC = ("stream", "num_steps", "trace_interval")
_run_jit = jax.jit(_run, static_argnames=_STATIC)


@partial(jax.jit, static_argnames=_STATIC)
def _run_batched(learner, stream, num_steps, trace_interval, keys, states):
    def one(key, state):
        return _run(learner, stream, num_steps, trace_interval, key, state)

    return jax.vmap(one)(keys, states)


def _check(stream, num_steps, trace_interval):
    if not isinstance(num_steps, int) or num_steps < 1:
        raise ValueError(f"num_steps must be a positive int, got {num_steps!r}")
    if trace_interval is None:
        trace_interval = max(1, num_steps // 100)
    if not isinstance(trace_interval, int) or not 1 <= trace_interval <= num_steps:
        raise ValueError(f"trace_interval must be an int in [1, num_steps], got {trace_interval!r}")
    for name in ("feature_dim", "init", "step"):
        if not hasattr(stream, name):
            raise TypeError(f"stream has no {name!r}: not a stream ({type(stream).__name__})")
    try:
        hash(stream)
    except TypeError as exc:
        raise TypeError(f"stream must be hashable (frozen), got {type(stream).__name__}") from exc
    return trace_interval


def _raise_if_rejected(learner, num_rejected):
    if learner.guard == "raise" and int(jnp.max(num_rejected)) > 0:
        raise DivergenceError(
            f"{int(jnp.max(num_rejected))} updates were not finite during the run (guard='raise')"
        )


def run_mlp_learning_loop(
    learner, stream, num_steps: int, key, *, trace_interval: int | None = None, state=None
) -> MLPLoopResult:
    """Run ``num_steps`` updates of ``learner`` on ``stream`` in one compiled scan.

    Args:
        learner: an :class:`~sensorimotor.learners.MLPLearner`.
        stream: a frozen stream (``feature_dim``, ``init(key)``, ``step(state, key)``).
        num_steps: number of samples.
        key: a JAX PRNG key (see the module docstring for how it is used).
        trace_interval: block length of ``squared_error_trace`` (default ``num_steps // 100``).
        state: continue from this learner state instead of a fresh ``learner.init``.

    Returns:
        :class:`MLPLoopResult`.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> from sensorimotor.envs.streams import TimeStep
        >>> from sensorimotor.learners import MLPLearner
        >>> class Sine(tuple):  # a tiny stream: y = sin(3 x0) (frozen and hashable)
        ...     feature_dim = 2
        ...     def init(self, key): return jnp.zeros(())
        ...     def step(self, s, key):
        ...         x = jax.random.uniform(key, (2,), minval=-1.0, maxval=1.0)
        ...         return s, TimeStep(x, jnp.sin(3.0 * x[0]))
        >>> out = run_mlp_learning_loop(MLPLearner((32, 32)), Sine(), 4000, jax.random.key(0),
        ...                             trace_interval=1000)
        >>> print(out.squared_error_trace.shape, bool(out.squared_error_trace[-1] < 0.05))
        (4,) True
    """
    trace_interval = _check(stream, num_steps, trace_interval)
    result = _run_jit(_as_leaves(learner), stream, num_steps, trace_interval, key, state)
    _raise_if_rejected(learner, result.num_rejected)
    return result


def run_mlp_learning_loop_batched(
    learner, stream, num_steps: int, keys, *, trace_interval: int | None = None, states=None
) -> MLPLoopResult:
    """:func:`run_mlp_learning_loop` for each of ``keys`` (leading axis), in one ``vmap``.

    Every field of the result gains a leading axis of length ``len(keys)``; ``states``, if
    given, is a batched learner state.

    Example:
        >>> import jax
        >>> from sensorimotor.learners import MLPLearner
        >>> class Const(tuple):
        ...     feature_dim = 1
        ...     def init(self, key): return jax.numpy.zeros(())
        ...     def step(self, s, key):
        ...         from sensorimotor.envs.streams import TimeStep
        ...         return s, TimeStep(jax.random.normal(key, (1,)), 1.0)
        >>> keys = jax.random.split(jax.random.key(0), 3)
        >>> out = run_mlp_learning_loop_batched(MLPLearner((8,)), Const(), 200, keys)
        >>> print(out.mean_squared_error.shape)
        (3,)
    """
    trace_interval = _check(stream, num_steps, trace_interval)
    result = _run_batched(_as_leaves(learner), stream, num_steps, trace_interval, keys, states)
    _raise_if_rejected(learner, result.num_rejected)
    return result
