"""The explorer conformance suite: named checks every ``Explorer`` must pass.

Each check is a function ``check_x(make, *, env_factory=None, learner_factory=None) -> str``
where ``make(learner, seed) -> Explorer`` builds the explorer under test around a fresh
learner (``learner_factory(env, seed)``, by default an ``NNLearner`` on the environment's
channels) for an environment from ``env_factory()`` (by default a 3-joint
``KinematicArm2D``). A check returns ``'passed'`` or raises ``ExplorerCheckError`` naming
itself. ``check_explorer`` runs them all and reports every failure at once.

The checks: explorations are well formed and within the motor bounds, and ``explore``
learns nothing (``check_explore_signal``); ``receive`` feeds the learner once
(``check_receive_feeds_learner``); the same seed gives the same explorations
(``check_same_seed_same_exploration``) and another seed other ones
(``check_seed_changes_exploration``); bad feedback (NaN, inf, a missing or unknown channel,
a non-dict, a bad goal or tag) is refused with the explorer and learner exactly as before,
and they then go on exactly like a twin that never saw it (``check_bad_input_refused``); a
repeated uuid is ignored (``check_duplicate_uuid_ignored``); ``save``/``load`` give an
explorer that goes on exactly like the original (``check_save_load_round_trip``).

>>> from sensorimotor.explore import RandomGoalExplorer
>>> make = lambda learner, seed: RandomGoalExplorer({'learner': learner, 'seed': seed})
>>> check_same_seed_same_exploration(make), check_duplicate_uuid_ignored(make)
('passed', 'passed')
"""

import functools
import json
import math
import os
import tempfile
from collections.abc import Callable

import numpy as np

from sensorimotor.base.conformance import CheckError, named_check, require_factory, run_checks
from sensorimotor.envs import KinematicArm2D
from sensorimotor.explore.explorer import Explorer
from sensorimotor.learners import Learner, NNLearner
from sensorimotor.signals import SignalError

STEPS = 40
REFUSALS = (SignalError, TypeError, ValueError)


class ExplorerCheckError(CheckError):
    """An explorer failed a conformance check; ``check`` names it (``failures``: all of them).

    >>> err = ExplorerCheckError('check_same_seed_same_exploration', 'step 3 differs')
    >>> str(err), err.check
    ('check_same_seed_same_exploration: step 3 differs', 'check_same_seed_same_exploration')
    """


def default_env() -> KinematicArm2D:
    """The environment of the checks: a 3-joint planar arm."""
    return KinematicArm2D({"dim": 3})


def default_learner(env, seed: int) -> Learner:
    """The learner of the checks: exact nearest neighbour on the environment's channels."""
    return NNLearner({"m_channels": env.m_channels, "s_channels": env.s_channels, "seed": seed})


def _named_check(fn):
    """A named check (see :func:`~sensorimotor.base.conformance.named_check`) whose
    environment and learner factories default to :func:`default_env` and
    :func:`default_learner`."""
    reported = named_check(ExplorerCheckError)(fn)

    @functools.wraps(fn)
    def check(make, *, env_factory=None, learner_factory=None) -> str:
        return reported(make, env_factory or default_env, learner_factory or default_learner)

    return check


def _fail(name: str, message: str):
    raise ExplorerCheckError(name, message)


def _build(make, env, learner_factory, seed):
    learner = learner_factory(env, seed)
    explorer = make(learner, seed)
    if not isinstance(explorer, Explorer):
        raise TypeError(f"make() returned {type(explorer).__name__}, not an Explorer")
    if explorer.learner is not learner:
        raise ValueError("make(learner, seed) must build the explorer around that learner")
    return explorer, learner


def _step(explorer, env):
    e = explorer.explore()
    f = env.execute(e["m_signal"])
    explorer.receive(e, f)
    return e, f


def _motor(explorer, e) -> np.ndarray:
    return explorer.m_set.to_array(e["m_signal"])


