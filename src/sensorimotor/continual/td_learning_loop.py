"""Compiled TD learning loops over streams of ``TDTimeStep`` (see :mod:`.learning_loop`)."""

from __future__ import annotations

from sensorimotor.continual.learning_loop import (
    LoopResult,
    run_learning_loop,
    run_learning_loop_batched,
    run_sweep,
)


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
    return run_learning_loop(learner, stream, num_steps, key, _kind="td", **options)


def run_td_learning_loop_batched(learner, stream, num_steps: int, keys, **options) -> LoopResult:
    """:func:`run_td_learning_loop` vmapped over ``keys``, one compilation."""
    return run_learning_loop_batched(learner, stream, num_steps, keys, _kind="td", **options)


def run_td_sweep(learners, stream, num_steps: int, keys, **options) -> LoopResult:
    """TD counterpart of :func:`~sensorimotor.continual.run_sweep`."""
    return run_sweep(learners, stream, num_steps, keys, _kind="td", **options)
