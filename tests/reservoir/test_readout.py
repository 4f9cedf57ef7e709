"""The readouts: online equals batch, error form, bad input, saved files, the compiled path."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.reservoir import (
    LMSReadout,
    PlainRLS,
    ReservoirNode,
    StabilizedRLS,
    load_readout,
    readout_features,
    readout_init,
    readout_predict,
    readout_train,
    reservoir_step,
)
from sensorimotor.rules import LMS, RLS


def data(seed=0, n=60, d=3, m=2):
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(n, d))
    ys = xs @ rng.normal(size=(d, m)) + 0.5 + 0.1 * rng.normal(size=(n, m))
    return xs, ys


@pytest.mark.parametrize("lambda_", [1.0, 0.97])
def test_rls_readout_equals_the_batch_solution_after_every_sample(lambda_):
    xs, ys = data()
    delta = 0.5
    readout = PlainRLS(3, 2, lambda_=lambda_, delta=delta)
    z = np.c_[xs, np.ones(len(xs))]
    for t in range(len(xs)):
        readout.train(xs[t], target=ys[t])
        wts = lambda_ ** np.arange(t, -1, -1)
        A = (z[: t + 1] * wts[:, None]).T @ z[: t + 1] + lambda_ ** (t + 1) * delta * np.eye(4)
        b = (z[: t + 1] * wts[:, None]).T @ ys[: t + 1]
        np.testing.assert_allclose(readout.beta, np.linalg.solve(A, b), rtol=1e-8, atol=1e-10)
    assert readout.count == len(xs)


def test_error_form_equals_target_form_and_batch_rows_equal_the_loop():
    xs, ys = data(1)
    a, b, c = PlainRLS(3, 2), PlainRLS(3, 2), PlainRLS(3, 2)
    for x, y in zip(xs, ys):
        a.train(x, target=y)
        b.train(x, error=y - b(x))
    c.train(xs, target=ys)
    np.testing.assert_allclose(b.beta, a.beta, rtol=1e-12)
    np.testing.assert_allclose(c.beta, a.beta, rtol=1e-12)
    np.testing.assert_allclose(c(xs), xs @ a.beta[:3] + a.beta[3], rtol=1e-12)


def test_a_batch_given_as_lists_trains_and_predicts_as_arrays_do():
    # a list of rows was taken for one sample: "sample must have shape (3,), got (60, 3)"
    xs, ys = data(2)
    a, b = PlainRLS(3, 2), PlainRLS(3, 2)
    a.train(xs.tolist(), target=ys.tolist())
    b.train(xs, target=ys)
    np.testing.assert_array_equal(a.beta, b.beta)
    np.testing.assert_array_equal(a(xs.tolist()), b(xs))


def test_a_batch_target_of_the_wrong_length_is_named_with_its_own_shape():
    readout = PlainRLS(3, 1)
    with pytest.raises(ValueError, match=r"target must have shape \(4, 1\), got \(3,\)"):
        readout.train(np.ones((4, 3)), target=np.ones(3))  # said "got (3, 1)"
    assert readout.count == 0


def test_a_float_error_or_target_for_one_output_equals_the_array_form():
    a, b, c = PlainRLS(2, 1), PlainRLS(2, 1), PlainRLS(2, 1)
    xs, ys = data(6, d=2, m=1)
    for x, y in zip(xs, ys):
        a.train(x, error=float(y[0] - a(x)[0]))
        b.train(x, error=y - b(x))
        c.train(x, target=float(y[0]))
    assert a.beta.shape == (3, 1)
    np.testing.assert_allclose(a.beta, b.beta, rtol=1e-12)
    np.testing.assert_allclose(c.beta, b.beta, rtol=1e-12)


def test_scalar_target_for_one_output_and_no_bias():
    readout = PlainRLS(2, 1, with_bias=False)
    for _ in range(5):
        readout.train(np.array([1.0, 2.0]), target=3.0)
    assert readout.beta.shape == (2, 1)
    assert readout(np.array([1.0, 2.0]))[0] == pytest.approx(3.0, rel=1e-4)


def test_lms_readout_is_the_lms_rule_per_output():
    xs, ys = data(2)
    readout = LMSReadout(3, 2, step_size=0.05)
    beta = np.zeros((4, 2))
    for x, y in zip(xs, ys):
        readout.train(x, target=y)
        z = np.r_[x, 1.0]
        beta = beta + 0.05 * np.outer(z, y - z @ beta)
    np.testing.assert_allclose(readout.beta, beta, rtol=1e-12)


def test_stabilized_rls_resets_a_wound_up_matrix_and_is_plain_otherwise():
    plain, stable = (
        PlainRLS(2, 1, lambda_=0.9, delta=1.0),
        StabilizedRLS(2, 1, lambda_=0.9, delta=1.0, tau=20),
    )
    for _ in range(200):  # one direction excited: P grows by 1/0.9 per step elsewhere
        plain.train(np.array([1.0, 0.0]), target=1.0)
        stable.train(np.array([1.0, 0.0]), target=1.0)
    assert np.trace(plain.state.optimizer.P) > 1e8
    assert stable.resets > 0 and np.trace(stable.state.optimizer.P) <= 3.0 / 0.9**20 + 1e-9
    assert stable(np.array([1.0, 0.0]))[0] == pytest.approx(1.0)
    xs, ys = data(3, d=2, m=1)
    a, b = PlainRLS(2, 1), StabilizedRLS(2, 1, tau=7)
    a.train(xs, target=ys)
    b.train(xs, target=ys)
    assert b.resets == 0 and np.array_equal(a.beta, b.beta)


def test_stop_training_freezes_the_weights():
    readout = PlainRLS(1, 1)
    readout.train(np.array([1.0]), target=1.0)
    readout.stop_training()
    before = readout.beta.copy()
    readout.train(np.array([1.0]), target=5.0)
    assert np.array_equal(readout.beta, before)


@pytest.mark.parametrize("cls", [PlainRLS, StabilizedRLS, LMSReadout])
@pytest.mark.parametrize(
    "kwargs, name, error",
    [
        (dict(sample=np.array([np.nan, 0.0, 0.0]), target=np.zeros(2)), "sample", ValueError),
        (dict(sample=np.zeros(4), target=np.zeros(2)), "sample", ValueError),
        (dict(sample="abc", target=np.zeros(2)), "sample", TypeError),
        (dict(sample=np.zeros(3), target=np.array([np.inf, 0.0])), "target", ValueError),
        (dict(sample=np.zeros(3), target=np.zeros(3)), "target", ValueError),
        (dict(sample=np.zeros(3), error=np.array([0.0, np.nan])), "error", ValueError),
        (dict(sample=np.zeros(3)), "target or error", ValueError),
        (
            dict(sample=np.zeros(3), target=np.zeros(2), error=np.zeros(2)),
            "target or error",
            ValueError,
        ),
        (dict(sample=np.ones(3), target=np.array([1e308, 1e308])), "target", ValueError),
        (
            dict(sample=np.ones((2, 3)), target=np.array([[0.0, 0.0], [np.nan, 0.0]])),
            "target",
            ValueError,
        ),
    ],
)
def test_bad_input_raises_naming_it_and_keeps_the_readout(cls, kwargs, name, error):
    readout = cls(3, 2)
    xs, ys = data(4)
    readout.train(xs[:5], target=ys[:5])
    before = [np.copy(a) for a in jax.tree_util.tree_leaves(readout.state)], readout.count
    with pytest.raises(error, match=name):
        readout.train(**kwargs)
    after = [np.copy(a) for a in jax.tree_util.tree_leaves(readout.state)], readout.count
    assert all(np.array_equal(a, b) for a, b in zip(before[0], after[0])) and before[1] == after[1]


@pytest.mark.parametrize("cls", [PlainRLS, StabilizedRLS, LMSReadout])
@pytest.mark.parametrize("dtype", [int, np.int32, bool, object, np.complex128])
def test_a_dtype_other_than_float_is_refused(cls, dtype):
    with pytest.raises(TypeError, match="dtype"):
        cls(3, 2, dtype=dtype)


def test_an_overflowing_row_in_a_batch_leaves_the_readout_as_before():
    readout = LMSReadout(1, 1, step_size=1e300)  # the second row's update overflows
    before = readout.beta.copy(), readout.count
    with pytest.raises(ValueError, match="target is too large"):
        readout.train(np.array([[1.0], [1.0]]), target=np.array([1.0, 1.0]))
    assert np.array_equal(readout.beta, before[0]) and readout.count == before[1]


@pytest.mark.parametrize(
    "make",
    [
        lambda: PlainRLS(3, 2, lambda_=0.99),
        lambda: StabilizedRLS(3, 2, tau=9),
        lambda: LMSReadout(3, 2, step_size=0.1),
    ],
)
def test_save_load_and_copy_continue_identically(tmp_path, make):
    xs, ys = data(5)
    readout = make()
    readout.train(xs[:30], target=ys[:30])
    path = tmp_path / "readout.npz"
    readout.save(path)
    back, twin = load_readout(path), readout.copy()
    assert repr(back) == repr(readout) and back.count == readout.count
    for other in (back, twin):
        other.train(xs[30:], target=ys[30:])
    readout.train(xs[30:], target=ys[30:])
    assert np.array_equal(back.beta, readout.beta) and np.array_equal(twin.beta, readout.beta)
    twin.train(xs[:3], target=ys[:3])  # the copy is independent
    assert not np.array_equal(twin.beta, readout.beta)


@pytest.mark.parametrize("cls", [PlainRLS, StabilizedRLS, LMSReadout])
def test_a_float32_readout_stays_float32_through_save_load_and_copy(tmp_path, cls):
    xs, ys = (a.astype(np.float32) for a in data(5))
    readout = cls(3, 2, dtype=np.float32)
    readout.train(xs[:30], target=ys[:30])
    readout.save(tmp_path / "readout.npz")
    back, twin = load_readout(tmp_path / "readout.npz"), readout.copy()
    readout.train(xs[30:], target=ys[30:])
    for other in (back, twin):
        assert other.dtype == np.float32
        other.train(xs[30:], target=ys[30:])
        assert other.beta.dtype == np.float32 and np.array_equal(other.beta, readout.beta)


def test_corrupt_saved_readout_gives_value_error_naming_it(tmp_path):
    readout = PlainRLS(2, 1)
    path = tmp_path / "readout.npz"
    readout.save(path)
    data_ = path.read_bytes()
    for i, bad in enumerate([b"", data_[: len(data_) // 3], b"\x00" * 64]):
        broken = tmp_path / f"bad{i}.npz"
        broken.write_bytes(bad)
        with pytest.raises(ValueError, match=f"bad{i}.npz"):
            load_readout(broken)
    arrays = dict(np.load(path))
    arrays["P"] = arrays["P"][:2]
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, **arrays)
    with pytest.raises(ValueError, match="wrong.npz"):
        load_readout(wrong)


def test_esn_with_rls_on_numpy_equals_the_jitted_scan():
    """The object path (NumPy, per sample) and the pure functions scanned by JAX agree."""
    node = ReservoirNode(1, 30, 0.9, leak_rate=0.7, seed=0)
    readout = PlainRLS(30, 1, delta=1.0)
    us = np.sin(np.arange(201) / 4.0)[:, None]
    preds = []
    for t in range(200):
        x = node.execute(us[t])
        preds.append(readout(x)[0])
        readout.train(x, target=us[t + 1])
    rule = RLS(1.0, 1.0)
    params = jax.tree_util.tree_map(
        jnp.asarray, ReservoirNode(1, 30, 0.9, leak_rate=0.7, seed=0).params
    )
    dtype = params.w.dtype

    def body(carry, inputs):
        x, state = carry
        u, y = inputs
        x = reservoir_step(params, x, u)
        z = readout_features(x)
        pred = readout_predict(state, z)
        return (x, readout_train(rule, state, z, y - pred)), pred[0]

    init = (jnp.zeros(30, dtype), readout_init(rule, 30, 1, xp=jnp, dtype=dtype))
    (_, state), jpreds = jax.jit(lambda c, i: jax.lax.scan(body, c, i))(
        init, (jnp.asarray(us[:-1], dtype), jnp.asarray(us[1:], dtype))
    )
    tol = 2e-3 if dtype == jnp.float32 else 1e-9
    np.testing.assert_allclose(np.asarray(jpreds), preds, atol=tol)
    np.testing.assert_allclose(np.asarray(state.beta), readout.beta, atol=50 * tol)


def test_lms_rule_state_of_pure_readout_on_numpy():
    rule = LMS(0.1)
    s = readout_init(rule, 2, 1)
    z = readout_features(np.array([1.0, 0.0]))
    s = readout_train(rule, s, z, np.array([1.0]))
    np.testing.assert_allclose(s.beta[:, 0], [0.1, 0.0, 0.1])