def _run(explorer, env, steps) -> np.ndarray:
    return np.array([_motor(explorer, _step(explorer, env)[0]) for _ in range(steps)])


def _snapshot(explorer, learner) -> tuple:
    """Everything that must not change when input is refused."""
    if not callable(getattr(learner, "state", None)):  # a learner without state(): its size
        return json.dumps(explorer.state(), sort_keys=True), str(len(learner)), {}
    st = learner.state()
    arrays = {k: np.array(v) for k, v in st.items() if k != "header"}
    return json.dumps(explorer.state(), sort_keys=True), json.dumps(st["header"]), arrays


def _same_snapshot(a, b) -> bool:
    return (
        a[0] == b[0]
        and a[1] == b[1]
        and a[2].keys() == b[2].keys()
        and all(np.array_equal(a[2][k], b[2][k]) for k in a[2])
    )


def _first_difference(a: np.ndarray, b: np.ndarray) -> int | None:
    if a.shape != b.shape:
        return 0
    diff = np.nonzero(~np.all(a == b, axis=1))[0]
    return int(diff[0]) if diff.size else None


@_named_check
def check_explore_signal(make, env_factory, learner_factory) -> str:
    """Explorations are dicts with a motor signal within bounds, a str tag, a valid goal."""
    name = "check_explore_signal"
    env = env_factory()
    explorer, learner = _build(make, env, learner_factory, 0)
    for t in range(STEPS):
        before = len(learner)
        e = explorer.explore()
        if len(learner) != before:
            _fail(name, f"step {t}: explore() changed the learner")
        if not isinstance(e, dict) or "m_signal" not in e:
            _fail(name, f"step {t}: explore() must return a dict with 'm_signal', got {e!r}")
        try:
            env.m_set.validate(e["m_signal"], strict=True)
        except SignalError as err:
            _fail(name, f"step {t}: bad m_signal: {err}")
        if not isinstance(e.get("from"), str):
            _fail(name, f"step {t}: exploration['from'] must be a str tag, got {e.get('from')!r}")
        if "s_goal" in e:
            try:
                env.s_set.validate(e["s_goal"])
            except SignalError as err:
                _fail(name, f"step {t}: bad s_goal: {err}")
        explorer.receive(e, env.execute(e["m_signal"]))
    return "passed"


@_named_check
def check_receive_feeds_learner(make, env_factory, learner_factory) -> str:
    """``receive`` returns True and adds one observation to the explorer and to the learner."""
    name = "check_receive_feeds_learner"
    env = env_factory()
    explorer, learner = _build(make, env, learner_factory, 0)
    for t in range(STEPS):
        n_e, n_l = len(explorer), len(learner)
        e = explorer.explore()
        if explorer.receive(e, env.execute(e["m_signal"])) is not True:
            _fail(name, f"step {t}: receive() of fresh feedback must return True")
        if len(learner) != n_l + 1:
            _fail(name, f"step {t}: the learner went from {n_l} to {len(learner)} observations")
        if len(explorer) != n_e + 1:
            _fail(name, f"step {t}: len(explorer) went from {n_e} to {len(explorer)}")
    return "passed"


@_named_check
def check_same_seed_same_exploration(make, env_factory, learner_factory) -> str:
    """Two explorers made with the same seed explore identically."""
    name = "check_same_seed_same_exploration"
    runs = []
    for _ in range(2):
        env = env_factory()
        runs.append(_run(_build(make, env, learner_factory, 7)[0], env, STEPS))
    t = _first_difference(*runs)
    if t is not None:
        _fail(name, f"same seed, different motor signals at step {t}")
    return "passed"


@_named_check
def check_seed_changes_exploration(make, env_factory, learner_factory) -> str:
    """Explorers made with different seeds explore differently."""
    name = "check_seed_changes_exploration"
    runs = []
    for seed in (1, 2):
        env = env_factory()
        runs.append(_run(_build(make, env, learner_factory, seed)[0], env, STEPS))
    if _first_difference(*runs) is None:
        _fail(name, f"seeds 1 and 2 gave the same {STEPS} motor signals")
    return "passed"


