"""Hostile input at environments, forward/inverse learners, explorers, logs and configs
(issue 9): refused naming the argument or channel with the state bit-identical, or
accepted with finite results. The strategy and the property are in ``tests/hostile.py``."""

import copy
import functools
import importlib.util

import gymnasium
import hostile
import numpy as np
import pytest
from hostile import all_finite, check_outcome, examples, fingerprint
from hypothesis import given, settings
from hypothesis import strategies as st

from sensorimotor import KinematicArm2D
from sensorimotor.base.bounds import is_int
from sensorimotor.envs import CartPoleADP, Distractor, Epuck2D, GymStepEnvironment
from sensorimotor.explore import (
    LearningProgressExplorer,
    RandomGoalExplorer,
    RandomMotorExplorer,
)
from sensorimotor.learners import LWLRLearner, Memory, NetworkLearner, NNLearner, WNNLearner, knn
from sensorimotor.run import EpisodeLog, ObservationLog

ARM = KinematicArm2D({"dim": 3})
M_NAMES = ARM.m_set.names if hasattr(ARM.m_set, "names") else [c.name for c in ARM.m_channels]
S_NAMES = [c.name for c in ARM.s_channels]
GOOD_M = {name: 10.0 * (i + 1) for i, name in enumerate(M_NAMES)}
RNG = np.random.default_rng(0)
M_DATA = RNG.uniform(-100, 100, size=(30, 3))
S_DATA = ARM.execute_array(M_DATA)
QM, QS = M_DATA[:4] + 1.0, S_DATA[:4] * 0.9

LEARNERS = {
    "NNLearner": (NNLearner, {}, 1.0),
    "WNNLearner": (WNNLearner, {}, 1.0),
    "LWLRLearner": (LWLRLearner, {}, 1.0),
    "NetworkLearner": (NetworkLearner, {"hidden": (8,), "seed": 0}, 0.15),
}


@functools.cache
def _fed(name):
    cls, extra, _ = LEARNERS[name]
    learner = cls({"m_channels": ARM.m_channels, "s_channels": ARM.s_channels, **extra})
    learner.update_array(M_DATA, S_DATA)
    return learner


def _learner_snapshot(learner):
    return fingerprint([learner.state(), learner.predict_array(QM), learner.infer_array(QS)])


def _accept_finite(result):
    assert all_finite(result), f"accepted with a non-finite result: {result}"


# -- environments -------------------------------------------------------------------------------
@settings(max_examples=examples())
@given(hostile.hostile_signal(M_NAMES, GOOD_M))
def test_environment_execute(case):
    signal, names = case
    check_outcome(
        "Environment.execute",
        lambda: ARM.execute(signal),
        lambda: fingerprint(ARM.execute_array(QM)),
        names,
        lambda fb: _accept_finite(fb["s_signal"]),
    )


@settings(max_examples=examples())
@given(hostile.hostile_batch(3))
def test_environment_execute_array(batch):
    check_outcome(
        "Environment.execute_array",
        lambda: ARM.execute_array(batch),
        lambda: fingerprint(ARM.execute_array(QM)),
        ["m_batch", "shape", *M_NAMES],
        _accept_finite,
    )


PLANTS = {  # environments with a state: a refused command must leave it (and its rng) as it was
    "Epuck2D": Epuck2D,
    "CartPoleADP": lambda: CartPoleADP({"seed": 0}),
    "Distractor": lambda: Distractor({"env": KinematicArm2D({"dim": 3}), "seed": 0}),
    # no time limit: every accepted case steps the pendulum, and a run may accept thousands
    "GymStepEnvironment": lambda: GymStepEnvironment(
        {"env": "Pendulum-v1", "env_kwargs": {"max_episode_steps": 10**9}}
    ),
}


@functools.cache
def _plant(name):
    env = PLANTS[name]()
    good = {c.name: 0.5 * (c.bounds[0] + c.bounds[1]) for c in env.m_channels}
    env.execute(good)
    return env, good


