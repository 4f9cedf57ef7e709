"""One exploration step converts each signal from dict to array once and validates it once.

A spy counts the calls of the ``ChannelSet`` methods that convert a dict to an array
(``to_array``, ``to_array_batch``, ``to_signal``) and that validate (``validate``,
``check_array``), on the motor and on the sensory side, during one step
``e = explorer.explore(); f = env.execute(e['m_signal']); explorer.receive(e, f)``.
Before this was measured, goal babbling converted the motor signal four times (three
``to_array`` and the arm's own) and validated it five times, the sensory signals three and six.
"""

import collections
import functools
import math

import numpy as np
import pytest

from sensorimotor import KinematicArm2D
from sensorimotor.explore import LearningProgressExplorer, RandomGoalExplorer, RandomMotorExplorer
from sensorimotor.learners import NNLearner
from sensorimotor.run.observation_log import ObservationLog
from sensorimotor.signals import ChannelSet, SignalError

CONVERSIONS = ("to_array", "to_array_batch", "to_signal")
VALIDATIONS = ("validate", "check_array")


class SeedArm(KinematicArm2D):
    """The mid7 arm through the seed's dict path: ``_execute`` returns a dict."""

    def _execute(self, m_signal, meta=None):
        angles = np.array([m_signal[ch.name] for ch in self.m_channels])
        x, y = self._execute_vector(angles)
        return {"x": float(x), "y": float(y)}


def mid7(cls=KinematicArm2D):
    lengths = 1.5 ** -np.arange(7.0)
    return cls({"dim": 7, "limits": (-60.0, 60.0), "lengths": (lengths / lengths.sum()).tolist()})


@pytest.fixture
def spy(monkeypatch):
    """``counts[(method, 'm' or 's')]``: calls since the last ``counts.clear()``."""
    counts = collections.Counter()

    def wrap(name):
        original = getattr(ChannelSet, name)

        @functools.wraps(original)
        def counted(self, *args, **kwargs):
            counts[(name, "m" if self.names[0].startswith("j") else "s")] += 1
            return original(self, *args, **kwargs)

        monkeypatch.setattr(ChannelSet, name, counted)

    for name in CONVERSIONS + VALIDATIONS:
        wrap(name)
    return counts


def tally(counts, side):
    conversions = sum(counts.get((name, side), 0) for name in CONVERSIONS)
    validations = sum(counts.get((name, side), 0) for name in VALIDATIONS)
    return conversions, validations


def one_step(make, env, spy, warm_up=50):
    learner = NNLearner({"m_channels": env.m_channels, "s_channels": env.s_channels})
    explorer = make({"learner": learner, "seed": 0})
    for _ in range(warm_up):
        e = explorer.explore()
        explorer.receive(e, env.execute(e["m_signal"]))
    spy.clear()
    e = explorer.explore()
    f = env.execute(e["m_signal"])
    assert explorer.receive(e, f) is True
    return e, dict(spy)


@pytest.mark.parametrize(
    "make",
    [RandomGoalExplorer, RandomMotorExplorer, LearningProgressExplorer],
    ids=lambda c: c.__name__,
)
def test_one_step_converts_and_validates_each_signal_once(make, spy):
    e, counts = one_step(make, KinematicArm2D.mid7(), spy)
    if make is not RandomMotorExplorer:
        assert e["from"].startswith("goal") and "s_goal" in e  # the goal path, learner ready
    # the motor command: one to_array (its one validation) where it enters env.execute
    assert counts.pop(("to_array", "m")) == 1 and counts.pop(("validate", "m")) == 1
    # the arm computes the sensory signal as an array: validated once, no dict to convert
    assert counts.pop(("check_array", "s")) == 1
    assert counts == {}, f"more conversions or validations: {counts}"


def test_an_environment_on_the_seed_dict_path_converts_the_sensory_dict_once(spy):
    arm = mid7(SeedArm)
    assert not arm._executes_vectors  # a subclass's _execute is obeyed
    _, counts = one_step(RandomGoalExplorer, arm, spy)
    assert tally(counts, "m") == (1, 1) and tally(counts, "s") == (1, 1)
    assert counts[("to_signal", "s")] == 1


def test_same_numbers_on_both_paths():
    arm, seed_arm = KinematicArm2D.mid7(), mid7(SeedArm)
    rng = np.random.default_rng(0)
    for _ in range(50):
        m = arm.m_set.from_array(arm.m_set.random(rng) * 1.2)  # some beyond the limits
        a, b = arm.execute(m), seed_arm.execute(m)
        assert a["m_signal"] == b["m_signal"] and a["s_signal"] == b["s_signal"]
        np.testing.assert_array_equal(a["s_signal"].array, b["s_signal"].array)


def test_a_plain_dict_feedback_is_converted_and_validated_once_where_it_enters(spy):
    arm = KinematicArm2D.mid7()
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    explorer = RandomMotorExplorer({"learner": learner, "seed": 0})
    e = explorer.explore()
    f = arm.execute(e["m_signal"])
    plain = {key: dict(value) if isinstance(value, dict) else value for key, value in f.items()}
    spy.clear()
    assert explorer.receive(e, plain) is True
    # converted in receive (to_signal validates once), then the learner reuses the arrays
    assert tally(spy, "m") == (1, 1) and tally(spy, "s") == (1, 1)
    np.testing.assert_array_equal(learner.memory.m[-1], learner.m_set.scale(f["m_signal"].array))


def test_the_log_writes_the_carried_arrays(spy, tmp_path):
    arm = KinematicArm2D.mid7()
    with ObservationLog(tmp_path / "log.h5", arm.m_channels, arm.s_channels) as log:
        f = arm.execute(arm.m_set.from_array(np.zeros(7)))
        spy.clear()
        log.append(f)
        assert spy == {}
        log.append({**f, "s_signal": dict(f["s_signal"])})  # one plain signal: converted once
        assert tally(spy, "s") == (1, 1) and tally(spy, "m") == (0, 0)


def test_a_signal_changed_after_execute_is_validated_again(spy):
    arm = KinematicArm2D.mid7()
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    explorer = RandomMotorExplorer({"learner": learner, "seed": 0})
    e = explorer.explore()
    f = arm.execute(e["m_signal"])
    f["s_signal"]["x"] = math.nan  # changing the dict drops the array it carried
    with pytest.raises(SignalError, match="'x' is NaN"):
        explorer.receive(e, f)
    assert len(explorer) == 0 and len(learner) == 0
    f["s_signal"]["x"] = 0.25
    assert explorer.receive(e, f) is True
    assert learner.s_set.unscale(learner.memory.s[-1])[0] == 0.25
