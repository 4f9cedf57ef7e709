"""Compiled loops of a TD learner (``update(state, x, reward, next_x, gamma)``, e.g.
:class:`~sensorimotor.continual.TDLinearLearner` or a
:class:`~sensorimotor.continual.Horde`) over a stream of ``TDTimeStep``: front ends of the
one scan loop, as :mod:`sensorimotor.continual.learning_loop`."""

from __future__ import annotations

from sensorimotor.base.names import renamed_keywords
from sensorimotor.continual.learning_loop import (
    check_learner_fits_loop,
    check_stream_gives,
    init_linear,
    ready_linear,
)
from sensorimotor.continual.scan_loop import (
    ALBERTA_LOOP_NAMES,
    LoopKind,
    LoopResult,
    make_loop,
    run_loop,
    run_loop_batched,
    run_loop_sweep,
)

__all__ = [
    "make_td_learning_loop",
    "run_td_learning_loop",
    "run_td_learning_loop_batched",
    "run_td_sweep",
]


def _ready(learner, feature_dim):
    call = ("state", "x", "reward", "next_x", "gamma")
    check_learner_fits_loop(learner, call, "TD", "run_learning_loop")
    return ready_linear(learner, feature_dim)


def _update(learner, state, ts):
    check_stream_gives(ts, "next_x", "TD", "run_learning_loop")
    result = learner.update(state, ts.x, ts.reward, ts.next_x, ts.gamma)
    return result.state, result.metrics


TD = LoopKind("td", init_linear, _update, _ready)


def make_td_learning_loop(learner, stream, num_steps: int, *, trace_interval=None, state=None):
    """A pure ``run(key) -> LoopResult`` of a TD learner on a TD stream, compiled once;
    as :func:`~sensorimotor.continual.make_learning_loop`.

    Example:
        >>> import jax
        >>> from sensorimotor.continual import TDLinearLearner, RandomWalkChainStream
        >>> from sensorimotor.rules import TDIDBD
        >>> run = make_td_learning_loop(TDLinearLearner(TDIDBD(0.05, 0.0)),
        ...                             RandomWalkChainStream(5), 1000)
        >>> print(jax.vmap(run)(jax.random.split(jax.random.key(0), 3)).state.weights.shape)
        (3, 5)
    """
    return make_loop(TD, learner, stream, num_steps, trace_interval=trace_interval, state=state)


@renamed_keywords("run_td_learning_loop", "alberta-framework", ALBERTA_LOOP_NAMES)
def run_td_learning_loop(learner, stream, num_steps: int, key, **options) -> LoopResult:
    """Run a TD learner (``update(state, x, reward, next_x, gamma)``) on a TD stream,
    compiled; options and result as :func:`~sensorimotor.continual.run_learning_loop`.

    Example:
        >>> import jax
        >>> from sensorimotor.continual import TDLinearLearner
        >>> from sensorimotor.rules import TDIDBD
        >>> from sensorimotor.envs.streams import RandomWalkChainStream
        >>> learner = TDLinearLearner(TDIDBD(initial_step_size=0.05, meta_step_size=0.0))
        >>> out = run_td_learning_loop(learner, RandomWalkChainStream(5), 5000,
        ...                            jax.random.key(0))
        >>> print(out.state.weights.shape)
        (5,)
    """
    return run_loop(TD, learner, stream, num_steps, key, **options)


@renamed_keywords("run_td_learning_loop_batched", "alberta-framework", ALBERTA_LOOP_NAMES)
def run_td_learning_loop_batched(learner, stream, num_steps: int, keys, **options) -> LoopResult:
    """:func:`run_td_learning_loop` vmapped over ``keys``, one compilation.

    Example:
        >>> import jax
        >>> from sensorimotor.continual import TDLinearLearner, RandomWalkChainStream
        >>> from sensorimotor.rules import TDIDBD
        >>> keys = jax.random.split(jax.random.key(0), 4)
        >>> out = run_td_learning_loop_batched(TDLinearLearner(TDIDBD(0.05, 0.0)),
        ...                                    RandomWalkChainStream(5), 1000, keys)
        >>> print(out.metrics.squared_td_error.shape)
        (4,)
    """
    return run_loop_batched(TD, learner, stream, num_steps, keys, **options)


def run_td_sweep(learners, stream, num_steps: int, keys, **options) -> LoopResult:
    """TD counterpart of :func:`~sensorimotor.continual.run_sweep`.

    Example:
        >>> import jax
        >>> from sensorimotor.continual import TDLinearLearner, RandomWalkChainStream
        >>> from sensorimotor.rules import TDIDBD
        >>> learners = [TDLinearLearner(TDIDBD(a, 0.0)) for a in (0.01, 0.1)]
        >>> out = run_td_sweep(learners, RandomWalkChainStream(5), 1000,
        ...                    jax.random.split(jax.random.key(0), 3))
        >>> print(out.metrics.squared_td_error.shape)
        (2, 3)
    """
    return run_loop_sweep(TD, learners, stream, num_steps, keys, **options)