def _plant_snapshot(env):
    keys = ("state", "collided", "failed", "steps", "trials", "_walk", "terminated", "truncated")
    rng = env.rng if hasattr(env, "rng") else env.gym_env.unwrapped.np_random
    simulated = getattr(getattr(env, "gym_env", None), "unwrapped", None)  # a Gymnasium env's
    return fingerprint(
        [vars(env).get(k) for k in keys]
        + [rng.bit_generator.state, getattr(simulated, "state", None)]
    )


@pytest.mark.parametrize("name", sorted(PLANTS))
@settings(max_examples=examples())
@given(data=st.data())
def test_plant_execute(name, data):
    env, good = _plant(name)
    signal, names = data.draw(hostile.hostile_signal(list(good), good))
    check_outcome(
        f"{name}.execute",
        lambda: env.execute(signal),
        lambda: _plant_snapshot(env),
        names,
        lambda fb: _accept_finite(list(fb["s_signal"].values())),
    )


GYM_IDS = [
    "sensorimotor/CartPoleADP-v0",
    "sensorimotor/Epuck2D-v0",
    "sensorimotor/ToyHumanoid-v0",
    "sensorimotor/ToyHumanoidDiscrete-v0",
    pytest.param(
        "sensorimotor/AntGait-v0",
        marks=pytest.mark.skipif(
            importlib.util.find_spec("mujoco") is None, reason="the mujoco extra"
        ),
    ),
]


@functools.cache
def _gym_env(env_id):
    env = gymnasium.make(env_id)
    env.reset(seed=0)
    discrete = isinstance(env.action_space, gymnasium.spaces.Discrete)
    good = 0 if discrete else np.zeros(env.action_space.shape, dtype=env.action_space.dtype)
    return env, good


def _gym_snapshot(env, good):
    """What the environment would do next, from a copy (the original is not stepped)."""
    twin = copy.deepcopy(env.unwrapped)
    return fingerprint(list(twin.step(good)[:3]))


@pytest.mark.parametrize("env_id", GYM_IDS)
@settings(max_examples=examples())
@given(data=st.data())
def test_gym_step(env_id, data):
    env, good = _gym_env(env_id)
    discrete = isinstance(env.action_space, gymnasium.spaces.Discrete)
    n = 1 if discrete else env.action_space.shape[0]
    action = data.draw(hostile.hostile_scalar() if discrete else hostile.hostile_vector(n))
    check_outcome(
        f"{env_id}.step",
        lambda: env.unwrapped.step(action),
        lambda: _gym_snapshot(env, good),
        ["action", "heading", "force", "hip_", "ankle_"],  # the argument, or its motor channel
        lambda out: _accepted_step(env, out),
    )


def _accepted_step(env, out):
    obs, reward, terminated, truncated, _ = out
    _accept_finite(obs)
    _accept_finite(reward)
    if terminated or truncated:  # the next example needs a running episode
        env.reset(seed=0)


