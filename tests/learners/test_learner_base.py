import json
import uuid

import numpy as np
import pytest

from sensorimotor import Channel, KinematicArm2D, SignalError
from sensorimotor.learners import Learner, NNLearner, NotReadyError, RandomLearner

CFG = {
    "m_channels": [Channel("x", (0, 10)), Channel("y", (5, 15))],
    "s_channels": [Channel("a", (5, 25))],
}


def test_seed_example_and_uuid_dedup():
    learner = NNLearner(CFG)
    key = uuid.uuid4()
    assert learner.update({"x": 5, "y": 6}, {"a": 11}, uuid=key)
    assert not learner.update({"x": 1, "y": 6}, {"a": 7}, uuid=key)
    assert len(learner) == 1
    assert learner.predict({"x": 3, "y": 4}) == {"a": 11.0}


def test_seed_imports_channel_from_the_learners_module():
    # the learners seed's own example: `from learners import Channel, RandomLearner`
    from sensorimotor.learners import Channel as SeedChannel
    from sensorimotor.learners import RandomLearner as SeedRandomLearner

    assert SeedChannel is Channel
    cfg = {
        "m_channels": [SeedChannel("x", [0, 10]), SeedChannel("y", [0, 10])],
        "s_channels": [SeedChannel("a", [0, 100])],
    }
    learner = SeedRandomLearner(cfg)
    learner.update({"x": 5, "y": 4}, {"a": 9})
    assert 0 <= learner.predict({"x": 3, "y": 4})["a"] <= 100


def test_not_ready_and_random_answers_before_data():
    with pytest.raises(NotReadyError):
        NNLearner(CFG).predict({"x": 1, "y": 6})
    with pytest.raises(NotReadyError):
        NNLearner(CFG).infer_array(np.array([[7.0]]))
    m = RandomLearner(CFG).infer({"a": 7})
    assert 0 <= m["x"] <= 10 and 5 <= m["y"] <= 15


def test_feedback_from_environment_and_explore_mode_clipped():
    arm = KinematicArm2D({"dim": 2})
    learner = NNLearner(
        {"m_channels": arm.m_channels, "s_channels": arm.s_channels, "explore_sigma": 0.5}
    )
    f = arm.execute({"j0": 149.0, "j1": 10.0})
    assert learner.update_feedback(f) and not learner.update_feedback(f)
    ms = [learner.infer(f["s_signal"], mode="explore") for _ in range(20)]
    assert all(-150 <= m["j0"] <= 150 for m in ms)
    assert len({m["j0"] for m in ms}) > 1
    assert learner.infer(f["s_signal"]) == f["m_signal"]
    with pytest.raises(ValueError, match="mode"):
        learner.infer(f["s_signal"], mode="greedy")


def test_update_takes_a_feedback_whole_or_its_signals():
    arm = KinematicArm2D({"dim": 2})
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    f, g = arm.execute({"j0": 10.0, "j1": 20.0}), arm.execute({"j0": 30.0, "j1": 40.0})
    assert learner.update(f) and not learner.update(f)  # update(feedback) = update_feedback
    assert learner.update(g["m_signal"], g["s_signal"], g["uuid"])  # carried arrays reused
    assert learner.update({**f, "uuid": uuid.uuid4()})  # a plain dict of carried signals
    assert len(learner) == 3
    np.testing.assert_array_equal(learner.memory.m[1], learner.m_set.scale(g["m_signal"].array))
    with pytest.raises(TypeError, match="uuid from the feedback"):
        learner.update(f, uuid="u")
    with pytest.raises(SignalError, match="feedback has no 's_signal'"):
        learner.update({"m_signal": f["m_signal"]})


def test_save_load_round_trip_with_format_version(tmp_path):
    learner = NNLearner({**CFG, "seed": 4})
    learner.update_array(np.array([[1.0, 6.0], [9.0, 14.0]]), np.array([[7.0], [23.0]]))
    learner.update({"x": 4, "y": 9}, {"a": 13}, uuid="abc")
    path = tmp_path / "nn.learner"
    learner.save(path)
    back = Learner.load(path)
    assert type(back) is NNLearner and len(back) == 3
    assert not back.update({"x": 4, "y": 9}, {"a": 13}, uuid="abc")
    q = np.array([[2.0, 7.0], [8.0, 8.0]])
    np.testing.assert_array_equal(back.predict_array(q), learner.predict_array(q))
    with np.load(path, allow_pickle=False) as data:
        assert json.loads(str(data["header"]))["format_version"] == 1
    with pytest.raises(ValueError, match=f"{path}: holds a saved NNLearner, not the RandomL"):
        RandomLearner.load(path)


