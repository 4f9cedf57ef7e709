"""Hostile input at the streaming learners (both engines), the features and the streams
over a user's arrays (issue 9): refused naming the argument with the state passed in
bit-identical (and its predictions), or accepted with finite results, the state's engine
and dtype kept and no guard reset (a stream: finite rows of its shapes). The strategy and
the property are in ``tests/hostile.py``."""

import functools

import hostile
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hostile import all_finite, check_outcome, examples, fingerprint
from hypothesis import given, settings
from hypothesis import strategies as st

from sensorimotor.continual import (
    IDBD,
    LMS,
    ArrayStream,
    ArrayTDStream,
    LinearLearner,
    MLPLearner,
    RBFFeatures,
    TDLinearLearner,
    TileCoder,
    run_learning_loop,
)
from sensorimotor.envs.streams import RandomWalkStream
from sensorimotor.rules import TDIDBD, WelfordNormalizer

N = 3
X_GOOD = np.array([0.5, -1.0, 0.25])


def _kinds(tree):
    """Engine, dtype and shape of every leaf: what an accepted update must keep."""
    return [f[:3] if isinstance(f, tuple) and len(f) == 4 else f for f in fingerprint(tree)]


LINEAR = {
    "LMS": LinearLearner(LMS(0.05)),
    "IDBD": LinearLearner(IDBD(0.05, 0.01)),
    "IDBD+Welford": LinearLearner(IDBD(0.05, 0.01), normalizer=WelfordNormalizer()),
}


@functools.cache
def _trained_linear(name, engine):
    learner = LINEAR[name]
    xp = np if engine == "numpy" else jnp
    state = learner.init(N, xp=xp)
    rng = np.random.default_rng(0)
    for _ in range(30):
        x = rng.normal(size=N)
        state = learner.update(state, xp.asarray(x), float(x @ [1.0, -2.0, 0.5])).state
    return learner, state


def _check_update(entry, learner, state, call, names, predict):
    def snapshot():
        return fingerprint([state, predict(state)])

    def accepted(result):
        assert _kinds(result.state) == _kinds(state), (
            f"{entry}: the state's engine or dtype changed"
        )
        assert float(result.metrics.guard if hasattr(result.metrics, "guard") else 0) == 0, (
            f"{entry}: the guard reset a trained state on one input"
        )
        assert all_finite(predict(result.state)), f"{entry}: accepted, then predicts non-finite"
        assert all_finite(result.prediction) and all_finite(result.error), (
            f"{entry}: accepted with a non-finite prediction or error"
        )

    check_outcome(entry, call, snapshot, names, accepted)


@pytest.mark.parametrize("engine", ["numpy", "jax"])
@pytest.mark.parametrize("name", sorted(LINEAR))
@settings(max_examples=examples())
@given(data=st.data())
def test_linear_learner_update_and_predict(name, engine, data):
    learner, state = _trained_linear(name, engine)
    xp = np if engine == "numpy" else jnp
    good_x = xp.asarray(X_GOOD)
    which = data.draw(st.sampled_from(["x", "y", "predict"]))
    if which == "x":
        x = data.draw(hostile.hostile_vector(N))
        call = lambda: learner.update(state, x, 1.0)  # noqa: E731
    elif which == "y":
        y = data.draw(hostile.hostile_scalar())
        call = lambda: learner.update(state, good_x, y)  # noqa: E731
    else:
        x = data.draw(hostile.hostile_vector(N))
        check_outcome(
            f"LinearLearner({name}).predict[{engine}]",
            lambda: learner.predict(state, x),
            lambda: fingerprint(state),
            ["x"],
            lambda p: None if all_finite(p) else pytest.fail(f"predict accepted {x!r}: {p}"),
        )
        return
    entry = f"LinearLearner({name}).update.{which}[{engine}]"
    _check_update(entry, learner, state, call, [which], lambda s: learner.predict(s, good_x))


