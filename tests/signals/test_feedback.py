import copy
import math
import pickle
import uuid

import numpy as np
import pytest

from sensorimotor.signals import (
    Channel,
    ChannelSet,
    Feedback,
    FeedbackError,
    Signal,
    SignalError,
    check_feedback,
)

M = ChannelSet([Channel("x", (0, 10)), Channel("y", (5, 15))])
S = ChannelSet([Channel("a", (5, 25))])


def feedback():
    return Feedback.of(M.to_signal({"y": 11, "x": 2}), S.to_signal({"a": 13}), uuid.uuid4())


def test_a_signal_reads_as_the_plain_dict_and_carries_its_array():
    sig = M.to_signal({"y": 11, "x": 2})
    assert sig == {"x": 2.0, "y": 11.0} and repr(sig) == "{'x': 2.0, 'y': 11.0}"
    assert list(sig) == ["x", "y"] and isinstance(sig, dict)
    np.testing.assert_array_equal(sig.array, [2.0, 11.0])
    assert sig.channel_set is M and not sig.array.flags.writeable
    assert type(dict(sig)) is dict and type(sig.copy()) is dict
    assert M.array_of(sig) is sig.array
    assert ChannelSet(list(M)).array_of(sig) is sig.array  # an equal set: carried too


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.__setitem__("x", 3.0),
        lambda s: s.__delitem__("x"),
        lambda s: s.update(x=3.0),
        lambda s: s.pop("x"),
        lambda s: s.popitem(),
        lambda s: s.setdefault("z", 1.0),
        lambda s: s.clear(),
        lambda s: s.__ior__({"x": 3.0}),
    ],
)
def test_changing_a_signal_drops_its_array(change):
    sig = M.to_signal({"x": 2, "y": 11})
    change(sig)
    assert sig.array is None and M.carried(sig) is None


def test_carried_only_for_equal_channels_and_strictness():
    sig = M.to_signal({"x": 2, "y": 11})
    assert M.carried(sig) is sig.array
    assert ChannelSet([Channel("y", (5, 15)), Channel("x", (0, 10))]).carried(sig) is None
    assert ChannelSet(list(M), strict=True).carried(sig) is None
    assert M.carried({"x": 2.0, "y": 11.0}) is None


def test_feedback_prints_and_copies_as_the_seed_dict():
    fb = feedback()
    assert (
        repr(fb)
        == f"{{'m_signal': {{'x': 2.0, 'y': 11.0}}, 's_signal': {{'a': 13.0}}, 'uuid': {fb['uuid']!r}}}"
    )
    assert dict(fb) == fb and fb.key == str(fb["uuid"])
    for twin in (pickle.loads(pickle.dumps(fb)), copy.deepcopy(fb), copy.copy(fb)):
        assert type(twin) is Feedback and twin == fb
        np.testing.assert_array_equal(twin.m_array, fb.m_array)
        assert twin.s_set == S


def test_check_feedback_passes_a_feedback_as_it_is():
    fb = feedback()
    assert check_feedback(fb, M, S) is fb
    assert check_feedback(fb, ChannelSet(list(M)), ChannelSet(list(S))) is fb


def test_check_feedback_converts_a_plain_dict_once_keeping_other_keys():
    fb = check_feedback({"m_signal": {"x": 2, "y": 11}, "s_signal": {"a": 13}, "meta": 1}, M, S)
    assert type(fb) is Feedback and fb["meta"] == 1 and "uuid" not in fb and fb.key is None
    np.testing.assert_array_equal(fb.s_array, [13.0])
    # carried signals in a plain dict are not converted again
    again = check_feedback(dict(fb), M, S)
    assert again["m_signal"] is fb["m_signal"] and again["s_signal"] is fb["s_signal"]


def test_check_feedback_names_what_is_wrong():
    good = dict(feedback())
    cases = [
        ([1, 2], "must be a mapping"),
        ({"s_signal": good["s_signal"]}, "feedback has no 'm_signal'"),
        ({"m_signal": good["m_signal"]}, "feedback has no 's_signal'"),
        ({**good, "m_signal": [2.0, 11.0]}, r"feedback\['m_signal'\] must be a dict"),
    ]
    for bad, message in cases:
        with pytest.raises(FeedbackError, match=message):
            check_feedback(bad, M, S)
    with pytest.raises(FeedbackError, match="feedback has no 'uuid'"):
        check_feedback({k: v for k, v in good.items() if k != "uuid"}, M, S, need_uuid=True)
    with pytest.raises(FeedbackError, match="'nope' is not a UUID"):
        check_feedback({**good, "uuid": "nope"}, M, S, need_uuid=True)
    assert isinstance(FeedbackError("x"), SignalError) and issubclass(FeedbackError, ValueError)
    with pytest.raises(SignalError, match="'a' is NaN") as err:
        check_feedback({**good, "s_signal": {"a": math.nan}}, M, S)
    assert err.value.channel == "a"
    with pytest.raises(SignalError, match="unknown channel 'a'"):
        check_feedback(good, M, ChannelSet([Channel("q")]))  # another environment's feedback


def test_check_feedback_makes_a_uuid_string_a_uuid_when_it_needs_one():
    u = uuid.uuid4()
    fb = check_feedback({**feedback(), "uuid": str(u)}, M, S, need_uuid=True)
    assert fb["uuid"] == u


def test_signal_of_an_array_copies_it():
    values = np.array([1.0, 6.0])
    sig = M.signal(values)
    values[0] = 5.0
    assert sig == {"x": 1.0, "y": 6.0} and sig.array[0] == 1.0 and type(sig) is Signal