# -- forward / inverse learners ---------------------------------------------------------------------
def _learner_call(name, data):
    """One hostile call at one learner entry point: ``(entry, call, names)``."""
    learner = copy.deepcopy(_fed(name))
    good_s = dict(zip(S_NAMES, S_DATA[0], strict=True))
    good_m = dict(zip(M_NAMES, M_DATA[0], strict=True))
    which = data.draw(
        st.sampled_from(
            [
                "update_m",
                "update_s",
                "update_uuid",
                "update_feedback",
                "update_array",
                "predict",
                "predict_array",
                "infer",
                "infer_array",
                "infer_mode",
            ]
        )
    )
    if which == "update_m":
        m, names = data.draw(hostile.hostile_signal(M_NAMES, good_m))
        call = lambda: learner.update(m, good_s, uuid="u1")  # noqa: E731
    elif which == "update_s":
        s, names = data.draw(hostile.hostile_signal(S_NAMES, good_s))
        call = lambda: learner.update(good_m, s, uuid="u1")  # noqa: E731
    elif which == "update_uuid":
        u = data.draw(hostile.hostile_scalar())
        names = ["uuid"]
        call = lambda: learner.update(good_m, good_s, uuid=u)  # noqa: E731
    elif which == "update_feedback":
        side = data.draw(st.sampled_from(["m_signal", "s_signal", "uuid", "whole"]))
        fb = {"m_signal": good_m, "s_signal": good_s, "uuid": "f" * 32}
        if side == "m_signal":
            fb[side], names = data.draw(hostile.hostile_signal(M_NAMES, good_m))
        elif side == "s_signal":
            fb[side], names = data.draw(hostile.hostile_signal(S_NAMES, good_s))
        elif side == "uuid":
            fb[side], names = data.draw(hostile.hostile_scalar()), ["uuid"]
        else:
            fb, names = data.draw(hostile.hostile_scalar()), ["feedback", "Mapping", "mapping"]
        call = lambda: learner.update_feedback(fb)  # noqa: E731
    elif which == "update_array":
        b = data.draw(hostile.hostile_batch(3))
        names = ["m_batch", "shape", "rows", *M_NAMES]
        try:
            sb = S_DATA[:1] if np.ndim(b) < 2 else S_DATA[: np.shape(b)[0]]
        except ValueError:  # a ragged batch has no shape: any sensory batch will do
            sb = S_DATA[:1]
        call = lambda: learner.update_array(b, sb)  # noqa: E731
    elif which == "predict":
        m, names = data.draw(hostile.hostile_signal(M_NAMES, good_m))
        call = lambda: learner.predict(m)  # noqa: E731
    elif which == "predict_array":
        b = data.draw(hostile.hostile_batch(3))
        names = ["m_batch", "shape", *M_NAMES]
        call = lambda: learner.predict_array(b)  # noqa: E731
    elif which == "infer":
        s, names = data.draw(hostile.hostile_signal(S_NAMES, good_s))
        call = lambda: learner.infer(s)  # noqa: E731
    elif which == "infer_array":
        b = data.draw(hostile.hostile_batch(2))
        names = ["s_batch", "shape", *S_NAMES]
        call = lambda: learner.infer_array(b)  # noqa: E731
    else:
        mode = data.draw(hostile.hostile_scalar())
        names = ["mode"]
        call = lambda: learner.infer(good_s, mode=mode)  # noqa: E731
    return f"{name}.{which}", learner, call, names


def _check_learner(name, data):
    entry, learner, call, names = _learner_call(name, data)

    def accepted(result):
        _accept_finite(result)
        _accept_finite(learner.predict_array(QM))
        _accept_finite(learner.infer_array(QS))

    check_outcome(entry, call, lambda: _learner_snapshot(learner), names, accepted)


@pytest.mark.parametrize("name", ["NNLearner", "WNNLearner", "LWLRLearner"])
@settings(max_examples=examples(2.0))
@given(data=st.data())
def test_learner_entry_points(name, data):
    _check_learner(name, data)


@settings(max_examples=examples(LEARNERS["NetworkLearner"][2]))
@given(data=st.data())
def test_network_learner_entry_points(data):
    _check_learner("NetworkLearner", data)


# -- the memory of observations and its search ------------------------------------------------------
def _memory():
    mem = Memory(3, 2, capacity=4)
    mem.append(M_DATA[:5], S_DATA[:5])
    return mem


def _memory_snapshot(mem):
    return fingerprint([len(mem), mem.capacity, mem.m.copy(), mem.s.copy()])


