"""TD(lambda) on the random-walk chain, the Horde, and the TD learner's input checks."""

import jax
import numpy as np
import pytest

from sensorimotor.continual import (
    GVF,
    TDIDBD,
    AutoTDIDBD,
    Horde,
    RandomWalkChainStream,
    TDLinearLearner,
    compile_count,
    run_td_learning_loop,
    run_td_learning_loop_batched,
)


def _rms(values, truth):
    return np.sqrt(np.mean((np.asarray(values) - truth) ** 2, axis=-1))


@pytest.mark.parametrize(
    "rule",
    [
        TDIDBD(initial_step_size=0.02, meta_step_size=0.0, trace_decay=0.8),
        TDIDBD(0.02, 0.001, trace_decay=0.8, semi_gradient=False),
        AutoTDIDBD(initial_step_size=0.02, meta_step_size=0.001, trace_decay=0.8),
    ],
    ids=["td-lambda", "tidbd-full", "auto-tidbd"],
)
def test_td_lambda_recovers_the_19_state_random_walk_values(rule):
    stream = RandomWalkChainStream(num_states=19)  # rewards -1 / +1, values -0.9 ... 0.9
    keys = jax.random.split(jax.random.key(19), 4)
    out = run_td_learning_loop_batched(TDLinearLearner(rule), stream, 60_000, keys)
    rms = _rms(out.state.weights, stream.true_values())
    assert np.all(rms < 0.08), rms
    assert np.all(np.asarray(out.state.guard_count) == 0)


def test_td_on_5_state_walk_numpy_path_converges():
    stream = RandomWalkChainStream(num_states=5, left_reward=0.0)
    learner = TDLinearLearner(TDIDBD(initial_step_size=0.05, meta_step_size=0.0, trace_decay=0.5))
    state = learner.init(5)
    rng = np.random.default_rng(0)
    eye, pos, est = np.eye(5), 2, []
    for t in range(30_000):
        nxt = pos + (1 if rng.uniform() < 0.5 else -1)
        done = nxt < 0 or nxt > 4
        r = 1.0 if nxt > 4 else 0.0
        nxt = 2 if done else nxt
        state = learner.update(state, eye[pos], r, eye[nxt], 0.0 if done else 1.0).state
        pos = nxt
        if t >= 20_000:
            est.append(state.weights)
    # averaged over the last 10k steps the estimates are within 0.02 of 1/6 ... 5/6
    assert _rms(np.mean(est, axis=0), stream.true_values()) < 0.02


def _chain_gvf_truth(stream, gamma, cumulant):
    """Exact values of a GVF on the chain by solving its Bellman equations."""
    n, centre = stream.num_states, stream.num_states // 2
    A, b = np.eye(n), np.zeros(n)
    for i in range(n):
        for j in (i - 1, i + 1):
            done = not 0 <= j < n
            reward = stream.left_reward if j < 0 else stream.right_reward if j >= n else 0.0
            landing = centre if done else j
            c = reward if cumulant is None else float(landing == cumulant)
            b[i] += 0.5 * c
            if not done:
                A[i, j] -= 0.5 * gamma * stream.discount
    return np.linalg.solve(A, b)