@functools.cache
def _trained_td(engine):
    learner = TDLinearLearner(TDIDBD())
    xp = np if engine == "numpy" else jnp
    state = learner.init(N, xp=xp)
    rng = np.random.default_rng(0)
    for _ in range(20):
        x, x2 = rng.normal(size=N), rng.normal(size=N)
        state = learner.update(state, xp.asarray(x), 0.5, xp.asarray(x2), 0.9).state
    return learner, state


@pytest.mark.parametrize("engine", ["numpy", "jax"])
@settings(max_examples=examples())
@given(data=st.data())
def test_td_linear_learner_update(engine, data):
    learner, state = _trained_td(engine)
    xp = np if engine == "numpy" else jnp
    args = {
        "x": xp.asarray(X_GOOD),
        "reward": 0.5,
        "next_x": xp.asarray(X_GOOD[::-1]),
        "gamma": 0.9,
    }
    which = data.draw(st.sampled_from(sorted(args)))
    args[which] = data.draw(
        hostile.hostile_vector(N) if which in ("x", "next_x") else hostile.hostile_scalar()
    )
    _check_update(
        f"TDLinearLearner.update.{which}[{engine}]",
        learner,
        state,
        lambda: learner.update(state, args["x"], args["reward"], args["next_x"], args["gamma"]),
        [which],
        lambda s: learner.predict(s, xp.asarray(X_GOOD)),
    )


@functools.cache
def _trained_mlp():
    learner = MLPLearner(hidden_sizes=(16,))
    state = learner.init(jax.random.key(0), N)
    for _ in range(5):
        state = learner.update(state, X_GOOD, 1.0).state
    return learner, state


@pytest.mark.parametrize("engine", ["numpy", "jax"])
@settings(max_examples=examples(0.5))
@given(data=st.data())
def test_mlp_learner_update_and_predict(engine, data):
    learner, state = _trained_mlp()
    xp = np if engine == "numpy" else jnp
    good_x = xp.asarray(X_GOOD)
    which = data.draw(st.sampled_from(["x", "y", "predict"]))
    if which == "predict":
        x = data.draw(hostile.hostile_vector(N))
        check_outcome(
            f"MLPLearner.predict[{engine}]",
            lambda: learner.predict(state, x),
            lambda: fingerprint(state),
            ["x"],
            lambda p: None if all_finite(p) else pytest.fail(f"predict accepted {x!r}: {p}"),
        )
        return
    x = data.draw(hostile.hostile_vector(N)) if which == "x" else good_x
    y = data.draw(hostile.hostile_scalar()) if which == "y" else 1.0
    _check_update(
        f"MLPLearner.update.{which}[{engine}]",
        learner,
        state,
        lambda: learner.update(state, x, y),
        [which],
        lambda s: learner.predict(s, good_x),
    )


# -- streams over a user's arrays ---------------------------------------------------------
ROWS = 4
STREAM_ARGS = {
    "ArrayStream": ("x", "y"),
    "ArrayTDStream": ("observations", "cumulants", "discount"),
}


def _rows(value, default):
    """The number of rows of a drawn array (the other arguments are made to match it)."""
    shape = getattr(value, "shape", ())
    return shape[0] if len(shape) >= 1 else default


@pytest.mark.parametrize("name", sorted(STREAM_ARGS))
@settings(max_examples=examples())
@given(data=st.data())
def test_array_streams_of_hostile_data(name, data):
    """Hostile data are refused when the stream is made, naming the argument; accepted
    data give finite rows of the stream's shapes."""
    which = data.draw(st.sampled_from(STREAM_ARGS[name]))
    if which in ("x", "observations"):
        value = data.draw(hostile.hostile_batch(N))
        rows = max(_rows(value, ROWS) - (which == "observations"), 1)
    else:
        value = data.draw(hostile.hostile_vector(ROWS) | hostile.hostile_scalar())
        rows = ROWS
    good = {
        "x": X_GOOD + np.zeros((rows, N)),
        "y": np.linspace(-1.0, 1.0, rows),
        "observations": X_GOOD + np.zeros((ROWS + 1, N)),
        "cumulants": np.linspace(-1.0, 1.0, rows),
        "discount": 0.9,
    }
    args = [value if a == which else good[a] for a in STREAM_ARGS[name]]
    make = ArrayStream if name == "ArrayStream" else ArrayTDStream

    def accepted(stream):
        _, ts = stream.step(stream.init())
        assert len(stream) >= 1 and ts[0].shape == (stream.feature_dim,)
        for v in ts:
            assert jnp.issubdtype(v.dtype, jnp.floating) and all_finite(v), f"{name}: {ts}"

    check_outcome(f"{name}({which})", lambda: make(*args), lambda: None, [which], accepted)


