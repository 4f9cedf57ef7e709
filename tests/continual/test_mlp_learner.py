"""MLPLearner: learning, no divergence, bad input, config, save/load, determinism."""

import dataclasses
import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.continual import MLPLearner, UpdateResult, load_mlp_learner, save_mlp_learner
from sensorimotor.continual.mlp import MLPMetrics, MLPState
from sensorimotor.continual.mlp_learning_loop import run_mlp_learning_loop
from sensorimotor.envs.streams import TimeStep
from sensorimotor.rules import (
    LMS,
    AdaptiveObGD,
    Autostep,
    DivergenceError,
    EMANormalizer,
    ObGD,
    WelfordNormalizer,
)


@dataclasses.dataclass(frozen=True)
class NonlinearStream:
    """x ~ U(-1, 1)^3, y = sin(3 x0) + x1 x2 (+ scale): no linear model fits it."""

    scale: float = 1.0
    feature_dim: int = 3

    def init(self, key):
        return jnp.zeros((), jnp.int32)

    def step(self, state, key):
        x = jax.random.uniform(key, (3,), minval=-1.0, maxval=1.0)
        return state + 1, TimeStep(x, self.scale * (jnp.sin(3.0 * x[0]) + x[1] * x[2]))


def _target(x):
    return np.sin(3.0 * x[:, 0]) + x[:, 1] * x[:, 2]


def test_learns_a_nonlinear_target_below_the_best_linear_fit():
    out = run_mlp_learning_loop(
        MLPLearner((32, 32)), NonlinearStream(), 10_000, jax.random.key(0), trace_interval=1000
    )
    # best linear predictor (with bias), from a large sample: MSE about 0.13
    x = np.random.default_rng(0).uniform(-1, 1, (20_000, 3))
    a = np.c_[x, np.ones(len(x))]
    coef = np.linalg.lstsq(a, _target(x), rcond=None)[0]
    linear_mse = np.mean((a @ coef - _target(x)) ** 2)
    assert linear_mse > 0.1
    final = float(out.trace.squared_error[-1])
    assert final < 0.01, final
    assert float(out.trace.squared_error[0]) > 5 * final  # it learned, it did not start there
    assert int(out.state.guard_count) == 0


@pytest.mark.parametrize("step_size", [1e2, 1e6])
def test_defaults_never_diverge_even_with_a_huge_step_size(step_size):
    learner = MLPLearner((32, 32), optimizer=ObGD(step_size=step_size))
    out = run_mlp_learning_loop(
        learner, NonlinearStream(scale=100.0), 3000, jax.random.key(1), trace_interval=500
    )
    trace = np.asarray(out.trace.squared_error)
    assert np.isfinite(trace).all() and int(out.state.guard_count) == 0
    # the error does not blow up: it ends below the target's own variance (~6300)
    assert trace[-1] < 0.5 * 100.0**2 * 0.63
    assert all(np.isfinite(leaf).all() for leaf in jax.tree_util.tree_leaves(out.state.params))


