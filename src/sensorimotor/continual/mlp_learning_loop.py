"""Compiled loops of a streaming MLP (:class:`~sensorimotor.continual.MLPLearner`) over a
stream: front ends of the one scan loop (:mod:`sensorimotor.continual.scan_loop`), with
its result (:class:`~sensorimotor.continual.LoopResult`; ``trace`` an
:class:`~sensorimotor.continual.MLPMetrics` of arrays of shape
``(num_steps // trace_interval,)``) and conventions.

Compile once: the compiled loop is cached on the *structure* only (hidden sizes, optimiser
type, trace on/off, dtype, the stream's type and int settings, ``num_steps``,
``trace_interval``). Hyperparameters (step size, kappa, trace decay, ...) are converted to
arrays of the learner's dtype before the call (so ``kappa=3`` and ``kappa=2.0`` share the
compiled loop), the stream's float settings are data too, the guard policy acts after the
run, and the key is data: a second call with another key, step size, noise level or guard
policy does not recompile. Traces are counted under ``"mlp"`` in
:func:`~sensorimotor.continual.compile_count`.

Key schedule (an eager loop can replay it exactly; see :func:`mlp_loop_keys`): that of the
linear loops, plus the learner's initial state drawn from
:func:`~sensorimotor.continual.scan_loop.learner_key`.
"""

import dataclasses

import jax
import jax.numpy as jnp

from sensorimotor.base.names import renamed_keywords
from sensorimotor.continual.scan_loop import (
    LoopKind,
    LoopResult,
    learner_key,
    loop_keys,
    make_loop,
    run_loop,
    run_loop_batched,
    run_loop_sweep,
)

__all__ = [
    "make_mlp_learning_loop",
    "mlp_loop_keys",
    "run_mlp_learning_loop",
    "run_mlp_learning_loop_batched",
    "run_mlp_sweep",
]

# alberta-framework's keywords of its MLP loops, and what they are here
ALBERTA_MLP_LOOP_NAMES = {
    "learner_state": "state=",
    "normalizer_tracking": (
        "the MLP loop records no normaliser history; the final normaliser state is "
        "LoopResult.state.normalizer"
    ),
}


def mlp_loop_keys(key):
    """``(learner_key, stream_key, steps_key)`` derived from a loop's ``key``.

    ``stream_key`` and ``steps_key`` are :func:`~sensorimotor.continual.learning_loop.loop_keys`,
    so a stream yields the same samples under this loop as under the linear loops; the
    learner's initial state comes from ``jax.random.fold_in(key, 0x6D6C70)``.

    >>> import jax
    >>> print(len(mlp_loop_keys(jax.random.key(0))))
    3
    """
    return (learner_key(key), *loop_keys(key))


def _init(learner, key, feature_dim):
    return learner.init(key, feature_dim)


def _update(learner, state, ts):
    result = learner.step(state, ts.x, ts.y)
    dtype = jnp.dtype(learner.dtype)
    return result.state, jax.tree_util.tree_map(lambda v: jnp.asarray(v, dtype), result.metrics)


def _ready(learner, feature_dim):
    """Every hyperparameter an array of the learner's dtype (same avals whatever was
    passed: the MLP declares its fixed fields itself, so an int ``kappa`` is data, not
    structure); the guard policy, applied after the run, is normalised out of the cache key."""
    learner = dataclasses.replace(learner, guard="skip")
    return jax.tree_util.tree_map(lambda v: jnp.asarray(v, learner.dtype), learner)


# An MLP's carry is its parameters (17.8k floats for (128, 128)): packed into one vector
# they would be copied every step, about 10x slower (see sensorimotor.continual.xla_cpu).
MLP = LoopKind("mlp", _init, _update, _ready, pack=False)


def make_mlp_learning_loop(learner, stream, num_steps: int, *, trace_interval=None, state=None):
    """A pure ``run(key) -> LoopResult`` of an MLP learner on ``stream``, compiled once;
    as :func:`~sensorimotor.continual.make_learning_loop`.

    Example:
        >>> import jax
        >>> from sensorimotor.continual import MLPLearner, RandomWalkStream
        >>> run = make_mlp_learning_loop(MLPLearner((16,)), RandomWalkStream(3), 200)
        >>> out = jax.vmap(run)(jax.random.split(jax.random.key(0), 3))
        >>> print(out.metrics.squared_error.shape, out.state.params[0].w.shape)
        (3,) (3, 3, 16)
    """
    return make_loop(MLP, learner, stream, num_steps, trace_interval=trace_interval, state=state)


@renamed_keywords("run_mlp_learning_loop", "alberta-framework", ALBERTA_MLP_LOOP_NAMES)
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
            derive from it (:func:`mlp_loop_keys`).
        trace_interval: block length of the decimated ``trace`` (a divisor of
            ``num_steps``); default one block.
        state: a learner state to continue from (default: ``learner.init``).

    Returns:
        :class:`~sensorimotor.continual.LoopResult` (``step_sizes`` and ``normalizer``
        are ``None``). With ``learner.guard == "raise"``, raises
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
    return run_loop(
        MLP, learner, stream, num_steps, key, trace_interval=trace_interval, state=state
    )


@renamed_keywords("run_mlp_learning_loop_batched", "alberta-framework", ALBERTA_MLP_LOOP_NAMES)
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
        >>> out = run_mlp_learning_loop_batched(MLPLearner((16,)), RandomWalkStream(3), 200, keys)
        >>> print(out.metrics.squared_error.shape)
        (3,)
    """
    return run_loop_batched(
        MLP, learner, stream, num_steps, keys, trace_interval=trace_interval, state=state
    )


def run_mlp_sweep(learners, stream, num_steps: int, keys, *, trace_interval=None) -> LoopResult:
    """Every MLP learner x every key in one compiled call: the learners share their
    structure (hidden sizes, optimiser type, ...); their hyperparameters are stacked and
    vmapped. Every leaf of the result gains two leading axes, ``(len(learners), len(keys))``.

    Example:
        >>> import jax
        >>> from sensorimotor.continual import MLPLearner, ObGD, RandomWalkStream
        >>> learners = [MLPLearner((16,), ObGD(a)) for a in (0.1, 1.0)]
        >>> out = run_mlp_sweep(learners, RandomWalkStream(3), 200,
        ...                     jax.random.split(jax.random.key(0), 3))
        >>> print(out.metrics.squared_error.shape)
        (2, 3)
    """
    return run_loop_sweep(MLP, learners, stream, num_steps, keys, trace_interval=trace_interval)
