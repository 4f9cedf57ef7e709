"""ArrayStream and ArrayTDStream: a user's recorded arrays as a stream. The compiled loops
give what feeding the rows by hand gives; the end of the data is refused, or gone round
with ``cycle=True``; bad data are refused when the stream is made, naming the argument."""

import pathlib
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.base.pytree import take
from sensorimotor.continual import (
    GVF,
    IDBD,
    LMS,
    TDIDBD,
    ArrayStream,
    ArrayStreamState,
    ArrayTDStream,
    Autostep,
    Horde,
    LinearLearner,
    MLPLearner,
    TDLinearLearner,
    compile_count,
    make_learning_loop,
    run_learning_loop,
    run_learning_loop_batched,
    run_mlp_learning_loop,
    run_mlp_learning_loop_batched,
    run_sweep,
    run_td_learning_loop,
    run_td_sweep,
)
from sensorimotor.continual.scan_loop import learner_key

T, D = 200, 3  # 200 rows: enough for every check; fed by hand, each row is an eager update
KEY = jax.random.key(0)


def _data(t=T, d=D, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(t, d))
    y = x @ np.linspace(-1.0, 2.0, d) + 0.5 + 0.1 * rng.normal(size=t)
    return x, y


def _td_data(t=T, d=D, seed=1):
    rng = np.random.default_rng(seed)
    obs = rng.normal(size=(t + 1, d))
    cumulants = obs[1:, 0] + 0.1 * rng.normal(size=t)
    discount = np.where(rng.uniform(size=t) < 0.05, 0.0, 0.9)  # episodes end now and then
    return obs, cumulants, discount


def _by_hand(learner, state, rows):
    """Feed ``rows`` one at a time (the user's own Python loop); the final state and the
    mean of each metric."""
    metrics = []
    for row in rows:
        result = learner.update(state, *row)
        state = result.state
        metrics.append(result.metrics)
    return state, jax.tree_util.tree_map(lambda *m: float(np.mean(np.asarray(m))), *metrics)


def _close(a, b, rtol=1e-5, atol=1e-6):
    for u, v in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=rtol, atol=atol)


@pytest.mark.parametrize(
    "learner",
    [LinearLearner(LMS(0.05)), LinearLearner(IDBD(0.01, 0.01)), LinearLearner(Autostep(0.01))],
    ids=["LMS", "IDBD", "Autostep"],
)
def test_the_compiled_loop_equals_feeding_the_rows_by_hand(learner):
    x, y = _data()
    out = run_learning_loop(learner, ArrayStream(x, y), T, KEY)
    # the rows by hand, in the stream's dtype (float32 unless JAX's float64 switch is on)
    dtype = jnp.zeros(()).dtype
    rows = [(xt, float(yt)) for xt, yt in zip(x.astype(dtype), y.astype(dtype), strict=True)]
    for xp in (jnp, np):  # both engines of the learner
        state, metrics = _by_hand(learner, learner.init(D, xp=xp, dtype=dtype), rows)
        _close(out.state, state)
        np.testing.assert_allclose(
            float(out.metrics.squared_error), metrics.squared_error, rtol=1e-5
        )


def test_a_python_loop_over_step_yields_the_rows_in_order_as_the_compiled_loop_does():
    x, y = _data(t=50)
    stream, learner = ArrayStream(x, y), LinearLearner(IDBD(0.01, 0.01))
    state, learned = stream.init(KEY), learner.init(D, xp=jnp)
    for t in range(50):
        state, ts = stream.step(state, jax.random.key(t))  # the key is ignored
        np.testing.assert_array_equal(np.asarray(ts.x), x[t].astype(np.float32))
        assert float(ts.y) == np.float32(y[t])
        learned = learner.update(learned, ts.x, ts.y).state
    assert int(state.index) == 50
    out = run_learning_loop(learner, stream, 50, KEY)
    _close(out.state, learned)
    assert int(out.stream_state.index) == 50


def test_the_error_drops_over_the_data():
    x, y = _data(t=4000)
    out = run_learning_loop(
        LinearLearner(IDBD(0.01, 0.01)), ArrayStream(x, y), 4000, KEY, trace_interval=1000
    )
    mse = np.asarray(out.trace.squared_error)
    assert mse[-1] < 0.05 < mse[0]


