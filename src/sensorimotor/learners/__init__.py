"""Learners: linear, TD, streaming MLP, forward and inverse models."""

from sensorimotor.learners.checks import check_learner
from sensorimotor.learners.learner import Learner, NotReadyError
from sensorimotor.learners.lwlr import LWLRLearner
from sensorimotor.learners.memory import Memory, knn
from sensorimotor.learners.nearest_neighbour import NNLearner
from sensorimotor.learners.network import NetworkLearner
from sensorimotor.learners.random import RandomLearner
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
]