def test_horde_learns_several_gvfs_at_once():
    stream = RandomWalkChainStream(num_states=7)
    gvfs = (
        GVF(TDIDBD(0.01, 0.0, trace_decay=0.5), gamma=1.0),  # the value function
        GVF(TDIDBD(0.02, 0.001, trace_decay=0.5), gamma=0.5),  # a short-horizon return
        GVF(AutoTDIDBD(0.01, 0.001, trace_decay=0.7), gamma=0.8, cumulant=0),  # "soon at 0"
        GVF(TDIDBD(0.05, 0.0, trace_decay=0.0), gamma=0.0, cumulant=6),  # "next at 6"
    )
    horde = Horde(gvfs)
    out = run_td_learning_loop_batched(
        horde, stream, 60_000, jax.random.split(jax.random.key(3), 2), track_step_sizes=True
    )
    assert out.metrics.squared_td_error.shape == (2, 4)
    assert out.step_sizes.shape == (2, 1, 4, 7)
    # GVF order is kept although the rules form two groups (TDIDBD x3, AutoTDIDBD x1)
    beta2 = np.asarray(horde.demon_state(out.state, 2, batch_dims=1).optimizer.beta)
    np.testing.assert_allclose(np.asarray(out.step_sizes[:, -1, 2]), np.exp(beta2), rtol=1e-5)
    for k, g in enumerate(gvfs):
        truth = _chain_gvf_truth(stream, g.gamma, g.cumulant)
        rms = _rms(horde.demon_state(out.state, k, batch_dims=1).weights, truth)
        assert np.all(rms < 0.06), (k, rms, truth)


def test_horde_numpy_path_and_bad_cumulant():
    horde = Horde((GVF(TDIDBD(0.1, 0.0), gamma=0.9), GVF(TDIDBD(0.1, 0.0), 0.0, cumulant=1)))
    s = horde.init(3)
    res = horde.update(s, np.array([1.0, 0.0, 0.0]), 1.0, np.array([0.0, 1.0, 0.0]), 1.0)
    assert res.prediction.shape == (2,) and res.error.tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="cumulant"):
        Horde((GVF(cumulant=5),)).init(3)
    with pytest.raises(ValueError, match="at least one"):
        Horde(()).init(3)


@pytest.mark.parametrize(
    "args, exc, word",
    [
        ((np.ones(3), 1.0, np.ones(2), 0.9), ValueError, "next_x"),
        ((np.ones(2), 1.0, np.ones(3), 0.9), ValueError, "x"),
        ((np.ones(3), np.nan, np.ones(3), 0.9), ValueError, "reward"),
        ((np.array([1.0, np.nan, 0.0]), 1.0, np.ones(3), 0.9), ValueError, "x"),
        ((np.ones(3), 1.0, np.array([np.inf, 0, 0]), 0.9), ValueError, "next_x"),
        ((np.ones(3), 1.0, np.ones(3), 1.5), ValueError, "gamma"),
    ],
)
def test_td_bad_input_raises_state_unchanged(args, exc, word):
    learner = TDLinearLearner(TDIDBD(0.1, 0.01, trace_decay=0.5))
    state = learner.update(learner.init(3), np.ones(3), 1.0, np.zeros(3), 0.9).state
    before = jax.tree_util.tree_map(np.copy, state)
    with pytest.raises(exc, match=word):
        learner.update(state, *args)
    for a, b in zip(
        jax.tree_util.tree_leaves(before), jax.tree_util.tree_leaves(state), strict=True
    ):
        assert np.array_equal(a, b)


def test_td_loop_compiles_once_across_step_sizes():
    stream = RandomWalkChainStream(5)
    run_td_learning_loop(TDLinearLearner(TDIDBD(0.1, 0.0)), stream, 1000, jax.random.key(0))
    before = compile_count()["td"]
    for a in (0.05, 0.2):
        run_td_learning_loop(TDLinearLearner(TDIDBD(a, 0.01)), stream, 1000, jax.random.key(1))
    assert compile_count()["td"] == before


