"""Loops, logs, plots and the command line.

The compiled continual-learning loops (``jit`` + ``lax.scan`` over a stream, ``vmap`` over
seeds and settings) live here; :mod:`sensorimotor.continual` re-exports them with the
rules, learners and streams under alberta-framework's names.

Example:
    >>> import jax
    >>> from sensorimotor.learners import LinearLearner
    >>> from sensorimotor.rules import LMS
    >>> from sensorimotor.envs.streams import RandomWalkStream
    >>> out = run_learning_loop(LinearLearner(LMS(0.05)), RandomWalkStream(3), 1000,
    ...                         jax.random.key(0))
    >>> print(out.metrics.squared_error.shape)
    ()
"""

from sensorimotor.run.learning_loop import (
    LoopResult,
    compile_count,
    run_learning_loop,
    run_learning_loop_batched,
    run_sweep,
)
from sensorimotor.run.td_learning_loop import (
    run_td_learning_loop,
    run_td_learning_loop_batched,
    run_td_sweep,
)

__all__ = [
    "LoopResult",
    "compile_count",
    "run_learning_loop",
    "run_learning_loop_batched",
    "run_sweep",
    "run_td_learning_loop",
    "run_td_learning_loop_batched",
    "run_td_sweep",
]
