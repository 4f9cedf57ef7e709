"""Learners: linear, TD, streaming MLP, forward and inverse models."""

from sensorimotor.learners.checks import check_learner
from sensorimotor.learners.features import RBFFeatures, TileCoder
from sensorimotor.learners.horde import GVF, Horde, HordeMetrics, HordeState
from sensorimotor.learners.learner import Learner, NotReadyError
from sensorimotor.learners.linear import LinearLearner, LinearMetrics, LinearState
from sensorimotor.learners.lwlr import LWLRLearner
from sensorimotor.learners.memory import Memory, knn
from sensorimotor.learners.mlp import MLPLearner, MLPMetrics, MLPState
from sensorimotor.learners.mlp_io import load_mlp_learner, save_mlp_learner
from sensorimotor.learners.nearest_neighbour import NNLearner
from sensorimotor.learners.network import NetworkLearner
from sensorimotor.learners.random import RandomLearner
from sensorimotor.learners.state_io import load_state, read_header, save_state
from sensorimotor.learners.td_linear import TDLinearLearner, TDLinearState, TDMetrics
from sensorimotor.learners.update_result import UpdateResult
from sensorimotor.learners.weighted_nn import WNNLearner

__all__ = [
    "LWLRLearner",
    "Learner",
    "Memory",
    "NNLearner",
    "NetworkLearner",
    "NotReadyError",
    "RandomLearner",
    "UpdateResult",
    "WNNLearner",
    "check_learner",
    "knn",
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
    "MLPLearner",
    "MLPState",
    "MLPMetrics",
    "save_mlp_learner",
    "load_mlp_learner",
]
