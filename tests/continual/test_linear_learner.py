"""LinearLearner: bad input, guard, NumPy path == compiled path, same seed same result."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.continual import (
    IDBD,
    LMS,
    NLMS,
    RLS,
    Autostep,
    DivergenceError,
    EMANormalizer,
    LinearLearner,
    LinearMetrics,
    RandomWalkStream,
    TDLinearLearner,
    UpdateResult,
    WelfordNormalizer,
    run_learning_loop,
)
from sensorimotor.continual.learning_loop import loop_keys

LEARNERS = [
    LinearLearner(LMS(0.02)),
    LinearLearner(NLMS(0.5)),
    LinearLearner(IDBD(0.02, 0.01)),
    LinearLearner(Autostep(0.02, 0.01)),
    LinearLearner(RLS(0.999, 1.0)),
    LinearLearner(IDBD(0.02, 0.01), normalizer=EMANormalizer(0.99)),
    LinearLearner(Autostep(0.02, 0.01), normalizer=WelfordNormalizer(), bias=False),
]
IDS = ["lms", "nlms", "idbd", "autostep", "rls", "idbd+ema", "autostep+welford"]


def _copy(state):
    return jax.tree_util.tree_map(lambda a: np.array(a, copy=True), state)


def _same(a, b):
    la, lb = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    return len(la) == len(lb) and all(np.array_equal(x, y) for x, y in zip(la, lb, strict=True))


@pytest.mark.parametrize("learner", LEARNERS, ids=IDS)
def test_update_returns_named_record_and_learns(learner):
    rng = np.random.default_rng(0)
    w_true = np.array([1.0, -2.0, 0.5])
    offset = 0.3 if learner.bias else 0.0
    state = learner.init(3)
    errs = []
    for _ in range(3000):
        x = rng.normal(size=3)
        res = learner.update(state, x, x @ w_true + offset)
        state = res.state
        errs.append(float(res.error) ** 2)
    assert isinstance(res, UpdateResult) and isinstance(res.metrics, LinearMetrics)
    assert res.metrics._fields == ("squared_error", "guard")
    assert np.mean(errs[-300:]) < 0.05 * np.mean(errs[:30])
    x = np.array([0.5, 0.2, -1.0])
    target = x @ w_true + offset
    assert float(learner.predict(state, x)) == pytest.approx(target, abs=0.1)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize("learner", LEARNERS, ids=IDS)
@pytest.mark.parametrize(
    "x, y, exc, word",
    [
        (np.array([1.0, np.nan, 0.0]), 1.0, ValueError, "x"),
        (np.array([1.0, np.inf, 0.0]), 1.0, ValueError, "x"),
        (np.array([1.0, 2.0, 0.0]), np.nan, ValueError, "y"),
        (np.array([1.0, 2.0, 0.0]), float("inf"), ValueError, "y"),
        (np.ones(4), 1.0, ValueError, "x"),
        ([1.0, 2.0, 3.0], 1.0, TypeError, "x"),
        (np.ones((3, 1)), 1.0, ValueError, "x"),
    ],
)
def test_bad_input_raises_and_leaves_state_unchanged(learner, x, y, exc, word):
    state = learner.init(3)
    state = learner.update(state, np.array([0.5, -0.1, 1.0]), 0.7).state
    before = _copy(state)
    with pytest.raises(exc, match=word):
        learner.update(state, x, y)
    assert _same(before, state)


def test_wrong_settings_are_refused():
    with pytest.raises(ValueError, match="guard"):
        LinearLearner(LMS(0.1), guard="ignore").init(3)
    with pytest.raises(TypeError, match="optimizer"):
        LinearLearner(EMANormalizer()).init(3)


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_guard_resets_a_diverging_learner_and_never_returns_nan():
    learner = LinearLearner(LMS(1.0), bias=False)  # step 1 on 20 N(0,1) inputs: divergent
    rng = np.random.default_rng(1)
    state = learner.init(20)
    recoveries = 0
    for _ in range(2000):
        x = rng.normal(size=20)
        res = learner.update(state, x, float(x[0]))
        state = res.state
        assert np.isfinite(res.prediction) and np.isfinite(res.error)
        assert np.all(np.isfinite(state.weights))
        recoveries += int(res.metrics.guard)
    assert recoveries > 0 and int(state.guard_count) == recoveries


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_guard_raise_policy_raises_with_state_unchanged():
    learner = LinearLearner(LMS(1.0), bias=False, guard="raise")
    rng = np.random.default_rng(1)
    state = learner.init(20)
    with pytest.raises(DivergenceError):
        for _ in range(2000):
            x = rng.normal(size=20)
            before = _copy(state)
            state = learner.update(state, x, float(x[0])).state
    assert _same(before, state)
    assert np.all(np.isfinite(state.weights))


def test_guard_raise_policy_in_compiled_loop():
    learner = LinearLearner(LMS(1.0), guard="raise")
    with pytest.raises(DivergenceError, match="compiled loop"):
        run_learning_loop(learner, RandomWalkStream(20), 2000, jax.random.key(0))


@pytest.mark.parametrize(
    "learner", [LEARNERS[i] for i in (4, 5, 6)], ids=[IDS[i] for i in (4, 5, 6)]
)
def test_numpy_per_sample_path_equals_compiled_loop(learner):
    """The compiled loop and a NumPy loop over the same samples give the same learner."""
    stream = RandomWalkStream(feature_dim=4, drift_rate=0.01, noise_std=0.1)
    key = jax.random.key(3)
    steps = 400
    out = run_learning_loop(learner, stream, steps, key)
    # replay the same samples (the loop's key schedule) on the NumPy path
    k_stream, k_steps = loop_keys(key)
    ss = stream.init(k_stream)
    step = jax.jit(stream.step)
    state = learner.init(4, dtype=np.float32)
    sq = []
    for t in range(steps):
        ss, ts = step(ss, jax.random.fold_in(k_steps, t))
        res = learner.update(state, np.asarray(ts.x), np.float32(ts.y))
        state = res.state
        sq.append(float(res.metrics.squared_error))
    np.testing.assert_allclose(np.asarray(out.state.weights), state.weights, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(float(out.metrics.squared_error), np.mean(sq), rtol=1e-2)


def test_state_keeps_shape_and_dtype_under_jit():
    learner = LinearLearner(Autostep(0.02), normalizer=EMANormalizer())
    s0 = learner.init(5, xp=jnp, dtype=jnp.float32)
    s1 = jax.jit(lambda s, x, y: learner.update(s, x, y).state)(s0, jnp.ones(5), 1.0)
    for a, b in zip(jax.tree_util.tree_leaves(s0), jax.tree_util.tree_leaves(s1), strict=True):
        assert a.shape == b.shape and a.dtype == b.dtype


@pytest.mark.parametrize("normalizer", [None, EMANormalizer()], ids=["plain", "ema"])
def test_update_under_jit_with_a_concrete_x_and_a_traced_state_or_target(normalizer):
    """Inside jit only shapes and dtypes are checked: with a normaliser, a concrete JAX x
    and a traced target or state made update run its eager check float(x @ x) on a
    tracer (ConcretizationTypeError); a NumPy x with a traced state took the NumPy path."""
    learner = LinearLearner(IDBD(0.1, 0.01), normalizer=normalizer)
    s = learner.init(2, xp=jnp)
    xj, xn = jnp.array([1.0, 0.5]), np.array([1.0, 0.5], np.float32)
    want = learner.update(s, xj, 1.0)
    for got in (
        jax.jit(lambda y: learner.update(s, xj, y))(1.0),
        jax.jit(lambda st: learner.update(st, xj, 1.0))(s),
        jax.jit(lambda st: learner.update(st, xn, 1.0))(s),
    ):
        np.testing.assert_allclose(np.asarray(got.state.weights), np.asarray(want.state.weights))


def test_same_seed_same_result_other_seed_other_result():
    learner = LinearLearner(IDBD(0.02, 0.01))
    stream = RandomWalkStream(5)
    a = run_learning_loop(learner, stream, 500, jax.random.key(7))
    b = run_learning_loop(learner, stream, 500, jax.random.key(7))
    c = run_learning_loop(learner, stream, 500, jax.random.key(8))
    assert np.array_equal(np.asarray(a.state.weights), np.asarray(b.state.weights))
    assert not np.array_equal(np.asarray(a.state.weights), np.asarray(c.state.weights))


def test_recover_restarts_a_non_finite_state_and_predict_refuses_it():
    learner = LinearLearner(IDBD(0.05, 0.01))
    state = learner.update(learner.init(3), np.ones(3), 1.0).state
    assert learner.recover(state) is state  # finite: unchanged
    broken = state._replace(optimizer=state.optimizer._replace(h=np.array([0.0, np.inf, 0, 0])))
    fixed = learner.recover(broken)
    assert int(fixed.guard_count) == int(state.guard_count) + 1
    assert np.all(fixed.weights == 0) and np.all(np.isfinite(fixed.optimizer.h))
    with pytest.raises(DivergenceError):
        learner.predict(state._replace(weights=np.array([np.nan, 0, 0, 0])), np.ones(3))
    # the next update of a non-finite state restarts it and reports the restart
    res = learner.update(state._replace(weights=np.array([np.inf, 0, 0, 0])), np.ones(3), 2.0)
    assert float(res.metrics.guard) == 1.0 and float(res.prediction) == 0.0
    assert float(res.error) == 2.0 and np.all(np.isfinite(res.state.weights))
    # same in a compiled step
    jstate = jax.tree_util.tree_map(
        jnp.asarray, state._replace(weights=np.array([np.inf, 0, 0, 0]))
    )
    jres = jax.jit(learner.update)(jstate, jnp.ones(3), 2.0)
    assert float(jres.metrics.guard) == 1.0 and bool(jnp.all(jnp.isfinite(jres.state.weights)))
    assert (
        int(jax.jit(learner.recover)(jax.tree_util.tree_map(jnp.asarray, broken)).guard_count) == 1
    )


@pytest.mark.parametrize(
    "bad, exc",
    [
        ("3", TypeError),
        (2.7, TypeError),
        (True, TypeError),
        (-1, ValueError),
        (0, ValueError),
        # found by the fuzz suite: int() of a timedelta, NumPy's "Maximum allowed dimension"
        (np.timedelta64(1, "s"), TypeError),
        (10**400, ValueError),
    ],
)
def test_init_refuses_a_feature_dim_that_is_not_a_positive_int(bad, exc):
    """``init("3")``, ``init(-1)`` and ``init(2.7)`` made 4, 0 and 3 weights (issue 9, defect 5)."""
    for learner in (LinearLearner(LMS(0.1)), TDLinearLearner()):
        with pytest.raises(exc, match="feature_dim must be a positive int"):
            learner.init(bad)


def test_a_jax_or_numpy_scalar_keeps_the_numpy_states_engine_and_precision():
    """A 0-d JAX target turned a NumPy float64 state into JAX float32 (issue 9, defect 3)."""
    for learner in (
        LinearLearner(IDBD(0.05, 0.01)),
        LinearLearner(LMS(0.1), normalizer=EMANormalizer()),
    ):
        state = learner.init(3)
        for y in (jnp.asarray(1.0), np.float32(1.0), np.asarray(1.0), 1):
            new = learner.update(state, np.ones(3), y).state
            for leaf in jax.tree_util.tree_leaves(new):
                assert isinstance(leaf, np.ndarray | np.generic), (type(leaf), y)
                assert leaf.dtype in (np.float64, np.int32, np.int64), (leaf.dtype, y)
            assert new.weights.dtype == np.float64


def test_td_learner_keeps_the_numpy_engine_with_jax_scalars():
    learner = TDLinearLearner()
    state = learner.init(3)
    new = learner.update(state, np.ones(3), jnp.asarray(1.0), np.zeros(3), jnp.asarray(0.9)).state
    assert all(isinstance(v, np.ndarray | np.generic) for v in jax.tree_util.tree_leaves(new))


def test_a_huge_int_target_is_refused_naming_it_and_nothing_changes():
    """``update(y=10**400)`` raised OverflowError (issue 9, defect 6)."""
    learner = LinearLearner(LMS(0.1))
    state = learner.init(3)
    with pytest.raises(ValueError, match="y is too large"):
        learner.update(state, np.ones(3), 10**400)
    with pytest.raises(ValueError, match="reward is too large"):
        TDLinearLearner().update(TDLinearLearner().init(3), np.ones(3), 10**400, np.zeros(3), 0.9)


def test_a_jax_input_keeps_the_numpy_states_engine_and_precision():
    """A JAX ``x`` (or ``next_x``) turned a NumPy float64 state into JAX float32 arrays
    (found by the fuzz suite, issue 9)."""
    cases = [
        (LinearLearner(IDBD(0.05, 0.01)), lambda L, s: L.update(s, jnp.ones(3), 1.0)),
        (
            LinearLearner(LMS(0.1), normalizer=EMANormalizer()),
            lambda L, s: L.update(s, jnp.ones(3), 1.0),
        ),
        (TDLinearLearner(), lambda L, s: L.update(s, jnp.ones(3), 1.0, np.zeros(3), 0.9)),
        (TDLinearLearner(), lambda L, s: L.update(s, np.ones(3), 1.0, jnp.zeros(3), 0.9)),
    ]
    for learner, step in cases:
        new = step(learner, learner.init(3)).state
        for leaf in jax.tree_util.tree_leaves(new):
            assert isinstance(leaf, np.ndarray | np.generic), (type(leaf), learner)
        assert new.weights.dtype == np.float64


@pytest.mark.parametrize(
    "name, value, exc",
    [
        ("gamma", 0j, TypeError),  # was: float() argument must be ... not 'complex'
        ("gamma", None, TypeError),  # was: unsupported operand type(s) for *
        ("gamma", np.str_("1"), TypeError),  # was: JAX's "Error interpreting argument"
        ("gamma", np.timedelta64(1, "s"), TypeError),  # was: not a valid dtype for JAX
        ("gamma", np.complex64(1j), TypeError),  # was: accepted, the state became complex
        ("gamma", [1.0], TypeError),  # was: unsupported operand type(s)
        ("gamma", 10**400, ValueError),  # was: OverflowError from jit argument parsing
        ("gamma", float("nan"), ValueError),  # was: accepted, the guard reset the state
        ("gamma", 1.5, ValueError),  # was: accepted
        ("reward", [1.0], TypeError),  # was: unsupported operand type(s) for +
        ("reward", float("inf"), ValueError),  # was: the guard reset the state
    ],
)
def test_td_learner_on_jax_refuses_a_bad_reward_or_gamma_naming_it(name, value, exc):
    """On the JAX engine reward and gamma were not checked (found by the fuzz suite)."""
    learner = TDLinearLearner()
    state = learner.update(learner.init(3, xp=jnp), jnp.ones(3), 1.0, jnp.zeros(3), 0.9).state
    args = {"reward": 0.5, "gamma": 0.9, name: value}
    with pytest.raises(exc, match=name):
        learner.update(state, jnp.ones(3), args["reward"], jnp.zeros(3), args["gamma"])


@pytest.mark.parametrize("xp", [np, jnp])
def test_one_extreme_target_that_overflows_the_state_is_refused_not_reset_later(xp):
    """``y = 1e150`` gave a finite squared error, but IDBD's step sizes overflowed: the update
    was accepted, predict then raised DivergenceError and the next update reset the
    learned weights (defect 1 through the target; found by the fuzz suite, issue 9)."""
    learner = LinearLearner(IDBD(0.05, 0.01))
    state = learner.init(3, xp=xp)
    rng = np.random.default_rng(0)
    for _ in range(30):
        x = rng.normal(size=3)
        state = learner.update(state, xp.asarray(x), float(x @ [1.0, -2.0, 0.5])).state
    before = [np.asarray(leaf).copy() for leaf in jax.tree_util.tree_leaves(state)]
    with pytest.raises(ValueError, match="y is too large to learn from"):
        learner.update(state, xp.asarray([0.5, -1.0, 0.25]), 1e150)
    after = [np.asarray(leaf) for leaf in jax.tree_util.tree_leaves(state)]
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    result = learner.update(state, xp.asarray([0.5, -1.0, 0.25]), 1.0)
    assert float(result.metrics.guard) == 0.0 and int(result.state.guard_count) == 0


@pytest.mark.parametrize("xp, big", [(np, 1.3e308), (jnp, 1e39)])
def test_predict_of_an_x_too_large_for_the_dtype_names_x_not_a_divergence(xp, big):
    """predict([1e39, 0, 0]) on a float32 state (1.3e308 on float64) said "state is not
    finite" (DivergenceError) of a sound state (found by the fuzz suite, issue 9)."""
    x = np.array([big, 0.0, 0.0])
    for learner in (LinearLearner(IDBD(0.05, 0.01)), TDLinearLearner()):
        state = learner.init(3, xp=xp)
        state = state._replace(weights=state.weights + 2)
        with pytest.raises(ValueError, match="x is too large"):
            learner.predict(state, x)