@settings(max_examples=examples())
@given(data=st.data())
def test_memory_entry_points(data):
    """``Memory.append``, ``Memory.nearest``, ``Memory.truncate`` and ``knn``: refused naming
    the argument with the memory as it was, or accepted with finite distances and indices
    of stored rows (NumPy once broadcast a row of the wrong width into the memory)."""
    mem = _memory()
    which = data.draw(st.sampled_from(["append_m", "append_s", "nearest", "k", "truncate", "knn"]))
    if which == "append_m":
        m, names = data.draw(hostile.hostile_batch(3)), ["m"]
        call = lambda: mem.append(m, S_DATA[: np.shape(m)[0] if np.ndim(m) == 2 else 1])  # noqa: E731
    elif which == "append_s":
        s, names = data.draw(hostile.hostile_batch(2)), ["s"]
        call = lambda: mem.append(M_DATA[: np.shape(s)[0] if np.ndim(s) == 2 else 1], s)  # noqa: E731
    elif which == "nearest":
        q, names = data.draw(hostile.hostile_batch(3)), ["queries"]
        call = lambda: mem.nearest("m", q, 2)  # noqa: E731
    elif which == "k":
        k, names = data.draw(hostile.hostile_scalar()), ["k"]
        call = lambda: mem.nearest("s", S_DATA[:2], k)  # noqa: E731
    elif which == "truncate":
        n, names = data.draw(hostile.hostile_scalar()), ["n"]
        call = lambda: mem.truncate(n)  # noqa: E731
    else:
        q, names = data.draw(hostile.hostile_batch(3)), ["queries"]
        call = lambda: knn(M_DATA[:5], q, 2)  # noqa: E731

    def accepted(result):
        assert len(mem) >= 0 and mem.m.shape == (len(mem), 3) and mem.s.shape == (len(mem), 2)
        assert all_finite(mem.m) and all_finite(mem.s), "accepted a non-finite row"
        if result is not None:
            d2, idx = result
            # a query near 1e154 is a squared distance beyond float range: inf, not NaN
            assert not np.isnan(d2).any() and (d2 >= 0).all()
            assert ((idx >= 0) & (idx < len(mem))).all()

    entry = "knn" if which == "knn" else f"Memory.{which}"
    check_outcome(entry, call, lambda: _memory_snapshot(mem), names, accepted)


# -- explorers ---------------------------------------------------------------------------------------
@functools.cache
def _explorer(kind):
    learner = copy.deepcopy(_fed("NNLearner"))
    cfg = {"m_channels": ARM.m_channels, "s_channels": ARM.s_channels, "seed": 0}
    if kind == "goal":
        return RandomGoalExplorer({**cfg, "learner": learner})
    if kind == "progress":
        return LearningProgressExplorer({**cfg, "learner": learner, "cells": 2})
    return RandomMotorExplorer(cfg)


@pytest.mark.parametrize("kind", ["goal", "motor", "progress"])
@settings(max_examples=examples())
@given(data=st.data())
def test_explorer_receive(kind, data):
    explorer = copy.deepcopy(_explorer(kind))
    e = explorer.explore()
    fb = dict(ARM.execute(e["m_signal"]))
    e = dict(e)
    part = data.draw(
        st.sampled_from(["m_signal", "s_signal", "uuid", "s_goal", "from", "exploration"])
    )
    if part == "m_signal":
        fb[part], names = data.draw(hostile.hostile_signal(M_NAMES, dict(fb[part])))
    elif part == "s_signal":
        fb[part], names = data.draw(hostile.hostile_signal(S_NAMES, dict(fb[part])))
    elif part == "uuid":
        fb[part], names = data.draw(hostile.hostile_scalar()), ["uuid"]
    elif part == "s_goal":
        e[part], names = data.draw(hostile.hostile_signal(S_NAMES, {k: 0.1 for k in S_NAMES}))
        names = [*names, "s_goal"]
    elif part == "from":
        e[part], names = data.draw(hostile.hostile_scalar()), ["from"]
    else:
        e, names = data.draw(hostile.hostile_scalar()), ["exploration"]

    def snapshot():
        learner = explorer.learner if kind != "motor" else None
        return fingerprint(
            [explorer.state(), None if learner is None else _learner_snapshot(learner)]
        )

    check_outcome(
        f"{type(explorer).__name__}.receive", lambda: explorer.receive(e, fb), snapshot, names
    )


@settings(max_examples=examples())
@given(data=st.data())
def test_learning_progress_region_of(data):
    """``region_of(s)``: refused naming ``s`` or a channel, or the index of a region (NaN,
    None and a point of one coordinate once all fell in region 0)."""
    explorer = _explorer("progress")
    s = data.draw(hostile.hostile_vector(2))

    def accepted(i):
        assert is_int(i) and 0 <= i < len(explorer.interest()), i

    check_outcome(
        "LearningProgressExplorer.region_of",
        lambda: explorer.region_of(s),
        lambda: fingerprint(explorer.state()),
        ["s", *S_NAMES],
        accepted,
    )


