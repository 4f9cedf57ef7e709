"""The conformance checker itself, against deliberately broken environments (one per check)."""

import math
import uuid

import numpy as np
import pytest

from sensorimotor import Channel, Environment, SignalError
from sensorimotor.envs import checks
from sensorimotor.envs.checks import ENVIRONMENT_CHECKS, EnvironmentCheckError, check_environment

ch_x = Channel("x", (-1, 1))
ch_y = Channel("y", (0, 2))


class Affine(Environment):
    """A correct environment with a vectorised path: a = x + 2y, b = x * y."""

    m_channels = [ch_x, ch_y]
    s_channels = [Channel("a"), Channel("b")]

    def _execute(self, m_signal, meta=None):
        return {"a": m_signal["x"] + 2 * m_signal["y"], "b": m_signal["x"] * m_signal["y"]}

    def _execute_array(self, m_batch):
        x, y = m_batch[:, 0], m_batch[:, 1]
        return np.stack([x + 2 * y, x * y], axis=1)


def _unchecked(env, m_signal, convert):
    """An execute that validates nothing but what ``convert`` does."""
    m = {ch.name: convert(m_signal.get(ch.name, 0.0)) for ch in env.m_channels}
    return {"m_signal": m, "s_signal": env._execute(m), "uuid": uuid.uuid4()}


class DuplicateChannels(Affine):
    m_channels = [ch_x, ch_x]


class NotAChannel(Affine):
    m_channels = [ch_x, "y"]


class NoUuid(Affine):
    def execute(self, m_signal, meta=None):
        feedback = super().execute(m_signal, meta)
        del feedback["uuid"]
        return feedback


class NumpyValues(Affine):
    def execute(self, m_signal, meta=None):
        feedback = super().execute(m_signal, meta)
        feedback["s_signal"] = {k: np.float32(v) for k, v in feedback["s_signal"].items()}
        return feedback


SAME_UUID = uuid.uuid4()


class ReusedUuid(Affine):
    def execute(self, m_signal, meta=None):
        return {**super().execute(m_signal, meta), "uuid": SAME_UUID}


class FillsMissing(Affine):
    def execute(self, m_signal, meta=None):
        return super().execute({"x": 0.0, "y": 0.0, **m_signal}, meta)


class DropsUnknown(Affine):
    def execute(self, m_signal, meta=None):
        known = {k: v for k, v in m_signal.items() if k in self.m_set}
        return super().execute(known, meta)


class MissingIsKeyError(Affine):
    def execute(self, m_signal, meta=None):
        for ch in self.m_channels:
            m_signal[ch.name]  # KeyError instead of SignalError
        return super().execute(m_signal, meta)


class AcceptsNaN(Affine):
    def execute(self, m_signal, meta=None):
        self._check_open()
        self.m_set.validate({k: 0.0 for k in m_signal})  # names only
        return _unchecked(self, m_signal, float)


class AcceptsInf(Affine):
    def execute(self, m_signal, meta=None):
        if any(isinstance(v, float) and math.isinf(v) for v in m_signal.values()):
            return _unchecked(self, m_signal, float)
        return super().execute(m_signal, meta)


class FloatConverts(Affine):
    """Accepts anything ``float()`` accepts: the string '0.5' and True."""

    def execute(self, m_signal, meta=None):
        return super().execute({k: float(v) for k, v in m_signal.items()}, meta)


class NamesWrongChannel(Affine):
    def execute(self, m_signal, meta=None):
        try:
            return super().execute(m_signal, meta)
        except SignalError as err:
            raise SignalError(str(err), channel="x") from None


class ChangesWhenRefusing(Affine):
    """Counts calls before validating: a refused signal still changes the output."""

    calls = 0

    def execute(self, m_signal, meta=None):
        self.calls += 1
        return super().execute(m_signal, meta)

    def _execute(self, m_signal, meta=None):
        s = super()._execute(m_signal, meta)
        return {**s, "a": s["a"] + self.calls}

    def _execute_array(self, m_batch):
        out = super()._execute_array(m_batch)
        out[:, 0] += self.calls
        return out


class CloseRaisesTwice(Affine):
    def close(self):
        if getattr(self, "_was_closed", False):
            raise RuntimeError("already closed")
        self._was_closed = True
        super().close()


class UsableAfterClose(Affine):
    def _check_open(self):
        pass


class DisagreeingBatch(Affine):
    def _execute_array(self, m_batch):
        out = super()._execute_array(m_batch)
        out[:, 1] += 1e-6
        return out


class Noisy(Affine):
    def __init__(self, cfg=None):
        super().__init__(cfg)
        self.rng = np.random.default_rng()

    def _execute(self, m_signal, meta=None):
        s = super()._execute(m_signal, meta)
        return {**s, "b": s["b"] + 1e-3 * self.rng.standard_normal()}

    def _execute_array(self, m_batch):
        return super()._execute_array(m_batch) + 1e-3 * self.rng.standard_normal((len(m_batch), 2))


CHECK_NAMES = [c.__name__ for c in ENVIRONMENT_CHECKS]
REFUSALS = {n for n in CHECK_NAMES if n.startswith("check_refuses_")}

