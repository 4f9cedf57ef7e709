"""Every explorer exported by sensorimotor.explore passes every named check."""

import inspect

import pytest

import sensorimotor.explore as explore
from sensorimotor.explore import Explorer
from sensorimotor.explore.checks import CHECKS

EXPLORERS = [
    obj
    for name in explore.__all__
    if inspect.isclass(obj := getattr(explore, name))
    and issubclass(obj, Explorer)
    and obj is not Explorer
]


def test_every_explorer_is_found():
    names = {cls.__name__ for cls in EXPLORERS}
    assert {"RandomMotorExplorer", "RandomGoalExplorer", "MetaExplorer"} <= names
    assert "LearningProgressExplorer" in names


def _make(cls):
    # MetaExplorer switches to goal babbling early, so the checks see both of its eras.
    extra = {"eras": (10, None)} if cls is explore.MetaExplorer else {}
    return lambda learner, seed: cls({"learner": learner, "seed": seed, **extra})


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("cls", EXPLORERS, ids=lambda c: c.__name__)
def test_explorer_passes_check(cls, check):
    assert check(_make(cls)) == "passed"


@pytest.mark.parametrize("cls", EXPLORERS, ids=lambda c: c.__name__)
def test_explorer_passes_every_check_with_a_random_learner(cls):
    from sensorimotor.learners import RandomLearner

    def random_learner(env, seed):
        return RandomLearner(
            {"m_channels": env.m_channels, "s_channels": env.s_channels, "seed": seed}
        )

    result = explore.check_explorer(_make(cls), learner_factory=random_learner)
    assert set(result.values()) == {"passed"} and len(result) == len(CHECKS)


@pytest.mark.parametrize("label", ["goal babbling", "interest-driven"])
def test_the_demos_composite_explorers_pass_every_check(label):
    from sensorimotor.run.demo import make_explorer

    def make(learner, seed):
        explorer = make_explorer(label, learner, seed)
        # switch to the goal explorer after 10 steps so the checks exercise it
        return explore.MetaExplorer(
            {"learner": learner, "explorers": explorer.explorers, "eras": (10, None), "seed": seed}
        )

    assert set(explore.check_explorer(make).values()) == {"passed"}