# -- the observation log ------------------------------------------------------------------------------
@settings(max_examples=examples())
@given(data=st.data())
def test_observation_log_append(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("log") / "log.h5"
    fb = dict(ARM.execute(GOOD_M))
    meta = {"step": 1}
    part = data.draw(st.sampled_from(["m_signal", "s_signal", "uuid", "meta", "meta_value"]))
    if part == "m_signal":
        fb[part], names = data.draw(hostile.hostile_signal(M_NAMES, dict(fb[part])))
    elif part == "s_signal":
        fb[part], names = data.draw(hostile.hostile_signal(S_NAMES, dict(fb[part])))
    elif part == "uuid":
        fb[part], names = data.draw(hostile.hostile_scalar()), ["uuid"]
    elif part == "meta":
        meta, names = data.draw(hostile.hostile_scalar()), ["meta"]
    else:
        meta, names = {"v": data.draw(hostile.hostile_scalar())}, ["meta"]
    with ObservationLog(path, ARM.m_channels, ARM.s_channels, flush_every=1) as log:
        log.append(ARM.execute(GOOD_M), meta={"first": True})

        def snapshot():
            return fingerprint(
                [len(log._buffer), [list(r) for r in log._buffer], log._file["count"][:]]
            )

        check_outcome("ObservationLog.append", lambda: log.append(fb, meta=meta), snapshot, names)


@settings(max_examples=examples())
@given(data=st.data())
def test_episode_log_append(tmp_path_factory, data):
    """``EpisodeLog.append``: refused naming the record or its key with the episode's
    records as they were, or kept (NaN included: a diverging critic is worth seeing)."""
    path = tmp_path_factory.mktemp("episodes") / "episodes.h5"
    part = data.draw(st.sampled_from(["reward", "state", "record"]))
    record, names = {"reward": 1.0, "state": np.zeros(3)}, [part]
    if part == "reward":
        record["reward"] = data.draw(hostile.hostile_scalar())
    elif part == "state":
        record["state"] = data.draw(hostile.hostile_vector(3))
    else:
        record = data.draw(hostile.hostile_scalar())
    with EpisodeLog(path, mode="w") as log:
        log.append({"reward": 0.5, "state": np.ones(3)})

        def snapshot():
            return fingerprint([dict(r) for r in log._records])

        check_outcome("EpisodeLog.append", lambda: log.append(record), snapshot, names)


# -- configs --------------------------------------------------------------------------------------
CONFIGS = {
    "NNLearner": (
        lambda cfg: NNLearner({"m_channels": ARM.m_channels, "s_channels": ARM.s_channels, **cfg}),
        NNLearner.defcfg,
    ),
    "WNNLearner": (
        lambda cfg: WNNLearner({"m_channels": ARM.m_channels, "s_channels": ARM.s_channels, **cfg}),
        WNNLearner.defcfg,
    ),
    "LWLRLearner": (
        lambda cfg: LWLRLearner(
            {"m_channels": ARM.m_channels, "s_channels": ARM.s_channels, **cfg}
        ),
        LWLRLearner.defcfg,
    ),
    "RandomGoalExplorer": (
        lambda cfg: RandomGoalExplorer(
            {
                "m_channels": ARM.m_channels,
                "s_channels": ARM.s_channels,
                "learner": _fed("NNLearner"),
                **cfg,
            }
        ),
        RandomGoalExplorer.defcfg,
    ),
    "KinematicArm2D": (KinematicArm2D, KinematicArm2D.defcfg),
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
@settings(max_examples=examples())
@given(data=st.data())
def test_config_settings(name, data):
    make, defcfg = CONFIGS[name]
    keys = [k for k in defcfg if k not in ("m_channels", "s_channels", "learner")]
    key = data.draw(st.sampled_from(keys))
    value = data.draw(hostile.hostile_scalar() | hostile.hostile_vector(2))
    check_outcome(f"{name}(cfg)", lambda: make({key: value}), lambda: None, [key])
