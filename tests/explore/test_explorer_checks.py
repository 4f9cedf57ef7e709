"""The checker itself: each deliberately broken explorer fails the check that targets it."""

import numpy as np
import pytest

from sensorimotor.explore import (
    ExplorerCheckError,
    LearningProgressExplorer,
    RandomGoalExplorer,
    RandomMotorExplorer,
    check_explorer,
    checks,
)


class GlobalRandom(RandomMotorExplorer):
    """Draws from NumPy's global generator: not reproducible from its seed."""

    def _explore(self):
        m = np.random.uniform(self.m_set.low, self.m_set.high)  # noqa: NPY002 (the bug under test)
        return {"m_signal": self.m_set.from_array(m), "from": "motor"}


class IgnoresSeed(RandomMotorExplorer):
    def _setup(self):
        super()._setup()
        self.rng = np.random.default_rng(0)


class OutOfBounds(RandomMotorExplorer):
    def _explore(self):
        m = self.random_motor() + 2 * (self.m_set.high - self.m_set.low)
        return {"m_signal": self.m_set.from_array(m), "from": "motor"}


class NoTag(RandomMotorExplorer):
    def _explore(self):
        return {"m_signal": self.m_set.from_array(self.random_motor())}


class LearnsInExplore(RandomGoalExplorer):
    def _explore(self):
        e = super()._explore()
        m = self.m_set.to_array(e["m_signal"])
        self.learner.update_array(m[None], np.zeros((1, len(self.s_set))))
        return e


class DoesNotFeed(RandomMotorExplorer):
    def receive(self, exploration, feedback):
        m, s, goal, key = self._validate(exploration, feedback)
        self._record(exploration, m, s, goal, key)
        return True


class CountsFirst(RandomMotorExplorer):
    """Counts the observation before the learner refuses it."""

    def receive(self, exploration, feedback):
        self._count += 1
        return super().receive(exploration, feedback)


class SkipsValidation(RandomGoalExplorer):
    """Never looks at the goal or the tag: a NaN goal goes through."""

    def _validate(self, exploration, feedback):
        m = self.m_set.to_array(feedback["m_signal"])
        s = self.s_set.to_array(feedback["s_signal"])
        return m, s, None, str(feedback.get("uuid"))


class CountsDuplicates(RandomMotorExplorer):
    def receive(self, exploration, feedback):
        self.learner.update_feedback(feedback)
        self._count += 1
        return True


class ForgetsInterest(LearningProgressExplorer):
    def _set_state(self, state):
        pass


class ForgetsGenerator(RandomGoalExplorer):
    def state(self):
        st = super().state()
        st["rng_state"] = np.random.default_rng(123).bit_generator.state
        return st


def make(cls, **cfg):
    return lambda learner, seed: cls({"learner": learner, "seed": seed, **cfg})


BROKEN = [
    (GlobalRandom, "check_same_seed_same_exploration"),
    (IgnoresSeed, "check_seed_changes_exploration"),
    (OutOfBounds, "check_explore_signal"),
    (NoTag, "check_explore_signal"),
    (LearnsInExplore, "check_explore_signal"),
    (DoesNotFeed, "check_receive_feeds_learner"),
    (CountsFirst, "check_bad_input_refused"),
    (SkipsValidation, "check_bad_input_refused"),
    (CountsDuplicates, "check_duplicate_uuid_ignored"),
    (ForgetsInterest, "check_save_load_round_trip"),
    (ForgetsGenerator, "check_save_load_round_trip"),
]


@pytest.mark.parametrize(("cls", "check_name"), BROKEN, ids=lambda x: getattr(x, "__name__", x))
def test_broken_explorer_fails_its_check(cls, check_name):
    check = getattr(checks, check_name)
    with pytest.raises(ExplorerCheckError) as info:
        check(make(cls))
    assert info.value.check == check_name
    assert str(info.value).startswith(check_name)
    # and the full suite reports it among its failures
    with pytest.raises(ExplorerCheckError) as info:
        check_explorer(make(cls))
    assert check_name in info.value.failures


def test_the_sound_parent_passes_the_checks_its_children_fail():
    for cls in {c.__mro__[1] for c, _ in BROKEN}:
        assert set(check_explorer(make(cls)).values()) == {"passed"}


def test_make_must_use_the_given_learner():
    from sensorimotor.learners import NNLearner

    def make_own(learner, seed):
        other = NNLearner(
            {"m_channels": learner.m_set.channels, "s_channels": learner.s_set.channels}
        )
        return RandomMotorExplorer({"learner": other, "seed": seed})

    with pytest.raises(ExplorerCheckError, match="that learner"):
        checks.check_explore_signal(make_own)


