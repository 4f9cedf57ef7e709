"""Learners: linear, TD, streaming MLP, forward and inverse models."""

from sensorimotor.learners.features import RBFFeatures, TileCoder
from sensorimotor.learners.horde import GVF, Horde, HordeMetrics, HordeState
from sensorimotor.learners.linear import LinearLearner, LinearMetrics, LinearState
from sensorimotor.learners.state_io import load_state, read_header, save_state
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
    "GVF",
    "Horde",
    "HordeState",
    "HordeMetrics",
    "TileCoder",
    "RBFFeatures",
    "save_state",
    "load_state",
    "read_header",
]