def test_td_one_extreme_reward_that_overflows_the_state_is_refused_not_reset_later():
    """reward = 1e150: a finite TD error whose update overflowed TIDBD's state; accepted,
    then predict raised DivergenceError and the next update reset the weights (found by the
    fuzz suite, issue 9)."""
    learner = TDLinearLearner()
    state = learner.init(3)
    rng = np.random.default_rng(0)
    for _ in range(20):
        state = learner.update(state, rng.normal(size=3), 0.5, rng.normal(size=3), 0.9).state
    before = _copy(state)
    with pytest.raises(ValueError, match="reward is too large"):
        learner.update(state, np.array([0.5, -1.0, 0.25]), 1e150, np.array([0.25, -1.0, 0.5]), 0.9)
    assert _same(before, state)
    assert float(learner.update(state, np.ones(3), 1.0, np.zeros(3), 0.9).metrics.guard) == 0.0
    with pytest.raises(ValueError, match="next_x is too large"):
        learner.update(state, np.array([0.5, -1.0, 0.25]), 0.5, np.array([1e39, 0.0, 0.0]), 0.9)
    assert _same(before, state)


def test_td_learner_on_jax_keeps_its_engine_with_numpy_input_and_refuses_huge_input():
    """A NumPy x made a JAX state NumPy; next_x = 1e150 reset a float32 state (found by the
    fuzz suite, issue 9)."""
    learner = TDLinearLearner()
    state = learner.update(learner.init(3, xp=jnp), jnp.ones(3), 1.0, jnp.zeros(3), 0.9).state
    new = learner.update(state, np.array([0.5, 0.0, 0.0]), 1.0, np.zeros(3), 0.9).state
    for leaf in jax.tree_util.tree_leaves(new):
        assert isinstance(leaf, jax.Array), type(leaf)
    assert new.weights.dtype == state.weights.dtype
    for big in (np.array([1e150, 0.0, 0.0]), jnp.array([1e30, 0.0, 0.0])):
        with pytest.raises(ValueError, match="next_x"):  # too large, or inf in float32
            learner.update(state, jnp.ones(3), 1.0, big, 0.9)