def test_td_loop_equals_feeding_the_transitions_by_hand():
    obs, c, g = _td_data()
    learner = TDLinearLearner(TDIDBD(0.02, 0.01, trace_decay=0.9))
    out = run_td_learning_loop(learner, ArrayTDStream(obs, c, g), T, KEY)
    rows = [(obs[t], float(c[t]), obs[t + 1], float(g[t])) for t in range(T)]
    state, metrics = _by_hand(learner, learner.init(D, xp=jnp), rows)
    _close(out.state, state)
    np.testing.assert_allclose(
        float(out.metrics.squared_td_error), metrics.squared_td_error, rtol=1e-5
    )


def test_horde_and_a_scalar_discount_in_the_td_loop():
    obs, c, _ = _td_data()
    stream = ArrayTDStream(obs, c, 0.5)
    assert np.all(np.asarray(stream.discount) == 0.5) and stream.discount.shape == (T,)
    horde = Horde([GVF(TDIDBD(0.05, 0.0)), GVF(TDIDBD(0.05, 0.0), gamma=0.0, cumulant=1)])
    out = run_td_learning_loop(horde, stream, T, KEY)
    rows = [(obs[t], float(c[t]), obs[t + 1], 0.5) for t in range(T)]
    state, _ = _by_hand(horde, horde.init(D, xp=jnp), rows)
    _close(out.state, state)


def test_mlp_loop_equals_feeding_the_rows_by_hand():
    # the compiled step rounds differently in the last bit now and then, and an MLP's
    # learning amplifies that: on an AVX-512 EPYC, 4e-7 after 25 rows, 8e-6 after 50 and
    # 1e-3 after 100, where the CPU of earlier runs stayed below 1e-4. 30 rows keep the
    # check far from the noise and far below what feeding the rows out of order gives
    # (0.04 after 25 rows, one row moved to the end)
    x, y = _data(t=30)
    learner = MLPLearner((16,))
    out = run_mlp_learning_loop(learner, ArrayStream(x, y), 30, KEY)
    rows = [(xt, float(yt)) for xt, yt in zip(x.astype(np.float32), y, strict=True)]
    state, _ = _by_hand(learner, learner.init(learner_key(KEY), D), rows)
    _close(out.state.params, state.params, rtol=1e-3, atol=1e-4)


def test_every_seed_sees_the_same_data():
    x, y = _data()
    stream, keys = ArrayStream(x, y), jax.random.split(KEY, 3)
    learner = LinearLearner(IDBD(0.01, 0.01))
    single = run_learning_loop(learner, stream, T, KEY)
    batched = run_learning_loop_batched(learner, stream, T, keys)
    vmapped = jax.vmap(make_learning_loop(learner, stream, T))(keys)
    for out in (batched, vmapped):
        for lane in range(3):
            _close(take(out.state, lane), single.state)
    sweep = run_sweep([learner, LinearLearner(IDBD(0.02, 0.01))], stream, T, keys)
    _close(take(take(sweep.state, 0), 2), single.state)
    # an MLP's seeds differ by its initial weights only
    mlp = run_mlp_learning_loop_batched(MLPLearner((16,)), stream, T, keys)
    assert not np.allclose(mlp.state.params[0].w[0], mlp.state.params[0].w[1])


def test_other_data_of_the_same_shape_does_not_recompile():
    x, y = _data()
    learner = LinearLearner(LMS(0.05))
    run_learning_loop(learner, ArrayStream(x, y), T, KEY)
    before = compile_count()["supervised"]
    out = run_learning_loop(learner, ArrayStream(2.0 * x, -y), T, KEY)
    assert compile_count()["supervised"] == before
    assert float(out.state.weights[-1]) < 0  # the new data were learned: the bias is -0.5


# -- the end of the data ------------------------------------------------------------------
FRONT_ENDS = {
    "run_learning_loop": lambda s, n: run_learning_loop(LinearLearner(), s, n, KEY),
    "batched": lambda s, n: run_learning_loop_batched(
        LinearLearner(), s, n, jax.random.split(KEY, 2)
    ),
    "sweep": lambda s, n: run_sweep([LinearLearner()], s, n, jax.random.split(KEY, 2)),
    "make_learning_loop": lambda s, n: make_learning_loop(LinearLearner(), s, n),
    "mlp": lambda s, n: run_mlp_learning_loop(MLPLearner((16,)), s, n, KEY),
}


@pytest.mark.parametrize("front_end", sorted(FRONT_ENDS))
def test_a_loop_refuses_to_run_past_the_end_before_it_compiles(front_end):
    stream = ArrayStream(*_data(t=50))
    before = compile_count()
    with pytest.raises(ValueError, match=r"num_steps=51 runs past the end .* holds 50 steps"):
        FRONT_ENDS[front_end](stream, 51)
    assert compile_count() == before


