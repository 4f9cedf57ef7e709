"""Every exported learner passes the conformance suite; the suite catches broken learners."""

import inspect

import numpy as np
import pytest

import sensorimotor.learners as learners_pkg
from sensorimotor.learners import Learner, NNLearner, RandomLearner, check_learner
from sensorimotor.learners import checks as C


def _exported_learners():
    found = []
    for name in learners_pkg.__all__:
        obj = getattr(learners_pkg, name)
        if inspect.isclass(obj) and issubclass(obj, Learner) and obj is not Learner:
            found.append(obj)
    return found


def test_the_known_learners_are_found():
    names = {cls.__name__ for cls in _exported_learners()}
    assert {"RandomLearner", "NNLearner", "WNNLearner", "LWLRLearner"} <= names


@pytest.mark.parametrize("cls", _exported_learners(), ids=lambda c: c.__name__)
def test_every_exported_learner_passes_check_learner(cls):
    check_learner(cls)


@pytest.mark.parametrize("inverse", ["nn", "jacobian", "optimize"])
def test_lwlr_inverse_strategies_pass_check_learner(inverse):
    check_learner(lambda cfg: learners_pkg.LWLRLearner({**cfg, "inverse": inverse, "degree": 1}))


# -- deliberately broken learners: each must fail exactly its check -------------------------
class ValidatesLate(NNLearner):
    """Stores the motor half before validating the sensory half."""

    def update(self, m_signal, s_signal, uuid=None):
        m = self.m_set.scale(self.m_set.to_array(m_signal))
        self.memory.append(m[None], np.zeros((1, len(self.s_set))))
        s = self.s_set.scale(self.s_set.to_array(s_signal))  # may raise: too late
        self.memory.truncate(len(self.memory) - 1)
        self._add(m[None], s[None], None if uuid is None else str(uuid))
        return True


class ForgetsOnLoad(NNLearner):
    """Keeps an offset that save/load loses."""

    def _setup(self):
        self.offset = 0.0

    def _learn(self, m, s):
        self.offset += 0.01

    def _set_state_arrays(self, arrays):
        pass

    def _predict(self, m):
        return super()._predict(m) + self.offset


class GlobalRandom(NNLearner):
    """Explores with NumPy's global generator."""

    def _infer(self, s):
        return super()._infer(s) + np.random.uniform(0, 0.01, size=(s.shape[0], 1))  # noqa: NPY002


class IgnoresUuid(NNLearner):
    def update(self, m_signal, s_signal, uuid=None):
        return super().update(m_signal, s_signal, None)


class AnswersEarly(NNLearner):
    """Answers zeros instead of raising NotReadyError."""

    def _check_ready(self):
        pass

    def _predict(self, m):
        return np.zeros((m.shape[0], len(self.s_set))) if not len(self) else super()._predict(m)

    def _infer(self, s):
        return np.full((s.shape[0], len(self.m_set)), 5.0) if not len(self) else super()._infer(s)


class DictPathDiffers(NNLearner):
    def predict(self, m_signal):
        out = super().predict(m_signal)
        return {k: v + 1e-9 for k, v in out.items()}


class UnclippedExplore(NNLearner):
    def infer_array(self, s_batch, mode="exploit"):
        out = super().infer_array(s_batch, mode)
        return out * 3.0 if mode == "explore" else out


BROKEN = [
    (ValidatesLate, C.check_bad_input_refused),
    (ForgetsOnLoad, C.check_save_load_round_trip),
    (GlobalRandom, C.check_same_seed_same_answers),
    (IgnoresUuid, C.check_duplicate_uuid_ignored),
    (AnswersEarly, C.check_not_ready),
    (DictPathDiffers, C.check_array_path_equals_dict_path),
    (UnclippedExplore, C.check_answers_within_motor_bounds),
]


@pytest.mark.parametrize("cls, check", BROKEN, ids=lambda x: x.__name__)
def test_check_catches_broken_learner(cls, check):
    with pytest.raises(AssertionError):
        check(cls)
    with pytest.raises(AssertionError, match=check.__name__):
        check_learner(cls, checks=[check])