@pytest.mark.parametrize(
    "xp, x",
    [(np, [1e39, 0.0, 0.0]), (jnp, [0.0, 255.0, 255.0])],
)
def test_one_input_too_large_for_the_step_size_is_refused_not_reset_later(xp, x):
    """x = 1e39 (float64) or x = 255 (float32) overflowed IDBD's step sizes in one update of
    a sound state: the update was accepted, predict then raised DivergenceError and the next
    update reset the learned weights (found by the fuzz suite, issue 9)."""
    learner = LinearLearner(IDBD(0.05, 0.01))
    state = learner.init(3, xp=xp)
    rng = np.random.default_rng(0)
    for _ in range(30):
        v = rng.normal(size=3)
        state = learner.update(state, xp.asarray(v), float(v @ [1.0, -2.0, 0.5])).state
    before = _copy(state)
    with pytest.raises(ValueError, match="x is too large to learn from"):
        learner.update(state, xp.asarray(x), 1.0)
    assert _same(before, state)
    assert float(learner.update(state, xp.asarray([0.5, -1.0, 0.25]), 1.0).metrics.guard) == 0


def test_td_one_input_too_large_for_the_step_size_is_refused():
    """x = [1e150, 0, 1] overflowed TIDBD's state from a sound one (found by the fuzz suite)."""
    learner = TDLinearLearner()
    state = learner.init(3)
    rng = np.random.default_rng(0)
    for _ in range(20):
        state = learner.update(state, rng.normal(size=3), 0.5, rng.normal(size=3), 0.9).state
    before = _copy(state)
    with pytest.raises(ValueError, match="x is too large to learn from"):
        learner.update(state, np.array([1e150, 0.0, 1.0]), 0.5, np.ones(3), 0.9)
    assert _same(before, state)