def test_horde_numpy_and_compiled_paths_agree_and_scale():
    gvfs = tuple(
        GVF(TDIDBD(0.05 + 0.01 * k, 0.001, trace_decay=0.5), gamma=0.1 * k, cumulant=k % 3)
        for k in range(6)
    ) + (GVF(AutoTDIDBD(0.05, 0.001, trace_decay=0.3), gamma=0.9),)
    horde = Horde(gvfs)
    rng = np.random.default_rng(0)
    xs = rng.uniform(size=(41, 3)).astype(np.float32)
    rs = rng.normal(size=40).astype(np.float32)
    s_np = horde.init(3, dtype=np.float32)
    preds = []
    for t in range(40):
        res = horde.update(s_np, xs[t], rs[t], xs[t + 1], np.float32(0.9))
        s_np = res.state
        preds.append(res.prediction)
    import jax.numpy as jnp

    @jax.jit
    def run(xs, rs):
        def step(s, inp):
            x, x2, r = inp
            res = horde.update(s, x, r, x2, jnp.float32(0.9))
            return res.state, res.prediction

        return jax.lax.scan(step, horde.init(3, xp=jnp), (xs[:-1], xs[1:], rs))

    s_jx, preds_jx = run(jnp.asarray(xs), jnp.asarray(rs))
    np.testing.assert_allclose(np.array(preds), np.asarray(preds_jx), rtol=1e-4, atol=1e-5)
    for k in range(len(gvfs)):
        np.testing.assert_allclose(
            horde.demon_state(s_np, k).weights,
            np.asarray(horde.demon_state(s_jx, k).weights),
            rtol=1e-4,
            atol=1e-5,
        )
    assert len(s_np.groups) == 2 and s_np.groups[0].weights.shape == (6, 3)


def test_horde_on_eager_jax_arrays_updates_as_on_numpy_and_refuses_bad_input():
    """Each group's vmap closes over the concrete x while the cumulant and discount are
    traced: TDLinearLearner took that for an eager call and its value checks called
    float() on the traced discount, so every update of a Horde on eager JAX arrays raised
    ConcretizationTypeError. Now it learns as on NumPy, and refuses a NaN reward or a
    gamma outside [0, 1] naming it (the guard would have reset every demon)."""
    import jax.numpy as jnp

    gvfs = (
        GVF(TDIDBD(0.1, 0.01, trace_decay=0.5), gamma=0.9),
        GVF(TDIDBD(0.2, 0.0), gamma=0.0, cumulant=1),
        GVF(AutoTDIDBD(0.1, 0.01, trace_decay=0.3), gamma=0.5),
    )
    horde = Horde(gvfs)
    rng = np.random.default_rng(1)
    xs = rng.uniform(size=(11, 3)).astype(np.float32)
    rs = rng.normal(size=10).astype(np.float32)
    s_np, s_jx = horde.init(3, dtype=np.float32), horde.init(3, xp=jnp)
    for t in range(10):
        s_np = horde.update(s_np, xs[t], float(rs[t]), xs[t + 1], 0.9).state
        res = horde.update(s_jx, jnp.asarray(xs[t]), float(rs[t]), jnp.asarray(xs[t + 1]), 0.9)
        s_jx = res.state
    np.testing.assert_allclose(
        horde.predict(s_np, xs[0]), np.asarray(horde.predict(s_jx, jnp.asarray(xs[0]))), rtol=1e-5
    )
    before = jax.tree_util.tree_map(np.asarray, s_jx)
    x, x2 = jnp.asarray(xs[0]), jnp.asarray(xs[1])
    for args, word in (((x, np.nan, x2, 0.9), "reward"), ((x, 1.0, x2, 1.5), "gamma")):
        with pytest.raises(ValueError, match=word):
            horde.update(s_jx, *args)
    for a, b in zip(
        jax.tree_util.tree_leaves(before), jax.tree_util.tree_leaves(s_jx), strict=True
    ):
        assert np.array_equal(a, np.asarray(b))