def test_update_returns_prediction_before_the_update_and_named_metrics():
    learner = MLPLearner((16,))
    state = learner.init(jax.random.key(0), 2)
    x = jnp.array([0.3, -0.7])
    before = float(learner.predict(state, x))
    result = learner.update(state, x, 2.0)
    assert isinstance(result, UpdateResult) and isinstance(result.metrics, MLPMetrics)
    assert float(result.prediction) == pytest.approx(before, rel=1e-6)
    assert float(result.error) == pytest.approx(2.0 - before, rel=1e-6)
    assert float(result.metrics.squared_error) == pytest.approx(float(result.error) ** 2)
    assert int(result.state.step) == 1 and float(result.metrics.guard) == 0.0
    # eager (checked) update and the pure jittable step agree; under jit, update is step
    pure = jax.jit(learner.step)(state, x, jnp.float32(2.0))
    traced = jax.jit(learner.update)(state, x, jnp.float32(2.0))
    np.testing.assert_allclose(traced.state.params[0].w, pure.state.params[0].w, rtol=1e-6)
    np.testing.assert_allclose(
        jax.jit(learner.predict)(state, x), learner.predict(state, x), rtol=1e-6
    )
    for a, b in zip(
        jax.tree_util.tree_leaves(pure), jax.tree_util.tree_leaves(result), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize(
    ("x", "y", "exc", "match"),
    [
        ([0.1, np.nan, 0.2], 1.0, ValueError, "x contains NaN"),
        ([0.1, np.inf, 0.2], 1.0, ValueError, "x contains NaN or inf"),
        ([0.1, 0.2, 0.3], np.nan, ValueError, "y is NaN or inf"),
        ([0.1, 0.2, 0.3], -np.inf, ValueError, "y is NaN or inf"),
        ([0.1, 0.2], 1.0, ValueError, r"x must have shape \(3,\)"),
        ([[0.1, 0.2, 0.3]], 1.0, ValueError, r"x must have shape \(3,\)"),
        ([0.1, 0.2, 0.3], [1.0, 2.0], ValueError, "y must be a scalar"),
        (["a", "b", "c"], 1.0, TypeError, "x must be real"),
        ([0.1, 0.2, 0.3], "one", TypeError, "y must be a real"),
    ],
)
def test_bad_input_raises_and_state_is_unchanged(x, y, exc, match):
    learner = MLPLearner((16,))
    state = learner.init(jax.random.key(0), 3)
    snapshot = [np.array(leaf) for leaf in jax.tree_util.tree_leaves(state)]
    with pytest.raises(exc, match=match):
        learner.update(state, x, y)
    if not match.startswith("y"):  # a bad x is refused by predict too
        with pytest.raises(exc, match=match):
            learner.predict(state, x)
    for a, b in zip(snapshot, jax.tree_util.tree_leaves(state), strict=True):
        np.testing.assert_array_equal(a, b)
    # and the learner still works afterwards
    assert np.isfinite(float(learner.update(state, [0.1, 0.2, 0.3], 1.0).prediction))


def test_guard_skips_non_finite_updates_and_raise_policy_raises():
    # LMS with a huge step overflows; the guard keeps the previous (finite) weights
    learner = MLPLearner((16,), optimizer=LMS(step_size=1e30))
    out = run_mlp_learning_loop(learner, NonlinearStream(), 200, jax.random.key(0))
    assert int(out.state.guard_count) > 0
    assert all(np.isfinite(leaf).all() for leaf in jax.tree_util.tree_leaves(out.state.params))
    strict = dataclasses.replace(learner, guard="raise")
    with pytest.raises(DivergenceError):
        run_mlp_learning_loop(strict, NonlinearStream(), 200, jax.random.key(0))
    state = strict.init(jax.random.key(0), 3)
    x = jnp.array([1.0, -1.0, 0.5])
    with pytest.raises(DivergenceError):
        for _ in range(10):
            state = strict.update(state, x, 1e3).state


def test_same_seed_same_result_other_seed_other_result():
    learner = MLPLearner((32, 32))  # the structure of the learning test: compiled once
    a = run_mlp_learning_loop(
        learner, NonlinearStream(), 10_000, jax.random.key(7), trace_interval=1000
    )
    b = run_mlp_learning_loop(
        learner, NonlinearStream(), 10_000, jax.random.key(7), trace_interval=1000
    )
    c = run_mlp_learning_loop(
        learner, NonlinearStream(), 10_000, jax.random.key(8), trace_interval=1000
    )
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        np.testing.assert_array_equal(x, y)
    assert float(a.metrics.squared_error) != float(c.metrics.squared_error)


@pytest.mark.parametrize(
    "learner",
    [
        MLPLearner(),
        MLPLearner((4, 5), AdaptiveObGD(step_size=0.5), trace_decay=0.8, layer_norm=False),
        MLPLearner((3,), LMS(0.1), sparsity=0.0, negative_slope=0.2, guard="raise"),
        MLPLearner((3,), Autostep(0.05, 0.01, 1e4), normalizer=EMANormalizer(0.99)),
    ],
)
def test_config_round_trips_through_json(learner):
    config = json.loads(json.dumps(learner.to_config()))
    assert MLPLearner.from_config(config) == learner


def test_config_and_constructor_refuse_bad_values():
    with pytest.raises(ValueError, match="unknown MLPLearner config keys"):
        MLPLearner.from_config({"hidden_sizes": [4], "hiden": 3})
    with pytest.raises(ValueError, match="unknown optimizer type"):
        MLPLearner.from_config({"optimizer": {"type": "Adam"}})
    with pytest.raises(ValueError, match="unknown ObGD fields"):
        MLPLearner.from_config({"optimizer": {"type": "ObGD", "lr": 1.0}})
    with pytest.raises(ValueError, match="step_size"):
        MLPLearner(optimizer=ObGD(step_size=-1.0))
    with pytest.raises(ValueError, match="trace_decay"):
        MLPLearner(trace_decay=1.5)
    with pytest.raises(ValueError, match="hidden_sizes"):
        MLPLearner(hidden_sizes=(0,))
    with pytest.raises(ValueError, match="guard"):
        MLPLearner(guard="ignore")
    with pytest.raises(TypeError, match="optimizer"):
        MLPLearner(optimizer="sgd")


@pytest.mark.parametrize(
    "field, value, exc",
    [
        ("trace_decay", True, TypeError),  # was taken as 1.0
        ("trace_decay", np.array(1.5), ValueError),  # an array escaped the range check
        ("trace_decay", "0.5", TypeError),  # JAX's "abstract array" error at init
        ("negative_slope", float("nan"), ValueError),  # every prediction NaN
        ("negative_slope", True, TypeError),
        ("negative_slope", "a", TypeError),  # a NumPy indexing error at init
        ("sparsity", "0.5", TypeError),  # was used as 0.5
        ("layer_norm", "no", TypeError),  # a non-empty string: layer norm on
    ],
)
def test_constructor_refuses_a_setting_of_the_wrong_type_or_range_naming_it(field, value, exc):
    with pytest.raises(exc, match=field):
        MLPLearner(hidden_sizes=(4,), **{field: value})


def test_constructor_keeps_accepting_arrays_and_numpy_numbers_of_a_sweep():
    learner = MLPLearner((4,), trace_decay=np.float32(0.5), negative_slope=np.float64(0.1))
    assert MLPLearner((4,), trace_decay=jnp.array([0.0, 0.5, 1.0])).trace_decay.shape == (3,)
    assert learner.to_config()["trace_decay"] == 0.5


@pytest.mark.parametrize(
    "learner",
    [
        MLPLearner((16, 8)),
        MLPLearner((12,), AdaptiveObGD(), trace_decay=0.5, normalizer=WelfordNormalizer()),
    ],
)
def test_save_load_round_trip_continues_identically(tmp_path, learner):
    state = learner.init(jax.random.key(0), 3)
    rng = np.random.default_rng(0)
    for _ in range(5):
        state = learner.update(state, rng.uniform(-1, 1, 3), rng.normal()).state
    path = tmp_path / "mlp.npz"
    save_mlp_learner(path, learner, state)
    with np.load(path, allow_pickle=False) as data:  # no pickle inside
        assert "header" in data.files
    learner2, state2 = load_mlp_learner(path)
    assert learner2 == learner
    for a, b in zip(
        jax.tree_util.tree_leaves(state), jax.tree_util.tree_leaves(state2), strict=True
    ):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype
    x, y = rng.uniform(-1, 1, 3), 0.5
    r1, r2 = learner.update(state, x, y), learner2.update(state2, x, y)
    assert float(r1.prediction) == float(r2.prediction)
    np.testing.assert_array_equal(r1.state.params[0].w, r2.state.params[0].w)


def test_load_refuses_wrong_version_missing_or_misshapen_arrays(tmp_path):
    learner = MLPLearner((10,))
    state = learner.init(jax.random.key(0), 2)
    path = tmp_path / "mlp.npz"
    save_mlp_learner(path, learner, state)
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(str(arrays["header"]))

    def write(name, **changes):
        p = tmp_path / name
        np.savez(p, **{**arrays, **changes})
        return p

    bad_meta = dict(meta, format_version=99)
    with pytest.raises(ValueError, match="format version 99"):
        load_mlp_learner(write("v.npz", header=np.array(json.dumps(bad_meta))))
    with pytest.raises(ValueError, match="params/0/w"):
        load_mlp_learner(write("s.npz", **{"params/0/w": np.zeros((3, 10), np.float32)}))
    missing = {k: v for k, v in arrays.items() if k != "step"}
    np.savez(tmp_path / "m.npz", **missing)
    with pytest.raises(ValueError, match="missing array 'step'"):
        load_mlp_learner(tmp_path / "m.npz")


@pytest.mark.parametrize(
    "optimizer, normalizer, name, value",
    [
        (AdaptiveObGD(), None, "opt_state/v/0/w", -1.0),  # every update then rejected
        (AdaptiveObGD(), None, "opt_state/count", -3),  # 1 - beta2**-3 < 0: the same
        (Autostep(0.01), None, "opt_state/v", -1.0),
        (Autostep(0.01), None, "opt_state/alpha", -0.5),  # steps against the gradient
        (ObGD(), WelfordNormalizer(), "normalizer/m2", -1.0),  # every prediction NaN
        (ObGD(), WelfordNormalizer(), "normalizer/count", -2.0),
        (ObGD(), EMANormalizer(), "normalizer/var", -1.0),
        (ObGD(), EMANormalizer(), "normalizer/w", 1.5),
        (ObGD(), None, "step", -1),
        (ObGD(), None, "guard_count", -5),
    ],
)
def test_load_refuses_a_state_no_update_could_have_made_naming_the_file(
    tmp_path, optimizer, normalizer, name, value
):
    """A tampered file with a negative second moment, count, variance or counter loaded,
    and the learner then rejected every update or predicted NaN for ever."""
    learner = MLPLearner((10,), optimizer, normalizer=normalizer)
    state = learner.init(jax.random.key(0), 2)
    state = learner.update(state, np.array([0.5, -0.5]), 1.0).state
    path = tmp_path / "mlp.npz"
    save_mlp_learner(path, learner, state)
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays[name] = np.full_like(arrays[name], value)
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match=rf"bad\.npz.*{name}"):
        load_mlp_learner(tmp_path / "bad.npz")


