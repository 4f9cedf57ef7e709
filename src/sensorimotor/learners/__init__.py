"""Learners: linear, TD, streaming MLP, forward and inverse models."""

from sensorimotor.learners.mlp import MLPLearner, MLPMetrics, MLPState
from sensorimotor.learners.update_result import UpdateResult

__all__ = ["MLPLearner", "MLPMetrics", "MLPState", "UpdateResult"]