# -- features -----------------------------------------------------------------------------
CODER = TileCoder(low=(0.0, -1.0), high=(1.0, 1.0), tiles_per_dim=4, num_tilings=2)
RBF = RBFFeatures.grid(low=(0.0, -1.0), high=(1.0, 1.0), num_per_dim=3, sigma=0.5)


@pytest.mark.parametrize("name", ["TileCoder", "RBFFeatures"])
@settings(max_examples=examples())
@given(data=st.data())
def test_features_of_hostile_input(name, data):
    features = CODER if name == "TileCoder" else RBF
    x = data.draw(hostile.hostile_vector(2))

    def accepted(phi):
        assert all_finite(phi), f"{name} of {x!r} is not finite: {phi}"
        assert type(phi).__module__.split(".")[0] == type(x).__module__.split(".")[0]

    check_outcome(f"{name}.__call__", lambda: features(x), lambda: None, ["x"], accepted)


TILE_SETTINGS = {"low": (0.0,), "high": (1.0,), "tiles_per_dim": 4, "num_tilings": 2}


@settings(max_examples=examples())
@given(data=st.data())
def test_tile_coder_settings(data):
    key = data.draw(st.sampled_from(sorted(TILE_SETTINGS)))
    value = data.draw(hostile.hostile_scalar() | hostile.hostile_vector(1))
    coder = TileCoder(**{**TILE_SETTINGS, key: value})

    def accepted(dim):
        assert isinstance(dim, int) and dim > 0
        assert all_finite(coder(np.array([0.5])))

    check_outcome("TileCoder(settings)", lambda: coder.feature_dim, lambda: None, [key], accepted)


@settings(max_examples=examples())
@given(data=st.data())
def test_streaming_learner_settings(data):
    which = data.draw(st.sampled_from(["LMS", "IDBD", "feature_dim"]))
    value = data.draw(hostile.hostile_scalar())
    if which == "LMS":
        make, names = lambda: LinearLearner(LMS(value)).init(N), ["step_size"]  # noqa: E731
    elif which == "IDBD":
        make, names = lambda: LinearLearner(IDBD(0.05, value)).init(N), ["meta_step_size"]  # noqa: E731
    else:
        make, names = lambda: LinearLearner(LMS(0.1)).init(value), ["feature_dim"]  # noqa: E731
    check_outcome(f"LinearLearner.init({which})", make, lambda: None, names)


@settings(max_examples=examples())
@given(data=st.data())
def test_learning_loop_settings(data):
    """``num_steps`` and ``trace_interval`` of a loop: refused naming the argument, or run
    with a trace of ``num_steps // trace_interval`` blocks (``int()`` once took 2.5 for 2)."""
    which = data.draw(st.sampled_from(["num_steps", "trace_interval"]))
    value = data.draw(hostile.hostile_scalar())
    args = {"num_steps": 4, "trace_interval": 2, which: value}
    learner = LinearLearner(LMS(0.05))

    def accepted(out):
        blocks = out.trace.error.shape[0]
        assert blocks * args["trace_interval"] == args["num_steps"], f"{args}: {blocks} blocks"

    check_outcome(
        f"run_learning_loop({which})",
        lambda: run_learning_loop(
            learner,
            RandomWalkStream(N),
            args["num_steps"],
            jax.random.key(0),
            trace_interval=args["trace_interval"],
        ),
        lambda: None,
        [which],
        accepted,
    )