def test_normalizer_sees_raw_inputs_and_learns_on_badly_scaled_signals():
    # inputs in the thousands with an offset: the normaliser's statistics are the batch
    # mean and variance of the raw inputs, and the network learns on the normalised ones
    @dataclasses.dataclass(frozen=True)
    class Raw:
        feature_dim: int = 3

        def init(self, key):
            return jnp.zeros((), jnp.int32)

        def step(self, s, key):
            u = jax.random.uniform(key, (3,), minval=-1.0, maxval=1.0)
            return s + 1, TimeStep(5000.0 + 1000.0 * u, jnp.sin(3.0 * u[0]) + u[1] * u[2])

    learner = MLPLearner((32, 32), normalizer=WelfordNormalizer())
    out = run_mlp_learning_loop(learner, Raw(), 6000, jax.random.key(0), trace_interval=1000)
    norm = out.state.normalizer
    assert float(norm.count) == 6000
    np.testing.assert_allclose(norm.mean, 5000.0, rtol=0.01)
    np.testing.assert_allclose(norm.m2 / norm.count, 1000.0**2 / 3, rtol=0.05)
    assert float(out.trace.squared_error[-1]) < 0.03
    with pytest.raises(TypeError, match="normalizer"):
        MLPLearner(normalizer="welford")


