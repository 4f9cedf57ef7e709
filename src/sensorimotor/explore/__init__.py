"""Explorers: motor babbling, goal babbling, schedules and interest-driven exploration.

The loop: ``e = explorer.explore()``, ``f = env.execute(e['m_signal'])``,
``explorer.receive(e, f)`` (which feeds the learner). ``check_explorer`` is the conformance
suite every explorer passes.
"""

from sensorimotor.explore.checks import ExplorerCheckError, check_explorer
from sensorimotor.explore.explorer import Explorer
from sensorimotor.explore.goal import RandomGoalExplorer
from sensorimotor.explore.interest import LearningProgressExplorer
from sensorimotor.explore.meta import MetaExplorer
from sensorimotor.explore.motor import RandomMotorExplorer

__all__ = [
    "Explorer",
    "ExplorerCheckError",
    "LearningProgressExplorer",
    "MetaExplorer",
    "RandomGoalExplorer",
    "RandomMotorExplorer",
    "check_explorer",
]