def _bad_inputs(explorer, e, f):
    """(description, exploration, feedback) triples that must all be refused."""
    m_name, s_name = explorer.m_set.names[0], explorer.s_set.names[-1]
    m_sig, s_sig = dict(f["m_signal"]), dict(f["s_signal"])
    goal = e.get("s_goal") or dict(s_sig)
    return [
        ("NaN sensory value", e, {**f, "s_signal": {**s_sig, s_name: math.nan}}),
        ("inf motor value", e, {**f, "m_signal": {**m_sig, m_name: math.inf}}),
        (
            "missing sensory channel",
            e,
            {**f, "s_signal": {k: v for k, v in s_sig.items() if k != s_name}},
        ),
        ("unknown motor channel", e, {**f, "m_signal": {**m_sig, "__not_a_channel__": 0.0}}),
        ("non-numeric sensory value", e, {**f, "s_signal": {**s_sig, s_name: "0.5"}}),
        ("feedback without s_signal", e, {k: v for k, v in f.items() if k != "s_signal"}),
        ("feedback not a dict", e, [f["m_signal"], f["s_signal"]]),
        ("exploration not a dict", None, f),
        ("NaN goal", {**e, "s_goal": {**goal, s_name: math.nan}}, f),
        ("tag not a str", {**e, "from": 3}, f),
    ]