@pytest.mark.parametrize("rule", [LMS(3.0), IDBD(0.05, 1.0)])
def test_a_real_divergence_still_restarts_the_learner(rule):
    """Blaming an input needs a sound state: a rule that runs away on learnable inputs is
    restarted by the guard, as before."""
    learner = LinearLearner(rule)
    state = learner.init(5)
    rng = np.random.default_rng(0)
    restarts = 0
    for _ in range(2000):
        x = rng.normal(size=5)
        recovered = learner.recover(state)
        restarts += recovered is not state
        state = recovered
        # a restart, not a run-away state, is what the next update sees
        assert all(np.isfinite(leaf).all() for leaf in jax.tree_util.tree_leaves(state))
        result = learner.update(state, x, float(x.sum()))
        restarts += int(result.metrics.guard)
        state = result.state
    # (a non-finite state passing as "restarted" let a guard that did nothing pass)
    assert restarts > 0 and int(learner.recover(state).guard_count) >= restarts


@pytest.mark.parametrize("y", [2**64, 10**30])
def test_jax_learner_refuses_a_python_int_target_beyond_int64_naming_y(y):
    """y = 2**64 on a JAX state: an OverflowError from JAX's argument parsing; now the
    float32 state's magnitude check names y (fuzz suite)."""
    learner = LinearLearner(LMS(0.01))
    state = learner.init(3, xp=jnp)
    before = _copy(state)
    with pytest.raises(ValueError, match="y is too large"):
        learner.update(state, jnp.ones(3), y)
    assert _same(before, state)