def test_bad_update_refused_state_unchanged():
    learner = NNLearner(CFG)
    learner.update({"x": 5, "y": 6}, {"a": 11})
    before = learner.state()
    for m, s in [
        ({"x": np.nan, "y": 6}, {"a": 1}),
        ({"x": 1}, {"a": 1}),
        ({"x": 1, "y": 6, "z": 0}, {"a": 1}),
        ({"x": 1, "y": 6}, {"a": np.inf}),
    ]:
        with pytest.raises(SignalError):
            learner.update(m, s, uuid="u")
    with pytest.raises(SignalError, match="rows"):
        learner.update_array(np.ones((2, 2)), np.ones((3, 1)))
    after = learner.state()
    assert before["header"] == after["header"]
    np.testing.assert_array_equal(before["memory_m"], after["memory_m"])
    assert after["uuids"].size == 0


def test_unknown_config_key_named():
    with pytest.raises(KeyError, match="kk"):
        NNLearner({**CFG, "kk": 3})


def test_numpy_config_values_save(tmp_path):
    learner = NNLearner({**CFG, "seed": np.int64(7), "explore_sigma": np.float32(0.1)})
    learner.save(tmp_path / "a.npz")
    back = Learner.load(tmp_path / "a.npz")
    assert back.cfg.seed == 7 and back.cfg.explore_sigma == pytest.approx(0.1)


def test_load_refuses_other_files_and_versions(tmp_path):
    np.savez(tmp_path / "x.npz", header=np.array(json.dumps({"format": "other"})))
    with pytest.raises(ValueError, match="not a saved"):
        Learner.load(tmp_path / "x.npz")
    np.savez(
        tmp_path / "y.npz",
        header=np.array(json.dumps({"format": "sensorimotor.learner", "format_version": 99})),
    )
    with pytest.raises(ValueError, match="version 99"):
        Learner.load(tmp_path / "y.npz")


def _saved_then_edited(tmp_path, edit):
    """A saved NNLearner whose header (a dict) and arrays ``edit(header, arrays)`` changes."""
    learner = NNLearner(
        {"m_channels": [Channel("a", (0, 1))], "s_channels": [Channel("x", (0, 2))]}
    )
    for i in range(5):
        learner.update({"a": i / 5}, {"x": 2 * i / 5}, uuid=f"u{i}")
    path = tmp_path / "learner.npz"
    learner.save(path)
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    header = json.loads(str(arrays.pop("header")))
    edit(header, arrays)
    np.savez(path, header=np.array(json.dumps(header)), **arrays)
    return path


