"""Learners: linear, TD, streaming MLP, forward and inverse models."""

from sensorimotor.learners.linear import LinearLearner, LinearMetrics, LinearState
from sensorimotor.learners.td_linear import TDLinearLearner, TDLinearState, TDMetrics
from sensorimotor.learners.update_result import UpdateResult

__all__ = [
    "UpdateResult",
    "LinearLearner",
    "LinearState",
    "LinearMetrics",
    "TDLinearLearner",
    "TDLinearState",
    "TDMetrics",
]