@_named_check
def check_bad_input_refused(make, env_factory, learner_factory) -> str:
    """Bad feedback raises; explorer and learner are unchanged and go on like a twin."""
    name = "check_bad_input_refused"
    envs = [env_factory(), env_factory()]
    (subject, learner), (twin, _) = (_build(make, env, learner_factory, 3) for env in envs)
    for explorer, env in ((subject, envs[0]), (twin, envs[1])):
        _run(explorer, env, STEPS // 2)
    e, e_twin = subject.explore(), twin.explore()
    f, f_twin = envs[0].execute(e["m_signal"]), envs[1].execute(e_twin["m_signal"])
    for what, bad_e, bad_f in _bad_inputs(subject, e, f):
        before = _snapshot(subject, learner)
        try:
            subject.receive(bad_e, bad_f)
        except REFUSALS:
            pass
        else:
            _fail(
                name, f"{what}: receive() accepted it (expected SignalError/TypeError/ValueError)"
            )
        if not _same_snapshot(before, _snapshot(subject, learner)):
            _fail(name, f"{what}: refused, but the explorer or its learner changed")
    subject.receive(e, f)
    twin.receive(e_twin, f_twin)
    t = _first_difference(_run(subject, envs[0], STEPS // 2), _run(twin, envs[1], STEPS // 2))
    if t is not None:
        _fail(name, f"after refusing bad input, it explores differently from a twin (step {t})")
    return "passed"


@_named_check
def check_duplicate_uuid_ignored(make, env_factory, learner_factory) -> str:
    """Feedback whose uuid was received before is ignored: ``False``, nothing changes."""
    name = "check_duplicate_uuid_ignored"
    env = env_factory()
    explorer, learner = _build(make, env, learner_factory, 0)
    _run(explorer, env, STEPS // 2)
    e = explorer.explore()
    f = env.execute(e["m_signal"])
    explorer.receive(e, f)
    before = _snapshot(explorer, learner)
    again = explorer.receive(e, f)
    if again is not False:
        _fail(name, f"receive() of a repeated uuid returned {again!r}, expected False")
    if not _same_snapshot(before, _snapshot(explorer, learner)):
        _fail(name, "a repeated uuid changed the explorer or its learner")
    return "passed"


@_named_check
def check_save_load_round_trip(make, env_factory, learner_factory) -> str:
    """``save`` then ``load`` (with the saved learner) goes on exactly like the original."""
    name = "check_save_load_round_trip"
    env = env_factory()
    explorer, learner = _build(make, env, learner_factory, 5)
    _run(explorer, env, STEPS // 2)
    with tempfile.TemporaryDirectory() as folder:
        learner.save(os.path.join(folder, "learner.npz"))
        explorer.save(os.path.join(folder, "explorer.json"))
        learner2 = Learner.load(os.path.join(folder, "learner.npz"))
        explorer2 = type(explorer).load(os.path.join(folder, "explorer.json"), learner2)
    if type(explorer2) is not type(explorer):
        _fail(name, f"loaded a {type(explorer2).__name__}, saved a {type(explorer).__name__}")
    if explorer2.learner is not learner2:
        _fail(name, "the loaded explorer does not use the learner passed to load()")
    if json.dumps(explorer2.state(), sort_keys=True) != json.dumps(
        explorer.state(), sort_keys=True
    ):
        _fail(name, "state() of the loaded explorer differs from the saved one")
    # Both go on in the one environment, fed the same feedback: an environment with a state
    # of its own (a drifting channel, a mobile robot) made anew would answer differently.
    for t in range(STEPS // 2):
        e, e2 = explorer.explore(), explorer2.explore()
        if not np.array_equal(_motor(explorer, e), _motor(explorer2, e2)):
            _fail(name, f"the loaded explorer explores differently (step {t} after loading)")
        f = env.execute(e["m_signal"])
        explorer.receive(e, f)
        explorer2.receive(e2, f)
    return "passed"


CHECKS: tuple[Callable, ...] = (
    check_explore_signal,
    check_receive_feeds_learner,
    check_same_seed_same_exploration,
    check_seed_changes_exploration,
    check_bad_input_refused,
    check_duplicate_uuid_ignored,
    check_save_load_round_trip,
)


def check_explorer(make, *, env_factory=None, learner_factory=None) -> dict:
    """Run every check of ``CHECKS``; ``{name: 'passed'}``, or one ``ExplorerCheckError``
    (``check='check_explorer'``) whose ``failures`` maps every failed check to its message.

    ``make(learner, seed)`` returns a new explorer around ``learner``;
    ``env_factory()`` a new environment (default: a 3-joint ``KinematicArm2D``);
    ``learner_factory(env, seed)`` a new learner on ``env``'s channels (default: an
    ``NNLearner``; wrap a learner class as ``lambda env, seed: NNLearner({'m_channels':
    env.m_channels, 's_channels': env.s_channels, 'seed': seed})``). Each must be a
    callable, as the checks build fresh ones: an instance is refused with a ``TypeError``.

    >>> from sensorimotor.explore import MetaExplorer
    >>> result = check_explorer(lambda learner, seed: MetaExplorer(
    ...     {'learner': learner, 'eras': (10, None), 'seed': seed}))
    >>> sorted(set(result.values())), len(result)
    (['passed'], 7)
    """
    require_factory("check_explorer", "make", make, "a new explorer from (learner, seed)")
    if env_factory is not None:
        require_factory("check_explorer", "env_factory", env_factory, "a new environment")
    if isinstance(learner_factory, type):  # a learner class takes cfg, not (env, seed)
        raise TypeError(
            f"check_explorer calls learner_factory(env, seed); {learner_factory.__name__} "
            "takes cfg: wrap it, e.g. lambda env, seed: "
            f"{learner_factory.__name__}({{'m_channels': env.m_channels, "
            "'s_channels': env.s_channels, 'seed': seed})"
        )
    if learner_factory is not None:
        require_factory(
            "check_explorer",
            "learner_factory",
            learner_factory,
            "a new learner from (env, seed)",
        )
    return run_checks(
        CHECKS,
        ExplorerCheckError,
        "check_explorer",
        make,
        env_factory=env_factory,
        learner_factory=learner_factory,
    )
