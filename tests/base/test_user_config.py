"""Config: a read-only mapping with attribute access."""

import copy

from sensorimotor.base.user_config import Config, merge_config
from sensorimotor.learners import NNLearner
from sensorimotor.signals import Channel


def test_a_config_and_a_learner_holding_one_can_be_copied():
    # copy.deepcopy reconstructs without __init__: __getattr__ looked up _values, which
    # looked up _values, ... (RecursionError), so a learner could not be deep-copied.
    cfg = merge_config({"dim": 7, "origin": (0, 0)}, {"dim": 3})
    for twin in (copy.copy(cfg), copy.deepcopy(cfg)):
        assert isinstance(twin, Config) and dict(twin) == dict(cfg) and twin.dim == 3
    learner = NNLearner(
        {"m_channels": [Channel("a", (0, 1))], "s_channels": [Channel("b", (0, 1))]}
    )
    learner.update({"a": 0.5}, {"b": 0.25})
    twin = copy.deepcopy(learner)
    twin.update({"a": 0.1}, {"b": 0.9})
    assert len(learner) == 1 and len(twin) == 2
    assert learner.predict({"a": 0.1}) == {"b": 0.25}