@pytest.mark.parametrize(
    "run", [run_td_learning_loop, lambda l, s, n, k: run_td_sweep([l], s, n, k[None])]
)
def test_a_td_loop_refuses_to_run_past_the_end(run):
    with pytest.raises(ValueError, match=f"holds {T} steps"):
        run(TDLinearLearner(), ArrayTDStream(*_td_data()), T + 1, KEY)


def test_all_the_rows_run_and_a_python_loop_stops_at_the_end():
    x, y = _data(t=4)
    stream = ArrayStream(x, y)
    out = run_learning_loop(LinearLearner(), stream, len(stream), KEY)
    assert int(out.stream_state.index) == 4
    with pytest.raises(IndexError, match="step at row 4, past the end of the data"):
        stream.step(out.stream_state)
    # under the user's own jit nothing can raise: a row past the end is NaN
    _, ts = jax.jit(stream.step)(out.stream_state)
    assert np.isnan(np.asarray(ts.x)).all() and np.isnan(float(ts.y))


def test_cycle_goes_round_the_data_again():
    x, y = _data(t=100)
    learner = LinearLearner(IDBD(0.01, 0.01))
    looped = run_learning_loop(learner, ArrayStream(x, y, cycle=True), 250, KEY)
    twice = ArrayStream(np.concatenate([x, x, x]), np.concatenate([y, y, y]))
    _close(looped.state, run_learning_loop(learner, twice, 250, KEY).state)
    assert int(looped.stream_state.index) == 50
    # the TD stream goes round its transitions (not from the last observation to the first)
    obs, c, g = _td_data(t=3)
    stream = ArrayTDStream(obs, c, g, cycle=True)
    state, seen = stream.init(), []
    for _ in range(7):
        state, ts = stream.step(state)
        seen.append(np.asarray(ts.next_x))
    np.testing.assert_allclose(seen[3], obs[1].astype(np.float32))
    np.testing.assert_allclose(seen[2], obs[3].astype(np.float32))


def test_a_vector_target_is_a_row_of_y_and_a_scalar_learner_refuses_it_naming_y():
    x, y = _data(t=10)
    stream = ArrayStream(x, np.stack([y, -y], axis=1))
    _, ts = stream.step(stream.init())
    assert ts.y.shape == (2,)
    for run in (
        lambda: run_learning_loop(LinearLearner(), stream, 10, KEY),
        lambda: run_mlp_learning_loop(MLPLearner((16,)), stream, 10, KEY),
    ):
        with pytest.raises(ValueError, match=r"y must be a scalar.*got shape \(2,\)"):
            run()
    out = run_learning_loop(LinearLearner(), ArrayStream(x, np.asarray(stream.y)[:, 1]), 10, KEY)
    assert out.state.weights.shape == (D + 1,)


