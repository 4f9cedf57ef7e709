"""Conformance suite for ``Learner`` implementations: named checks, run by ``check_learner``."""

import functools
import math
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from sensorimotor.base.conformance import CheckError, named_check, require_factory, run_checks
from sensorimotor.learners.learner import Learner, NotReadyError
from sensorimotor.signals import Channel, SignalError

M_CHANNELS = [Channel("a", (-1.0, 1.0)), Channel("b", (0.0, 2.0)), Channel("c", (-90.0, 90.0))]
S_CHANNELS = [Channel("x", (-3.0, 3.0)), Channel("y", (0.0, 10.0))]
N_OBSERVATIONS = 40


def toy_system(m: np.ndarray) -> np.ndarray:
    """The smooth nonlinear system the checks observe: ``(N, 3) -> (N, 2)``, within bounds.

    ``x = a + b cos(c) - 0.5``, ``y = 5 + 2 b sin(c) + a^2`` (``c`` in degrees).

    >>> toy_system(np.array([[0.5, 1.0, 90.0]])).round(3).tolist()
    [[0.0, 7.25]]
    """
    a, b, c = m[:, 0], m[:, 1], np.radians(m[:, 2])
    return np.stack([a + b * np.cos(c) - 0.5, 5.0 + 2.0 * np.sin(c) * b + a * a], axis=1)


def _data(seed: int, n: int = N_OBSERVATIONS):
    rng = np.random.default_rng(seed)
    lo = np.array([ch.low for ch in M_CHANNELS])
    hi = np.array([ch.high for ch in M_CHANNELS])
    m = rng.uniform(lo, hi, size=(n, len(M_CHANNELS)))
    return m, toy_system(m)


def _make(factory: Callable, seed: int = 0) -> Learner:
    learner = factory(
        {"m_channels": list(M_CHANNELS), "s_channels": list(S_CHANNELS), "seed": seed}
    )
    if not isinstance(learner, Learner):
        raise AssertionError(f"the factory returned {type(learner).__name__}, not a Learner")
    return learner


def _fed(factory: Callable, seed: int = 0, n: int = N_OBSERVATIONS) -> Learner:
    learner = _make(factory, seed)
    m, s = _data(seed, n)
    for i in range(n):
        learner.update(
            learner.m_set.from_array(m[i]), learner.s_set.from_array(s[i]), uuid=f"obs{i}"
        )
    return learner


def _queries(seed: int = 99):
    rng = np.random.default_rng(seed)
    m, s = _data(seed, 6)
    return m, s + rng.normal(0, 0.05, size=s.shape)


def _answers(learner: Learner) -> dict:
    """Every kind of answer a learner gives, as arrays (explore last: it draws noise)."""
    qm, qs = _queries()
    return {
        "predict": learner.predict_array(qm),
        "infer": learner.infer_array(qs),
        "infer_explore": learner.infer_array(qs, mode="explore"),
    }


def _assert_same_answers(a: dict, b: dict, what: str) -> None:
    for key in a:
        if not np.array_equal(a[key], b[key]):
            raise AssertionError(f"{what}: {key} answers differ: {a[key]} vs {b[key]}")


def _assert_same_state(a: dict, b: dict, what: str) -> None:
    if a.keys() != b.keys():
        raise AssertionError(f"{what}: state entries differ: {sorted(a)} vs {sorted(b)}")
    if a["header"] != b["header"]:
        raise AssertionError(f"{what}: header (config or generator state) changed")
    for key in a:
        if key != "header" and not np.array_equal(a[key], b[key]):
            raise AssertionError(f"{what}: state {key!r} changed")


class LearnerCheckError(CheckError):
    """A learner failed a conformance check; ``check`` names it (``failures``: all of them).

    >>> err = LearnerCheckError('check_not_ready', 'predict answered before any update')
    >>> str(err), err.check
    ('check_not_ready: predict answered before any update', 'check_not_ready')
    """


def _named_check(fn):
    """A named check (:func:`~sensorimotor.base.conformance.named_check`): its assertions
    become a :class:`LearnerCheckError` naming it, and it returns ``'passed'``."""

    @named_check(LearnerCheckError)
    @functools.wraps(fn)
    def check(factory: Callable) -> str:
        try:
            fn(factory)
        except LearnerCheckError:
            raise
        except AssertionError as err:
            raise LearnerCheckError(fn.__name__, str(err)) from err
        return "passed"

    return check


