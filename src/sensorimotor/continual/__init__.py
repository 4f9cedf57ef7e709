"""Continual learning (the Alberta plan's linear and TD tools) under alberta-framework's names.

Rules (``LMS``, ``NLMS``, ``IDBD``, ``Autostep``, ``RLS``, ``TDIDBD``, ``AutoTDIDBD``,
``ObGD``, ``AdaptiveObGD``), normalisers, learners (``LinearLearner``, ``TDLinearLearner``,
``Horde``, ``MLPLearner``), features, streams and compiled loops (``run_learning_loop``,
``run_mlp_learning_loop`` and friends), re-exported from the layers where they live.

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

from sensorimotor.envs.streams import (
    AbruptChangeStream,
    CyclicStream,
    RandomWalkChainStream,
    RandomWalkStream,
    ScaleDriftStream,
    SuttonExperiment1Stream,
    TDTimeStep,
    TimeStep,
)
from sensorimotor.learners.features import RBFFeatures, TileCoder
from sensorimotor.learners.horde import GVF, Horde, HordeMetrics, HordeState
from sensorimotor.learners.linear import LinearLearner, LinearMetrics, LinearState
from sensorimotor.learners.mlp import MLPLearner, MLPMetrics, MLPState
from sensorimotor.learners.mlp_io import load_mlp_learner, save_mlp_learner
from sensorimotor.learners.state_io import load_state, read_header, save_state
from sensorimotor.learners.td_linear import TDLinearLearner, TDLinearState, TDMetrics
from sensorimotor.learners.update_result import UpdateResult
from sensorimotor.rules import (
    IDBD,
    LMS,
    NLMS,
    RLS,
    TDIDBD,
    AdaptiveObGD,
    AdaptiveObGDState,
    Autostep,
    AutostepState,
    AutoTDIDBD,
    AutoTDIDBDState,
    DivergenceError,
    EMANormalizer,
    EMANormalizerState,
    IDBDState,
    LMSState,
    NLMSState,
    ObGD,
    ObGDState,
    RLSState,
    TDIDBDState,
    WelfordNormalizer,
    WelfordNormalizerState,
    adaptive_obgd,
    obgd,
)
from sensorimotor.run.learning_loop import (
    LoopResult,
    compile_count,
    run_learning_loop,
    run_learning_loop_batched,
    run_sweep,
)
from sensorimotor.run.mlp_learning_loop import (
    run_mlp_learning_loop,
    run_mlp_learning_loop_batched,
)
from sensorimotor.run.td_learning_loop import (
    run_td_learning_loop,
    run_td_learning_loop_batched,
    run_td_sweep,
)

__all__ = [
    # rules
    "LMS",
    "LMSState",
    "NLMS",
    "NLMSState",
    "IDBD",
    "IDBDState",
    "Autostep",
    "AutostepState",
    "RLS",
    "RLSState",
    "TDIDBD",
    "TDIDBDState",
    "AutoTDIDBD",
    "AutoTDIDBDState",
    "EMANormalizer",
    "EMANormalizerState",
    "WelfordNormalizer",
    "WelfordNormalizerState",
    "DivergenceError",
    "ObGD",
    "ObGDState",
    "obgd",
    "AdaptiveObGD",
    "AdaptiveObGDState",
    "adaptive_obgd",
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
    "save_mlp_learner",
    "load_mlp_learner",
    # features, saving
    "TileCoder",
    "RBFFeatures",
    "save_state",
    "load_state",
    "read_header",
    # streams
    "TimeStep",
    "TDTimeStep",
    "RandomWalkStream",
    "AbruptChangeStream",
    "SuttonExperiment1Stream",
    "CyclicStream",
    "ScaleDriftStream",
    "RandomWalkChainStream",
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
]