def test_td_learner_under_jit_with_a_traced_discount_or_state_and_a_concrete_x():
    """Inside jit only shapes and dtypes are checked: a concrete x (JAX or NumPy) with a
    traced gamma, or a NumPy x with a traced state, made the learner run its eager checks
    (float() of a tracer: ConcretizationTypeError)."""
    import jax.numpy as jnp

    learner = TDLinearLearner(TDIDBD(0.1, 0.01, trace_decay=0.5))
    s = learner.init(2, xp=jnp)
    xj, xn = jnp.array([1.0, 0.5]), np.array([1.0, 0.5], np.float32)
    want = learner.update(s, xj, 1.0, xj, 0.9)
    for got in (
        jax.jit(lambda g: learner.update(s, xj, 1.0, xj, g))(0.9),
        jax.jit(lambda st: learner.update(st, xn, 1.0, xn, 0.9))(s),
    ):
        np.testing.assert_allclose(np.asarray(got.state.weights), np.asarray(want.state.weights))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_horde_predict_refuses_a_non_finite_x_naming_it(bad):
    """TDLinearLearner.predict refuses NaN or inf in x; the Horde's predict returned NaN
    predictions for it silently."""
    horde = Horde((GVF(TDIDBD(0.1, 0.0)), GVF(TDIDBD(0.1, 0.0), cumulant=0)))
    s = horde.init(2)
    with pytest.raises(ValueError, match=r"\bx\b"):
        horde.predict(s, np.array([bad, 0.0]))


@pytest.mark.parametrize("cumulant", [1.7, 1.0, True, "1", np.float64(1.0)])
def test_horde_refuses_a_cumulant_that_is_not_an_int(cumulant):
    """A GVF's cumulant is a feature index: 1.7 was taken as feature 1, True as 1 and
    "1" as 1 (int() of each), silently."""
    with pytest.raises(TypeError, match="cumulant"):
        Horde((GVF(cumulant=cumulant),)).init(3)


def test_a_float32_horde_stays_float32_on_float64_samples():
    """A float64 x or NumPy float64 reward and discount made a float32 Horde's weights
    and traces float64 (the predictions too)."""
    horde = Horde((GVF(TDIDBD(0.1, 0.01), gamma=0.9), GVF(AutoTDIDBD(), cumulant=1)))
    state = horde.init(3, dtype=np.float32)
    x, next_x = np.array([1.0, 0.5, 0.0]), np.array([0.0, 1.0, 0.5])
    result = horde.update(state, x, np.float64(1.0), next_x, np.float64(0.9))
    for leaf in jax.tree_util.tree_leaves(result.state):
        assert leaf.dtype in (np.float32, np.int32), leaf.dtype
    assert result.prediction.dtype == result.error.dtype == np.float32


@pytest.mark.parametrize("xp", [np, jax.numpy], ids=["numpy", "jax"])
def test_a_horde_on_integer_features_keeps_a_fractional_reward_and_discount(xp):
    """Integer features (one-hot, binary) made the Horde cast the reward and every GVF's
    discount to int: a reward of 0.5 and a gamma of 0.5 became 0, silently (a single
    TDLinearLearner learned them fine)."""
    horde = Horde((GVF(TDIDBD(0.1, 0.0), gamma=0.5), GVF(TDIDBD(0.1, 0.0), gamma=0.5)))
    single = TDLinearLearner(TDIDBD(0.1, 0.0))
    x = xp.asarray([1, 0, 0])
    state, ref = horde.init(3, xp=xp), single.init(3, xp=xp)
    for _ in range(3):
        result = horde.update(state, x, 0.5, x, 1.0)
        state, ref = result.state, single.update(ref, x, 0.5, x, 0.5).state
    np.testing.assert_allclose(horde.demon_state(state, 1).weights, ref.weights, rtol=1e-6)
    assert result.metrics.guard.dtype == state.groups[0].weights.dtype


@pytest.mark.parametrize(
    "gvfs, word",
    [(GVF(TDIDBD()), "one GVF"), ((TDIDBD(),), r"gvfs\[0\] must be a GVF, got TDIDBD")],
    ids=["a-bare-gvf", "a-rule-for-a-gvf"],
)
def test_a_horde_given_something_else_than_gvfs_says_so(gvfs, word):
    """Horde(GVF(...)) and Horde((TDIDBD(),)) raised AttributeError: 'TDIDBD' object has
    no attribute 'cumulant'."""
    with pytest.raises(TypeError, match=word):
        Horde(gvfs).init(3)