def test_every_check_has_a_broken_learner():
    assert {check for _, check in BROKEN} == set(C.CHECKS)


def test_random_learner_answers_before_data_within_bounds():
    C.check_not_ready(RandomLearner)


def test_check_learner_reports_every_failed_check_by_name():
    """Like the other suites (base/conformance): one LearnerCheckError listing each failure,
    not only the first."""

    class TwiceBroken(AnswersEarly, UnclippedExplore):
        pass

    with pytest.raises(C.LearnerCheckError) as info:
        check_learner(TwiceBroken)
    assert info.value.check == "check_learner"
    assert {"check_not_ready", "check_answers_within_motor_bounds"} <= set(info.value.failures)
    assert check_learner(NNLearner) == {check.__name__: "passed" for check in C.CHECKS}


def _arm_channels():
    from sensorimotor import KinematicArm2D

    arm = KinematicArm2D({"dim": 3})
    return {"m_channels": arm.m_channels, "s_channels": arm.s_channels}


@pytest.mark.parametrize("name", ["NNLearner", "WNNLearner", "LWLRLearner", "NetworkLearner"])
def test_an_empty_batch_gets_an_empty_answer(name):
    """NetworkLearner.predict_array of a (0, 3) batch: "need at least one array to
    concatenate" (fuzz suite, issue 9)."""
    learner = getattr(learners_pkg, name)(_arm_channels())
    rng = np.random.default_rng(0)
    learner.update_array(rng.uniform(-100, 100, (30, 3)), rng.uniform(-1, 1, (30, 2)))
    assert learner.predict_array(np.zeros((0, 3))).shape == (0, 2)
    assert learner.infer_array(np.zeros((0, 2))).shape == (0, 3)


def test_a_ragged_batch_is_a_signal_error_and_the_memory_unchanged():
    """update_array([[1.0], 0, 0], ...): NumPy's "inhomogeneous shape" (fuzz suite)."""
    from sensorimotor import SignalError

    learner = learners_pkg.WNNLearner(_arm_channels())
    with pytest.raises(SignalError, match="j0"):
        learner.update_array([[1.0], 0.0, 0.0], np.zeros((1, 2)))
    assert len(learner.memory) == 0


@pytest.mark.parametrize(
    "name, key, value",
    [
        ("LWLRLearner", "inverse", np.array([0j, 0j])),  # was: "truth value ... ambiguous"
        ("WNNLearner", "width", 10**400),  # was: OverflowError
        ("LWLRLearner", "width", 10**400),
        ("WNNLearner", "width", np.timedelta64(3)),
    ],
)
def test_a_bad_setting_is_refused_naming_it(name, key, value):
    with pytest.raises(ValueError, match=key):
        getattr(learners_pkg, name)({**_arm_channels(), key: value})


def test_kinematic_arm_refuses_nan_limits_naming_limits():
    """limits [nan, 0] was refused as "channel 'j0': bounds must satisfy lo <= hi"."""
    from sensorimotor import KinematicArm2D

    with pytest.raises(ValueError, match="limits"):
        KinematicArm2D({"dim": 3, "limits": [np.nan, 0.0]})


def test_huge_ints_in_settings_are_refused_naming_them():
    """dim = 10**400 (arm) and sigma = 10**400 (goal explorer): OverflowError (fuzz suite)."""
    from sensorimotor import KinematicArm2D
    from sensorimotor.explore import RandomGoalExplorer

    with pytest.raises(ValueError, match="dim"):
        KinematicArm2D({"dim": 10**400})
    with pytest.raises(ValueError, match="sigma"):
        RandomGoalExplorer({"learner": NNLearner(_arm_channels()), "sigma": 10**400})


def test_a_learner_instance_is_refused_saying_a_factory_is_wanted():
    from sensorimotor.envs import KinematicArm2D

    arm = KinematicArm2D()
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    with pytest.raises(TypeError, match="check_learner takes a factory.*instance of NNLearner"):
        check_learner(learner)
