"""Continual learning (the Alberta plan's streaming learners) under alberta-framework's names.

The streaming learners live here (``LinearLearner``, ``TDLinearLearner``, ``Horde``,
``MLPLearner``, features, saved states) with the compiled loops that run them over a
stream (``run_learning_loop``, ``run_td_learning_loop``, ``run_mlp_learning_loop``, their
batched forms and sweeps, and the pure builders ``make_*_learning_loop`` whose
``run(key)`` vmaps over seeds), all front ends of one scan loop
(:mod:`sensorimotor.continual.scan_loop`), and ``check_stream_learner``, the conformance
suite every streaming learner passes. The step-size rules (:mod:`sensorimotor.rules`) and
the streams (:mod:`sensorimotor.envs.streams`) they use are re-exported, so that one
import serves an experiment.

Example:
    >>> import jax
    >>> from sensorimotor.continual import (
    ...     IDBD, LinearLearner, SuttonExperiment1Stream, run_learning_loop)
    >>> learner = LinearLearner(optimizer=IDBD(initial_step_size=0.05, meta_step_size=0.01),
    ...                         bias=False)
    >>> out = run_learning_loop(learner, SuttonExperiment1Stream(), 4000, jax.random.key(0))
    >>> print(out.state.weights.shape)
    (20,)
"""

from sensorimotor import rules as _rules
from sensorimotor.continual.checks import StreamCheckError, check_stream_learner
from sensorimotor.continual.features import RBFFeatures, TileCoder
from sensorimotor.continual.horde import GVF, Horde, HordeMetrics, HordeState
from sensorimotor.continual.learning_loop import (
    LoopResult,
    compile_count,
    make_learning_loop,
    run_learning_loop,
    run_learning_loop_batched,
    run_sweep,
)
from sensorimotor.continual.linear import LinearLearner, LinearMetrics, LinearState
from sensorimotor.continual.mlp import MLPLearner, MLPMetrics, MLPState
from sensorimotor.continual.mlp_io import load_mlp_learner, save_mlp_learner
from sensorimotor.continual.mlp_learning_loop import (
    make_mlp_learning_loop,
    run_mlp_learning_loop,
    run_mlp_learning_loop_batched,
    run_mlp_sweep,
)
from sensorimotor.continual.state_io import load_state, read_header, save_state
from sensorimotor.continual.stream_kinds import StreamKind
from sensorimotor.continual.td_learning_loop import (
    make_td_learning_loop,
    run_td_learning_loop,
    run_td_learning_loop_batched,
    run_td_sweep,
)
from sensorimotor.continual.td_linear import TDLinearLearner, TDLinearState, TDMetrics
from sensorimotor.continual.update_result import UpdateResult
from sensorimotor.envs import streams as _streams
from sensorimotor.envs.streams import *  # noqa: F403 - the facade re-exports the streams
from sensorimotor.rules import *  # noqa: F403 - and the rules

__all__ = [
    # learners
    "UpdateResult",
    "LinearLearner",
    "LinearState",
    "LinearMetrics",
    "TDLinearLearner",
    "TDLinearState",
    "TDMetrics",
    "GVF",
    "Horde",
    "HordeState",
    "HordeMetrics",
    "MLPLearner",
    "MLPState",
    "MLPMetrics",
    # features, saving
    "TileCoder",
    "RBFFeatures",
    "save_state",
    "load_state",
    "read_header",
    "save_mlp_learner",
    "load_mlp_learner",
    # loops
    "LoopResult",
    "compile_count",
    "run_learning_loop",
    "run_learning_loop_batched",
    "run_sweep",
    "run_td_learning_loop",
    "run_td_learning_loop_batched",
    "run_td_sweep",
    "run_mlp_learning_loop",
    "run_mlp_learning_loop_batched",
    "run_mlp_sweep",
    "make_learning_loop",
    "make_td_learning_loop",
    "make_mlp_learning_loop",
    # conformance
    "check_stream_learner",
    "StreamCheckError",
    "StreamKind",
]

__all__ += _rules.__all__ + _streams.__all__  # composed, not copied