def test_a_setting_given_as_an_int_beyond_float64_or_int64_is_refused_naming_it():
    """LMS(10**400).init: OverflowError; an int step size beyond int64 reached jit."""
    with pytest.raises(ValueError, match="LMS.step_size"):
        LinearLearner(LMS(10**400)).init(3)
    with pytest.raises(ValueError, match="LMS.step_size"):
        LinearLearner(LMS(10**30)).init(3)


@pytest.mark.parametrize("learner", LEARNERS, ids=IDS)
def test_a_float32_numpy_state_stays_float32_on_numpys_float64_samples(learner):
    """A float64 x (NumPy's default) or a NumPy float64 y (``ys[t]``) made a float32 state
    float64, weights and rule state, though the normaliser's stayed float32; the README
    promises that accepted input keeps the state's dtype (the JAX engine cast x already)."""
    state = learner.init(3, dtype=np.float32)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.normal(size=3)
        state = learner.update(state, x, np.float64(x @ [1.0, -2.0, 0.5])).state
    for leaf in jax.tree_util.tree_leaves(state):
        assert leaf.dtype in (np.float32, np.int32), leaf.dtype
    assert learner.update(state, np.array([1, 2, 3]), 1.0).state.weights.dtype == np.float32
    before = _copy(state)
    with pytest.raises(ValueError, match="x is too large to learn from in float32"):
        learner.update(state, np.array([1e39, 0.0, 0.0]), 1.0)  # inf once cast
    with pytest.raises(ValueError, match="x contains NaN"):
        learner.update(state, np.array([np.nan, 0.0, 0.0]), 1.0)
    assert _same(before, state)


