"""Compiled loops of a supervised learner (``update(state, x, y)``, e.g.
:class:`~sensorimotor.continual.LinearLearner`) over a stream of ``TimeStep``: front ends
of the one scan loop (:mod:`sensorimotor.continual.scan_loop`: keys, chunks, traces,
guard, compile cache; :mod:`sensorimotor.continual.xla_cpu`: how it is tuned).

Compiled once per *structure* (learner and stream types, their int/bool/str settings,
``num_steps``, ``trace_interval``, tracking options); float settings (step sizes, meta
step sizes, noise levels) and the key are traced, so another seed or step size reuses the
compiled code and a sweep over seeds x step sizes is one compilation (:func:`run_sweep`).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import jax.numpy as jnp

from sensorimotor.base.names import renamed_keywords
from sensorimotor.continual import scan_loop
from sensorimotor.continual.scan_loop import (
    ALBERTA_LOOP_NAMES,
    LoopKind,
    LoopResult,
    compile_count,
    loop_keys,
)

__all__ = [
    "LoopResult",
    "compile_count",
    "loop_keys",
    "make_learning_loop",
    "run_learning_loop",
    "run_learning_loop_batched",
    "run_sweep",
]


def check_learner_fits_loop(learner, call: tuple, loop: str, instead: str) -> None:
    """A ``TypeError`` naming the loop to use when ``learner.update`` cannot take the
    arguments ``call`` that this ``loop`` passes (a ``TDLinearLearner`` in the supervised
    loop said "update() missing 2 required positional arguments").

    >>> from sensorimotor.continual import TDLinearLearner
    >>> check_learner_fits_loop(TDLinearLearner(), ("state", "x", "y"), "supervised",
    ...                         "run_td_learning_loop")
    Traceback (most recent call last):
    ...
    TypeError: TDLinearLearner.update takes (state, x, reward, next_x, gamma), but the supervised loop calls update(state, x, y): use run_td_learning_loop
    """
    try:
        params = list(inspect.signature(learner.update).parameters.values())
    except (TypeError, ValueError):  # no signature to read: the call will tell
        return
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    if not len(required) <= len(call) <= len(positional):
        raise TypeError(
            f"{type(learner).__name__}.update takes ({', '.join(p.name for p in positional)}), "
            f"but the {loop} loop calls update({', '.join(call)}): use {instead}"
        )


def check_stream_gives(ts, field: str, loop: str, instead: str) -> None:
    """A ``TypeError`` naming the loop to use when the stream's steps have no ``field``
    (a TD stream's ``TDTimeStep`` in the supervised loop raised an ``AttributeError``)."""
    if not hasattr(ts, field):
        raise TypeError(
            f"the {loop} loop needs a stream whose steps have {field!r}; this stream gives "
            f"{type(ts).__name__}: use {instead}"
        )


def init_linear(learner, key, feature_dim):
    """A linear learner's initial state in JAX (it draws nothing: ``key`` is unused)."""
    return learner.init(feature_dim, xp=jnp)


def ready_linear(learner, feature_dim):
    """Check a linear learner's settings eagerly (``init`` in NumPy is cheap)."""
    learner.init(feature_dim)
    return learner


def _ready(learner, feature_dim):
    check_learner_fits_loop(learner, ("state", "x", "y"), "supervised", "run_td_learning_loop")
    return ready_linear(learner, feature_dim)


def _update(learner, state, ts):
    check_stream_gives(ts, "y", "supervised", "run_td_learning_loop")
    result = learner.update(state, ts.x, ts.y)
    return result.state, result.metrics


SUPERVISED = LoopKind("supervised", init_linear, _update, _ready)


def make_learning_loop(learner, stream, num_steps: int, *, trace_interval=None, state=None):
    """A pure ``run(key) -> LoopResult``: ``learner`` on ``stream`` for ``num_steps``
    steps, compiled once (PureJaxRL's ``make_train(config) -> train(key)``).

    ``run`` is :func:`run_learning_loop` with everything but the key fixed and checked
    beforehand; ``jax.vmap(run)`` runs many seeds. Being pure, it does not raise for
    ``guard="raise"`` (look at ``state.guard_count``).

    Example:
        >>> import jax
        >>> from sensorimotor.continual import LinearLearner, RandomWalkStream
        >>> from sensorimotor.rules import IDBD
        >>> run = make_learning_loop(LinearLearner(IDBD(0.05, 0.01)), RandomWalkStream(5),
        ...                          2000, trace_interval=500)
        >>> out = jax.vmap(run)(jax.random.split(jax.random.key(0), 3))
        >>> print(out.trace.squared_error.shape, out.state.weights.shape)
        (3, 4) (3, 6)
    """
    return scan_loop.make_loop(
        SUPERVISED, learner, stream, num_steps, trace_interval=trace_interval, state=state
    )


@renamed_keywords("run_learning_loop", "alberta-framework", ALBERTA_LOOP_NAMES)
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
) -> LoopResult:
    """Run ``learner`` on ``stream`` for ``num_steps`` steps, compiled (``jit`` + ``scan``).

    Args:
        learner: e.g. ``LinearLearner(optimizer=IDBD(...))``.
        stream: a supervised stream (``step`` returns a ``TimeStep``).
        num_steps: number of samples.
        key: a JAX PRNG key; the stream's initial state and every sample derive from it
            (:func:`loop_keys`).
        trace_interval: block length of the decimated trace (a divisor of
            ``num_steps``); default one block.
        track_step_sizes: record the per-weight step sizes at the end of each block.
        track_normalizer: record the normaliser state at the end of each block.
        state: a learner state to continue from (default: ``learner.init``).

    Returns:
        a :class:`LoopResult`. With ``learner.guard == "raise"``, raises
        :class:`~sensorimotor.rules.DivergenceError` after the run if the guard acted.

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
    return scan_loop.run_loop(
        SUPERVISED,
        learner,
        stream,
        num_steps,
        key,
        trace_interval=trace_interval,
        track_step_sizes=track_step_sizes,
        track_normalizer=track_normalizer,
        state=state,
    )


@renamed_keywords("run_learning_loop_batched", "alberta-framework", ALBERTA_LOOP_NAMES)
def run_learning_loop_batched(learner, stream, num_steps: int, keys, **options) -> LoopResult:
    """:func:`run_learning_loop` vmapped over ``keys`` (one run per key, one compilation).

    ``keys`` is a batch of PRNG keys (e.g. ``jax.random.split(key, 30)``); every leaf of
    the result gains a leading axis of that size. ``options`` are those of
    :func:`run_learning_loop` (``trace_interval``, ``track_step_sizes``,
    ``track_normalizer``, ``state``).

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
    return scan_loop.run_loop_batched(SUPERVISED, learner, stream, num_steps, keys, **options)


def run_sweep(learners: Sequence, stream, num_steps: int, keys, **options) -> LoopResult:
    """Every learner in ``learners`` x every key in ``keys``, in one compiled call.

    The learners must share their structure (same types, same int/bool/str settings);
    their float settings are stacked and vmapped. Every leaf of the result gains two
    leading axes, ``(len(learners), len(keys))``. ``options`` are those of
    :func:`run_learning_loop` but ``state``.

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
    return scan_loop.run_loop_sweep(SUPERVISED, learners, stream, num_steps, keys, **options)