def test_optimisers_are_optax_transformations_with_the_states_of_before():
    # Every optimiser runs as optax.GradientTransformationExtraArgs (optimizer.to_optax());
    # its state holds what the rule needs. ObGD's effective step is recomputed (a few scalar
    # operations), not kept: one scalar in its state (the carry of the compiled loop)
    # measured 2x slower. AdaptiveObGD keeps its step (recomputing it is a pass).
    key = jax.random.key(0)
    assert jax.tree_util.tree_leaves(MLPLearner((10,)).init(key, 3).opt_state) == []
    assert jax.tree_util.tree_leaves(MLPLearner((10,), LMS(0.1)).init(key, 3).opt_state) == []
    autostep = MLPLearner((10,), Autostep(0.05)).init(key, 3).opt_state
    assert autostep.alpha.shape == (3 * 10 + 10 + 10 + 1,)
    adaptive = MLPLearner((10,), AdaptiveObGD()).init(key, 3).opt_state
    assert adaptive.trace is None and int(adaptive.count) == 0 and adaptive.step_size.shape == ()
    for optimizer in (ObGD(), AdaptiveObGD(), LMS(0.1), Autostep(0.05)):
        learner = MLPLearner((10,), optimizer)
        result = learner.update(learner.init(key, 3), np.array([0.1, -0.2, 0.3]), 1.0)
        assert float(result.metrics.effective_step_size) > 0