# broken environment -> (the checks that must catch it, the other checks it fails as a
# consequence); the test asserts the failures are exactly their union.
BROKEN = {
    DuplicateChannels: ({"check_channels"}, set(CHECK_NAMES)),  # nothing works without channels
    NotAChannel: ({"check_channels"}, set(CHECK_NAMES)),
    NoUuid: ({"check_feedback_shape"}, {"check_fresh_uuid"}),
    NumpyValues: ({"check_feedback_shape"}, {"check_batch_matches_single"}),  # float32 values
    ReusedUuid: ({"check_fresh_uuid"}, set()),
    FillsMissing: ({"check_refuses_missing_channel"}, set()),
    MissingIsKeyError: ({"check_refuses_missing_channel"}, set()),
    NamesWrongChannel: ({"check_refuses_missing_channel"}, REFUSALS),
    DropsUnknown: ({"check_refuses_unknown_channel"}, set()),
    AcceptsNaN: ({"check_refuses_nan"}, {"check_refuses_inf", "check_refuses_non_number"}),
    AcceptsInf: ({"check_refuses_inf"}, set()),
    FloatConverts: ({"check_refuses_non_number"}, set()),
    ChangesWhenRefusing: (
        {"check_refuses_nan"},
        REFUSALS | {"check_deterministic", "check_batch_matches_single"},
    ),
    CloseRaisesTwice: ({"check_close_idempotent"}, set()),
    UsableAfterClose: ({"check_closed_refuses_execute"}, set()),
    DisagreeingBatch: ({"check_batch_matches_single"}, set()),
    Noisy: ({"check_batch_matches_single", "check_deterministic"}, REFUSALS),  # state checks
}


def test_the_correct_environment_passes_every_check():
    report = check_environment(Affine)
    assert report == dict.fromkeys(CHECK_NAMES, "passed")


def test_every_check_has_a_broken_environment():
    caught = set().union(*(must for must, _ in BROKEN.values()))
    assert caught == set(CHECK_NAMES)


@pytest.mark.parametrize("broken", list(BROKEN), ids=lambda c: c.__name__)
def test_broken_environment_fails_exactly_its_checks(broken):
    with pytest.raises(EnvironmentCheckError) as info:
        check_environment(broken)
    assert info.value.check == "check_environment"
    must, also = BROKEN[broken]
    assert set(info.value.failures) == must | also
    for name in must:
        # each check also catches it on its own, naming itself
        with pytest.raises(EnvironmentCheckError, match=f"^{name}: ") as one:
            getattr(checks, name)(broken)
        assert one.value.check == name
        assert name in str(info.value)


@pytest.mark.parametrize(
    "broken, check, message",
    [
        (NamesWrongChannel, "check_refuses_missing_channel", "names channel 'x'.*expected 'y'"),
        (MissingIsKeyError, "check_refuses_missing_channel", "raised KeyError"),
        (FillsMissing, "check_refuses_missing_channel", "without 'x': accepted"),
        (ChangesWhenRefusing, "check_refuses_nan", "refused, but the environment changed"),
        (FloatConverts, "check_refuses_non_number", "x='0.5' in execute: accepted"),
        (DisagreeingBatch, "check_batch_matches_single", "channel 'b'"),
        (Noisy, "check_deterministic", "executed again"),
    ],
)
def test_failure_messages_say_what_went_wrong(broken, check, message):
    with pytest.raises(EnvironmentCheckError, match=message):
        getattr(checks, check)(broken)


def test_non_deterministic_environments_skip_the_comparisons():
    report = check_environment(Noisy, deterministic=False)
    assert report["check_deterministic"] == "skipped: not deterministic"
    assert report["check_batch_matches_single"] == "skipped: not deterministic"
    assert {v for k, v in report.items() if "skipped" not in v} == {"passed"}


def test_no_batch_path_is_skipped_not_failed():
    class Loop(Affine):
        _execute_array = Environment._execute_array

    assert check_environment(Loop)["check_batch_matches_single"] == "skipped: no batch path"


def test_factory_must_return_an_environment():
    with pytest.raises(EnvironmentCheckError, match="^check_channels: the factory returned a dict"):
        checks.check_channels(dict)


def test_sample_motor_respects_one_sided_and_missing_bounds():
    env = Affine()
    env.m_channels = [Channel("p", (0, np.inf)), Channel("q", (-np.inf, 3)), Channel("r")]
    m = checks.sample_motor(env.m_set, np.random.default_rng(0), 1000)
    assert m[:, 0].min() >= 0 and m[:, 1].max() <= 3 and np.isfinite(m).all()
    assert m[:, 2].min() < 0 < m[:, 2].max()


@pytest.mark.parametrize(
    "check", [*ENVIRONMENT_CHECKS, check_environment], ids=lambda c: c.__name__
)
def test_every_public_check_has_an_example_of_its_own(check):
    """Ten checks had none: a docstring's example is what the project promises for every
    public function, and doctests run with the tests."""
    import doctest

    examples = [
        ex for test in doctest.DocTestFinder().find(check, check.__name__) for ex in test.examples
    ]
    assert examples, f"{check.__name__} has no example in its docstring"


def test_an_environment_instance_instead_of_a_factory_is_refused_up_front():
    """An instance made every one of the 12 checks fail with "'KinematicArm2D' object is
    not callable", which did not say that a factory was expected."""
    from sensorimotor.envs import KinematicArm2D

    with pytest.raises(TypeError, match="takes a factory.*got an instance of KinematicArm2D"):
        check_environment(KinematicArm2D({"dim": 2}))