# -- named checks -----------------------------------------------------------------------------
@_named_check
def check_bad_input_refused(factory: Callable) -> None:
    """Bad signals raise ``SignalError`` (or ``TypeError`` for a non-dict) naming the problem,
    and leave the learner exactly as it was (state, generator, answers)."""
    learner = _fed(factory)
    ms, ss = learner.m_set, learner.s_set
    good_m, good_s = ms.from_array(_data(1, 1)[0][0]), ss.from_array(_data(1, 1)[1][0])
    bad_updates = [
        ({**good_m, "a": math.nan}, good_s, "a"),
        ({**good_m, "b": math.inf}, good_s, "b"),
        ({k: v for k, v in good_m.items() if k != "c"}, good_s, "c"),
        ({**good_m, "zz": 1.0}, good_s, "zz"),
        ({**good_m, "a": "1.0"}, good_s, "a"),
        (good_m, {**good_s, "y": math.nan}, "y"),
        (good_m, {"x": 1.0}, "y"),
    ]
    before_state, before_len = learner.state(), len(learner)
    before = _answers(_fed(factory))  # a twin's answers: the learner's own would draw noise
    for m, s, name in bad_updates:
        try:
            learner.update(m, s, uuid="bad")
        except SignalError as err:
            if name not in str(err):
                raise AssertionError(
                    f"the error for a bad {name!r} does not name it: {err}"
                ) from None
        else:
            raise AssertionError(f"update accepted a bad signal ({name!r}): {m}, {s}")
        _assert_same_state(before_state, learner.state(), f"after a refused update ({name!r})")
    for call in (
        lambda: learner.update([1.0, 2.0, 3.0], good_s),
        lambda: learner.update_feedback({"m_signal": good_m}),
        lambda: learner.update_array(np.ones((2, 3)), np.ones((3, 2))),
        lambda: learner.update_array(np.ones((2, 4)), np.ones((2, 2))),
        lambda: learner.update_array(np.array([[0.0, 1.0, np.nan]]), np.ones((1, 2))),
        lambda: learner.predict({**good_m, "a": math.nan}),
        lambda: learner.infer({"x": 1.0}),
        lambda: learner.predict_array(np.ones((2, 2))),
        lambda: learner.infer_array(np.array([[np.inf, 1.0]])),
        lambda: learner.infer(good_s, mode="nonsense"),
    ):
        try:
            call()
        except (SignalError, TypeError, ValueError):
            pass
        else:
            raise AssertionError("a bad call was accepted")
        _assert_same_state(before_state, learner.state(), "after a refused call")
    if len(learner) != before_len or "bad" in learner._uuids:
        raise AssertionError("a refused update changed the observation count or uuids")
    _assert_same_answers(before, _answers(learner), "after refused calls")


@_named_check
def check_save_load_round_trip(factory: Callable) -> None:
    """``save`` then ``Learner.load`` gives a learner of the same class with the same state that
    answers identically, now and after the same further observations."""
    learner = _fed(factory)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "learner.npz"
        learner.save(path)
        loaded = Learner.load(path)
    if type(loaded) is not type(learner):
        raise AssertionError(f"loaded a {type(loaded).__name__}, saved a {type(learner).__name__}")
    _assert_same_state(learner.state(), loaded.state(), "after load")
    _assert_same_answers(_answers(learner), _answers(loaded), "after load")
    m, s = _data(5, 5)
    for twin in (learner, loaded):
        twin.update_array(m, s)
    _assert_same_answers(_answers(learner), _answers(loaded), "after load and more updates")


@_named_check
def check_same_seed_same_answers(factory: Callable) -> None:
    """Two learners made with the same seed and fed the same data answer identically (explore
    mode included); the learner uses its own generator, not global randomness."""
    a, b = _fed(factory, seed=3), _fed(factory, seed=3)
    np.random.seed(1)  # noqa: NPY002 - global state must not matter
    ans_a = _answers(a)
    np.random.seed(2)  # noqa: NPY002
    ans_b = _answers(b)
    _assert_same_answers(ans_a, ans_b, "same seed")


@_named_check
def check_duplicate_uuid_ignored(factory: Callable) -> None:
    """An observation whose uuid was seen before is ignored: ``update`` returns ``False``,
    ``len`` and the answers do not change."""
    learner, twin = _fed(factory), _fed(factory)
    m, s = _data(7, 1)
    m_sig, s_sig = learner.m_set.from_array(m[0]), learner.s_set.from_array(s[0])
    if learner.update(m_sig, s_sig, uuid="obs3") is not False:
        raise AssertionError("update with a seen uuid did not return False")
    feedback = {"m_signal": m_sig, "s_signal": s_sig, "uuid": "obs5"}
    if learner.update_feedback(feedback) is not False:
        raise AssertionError("update_feedback with a seen uuid did not return False")
    if len(learner) != N_OBSERVATIONS:
        raise AssertionError(f"len is {len(learner)} after duplicates, expected {N_OBSERVATIONS}")
    _assert_same_answers(_answers(twin), _answers(learner), "after duplicate uuids")
    if learner.update(m_sig, s_sig, uuid="new") is not True or len(learner) != N_OBSERVATIONS + 1:
        raise AssertionError("a new uuid was not learned")