def test_a_float32_td_state_stays_float32_on_float64_samples():
    learner = TDLinearLearner()
    state = learner.init(3, dtype=np.float32)
    x, next_x = np.array([1.0, 0.5, 0.0]), np.array([0.0, 1.0, 0.5])
    state = learner.update(state, x, np.float64(1.0), next_x, np.float64(0.9)).state
    for leaf in jax.tree_util.tree_leaves(state):
        assert leaf.dtype in (np.float32, np.int32), leaf.dtype
    with pytest.raises(ValueError, match="next_x is too large to learn from in float32"):
        learner.update(state, x, 1.0, np.array([1e39, 0.0, 0.0]), 0.9)


@pytest.mark.parametrize("rule", [LMS(0.1), IDBD(), Autostep()])
@pytest.mark.parametrize("xp, big", [(np, 1e160), (jnp, 1e30)])
def test_an_x_whose_square_overflows_is_blamed_not_a_target_of_1(rule, xp, big):
    """On a fresh state (prediction 0) x = 1e160 (float64) or 1e30 (float32) with y = 1
    raised "y is too large to learn from": the rule blamed y whenever |y| > |prediction|."""
    learner = LinearLearner(rule)
    state = learner.init(3, xp=xp)
    with pytest.raises(ValueError, match="x is too large to learn from in float"):
        learner.update(state, xp.asarray([big, 0.0, 0.0]), 1.0)
    td = TDLinearLearner()
    state = td.init(3, xp=xp)
    with pytest.raises(ValueError, match="^x is too large to learn from"):  # was: reward
        td.update(state, xp.asarray([big, 0.0, 0.0]), 1.0, xp.zeros(3), 0.9)


