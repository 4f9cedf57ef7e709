"""Closed-form rules: brute-force references, NumPy == JAX, online == batch."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.rules import (
    IDBD,
    LMS,
    NLMS,
    RLS,
    TDIDBD,
    Autostep,
    AutoTDIDBD,
    EMANormalizer,
    WelfordNormalizer,
)


def _regression_data(seed, steps, n, dtype=np.float64):
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(steps, n)).astype(dtype)
    w_true = rng.normal(size=n)
    ys = (xs @ w_true + 0.1 * rng.normal(size=steps)).astype(dtype)
    return xs, ys


def _run_numpy(rule, xs, ys):
    state = rule.init(xs.shape[1], dtype=xs.dtype)
    w = np.zeros(xs.shape[1], dtype=xs.dtype)
    errors = []
    for x, y in zip(xs, ys, strict=True):
        err = y - w @ x
        state, inc = rule.update_from_error(state, x, err)
        w = w + inc
        errors.append(err)
    return w, np.array(errors), state


def _run_jax(rule, xs, ys):
    xs, ys = jnp.asarray(xs), jnp.asarray(ys)

    @jax.jit
    def run(xs, ys):
        state = rule.init(xs.shape[1], xp=jnp, dtype=xs.dtype)
        w = jnp.zeros(xs.shape[1], dtype=xs.dtype)

        def step(carry, xy):
            w, state = carry
            x, y = xy
            err = y - w @ x
            state, inc = rule.update_from_error(state, x, err)
            return (w + inc, state), err

        (w, state), errs = jax.lax.scan(step, (w, state), (xs, ys))
        return w, errs, state

    return run(xs, ys)


SUPERVISED = [
    LMS(step_size=0.02),
    NLMS(step_size=0.5, eps=1e-3),
    IDBD(initial_step_size=0.02, meta_step_size=0.01),
    Autostep(initial_step_size=0.02, meta_step_size=0.01, tau=1000.0),
    RLS(forgetting=0.99, delta=1.0),
]


@pytest.mark.parametrize("rule", SUPERVISED, ids=lambda r: type(r).__name__)
def test_numpy_and_jax_engines_agree(rule):
    xs, ys = _regression_data(0, 300, 6, np.float32)
    w_np, e_np, s_np = _run_numpy(rule, xs, ys)
    w_jx, e_jx, s_jx = _run_jax(rule, xs, ys)
    assert w_np.dtype == np.float32 and w_jx.dtype == jnp.float32
    np.testing.assert_allclose(e_np, np.asarray(e_jx), rtol=2e-3, atol=2e-4)
    np.testing.assert_allclose(w_np, np.asarray(w_jx), rtol=2e-3, atol=2e-4)
    for a, b in zip(jax.tree_util.tree_leaves(s_np), jax.tree_util.tree_leaves(s_jx), strict=True):
        np.testing.assert_allclose(a, np.asarray(b), rtol=2e-3, atol=2e-4)
    # the rules learn the regression: late errors are near the noise level
    assert np.mean(e_np[-50:] ** 2) < 0.1


def _idbd_reference(xs, ys, alpha0, theta):
    """Sutton (1992) Figure 2, written weight by weight."""
    n = xs.shape[1]
    w, beta, h = [0.0] * n, [math.log(alpha0)] * n, [0.0] * n
    for x, y in zip(xs, ys, strict=True):
        delta = y - sum(w[i] * x[i] for i in range(n))
        for i in range(n):
            beta[i] += theta * delta * x[i] * h[i]
            a = math.exp(beta[i])
            w[i] += a * delta * x[i]
            h[i] = h[i] * max(0.0, 1.0 - a * x[i] * x[i]) + a * delta * x[i]
    return np.array(w), np.array(beta), np.array(h)


def _autostep_reference(xs, ys, alpha0, mu, tau):
    """Mahmood et al. (2012) Table 1, written weight by weight."""
    n = xs.shape[1]
    w, a, h, v = [0.0] * n, [alpha0] * n, [0.0] * n, [0.0] * n
    for x, y in zip(xs, ys, strict=True):
        delta = y - sum(w[i] * x[i] for i in range(n))
        for i in range(n):
            g = abs(delta * x[i] * h[i])
            v[i] = max(g, v[i] + a[i] * x[i] ** 2 * (g - v[i]) / tau)
            if v[i] != 0:
                a[i] = a[i] * math.exp(mu * delta * x[i] * h[i] / v[i])
        m = max(sum(a[i] * x[i] ** 2 for i in range(n)), 1.0)
        for i in range(n):
            a[i] /= m
            w[i] += a[i] * delta * x[i]
            h[i] = h[i] * (1 - a[i] * x[i] ** 2) + a[i] * delta * x[i]
    return np.array(w), np.array(a), np.array(h), np.array(v)


def test_idbd_equals_papers_pseudocode():
    xs, ys = _regression_data(1, 200, 4)
    w, _, state = _run_numpy(IDBD(initial_step_size=0.05, meta_step_size=0.02), xs, ys)
    w_ref, beta_ref, h_ref = _idbd_reference(xs, ys, 0.05, 0.02)
    np.testing.assert_allclose(w, w_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(state.beta, beta_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(state.h, h_ref, rtol=1e-10, atol=1e-12)


def test_autostep_equals_papers_pseudocode():
    # large inputs so that the normalisation M > 1 is exercised
    xs, ys = _regression_data(2, 200, 4)
    xs = 3.0 * xs
    w, _, state = _run_numpy(
        Autostep(initial_step_size=0.1, meta_step_size=0.05, tau=100.0), xs, ys
    )
    w_ref, a_ref, h_ref, v_ref = _autostep_reference(xs, ys, 0.1, 0.05, 100.0)
    np.testing.assert_allclose(w, w_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(state.alpha, a_ref, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(state.h, h_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(state.v, v_ref, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("forgetting", [1.0, 0.95])
def test_rls_equals_batch_weighted_ridge_after_every_sample(forgetting):
    xs, ys = _regression_data(3, 40, 3)
    delta = 0.5
    rule = RLS(forgetting=forgetting, delta=delta)
    state, w = rule.init(3), np.zeros(3)
    for t in range(len(xs)):
        state, inc = rule.update_from_error(state, xs[t], ys[t] - w @ xs[t])
        w = w + inc
        lam = forgetting ** np.arange(t, -1, -1)
        A = (xs[: t + 1] * lam[:, None]).T @ xs[: t + 1] + forgetting ** (t + 1) * delta * np.eye(3)
        b = (xs[: t + 1] * lam[:, None]).T @ ys[: t + 1]
        np.testing.assert_allclose(w, np.linalg.solve(A, b), rtol=1e-8, atol=1e-10)


def test_rls_inverse_correlation_stays_exactly_symmetric_on_both_engines():
    """The g g^T form of the update keeps P bit-symmetric without a symmetrisation pass."""
    xs, _ = _regression_data(7, 300, 12)
    rule = RLS(forgetting=0.98, delta=0.1)
    for xp, dtype in ((np, np.float64), (np, np.float32), (jnp, jnp.float32)):
        state = rule.init(12, xp, dtype)
        step = jax.jit(rule.update_from_error) if xp is jnp else rule.update_from_error
        for x in xs:
            state, _ = step(state, xp.asarray(x, dtype=dtype), 0.1)
        P = np.asarray(state.P)
        assert P.dtype == dtype and np.array_equal(P, P.T)
        assert np.all(np.linalg.eigvalsh(P.astype(np.float64)) > 0)


def test_rls_and_lms_share_the_gain_over_several_outputs():
    z, errors = np.array([1.0, -2.0, 0.5]), np.array([0.3, -1.0])
    for rule in (RLS(0.99, 1.0), LMS(0.1)):
        state = rule.init(3)
        _, inc = rule.update_from_error(state, z, errors)
        _, k = rule.update_from_error(state, z, 1.0)
        np.testing.assert_allclose(inc, np.outer(k, errors), rtol=1e-15)


def test_welford_equals_batch_after_every_sample():
    rng = np.random.default_rng(4)
    xs = rng.normal(3.0, 2.0, size=(50, 3))
    norm = WelfordNormalizer(eps=1e-300)  # next to no eps: the batch formulas' figures
    s = norm.init(3)
    for t in range(len(xs)):
        s, xn = norm.update(s, xs[t])
        seen = xs[: t + 1]
        np.testing.assert_allclose(s.mean, seen.mean(0), rtol=1e-12)
        np.testing.assert_allclose(s.m2 / s.count, seen.var(0), rtol=1e-10, atol=1e-12)
        if t > 0:
            np.testing.assert_allclose(xn, (xs[t] - seen.mean(0)) / seen.std(0), rtol=1e-9)


@pytest.mark.parametrize("xp", [np, jnp])
def test_welford_takes_the_variance_as_one_until_two_samples(xp):
    # as the stream-x reference and alberta-framework: no division by sqrt(eps) before then
    norm = WelfordNormalizer()
    s = norm.init(2, xp=xp)
    np.testing.assert_allclose(norm.normalize(s, xp.asarray([3.0, -1.0])), [3.0, -1.0])
    s, first = norm.update(s, xp.asarray([1.0, 2.0]))
    np.testing.assert_allclose(first, [0.0, 0.0])
    np.testing.assert_allclose(norm.normalize(s, xp.asarray([3.0, -1.0])), [2.0, -3.0])
    s, second = norm.update(s, xp.asarray([3.0, 2.0]))  # then the population variance
    np.testing.assert_allclose(second, [1.0, 0.0], atol=1e-6)


def test_ema_normalizer_equals_weighted_batch():
    rng = np.random.default_rng(5)
    xs = rng.normal(-1.0, 0.5, size=(30, 2))
    rho = 0.9
    norm = EMANormalizer(decay=rho, eps=1e-300)
    s = norm.init(2)
    for t in range(len(xs)):
        s, _ = norm.update(s, xs[t])
        wts = rho ** np.arange(t, -1, -1)
        wts = wts / wts.sum()
        mean = wts @ xs[: t + 1]
        var = wts @ (xs[: t + 1] - mean) ** 2
        np.testing.assert_allclose(s.mean, mean, rtol=1e-10)
        np.testing.assert_allclose(s.var, var, rtol=1e-8, atol=1e-12)


def test_normalizers_float32_path_is_stable():
    """float32 on a long offset signal: finite, non-negative variance, right statistics."""
    rng = np.random.default_rng(6)
    xs = jnp.asarray((1000.0 + 2.0 * rng.normal(size=(200_000, 2))).astype(np.float32))
    for norm, tol in ((WelfordNormalizer(), 0.05), (EMANormalizer(decay=0.999), 0.3)):
        s0 = norm.init(2, xp=jnp, dtype=jnp.float32)
        s, xn = jax.lax.scan(lambda s, x, norm=norm: norm.update(s, x), s0, xs)
        assert all(leaf.dtype == jnp.float32 for leaf in jax.tree_util.tree_leaves(s))
        assert bool(jnp.all(jnp.isfinite(xn)))
        var = s.m2 / s.count if isinstance(norm, WelfordNormalizer) else s.var
        assert bool(jnp.all(var >= 0))
        np.testing.assert_allclose(np.asarray(s.mean), 1000.0, atol=tol)
        np.testing.assert_allclose(np.sqrt(np.asarray(var)), 2.0, rtol=tol)
        # normalised late inputs have roughly unit scale
        assert 0.8 < float(jnp.std(xn[-10_000:])) < 1.2


TD_RULES = [
    TDIDBD(initial_step_size=0.05, meta_step_size=0.01, trace_decay=0.8),
    TDIDBD(initial_step_size=0.05, meta_step_size=0.01, trace_decay=0.8, semi_gradient=False),
    AutoTDIDBD(initial_step_size=0.05, meta_step_size=0.01, trace_decay=0.8, tau=100.0),
]


@pytest.mark.parametrize("rule", TD_RULES, ids=["semi", "full", "auto"])
def test_td_rules_numpy_and_jax_agree(rule):
    rng = np.random.default_rng(7)
    n, steps = 5, 300
    xs = rng.uniform(size=(steps + 1, n)).astype(np.float32)
    rs = rng.normal(size=steps).astype(np.float32)
    gs = np.where(rng.uniform(size=steps) < 0.1, 0.0, 0.9).astype(np.float32)

    def np_run():
        s, w, out = rule.init(n, dtype=np.float32), np.zeros(n, np.float32), []
        for t in range(steps):
            d = rs[t] + gs[t] * (w @ xs[t + 1]) - w @ xs[t]
            s, inc = rule.update_from_td_error(s, xs[t], xs[t + 1], d, gs[t])
            w = w + inc
            out.append(d)
        return w, np.array(out)

    @jax.jit
    def jx_run(xs, rs, gs):
        def step(carry, inp):
            w, s = carry
            x, x2, r, g = inp
            d = r + g * (w @ x2) - w @ x
            s, inc = rule.update_from_td_error(s, x, x2, d, g)
            return (w + inc, s), d

        init = (jnp.zeros(n, jnp.float32), rule.init(n, xp=jnp, dtype=jnp.float32))
        (w, _), ds = jax.lax.scan(step, init, (xs[:-1], xs[1:], rs, gs))
        return w, ds

    w_np, d_np = np_run()
    w_jx, d_jx = jx_run(jnp.asarray(xs), jnp.asarray(rs), jnp.asarray(gs))
    np.testing.assert_allclose(d_np, np.asarray(d_jx), rtol=2e-3, atol=2e-4)
    np.testing.assert_allclose(w_np, np.asarray(w_jx), rtol=2e-3, atol=2e-4)


def test_tdidbd_with_zero_meta_step_is_td_lambda():
    rng = np.random.default_rng(8)
    n, lam, gamma, alpha = 4, 0.7, 0.9, 0.1
    xs = rng.uniform(size=(60, n))
    rule = TDIDBD(initial_step_size=alpha, meta_step_size=0.0, trace_decay=lam)
    s, w, z, w_ref = rule.init(n), np.zeros(n), np.zeros(n), np.zeros(n)
    for t in range(59):
        r = float(xs[t, 0])
        d = r + gamma * w @ xs[t + 1] - w @ xs[t]
        s, inc = rule.update_from_td_error(s, xs[t], xs[t + 1], d, gamma)
        w = w + inc
        z = gamma * lam * z + xs[t]
        w_ref = w_ref + alpha * (r + gamma * w_ref @ xs[t + 1] - w_ref @ xs[t]) * z
    np.testing.assert_allclose(w, w_ref, rtol=1e-12)


@pytest.mark.parametrize("make", [WelfordNormalizer, EMANormalizer, lambda eps: NLMS(0.5, eps=eps)])
def test_an_eps_of_zero_is_refused_where_it_divides_zero_by_zero(make):
    """eps 0 was taken: a normaliser's first sample (variance 0), or NLMS on an input of
    zeros, gave 0 / 0, and the learner never learned (or held NaN weights)."""
    with pytest.raises(ValueError, match=r"eps must be a finite number in \(0, inf\)"):
        make(eps=0.0).init(2)
