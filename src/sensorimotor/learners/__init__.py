"""Learners: linear, TD, streaming MLP, forward and inverse models."""

from sensorimotor.learners.mlp import MLPLearner, MLPMetrics, MLPState
from sensorimotor.learners.mlp_io import load_mlp_learner, save_mlp_learner
from sensorimotor.learners.update_result import UpdateResult

__all__ = [
    "MLPLearner",
    "MLPMetrics",
    "MLPState",
    "UpdateResult",
    "load_mlp_learner",
    "save_mlp_learner",
]