def test_a_version_1_file_of_an_adaptive_obgd_learner_still_loads(tmp_path):
    """Format 2 keeps AdaptiveObGD's last effective step in its state; a version-1 file
    (without it) loads with that report at 0 and learns on exactly as the saved learner."""
    from sensorimotor.rules import AdaptiveObGD

    learner = MLPLearner(hidden_sizes=(16,), optimizer=AdaptiveObGD())
    state = learner.init(jax.random.key(0), 3)
    x = np.array([0.5, -1.0, 2.0])
    for _ in range(5):
        state = learner.update(state, x, 1.0).state
    path = tmp_path / "mlp.npz"
    save_mlp_learner(path, learner, state)
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files if k != "opt_state/step_size"}
    header = json.loads(str(arrays.pop("header")))
    header["format_version"] = 1
    np.savez(path, header=np.array(json.dumps(header)), **arrays)
    learner1, state1 = load_mlp_learner(path)
    assert float(state1.opt_state.step_size) == 0.0
    after = learner.update(state, x, 0.5).state
    after1 = learner1.update(state1, x, 0.5).state
    for a, b in zip(
        jax.tree_util.tree_leaves(after.params), jax.tree_util.tree_leaves(after1.params)
    ):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_step_counts_steps_taken_including_those_the_guard_discarded():
    # MLPState's docs called `step` the "number of updates made", but it also grows when
    # the guard throws an update away (saved files and loops rely on that): the docs now
    # say so, and step - guard_count is the number of updates kept
    learner = MLPLearner((10,))
    state = learner.init(jax.random.key(0), 2)
    x = jnp.array([0.5, -0.5])
    step = jax.jit(learner.step)  # one compiled step (eagerly, every operation compiles)
    state = step(state, x, 1.0).state
    before = state.params
    state = step(state, x, jnp.nan).state  # discarded by the guard
    for a, b in zip(jax.tree_util.tree_leaves(before), jax.tree_util.tree_leaves(state.params)):
        np.testing.assert_array_equal(a, b)
    state = learner.update(state, x, 1.0).state
    assert (int(state.step), int(state.guard_count)) == (3, 1)
    assert "``step - guard_count`` updates were kept" in MLPState.__doc__


def test_init_names_a_seed_given_where_a_key_goes():
    """MLPLearner().init(0, 3) raised JAX's "invalid PRNG key data"."""
    from sensorimotor.continual import MLPLearner

    with pytest.raises(
        TypeError, match=r"key must be a JAX random key \(jax.random.key\(seed\)\), got 0"
    ):
        MLPLearner().init(0, 3)


@pytest.mark.parametrize(
    ("keyword", "instead"),
    [
        ("use_layer_norm", "layer_norm="),
        ("leaky_relu_slope", "negative_slope="),
        ("lamda", "trace_decay=gamma \\* lamda"),
        ("step_size", "optimizer=ObGD\\(step_size\\)"),
        ("bounder", "optimizer=ObGD"),
        ("head_optimizer", "one optimizer"),
    ],
)
def test_alberta_framework_keywords_name_the_setting_to_use_here(keyword, instead):
    with pytest.raises(
        TypeError, match=f"'{keyword}' is alberta-framework's name; here: .*{instead}"
    ):
        MLPLearner(hidden_sizes=(8,), **{keyword: 0.5})
    # the learner's own keywords still work, and a jitted update still rebuilds it
    learner = MLPLearner(hidden_sizes=(8,), sparsity=0.0, layer_norm=False, negative_slope=0.1)
    state = learner.init(jax.random.key(0), 2)
    assert jnp.isfinite(learner.update(state, jnp.ones(2), 1.0).prediction)


def test_init_in_alberta_frameworks_argument_order_says_the_key_comes_first():
    with pytest.raises(TypeError, match=r"the key first: init\(key, feature_dim\)"):
        MLPLearner(hidden_sizes=(8,)).init(3, jax.random.key(0))
