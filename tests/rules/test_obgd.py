"""ObGD and adaptive ObGD: the bound, no overshooting, optax forms, brute-force equations."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from sensorimotor.continual import MLPLearner
from sensorimotor.rules import LMS, AdaptiveObGD, Autostep, ObGD, adaptive_obgd, as_optax, obgd
from sensorimotor.rules.adaptive_obgd import adaptive_obgd_apply, adaptive_obgd_init
from sensorimotor.rules.obgd import obgd_apply, obgd_step_size, tree_l1_norm


def test_step_size_is_the_papers_bound():
    rng = np.random.default_rng(0)
    for _ in range(50):
        alpha, kappa = 10 ** rng.uniform(-3, 3), rng.uniform(0.5, 4)
        delta, z_l1 = rng.normal() * 10 ** rng.uniform(-2, 2), 10 ** rng.uniform(-2, 3)
        got = float(obgd_step_size(alpha, kappa, delta, z_l1))
        m = alpha * kappa * max(abs(delta), 1.0) * z_l1
        expected = alpha / m if m > 1 else alpha
        assert got == pytest.approx(expected, rel=1e-5)
        # the effective step never exceeds 1 / (kappa * delta_bar * |z|_1), nor alpha
        assert got * kappa * max(abs(delta), 1.0) * z_l1 <= 1 + 1e-5
        assert got <= alpha * (1 + 1e-6)


@jax.jit
def _errors_before_and_after(learner, state, xs, ys):
    def body(s, xy):
        r = learner.step(s, *xy)
        return r.state, (r.error, xy[1] - learner.predict_unchecked(r.state, xy[0]))

    return jax.lax.scan(body, state, (xs, ys))[1]


@pytest.mark.parametrize("kappa", [1.0, 2.0, 4.0])
def test_linear_model_never_overshoots_at_any_step_size(kappa):
    # hidden_sizes=() is the linear model f = w.x + b, gradient (x, 1): with |x_i| <= 1 and
    # kappa >= 1 the paper's bound guarantees the error shrinks and keeps its sign.
    learner = MLPLearner(hidden_sizes=(), optimizer=ObGD(step_size=1e6, kappa=kappa))
    state = learner.init(jax.random.key(0), 6)
    keys = jax.random.split(jax.random.key(1), 2)
    xs = jax.random.uniform(keys[0], (300, 6), minval=-1.0, maxval=1.0)
    ys = jax.random.normal(keys[1], (300,)) * jnp.logspace(-2, 3, 300)
    e0, e1 = (np.asarray(e, np.float64) for e in _errors_before_and_after(learner, state, xs, ys))
    assert (np.abs(e1) <= np.abs(e0) * (1 + 1e-5) + 1e-6).all()
    assert (e1 * e0 >= -1e-6 * np.maximum(1.0, np.abs(e0))).all()
    # and the bound is not vacuous: errors below 1 shrink by a good fraction
    small = np.abs(e0) < 1.0
    assert small.sum() > 50 and np.median(np.abs(e1[small]) / np.abs(e0[small])) < 0.9


def _overshoot_rate(optimizer):
    learner = MLPLearner(hidden_sizes=(32, 32), optimizer=optimizer)
    state = learner.init(jax.random.key(2), 5)

    @jax.jit
    def run(state, xs, ys):
        def body(s, xy):
            r = learner.step(s, *xy)
            e1 = xy[1] - learner.predict_unchecked(r.state, xy[0])
            bad = (jnp.sign(e1) != jnp.sign(r.error)) | (jnp.abs(e1) > jnp.abs(r.error))
            bad = bad | (r.metrics.guard > 0)
            return r.state, bad

        return jax.lax.scan(body, state, (xs, ys))[1]

    k1, k2 = jax.random.split(jax.random.key(3))
    xs = jax.random.uniform(k1, (400, 5), minval=-1.0, maxval=1.0)
    ys = 10.0 * jax.random.normal(k2, (400,))
    return float(run(state, xs, ys).mean())


def test_mlp_rarely_overshoots_with_huge_step_while_plain_sgd_always_does():
    # For a network the paper's bound is first-order; empirically ObGD almost never
    # overshoots on the sample just seen, where plain gradient steps of the same size do.
    assert _overshoot_rate(ObGD(step_size=1e4, kappa=2.0)) <= 0.02
    assert _overshoot_rate(LMS(step_size=10.0)) >= 0.5


def test_optax_obgd_equals_pure_form_with_traces_and_reset():
    params = {"a": jnp.array([0.1, -0.2]), "b": jnp.array(0.3)}
    opt = obgd(step_size=0.5, kappa=2.0, trace_decay=0.8)
    state = opt.init(params)
    trace = jax.tree_util.tree_map(jnp.zeros_like, params)
    pure = params
    rng = np.random.default_rng(0)
    for t in range(6):
        grads = {"a": jnp.asarray(rng.normal(size=2), jnp.float32), "b": jnp.float32(rng.normal())}
        error = float(rng.normal() * 3)
        reset = t == 3
        updates, state = opt.update(grads, state, params, error=error, reset=reset)
        params = optax.apply_updates(params, updates)
        trace = jax.tree_util.tree_map(lambda z, g: 0.8 * z + g, trace, grads)
        pure, _ = obgd_apply(ObGD(0.5, 2.0), pure, trace, error)
        if reset:
            trace = jax.tree_util.tree_map(jnp.zeros_like, trace)
            assert float(tree_l1_norm(state.trace)) == 0.0
        for a, b in zip(
            jax.tree_util.tree_leaves(params), jax.tree_util.tree_leaves(pure), strict=True
        ):
            np.testing.assert_allclose(a, b, rtol=1e-6)


def test_adaptive_obgd_equals_numpy_transcription_of_the_equations():
    hyper = AdaptiveObGD(step_size=0.7, kappa=1.5, beta2=0.99, eps=1e-8)
    rng = np.random.default_rng(1)
    w = rng.normal(size=4)
    params = jnp.asarray(w, jnp.float32)
    state = adaptive_obgd_init(params)
    v = np.zeros(4)
    for t in range(1, 8):
        z, delta = rng.normal(size=4), rng.normal() * 2
        params, state, _ = adaptive_obgd_apply(
            hyper, state, params, jnp.asarray(z, jnp.float32), jnp.float32(delta)
        )
        v = 0.99 * v + 0.01 * (delta * z) ** 2
        u = z / np.sqrt(v / (1 - 0.99**t) + 1e-8)
        m = 0.7 * 1.5 * max(abs(delta), 1.0) * np.abs(u).sum()
        w = w + (0.7 / max(m, 1.0)) * delta * u
        np.testing.assert_allclose(params, w, rtol=1e-4, atol=1e-5)
    # the optax form gives the same numbers (no trace decay)
    opt = adaptive_obgd(0.7, 1.5, 0.99, 1e-8)
    ost = opt.init(jnp.zeros(2))
    p = jnp.zeros(2)
    p2, st2 = jnp.zeros(2), adaptive_obgd_init(jnp.zeros(2))
    for z, d in [([1.0, 0.5], 2.0), ([-0.3, 0.2], -1.0)]:
        upd, ost = opt.update(jnp.array(z), ost, p, error=d)
        p = optax.apply_updates(p, upd)
        p2, st2, _ = adaptive_obgd_apply(
            AdaptiveObGD(0.7, 1.5, 0.99, 1e-8), st2, p2, jnp.array(z), d
        )
    np.testing.assert_allclose(p, p2, rtol=1e-6)


def test_adaptive_obgd_puts_eps_inside_the_square_root_as_the_authors_code_does():
    # delta * z = 1e-6: v_hat = 1e-12, so sqrt(v_hat + eps) = 1e-4 (the authors' form),
    # where Adam's sqrt(v_hat) + eps = 1e-6 would make u = 1 and a step of 0.5, not 0.01
    hyper = AdaptiveObGD(step_size=1.0, kappa=2.0, beta2=0.999, eps=1e-8)
    w = jnp.zeros(1)
    new, _, alpha = adaptive_obgd_apply(hyper, adaptive_obgd_init(w), w, jnp.array([1e-6]), 1.0)
    u = 1e-6 / np.sqrt(1e-12 + 1e-8)
    assert float(alpha) == pytest.approx(1.0)
    np.testing.assert_allclose(np.asarray(new), [u], rtol=1e-4)


def _apply(rule, params, z, error):
    tx = rule.to_optax()
    state = tx.init(params)
    updates, state = tx.update(z, state, params, error=error, z_l1=tree_l1_norm(z))
    return optax.apply_updates(params, updates), state, rule.effective_step_size(state, z, error)


def test_lms_and_autostep_as_optax_on_a_pytree():
    params = (jnp.array([1.0, 2.0]), jnp.array([[0.5]]))
    z = (jnp.array([0.1, -0.2]), jnp.array([[0.3]]))
    new, state, step = _apply(LMS(0.5), params, z, 2.0)
    np.testing.assert_allclose(new[0], [1.1, 1.8], rtol=1e-6)
    np.testing.assert_allclose(new[1], [[0.8]], rtol=1e-6)
    assert state == () and float(step) == 0.5
    new, state, step = _apply(Autostep(initial_step_size=0.1, meta_step_size=0.01), params, z, 2.0)
    assert state.alpha.shape == (3,)
    # first Autostep step: alpha unchanged (h = 0), increment alpha * error * z
    np.testing.assert_allclose(new[0], [1.0 + 0.1 * 2 * 0.1, 2.0 - 0.1 * 2 * 0.2], rtol=1e-6)
    assert float(step) == pytest.approx(0.1)


def test_autostep_as_optax_equals_the_rule_on_the_flat_vector():
    # the normalisation sum_j alpha_j z_j^2 <= 1 runs over the whole pytree
    rule = Autostep(initial_step_size=0.3, meta_step_size=0.05, tau=100.0)
    rng = np.random.default_rng(2)
    params = {"a": jnp.zeros((2, 2)), "b": jnp.zeros(3)}
    tx = as_optax(rule)
    state = tx.init(params)
    flat_w, flat_state = np.zeros(7), rule.init(7)
    for _ in range(5):
        zf = rng.normal(size=7)
        z = {
            "a": jnp.asarray(zf[:4].reshape(2, 2), jnp.float32),
            "b": jnp.asarray(zf[4:], jnp.float32),
        }
        error = float(rng.normal())
        updates, state = tx.update(z, state, params, error=error)
        params = optax.apply_updates(params, updates)
        flat_state, inc = rule.update_from_error(flat_state, zf, error)
        flat_w = flat_w + inc
        np.testing.assert_allclose(params["a"].ravel(), flat_w[:4], rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(params["b"], flat_w[4:], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(state.alpha, flat_state.alpha, rtol=1e-4)
    np.testing.assert_allclose(
        rule.effective_step_size(state, z), flat_state.alpha.mean(), rtol=1e-4
    )


@pytest.mark.parametrize("hyper", [ObGD(0.5, 2.0), AdaptiveObGD(0.7, 1.5, 0.99, 1e-8)])
def test_to_optax_without_trace_equals_the_pure_form(hyper):
    params = {"a": jnp.array([0.1, -0.2]), "b": jnp.array(0.3)}
    tx = hyper.to_optax()
    state = tx.init(params)
    assert state.trace is None
    pure, pure_state = params, adaptive_obgd_init(params)
    rng = np.random.default_rng(3)
    for _ in range(4):
        z = {"a": jnp.asarray(rng.normal(size=2), jnp.float32), "b": jnp.float32(rng.normal())}
        error = float(rng.normal() * 3)
        updates, state = tx.update(z, state, params, error=error)
        params = optax.apply_updates(params, updates)
        if isinstance(hyper, ObGD):
            pure, alpha = obgd_apply(hyper, pure, z, error)
        else:
            pure, pure_state, alpha = adaptive_obgd_apply(hyper, pure_state, pure, z, error)
        step = hyper.effective_step_size(state, z, error)
        assert float(step) == pytest.approx(float(alpha), rel=1e-6)
        for a, b in zip(
            jax.tree_util.tree_leaves(params), jax.tree_util.tree_leaves(pure), strict=True
        ):
            np.testing.assert_allclose(a, b, rtol=1e-6)