def test_a_float32_jax_state_stays_float32_with_jaxs_float64_switch_on():
    """With x64 on, a float64 JAX x or y made a float32 JAX state float64 (NumPy x was
    cast already), and a compiled loop from a float32 state failed inside lax.scan
    ("carry input and carry output must have equal types")."""
    from sensorimotor.continual import (
        GVF,
        TDIDBD,
        Horde,
        RandomWalkChainStream,
        run_td_learning_loop,
    )

    with jax.enable_x64(True):
        for learner in (LinearLearner(IDBD()), LinearLearner(Autostep(), WelfordNormalizer())):
            state = learner.init(3, xp=jnp, dtype=jnp.float32)
            new = learner.update(state, jnp.ones(3), jnp.float64(1.0)).state
            assert {leaf.dtype for leaf in jax.tree_util.tree_leaves(new)} <= {
                jnp.dtype("float32"),
                jnp.dtype("int32"),
            }
            out = run_learning_loop(
                learner, RandomWalkStream(3), 20, jax.random.key(0), state=state
            )
            assert out.state.weights.dtype == jnp.float32
        td = TDLinearLearner()
        state = td.init(3, xp=jnp, dtype=jnp.float32)
        new = td.update(state, jnp.ones(3), jnp.float64(1.0), jnp.zeros(3), jnp.float64(0.9))
        assert new.state.weights.dtype == new.state.optimizer.h.dtype == jnp.float32
        horde = Horde((GVF(TDIDBD(0.1, 0.01), gamma=0.9),))
        state = horde.init(19, xp=jnp, dtype=jnp.float32)
        out = run_td_learning_loop(
            horde, RandomWalkChainStream(), 20, jax.random.key(0), state=state
        )
        assert out.state.groups[0].weights.dtype == jnp.float32


def test_init_refuses_a_dtype_that_is_not_floating_and_flags_that_are_not_bools():
    """From a user-journey review: an int32 state held log(0) = -inf step sizes and never
    learned; bias="False" added a bias weight; semi_gradient="False" ran the semi-gradient
    rule; normalizer="x" gave an AttributeError."""
    from sensorimotor.continual import TDLinearLearner
    from sensorimotor.rules import IDBD, TDIDBD

    with pytest.raises(TypeError, match="dtype must be a floating dtype .* got int32"):
        LinearLearner(IDBD(0.05, 0.01)).init(3, np, np.int32)
    with pytest.raises(TypeError, match="dtype must be a floating dtype .* got int64"):
        TDLinearLearner().init(2, np, np.int64)
    with pytest.raises(TypeError, match="LinearLearner.bias must be True or False, got 'False'"):
        LinearLearner(bias="False").init(2)
    with pytest.raises(TypeError, match="TDIDBD.semi_gradient must be True or False"):
        TDLinearLearner(TDIDBD(semi_gradient="False")).init(2)
    with pytest.raises(TypeError, match="LinearLearner.normalizer must be None or a normaliser"):
        LinearLearner(normalizer="x").init(3)


def test_a_bfloat16_state_and_input_learn():
    """bfloat16 holds real numbers (NumPy calls its kind 'V'): it was refused as not."""
    import jax.numpy as jnp

    from sensorimotor.rules import IDBD

    learner = LinearLearner(IDBD(0.05, 0.01))
    result = learner.update(learner.init(4, jnp, jnp.bfloat16), jnp.ones(4, jnp.bfloat16), 1.0)
    assert result.state.weights.dtype == jnp.bfloat16
    assert float(result.state.weights[0]) > 0


def test_a_step_size_that_overflows_on_any_error_is_named_not_the_target():
    """``LMS(1e300)`` on ``y = 1`` said "y is too large to learn from", because |y| was
    above the fresh state's prediction 0; an update with an error of 1 overflows too, so
    the message now names x and the step size, and the state is kept."""
    learner = LinearLearner(LMS(1e300), bias=False)
    state = learner.init(3)
    before = _copy(state)
    with pytest.raises(ValueError, match=r"^x is too large .* step size \(1e\+300\)"):
        learner.update(state, np.ones(3), 1.0)
    assert _same(before, state)


@pytest.mark.parametrize(
    ("make", "rule"), [(LinearLearner, LMS(1e300)), (LinearLearner, IDBD(1e300))]
)
def test_a_step_size_beyond_the_dtype_is_refused_at_init(make, rule):
    """In float32 ``LMS(1e300)`` gave inf weights from the first update, with no guard
    flag; ``init`` now names the step size and the dtype."""
    with pytest.raises(ValueError, match=r"step size 1e\+300 is beyond float32"):
        make(rule).init(3, xp=jnp)
    assert np.all(make(rule).init(3).weights == 0)  # float64 holds it
