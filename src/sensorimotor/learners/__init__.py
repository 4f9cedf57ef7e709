"""Forward and inverse models, learned one observation at a time (the ``learners`` tradition).

``learner.update(feedback)``, ``predict(m_signal) -> s_signal``, ``infer(s_goal) ->
m_signal`` over named channels; ``check_learner`` is the conformance suite every learner
passes. The streaming learners of the continual-learning tradition live in
:mod:`sensorimotor.continual`. ``Channel`` is re-exported, so that the seed's
``from learners import Channel, RandomLearner`` reads
``from sensorimotor.learners import Channel, RandomLearner``.
"""

from sensorimotor.learners.checks import LearnerCheckError, check_learner
from sensorimotor.learners.learner import Learner, NotReadyError
from sensorimotor.learners.lwlr import LWLRLearner
from sensorimotor.learners.memory import Memory, knn
from sensorimotor.learners.nearest_neighbour import NNLearner
from sensorimotor.learners.network import NetworkLearner
from sensorimotor.learners.random import RandomLearner
from sensorimotor.learners.weighted_nn import WNNLearner
from sensorimotor.signals import Channel

__all__ = [
    "Channel",
    "LWLRLearner",
    "LearnerCheckError",
    "Learner",
    "Memory",
    "NNLearner",
    "NetworkLearner",
    "NotReadyError",
    "RandomLearner",
    "WNNLearner",
    "check_learner",
    "knn",
]