def test_instances_and_a_bare_learner_class_are_refused_saying_what_is_wanted():
    from sensorimotor.envs import KinematicArm2D
    from sensorimotor.learners import NNLearner

    sound = make(RandomMotorExplorer)
    explorer = sound(
        NNLearner(
            {"m_channels": KinematicArm2D().m_channels, "s_channels": KinematicArm2D().s_channels}
        ),
        0,
    )
    with pytest.raises(TypeError, match="takes make, a callable.*instance of RandomMotorExplorer"):
        check_explorer(explorer)
    with pytest.raises(TypeError, match="env_factory, a callable .*instance of KinematicArm2D"):
        check_explorer(sound, env_factory=KinematicArm2D())
    # a learner class is callable, but takes cfg where the checks pass (env, seed)
    with pytest.raises(TypeError, match=r"learner_factory\(env, seed\); NNLearner takes cfg"):
        check_explorer(sound, learner_factory=NNLearner)


def _own_explorer_class():
    """A user's explorer, as a notebook cell or a test function defines it: each call makes a
    new class with the same name and module."""

    class Alternating(RandomMotorExplorer):
        def _setup(self):
            super()._setup()
            self.turn = 0

        def _explore(self):
            u = np.full(len(self.m_set), float(self.turn % 3 == 0))
            u = np.clip(u + 0.1 * self.rng.standard_normal(len(u)), 0, 1)
            return {"m_signal": self.m_set.signal(self.m_set.unscale(u)), "from": "turn"}

        def _observe(self, exploration, m, s, goal):
            self.turn += 1

        def _get_state(self):
            return {"turn": self.turn}

        def _set_state(self, state):
            self.turn = state["turn"]

    return Alternating


def test_a_class_defined_again_passes_and_loads_as_the_class_asked_for(tmp_path):
    """A notebook cell run twice (or two tests defining their own explorer) leaves two
    classes of one name and module; loading picked the first, so a correct explorer failed
    check_save_load_round_trip with "the state holds a saved Alternating, not the
    Alternating asked for"."""
    from sensorimotor.envs import KinematicArm2D
    from sensorimotor.explore import Explorer
    from sensorimotor.learners import NNLearner

    old = _own_explorer_class()
    arm = KinematicArm2D({"dim": 3})
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    old({"learner": learner, "seed": 1}).save(tmp_path / "old.json")
    new = _own_explorer_class()
    assert set(check_explorer(make(new)).values()) == {"passed"}
    explorer = new({"learner": learner, "seed": 1})
    explorer.save(tmp_path / "new.json")
    assert type(new.load(tmp_path / "new.json", learner)) is new
    assert type(new.load(tmp_path / "old.json", learner)) is new  # the file names no version
    assert type(old.load(tmp_path / "new.json", learner)) is old  # the class asked for
    # without a class asked for, the newest definition is the one its name stands for now
    assert type(Explorer.load(tmp_path / "new.json", learner)) is new


def test_the_round_trip_holds_on_an_environment_with_a_state_of_its_own():
    """On a ``Distractor`` (a channel that drifts step by step) the loaded explorer went on
    in a fresh environment and the original in the one it had moved 20 steps: a sound
    goal explorer failed with "the loaded explorer explores differently (step 1 after
    loading)". Both now go on in the same environment, fed the same feedback."""
    from sensorimotor.envs import Distractor, KinematicArm2D
    from sensorimotor.learners import LWLRLearner

    def env_factory():
        return Distractor({"env": KinematicArm2D({"dim": 3})})

    def learner_factory(env, seed):
        return LWLRLearner({"m_channels": env.m_channels, "s_channels": env.s_channels})

    result = checks.check_save_load_round_trip(
        make(RandomGoalExplorer), env_factory=env_factory, learner_factory=learner_factory
    )
    assert result == "passed"


def test_an_own_explorer_missing_a_part_is_told_which():
    """Two slips in writing one's own explorer gave bare errors: no ``_explore`` raised
    ``NotImplementedError`` with no message (``check_explorer`` printed "raised
    NotImplementedError: " seven times), and a ``defcfg`` without ``Explorer.defcfg``'s
    keys an ``AttributeError: 'learner'``."""
    from sensorimotor.envs import KinematicArm2D
    from sensorimotor.explore import Explorer
    from sensorimotor.learners import NNLearner

    class NoExplore(Explorer):
        pass

    class OwnSettingsOnly(Explorer):
        defcfg = {"noise": 0.1}

        def _explore(self):
            return {"m_signal": self.m_set.signal(self.random_motor()), "from": "own"}

    arm = KinematicArm2D({"dim": 3})
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    with pytest.raises(NotImplementedError, match=r"NoExplore must implement _explore\(\)"):
        NoExplore({"learner": learner}).explore()
    with pytest.raises(ExplorerCheckError, match=r"NoExplore must implement _explore\(\)"):
        checks.check_explore_signal(make(NoExplore))
    with pytest.raises(TypeError, match=r"OwnSettingsOnly.defcfg lacks .*'learner'.*\*\*Explorer"):
        OwnSettingsOnly({"noise": 0.2, "m_channels": arm.m_channels})