@_named_check
def check_not_ready(factory: Callable) -> None:
    """Before any observation ``predict``/``infer`` raise ``NotReadyError``, unless the class
    answers without data (``needs_data = False``): then within the channels' bounds."""
    learner = _make(factory)
    qm, qs = _queries()
    if learner.needs_data:
        for call in (lambda: learner.predict_array(qm), lambda: learner.infer_array(qs)):
            try:
                call()
            except NotReadyError:
                continue
            raise AssertionError("a query before any observation did not raise NotReadyError")
        return
    pred, inf = learner.predict_array(qm), learner.infer_array(qs)
    for arr, cs in ((pred, learner.s_set), (inf, learner.m_set)):
        if not (np.all(arr >= cs.low) and np.all(arr <= cs.high)):
            raise AssertionError("answers before any observation are outside the bounds")


@_named_check
def check_array_path_equals_dict_path(factory: Callable) -> None:
    """``predict``/``infer`` on dicts answer as ``predict_array``/``infer_array`` on the same
    rows (compared on two identical learners, so that random answers compare too)."""
    by_dict, by_array = _fed(factory), _fed(factory)
    qm, qs = _queries()
    for i in range(qm.shape[0]):
        got = by_dict.predict(by_dict.m_set.from_array(qm[i]))
        want = by_array.s_set.from_array(by_array.predict_array(qm[i : i + 1])[0])
        if got != want:
            raise AssertionError(
                f"predict differs from predict_array on query {i}: {got} vs {want}"
            )
        for mode in ("exploit", "explore"):
            got = by_dict.infer(by_dict.s_set.from_array(qs[i]), mode=mode)
            want = by_array.m_set.from_array(by_array.infer_array(qs[i : i + 1], mode=mode)[0])
            if got != want:
                raise AssertionError(f"infer ({mode}) differs from infer_array on query {i}")


@_named_check
def check_answers_within_motor_bounds(factory: Callable) -> None:
    """Inferred commands, exploit and explore, lie within the motor bounds; shapes are right."""
    learner = _fed(factory)
    _, qs = _queries()
    far = np.array([[-3.0, 0.0], [3.0, 10.0]])  # goals at the corners of the sensory box
    for mode in ("exploit", "explore"):
        m = learner.infer_array(np.vstack([qs, far]), mode=mode)
        if m.shape != (qs.shape[0] + 2, len(learner.m_set)):
            raise AssertionError(f"infer_array returned shape {m.shape}")
        if not (np.all(m >= learner.m_set.low) and np.all(m <= learner.m_set.high)):
            raise AssertionError(f"inferred commands ({mode}) leave the motor bounds")
    if learner.predict_array(_queries()[0]).shape != (6, len(learner.s_set)):
        raise AssertionError("predict_array returned a wrong shape")


CHECKS = (
    check_bad_input_refused,
    check_save_load_round_trip,
    check_same_seed_same_answers,
    check_duplicate_uuid_ignored,
    check_not_ready,
    check_array_path_equals_dict_path,
    check_answers_within_motor_bounds,
)


def check_learner(factory: Callable, checks=CHECKS) -> dict:
    """Run the named conformance checks on a learner: ``{check name: 'passed'}``, or one
    :class:`LearnerCheckError` (an ``AssertionError``) whose ``failures`` names every failed
    check and says why.

    ``factory(cfg)`` makes a learner from ``{'m_channels', 's_channels', 'seed'}`` (a
    ``Learner`` subclass itself is such a factory; wrap it to add algorithm keys). The checks
    observe ``toy_system`` (3 motor, 2 sensory channels, 40 observations), as River's
    ``check_estimator`` and Gymnasium's ``check_env`` do for theirs.

    >>> from sensorimotor.learners import NNLearner
    >>> report = check_learner(NNLearner)
    >>> sorted(set(report.values())), len(report)
    (['passed'], 7)
    >>> [c.__name__ for c in CHECKS][:2]
    ['check_bad_input_refused', 'check_save_load_round_trip']
    """
    require_factory(
        "check_learner", "factory", factory, "a new learner from cfg (the class, or a lambda)"
    )
    return run_checks(checks, LearnerCheckError, "check_learner", factory)
