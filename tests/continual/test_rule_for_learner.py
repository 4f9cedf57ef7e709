"""A step-size rule passed where a learner is expected is named as one (issue 9, Also)."""

import jax
import pytest

from sensorimotor.continual import (
    IDBD,
    LMS,
    LinearLearner,
    RandomWalkStream,
    run_learning_loop,
    run_sweep,
)
from sensorimotor.rules import TDIDBD


@pytest.mark.parametrize("rule", [LMS(0.1), IDBD(0.05, 0.01), TDIDBD()])
def test_run_sweep_of_a_rule_says_a_rule_was_passed_for_a_learner(rule):
    keys = jax.random.split(jax.random.key(0), 2)
    name = type(rule).__name__
    with pytest.raises(TypeError, match=rf"step-size rule {name}.*LinearLearner\({name}"):
        run_sweep(rule, RandomWalkStream(3), 10, keys)
    with pytest.raises(TypeError, match=rf"step-size rule {name}"):
        run_sweep([rule], RandomWalkStream(3), 10, keys)


def test_run_learning_loop_of_a_rule_says_so_and_a_single_learner_to_a_sweep_too():
    with pytest.raises(TypeError, match="step-size rule LMS"):
        run_learning_loop(LMS(0.1), RandomWalkStream(3), 10, jax.random.key(0))
    keys = jax.random.split(jax.random.key(0), 2)
    with pytest.raises(
        TypeError, match="learners must be a sequence of learners, got LinearLearner"
    ):
        run_sweep(LinearLearner(LMS(0.1)), RandomWalkStream(3), 10, keys)