# -- bad data -----------------------------------------------------------------------------
X, Y = _data(t=4)
OBS, C, G = _td_data(t=4)
BAD = [
    (
        dict(x=X[:, 0], y=Y),
        ValueError,
        r"x must have shape \(T, feature_dim\), got shape \(4,\) \(one feature: x\[:, None\]\)",
    ),
    (dict(x=X[None], y=Y), ValueError, r"x must have shape .*got shape \(1, 4, 3\)"),
    (dict(x=X, y=Y[:, None, None]), ValueError, r"y must have shape \(T,\) or \(T, k\)"),
    (dict(x=X, y=Y[:3]), ValueError, r"y has 3 rows, expected 4 \(one target per row of x\)"),
    (dict(x=np.zeros((0, 3)), y=np.zeros(0)), ValueError, r"x is empty \(shape \(0, 3\)\)"),
    (dict(x=np.zeros((4, 0)), y=Y), ValueError, r"x is empty"),
    (
        dict(x=np.where(np.eye(4, 3) > 0, np.nan, X), y=Y),
        ValueError,
        r"x contains NaN or inf at index \(0, 0\) \(and 2 more",
    ),
    (dict(x=X, y=np.r_[Y[:3], np.inf]), ValueError, r"y contains NaN or inf at index 3"),
    (dict(x=X > 0, y=Y), TypeError, r"x must hold real numbers, got dtype bool"),
    (dict(x=X.astype(complex), y=Y), TypeError, r"x must hold real numbers, got dtype complex128"),
    (dict(x=X, y=Y.astype(str)), TypeError, r"y must hold real numbers, got dtype <U"),
    (
        dict(x=[[1.0, 2.0], [3.0]], y=Y[:2]),
        TypeError,
        r"x must be an array of shape \(T, feature_dim\), got list",
    ),
    (dict(x=None, y=Y), TypeError, r"x must be an array"),
    (dict(x="x.npy", y=Y), TypeError, r"x must be an array"),
    (
        dict(x=np.full((4, 3), 1e39), y=Y),
        ValueError,
        r"x is too large to learn from in float32.*float64 switch",
    ),
    (dict(x=X, y=Y, cycle="yes"), TypeError, r"cycle must be a bool"),
]
BAD_TD = [
    (
        dict(observations=OBS[:1], cumulants=C[:0], discount=0.9),
        ValueError,
        r"observations has 1 row, at least 2",
    ),
    (
        dict(observations=OBS, cumulants=C[:, None], discount=0.9),
        ValueError,
        r"cumulants must have shape \(T,\)",
    ),
    (
        dict(observations=OBS, cumulants=np.r_[C, 1.0], discount=0.9),
        ValueError,
        r"cumulants has 5 rows, expected 4",
    ),
    (
        dict(observations=OBS, cumulants=C, discount=G[:3]),
        ValueError,
        r"discount has 3 rows, expected 4",
    ),
    (
        dict(observations=OBS, cumulants=C, discount=1.5),
        ValueError,
        r"discount must be in \[0, 1\]",
    ),
    (dict(observations=OBS, cumulants=C, discount=-G), ValueError, r"discount must be in \[0, 1\]"),
    (
        dict(observations=OBS, cumulants=C, discount=np.nan),
        ValueError,
        r"discount contains NaN or inf",
    ),
    (dict(observations=OBS, cumulants=C, discount=True), TypeError, r"discount must be an array"),
    (
        dict(observations=OBS.astype(object), cumulants=C, discount=0.9),
        TypeError,
        r"observations must hold real numbers",
    ),
]


@pytest.mark.parametrize(("kwargs", "error", "match"), BAD, ids=[m[:40] for *_, m in BAD])
def test_bad_data_are_refused_naming_the_argument(kwargs, error, match):
    with pytest.raises(error, match="ArrayStream: " + match):
        ArrayStream(kwargs.pop("x"), kwargs.pop("y"), **kwargs)


@pytest.mark.parametrize(("kwargs", "error", "match"), BAD_TD, ids=[m[:40] for *_, m in BAD_TD])
def test_bad_td_data_are_refused_naming_the_argument(kwargs, error, match):
    with pytest.raises(error, match="ArrayTDStream: " + match):
        ArrayTDStream(**kwargs)


def test_good_data_of_any_real_dtype_are_stored_as_jax_floats():
    default = jnp.zeros(()).dtype
    for x in (X, X.astype(np.float32), X.astype(np.float16), (10 * X).astype(np.int64)):
        stream = ArrayStream(x, Y.astype(np.float32))
        assert isinstance(stream.x, jax.Array) and stream.x.dtype == default
        assert stream.y.dtype == np.float32
    stream = ArrayStream(X.tolist(), list(Y))  # lists of numbers are arrays too
    assert stream.feature_dim == 3 and len(stream) == 4
    x = X.copy()
    stream = ArrayStream(x, Y)
    x[:] = np.nan  # the stream holds its own copy
    assert np.isfinite(np.asarray(stream.x)).all()


def test_the_stream_is_frozen_a_pytree_and_says_what_it_holds():
    stream = ArrayStream(X, Y, cycle=True)
    with pytest.raises(AttributeError, match="frozen"):
        stream.x = X
    assert repr(stream) == "ArrayStream(x=float32[4, 3], y=float32[4], cycle=True)"
    leaves, treedef = jax.tree_util.tree_flatten(stream)
    assert len(leaves) == 2
    again = jax.tree_util.tree_unflatten(treedef, leaves)
    assert again.cycle and again.x is stream.x
    paths = [jax.tree_util.keystr(p) for p, _ in jax.tree_util.tree_flatten_with_path(stream)[0]]
    assert paths == [".x", ".y"]
    with pytest.raises(TypeError, match="x is a traced value"):
        jax.jit(lambda a: ArrayStream(a, Y))(X)
    assert isinstance(stream.init(), ArrayStreamState)


def test_the_docs_example_runs():
    page = pathlib.Path(__file__).resolve().parents[2] / "docs" / "continual-learning.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)
    assert blocks, "docs/continual-learning.md has no python example"
    for block in blocks:
        exec(compile(block, str(page), "exec"), {})  # noqa: S102 - our own page