@pytest.mark.parametrize(
    "what, edit",
    [
        ("cfg has no 'm_channels'", lambda h, a: h["cfg"].pop("m_channels")),
        ("cfg.s_channels is not a list of channels", lambda h, a: h["cfg"].update(s_channels=[1])),
        ("memory_m holds NaN", lambda h, a: a.update(memory_m=np.full_like(a["memory_m"], np.nan))),
        # finite, so it loaded, but beyond what update takes: answers of 5e199, overflows
        (
            "memory_s holds values beyond 1e\\+100",
            lambda h, a: a.update(memory_s=np.full_like(a["memory_s"], 1e200)),
        ),
        (
            "memory_s must be real numbers of shape",
            lambda h, a: a.update(memory_s=np.zeros((5, 3))),
        ),
        ("disagree in length", lambda h, a: a.update(memory_s=a["memory_s"][:2])),
        ("rng_state is not a NumPy generator state", lambda h, a: h.update(rng_state=[1, 2])),
        # was loaded as a set of ints: uuid "1" then passed as new (a duplicate learned)
        ("uuids must be strings", lambda h, a: a.update(uuids=np.arange(5))),
    ],
)
def test_a_hand_edited_learner_file_is_a_value_error_naming_it(tmp_path, what, edit):
    """A missing key gave a bare KeyError, a bad memory shape a broadcast error, NaN in the
    memory loaded silently (issue 9, defect 9)."""
    path = _saved_then_edited(tmp_path, edit)
    with pytest.raises(ValueError, match=what) as info:
        Learner.load(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("name", ["NNLearner", "WNNLearner", "LWLRLearner"])
def test_a_finite_but_absurd_value_is_refused_naming_its_channel(name):
    # 1e200 degrees passed the finite check, then the squared distances overflowed: WNN and
    # LWLR answered NaN (or blamed the sensory channel 'x'), and update stored the row.
    import sensorimotor.learners as learners
    from sensorimotor.learners.checks import _assert_same_state

    arm = KinematicArm2D({"dim": 3})
    learner = getattr(learners, name)({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    m = np.random.default_rng(0).uniform(-100, 100, size=(20, 3))
    learner.update_array(m, arm.execute_array(m))
    before = learner.state()
    huge = {"j0": 1e200, "j1": 0.0, "j2": 0.0}
    s = {"x": 0.1, "y": 0.2}
    for call in (
        lambda: learner.predict(huge),
        lambda: learner.predict_array(np.array([[0.0, 1e200, 0.0]])),
        lambda: learner.update(huge, s),
        lambda: learner.update({"j0": 0.0, "j1": 0.0, "j2": 0.0}, {"x": 1e300, "y": 0.0}),
        lambda: learner.infer_array(np.array([[-1e250, 0.0]])),
    ):
        with pytest.raises(SignalError, match="'j0'|'j1'|'x'") as err:
            call()
        assert "too large" in str(err.value)
        _assert_same_state(before, learner.state(), "after a refused absurd value")


@pytest.mark.parametrize(
    "edit",
    [
        lambda h: h["cfg"].update(seed=None),  # "cfg['seed'] must be ...", no file named
        lambda h: h["cfg"].update(explore_sigma=None),
        lambda h: h["cfg"].update(seed_x=1),  # was: KeyError
        lambda h: h.update(module=None),
        lambda h: h.update(**{"class": None}),  # "unknown learner class ...None"
    ],
)
def test_a_corrupted_saved_cfg_or_class_is_refused_naming_the_file(tmp_path, edit):
    """Found by the fuzz suite (issue 9): the errors did not name the file."""
    import io
    import zipfile

    learner = NNLearner(CFG)
    learner.update({"x": 5, "y": 6}, {"a": 11})
    path = str(tmp_path / "learner.npz")
    learner.save(path)
    with zipfile.ZipFile(path) as z:
        arrays = {n[:-4]: np.load(io.BytesIO(z.read(n)), allow_pickle=False) for n in z.namelist()}
    header = json.loads(str(arrays["header"]))
    edit(header)
    arrays["header"] = np.array(json.dumps(header))
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="learner.npz"):
        Learner.load(path)


@pytest.mark.parametrize(
    "key, value",
    [
        ("seed", np.timedelta64(1, "s")),
        ("explore_sigma", 10**400),
        ("explore_sigma", np.timedelta64(1, "s")),
    ],
)
def test_a_timedelta_or_huge_int_setting_is_refused_naming_it(key, value):
    """int()/float() of a timedelta64 (a NumPy integer) and math.isfinite(10**400) raised
    TypeError or OverflowError not naming the key (found by the fuzz suite, issue 9)."""
    with pytest.raises(ValueError, match=key):
        NNLearner({**CFG, key: value})


def test_random_learner_keeps_a_zero_width_channel_at_its_one_value():
    # scaled with width 1 (as ChannelSet scales such a channel), the draw u in [0, 1] came
    # back as z in [3, 4]: outside the channel's bounds (3, 3)
    s_channels = [Channel("z", (3, 3)), Channel("w", (0, 1))]
    learner = RandomLearner({"m_channels": [Channel("a", (0, 1))], "s_channels": s_channels})
    answers = [learner.predict({"a": 0.5}) for _ in range(5)]
    assert all(s["z"] == 3.0 and 0.0 <= s["w"] <= 1.0 for s in answers)
    assert len({s["w"] for s in answers}) == 5


@pytest.mark.parametrize(
    "channels",
    [
        Channel("x", (0, 10)),  # was: TypeError "'Channel' object is not iterable"
        np.array(CFG["m_channels"], dtype=object),  # was: "truth value ... is ambiguous"
        "xy",  # was: TypeError "expected Channel objects, got 'x'"
        [Channel("x", (0, 10)), "y"],
        [],
        None,
    ],
)
def test_channels_that_are_not_a_list_of_channel_are_refused_naming_the_key(channels):
    with pytest.raises(ValueError, match=r"NNLearner: cfg\['m_channels'\] must be a non-empty"):
        NNLearner({**CFG, "m_channels": channels})
    assert len(NNLearner({**CFG, "m_channels": tuple(CFG["m_channels"])}).m_set) == 2


def test_bad_signals_with_a_seen_uuid_are_refused_not_skipped():
    # a seen uuid returned False before the signals were checked: a NaN, a missing channel
    # or an absurd value with that uuid was accepted silently (review 2)
    learner = NNLearner(CFG)
    assert learner.update({"x": 5, "y": 6}, {"a": 11}, uuid="u")
    before = learner.state()
    for m, s in [
        ({"x": np.nan, "y": 6}, {"a": 1}),
        ({"x": 1}, {"a": 1}),
        ({"x": 1, "y": 6}, {"a": np.inf}),
        ({"x": 1e200, "y": 6}, {"a": 1}),
    ]:
        with pytest.raises(SignalError):
            learner.update(m, s, uuid="u")
    arm = KinematicArm2D({"dim": 2})
    learner2 = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    f = arm.execute({"j0": 10.0, "j1": 20.0})
    assert learner2.update_feedback(f)
    before2 = learner2.state()
    for bad in (
        {**f, "m_signal": {"j0": np.nan, "j1": 20.0}},
        {**f, "s_signal": {"x": 1e300, "y": 0.0}},
    ):
        with pytest.raises(SignalError):
            learner2.update_feedback(bad)
    # the same signals with the seen uuid are still skipped
    assert not learner.update({"x": 1, "y": 6}, {"a": 7}, uuid="u")
    assert not learner2.update_feedback(f)
    from sensorimotor.learners.checks import _assert_same_state

    _assert_same_state(before, learner.state(), "after refused signals with a seen uuid")
    _assert_same_state(before2, learner2.state(), "after a refused feedback with a seen uuid")


def test_the_cost_of_remembering_uuids_is_the_docstrings():
    """Learner's docstring says what remembering every uuid costs: 110 to 190 bytes per
    observation (a string in a set), nothing for an observation without a uuid."""
    import sys

    learner = NNLearner(CFG)
    for _ in range(2000):
        learner.update({"x": 5, "y": 6}, {"a": 11}, uuid=uuid.uuid4())
    learner.update_array(np.full((500, 2), 6.0), np.full((500, 1), 11.0))
    uuids = learner._uuids
    per_observation = (sys.getsizeof(uuids) + sum(map(sys.getsizeof, uuids))) / len(uuids)
    assert len(uuids) == 2000 and 110 <= per_observation <= 190


def test_one_uuid_spelled_three_ways_is_learned_once_and_a_number_is_refused():
    """Learners remembered str(uuid): a feedback replayed with its uuid as the hex an HDF5
    log stores, or in capitals, was learned again; a float or a list was remembered by its
    str. One uuid is one key now, and a uuid that is neither a UUID nor a string is a
    TypeError that leaves the learner as it was."""
    arm = KinematicArm2D({"dim": 2})
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    feedback = arm.execute({"j0": 10.0, "j1": 20.0})
    assert learner.update(feedback)
    m, s = feedback["m_signal"], feedback["s_signal"]
    for spelling in (feedback["uuid"].hex, str(feedback["uuid"]).upper()):
        assert not learner.update(m, s, uuid=spelling)
        assert not learner.update({**feedback, "uuid": spelling})
    assert len(learner) == 1
    for bad in (1.5, b"abc", [1]):
        with pytest.raises(TypeError, match="uuid must be a uuid.UUID or a string"):
            learner.update(m, s, uuid=bad)
        with pytest.raises(TypeError, match="uuid must be a uuid.UUID or a string"):
            learner.update({**feedback, "uuid": bad})
    assert len(learner) == 1 and learner.update(m, s, uuid="obs2")  # a label of one's own


def test_a_kernel_width_whose_square_underflows_is_refused_naming_it():
    """width=1e-200 passed (> 0), then every query divided by 2 width**2 = 0 and raised
    a NaN error naming a channel."""
    from sensorimotor.learners import LWLRLearner, WNNLearner

    for cls in (WNNLearner, LWLRLearner):
        with pytest.raises(ValueError, match=r"cfg\['width'\] 1e-200 is too small"):
            cls({**CFG, "width": 1e-200})
        cls({**CFG, "width": 1e-100})  # its square is a float
