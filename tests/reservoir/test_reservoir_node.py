"""ReservoirNode, its topologies, its pure step and its memory."""

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.reservoir import (
    ReservoirNode,
    chain_of_neurons,
    dense_w_bias,
    dense_w_in,
    find_radius_for_mc,
    orthogonal_reservoir,
    reservoir_input_jacobian,
    reservoir_memory,
    reservoir_run,
    reservoir_step,
    ring_of_neurons,
    sparse_reservoir,
    sparse_w_in,
    spectral_radius_of,
)


def rng(seed=0):
    return np.random.default_rng(seed)


# -- topologies -----------------------------------------------------------------------
@pytest.mark.parametrize("radius", [0.5, 0.9, 1.2])
def test_sparse_reservoir_has_the_radius_and_the_density(radius):
    w = sparse_reservoir(density=0.1)(rng(), 80, radius)
    assert spectral_radius_of(w) == pytest.approx(radius, rel=1e-9)
    assert np.count_nonzero(w) == round(0.1 * 80 * 80)


def test_orthogonal_reservoir_is_a_scaled_orthogonal_matrix():
    w = orthogonal_reservoir(density=0.3)(rng(1), 30, 0.7)
    np.testing.assert_allclose(w @ w.T, 0.49 * np.eye(30), atol=1e-12)
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(w)), 0.7, rtol=1e-9)
    assert np.count_nonzero(w) >= int(0.3 * 30 * 30)


def test_orthogonal_reservoir_starts_from_a_permutation():
    w = orthogonal_reservoir(density=0.01)(rng(2), 20, 1.0)  # no rotation needed
    assert np.count_nonzero(w) == 20
    assert np.array_equal(np.sort(np.abs(w).sum(axis=0)), np.ones(20))


def test_ring_feeds_each_unit_its_predecessor_and_closes():
    w = ring_of_neurons()(None, 6, 0.8)
    for i in range(6):
        assert np.flatnonzero(w[i]).tolist() == [(i - 1) % 6]
        assert w[i, (i - 1) % 6] == 0.8
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(w)), 0.8, rtol=1e-9)


def test_chain_is_open_and_an_impulse_leaves_it():
    w = chain_of_neurons()(None, 5, 0.9)
    assert np.flatnonzero(w[0]).size == 0  # the first unit has no predecessor
    assert all(w[i, i - 1] == 0.9 for i in range(1, 5))
    assert np.flatnonzero(w[:, 4]).size == 0  # the last feeds nobody
    node = ReservoirNode(1, 5, 0.9, w=chain_of_neurons(), w_in=np.eye(5, 1))
    states = node.execute(np.r_[1.0, np.zeros(6)][:, None])
    for t in range(5):  # the impulse moves one unit per step
        assert np.flatnonzero(states[t]).tolist() == [t]
    assert np.all(states[5:] == 0)  # and is gone after five steps


def test_input_weights_density_scaling_and_bias():
    w_in = sparse_w_in(scaling=0.3, density=0.2)(rng(), 50, 4)
    assert np.count_nonzero(w_in) == 40 and np.abs(w_in).max() <= 0.3
    dense = dense_w_in(scaling=2.0)(rng(), 50, 4)
    assert np.count_nonzero(dense) == 200 and np.abs(dense).max() <= 2.0
    assert np.abs(dense_w_bias(0.1)(rng(), 50)).max() <= 0.1
    node = ReservoirNode(3, 40, input_density=0.1, input_scaling=0.5, bias_scaling=0.2, seed=0)
    assert np.count_nonzero(node.w_in) == 12
    assert 0 < np.abs(node.w_bias).max() <= 0.2


def test_bad_topology_settings_raise_naming_them():
    with pytest.raises(ValueError, match="sparse_reservoir.density"):
        sparse_reservoir(density=20)(rng(), 10, 0.9)  # HDPy's percent
    with pytest.raises(ValueError, match="ReservoirNode.leak_rate"):
        ReservoirNode(1, 10, leak_rate=0.0)
    with pytest.raises(ValueError, match="ReservoirNode.output_dim"):
        ReservoirNode(1, 0)
    with pytest.raises(ValueError, match="w must have shape"):
        ReservoirNode(1, 3, w=np.eye(4))


@pytest.mark.parametrize(
    "given, setting",
    [
        (dict(w=orthogonal_reservoir()), dict(density=0.05)),
        (dict(w=np.eye(5) * 0.5), dict(density=0.5)),
        (dict(w_in=dense_w_in(0.5)), dict(input_scaling=0.1)),
        (dict(w_in=np.ones((5, 1))), dict(input_density=0.5)),
        (dict(w_bias=np.zeros(5)), dict(bias_scaling=0.1)),
    ],
)
def test_a_default_drawers_setting_beside_its_replacement_is_refused(given, setting):
    # was dropped silently: orthogonal_reservoir() with density=0.05 drew density 0.2
    (name,) = setting
    with pytest.raises(ValueError, match=f"ReservoirNode.{name} sets the default"):
        ReservoirNode(1, 5, seed=0, **given, **setting)


def test_a_given_matrix_is_used_as_is_with_its_own_radius():
    w = 0.5 * np.eye(4)[[1, 2, 3, 0]]
    node = ReservoirNode(1, 4, spectral_radius=0.9, w=w, w_in=np.ones((4, 1)))
    assert np.array_equal(node.w, w) and node.spectral_radius == pytest.approx(0.5)
    np.testing.assert_allclose(node.with_spectral_radius(0.25).w, 0.5 * w)


# -- the step -------------------------------------------------------------------------
def test_leaky_step_follows_the_equation():
    node = ReservoirNode(2, 30, 0.9, leak_rate=0.3, bias_scaling=0.5, seed=3)
    x0 = node.execute(np.array([0.2, -0.1]))
    u = np.array([0.5, 0.4])
    want = 0.7 * x0 + 0.3 * np.tanh(node.w @ x0 + node.w_in @ u + node.w_bias)
    np.testing.assert_allclose(node.execute(u), want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(reservoir_step(node.params, x0, u), want, rtol=1e-12)


def test_simulate_does_not_commit_the_state():
    node = ReservoirNode(1, 20, seed=0)
    x = node.execute(np.array([0.5]))
    peek = node.execute(np.array([1.0]), simulate=True)
    peeks = node.execute(np.ones((5, 1)), simulate=True)
    assert np.array_equal(node.state, x)
    assert np.array_equal(node.execute(np.array([1.0])), peek)
    assert np.array_equal(peeks[0], peek)


@pytest.mark.parametrize("bad", ["no", 1, 0.0, None, np.array([True])])
def test_simulate_must_be_a_bool(bad):
    node = ReservoirNode(1, 20, seed=0)
    x = node.execute(np.array([0.5]))
    for u in (np.array([1.0]), [1.0], np.ones((3, 1))):
        with pytest.raises(TypeError, match="simulate"):
            node.execute(u, simulate=bad)
    assert np.array_equal(node.state, x)
    node.execute(np.array([1.0]), simulate=np.bool_(True))
    assert np.array_equal(node.state, x)


def test_returned_state_is_read_only():
    node = ReservoirNode(1, 5, seed=0)
    x = node.execute(np.array([0.5]))
    with pytest.raises(ValueError):
        x[0] = 1.0


def test_copy_is_independent():
    node = ReservoirNode(1, 20, seed=0)
    node.execute(np.array([0.5]))
    twin = node.copy()
    a = node.execute(np.array([1.0]))
    b = twin.execute(np.array([1.0]))
    assert np.array_equal(a, b)
    node.reset()
    assert not np.array_equal(node.state, twin.state)


def test_same_seed_same_reservoir_and_another_seed_another():
    a, b, c = (ReservoirNode(2, 30, bias_scaling=0.1, seed=s) for s in (7, 7, 8))
    for name in ("w", "w_in", "w_bias"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
        assert not np.array_equal(getattr(a, name), getattr(c, name))


def test_batch_execute_equals_the_step_loop_and_reset_restarts():
    node = ReservoirNode(2, 25, leak_rate=0.5, seed=1)
    us = rng(4).normal(size=(40, 2))
    states = node.execute(us)
    node.reset()
    loop = np.array([node.execute(u) for u in us])
    np.testing.assert_allclose(states, loop, rtol=0, atol=0)


def test_a_batch_given_as_a_list_of_rows_runs_as_the_array_does():
    # a list of lists was taken for one sample: "u must have shape (2,), got (3, 2)"
    us = rng(4).normal(size=(3, 2))
    a, b = ReservoirNode(2, 10, seed=1), ReservoirNode(2, 10, seed=1)
    np.testing.assert_array_equal(a.execute(us.tolist()), b.execute(us))
    with pytest.raises(TypeError, match="u must be an array of shape"):
        a.execute([[0.1, 0.2], [0.3]])  # ragged


def test_numpy_equals_jax_scan():
    node = ReservoirNode(1, 50, 0.95, leak_rate=0.4, bias_scaling=0.2, seed=0)
    us = rng(5).uniform(-1, 1, size=(300, 1))
    states = node.execute(us)
    params = jax.tree_util.tree_map(jnp.asarray, node.params)
    run = jax.jit(reservoir_run)
    last, jstates = run(params, jnp.zeros(50, params.w.dtype), jnp.asarray(us, params.w.dtype))
    tol = 1e-4 if params.w.dtype == jnp.float32 else 1e-10
    np.testing.assert_allclose(np.asarray(jstates), states, atol=tol)
    np.testing.assert_allclose(np.asarray(last), states[-1], atol=tol)
    _, np_states = reservoir_run(node.params, np.zeros(50), us)  # the pure NumPy loop
    np.testing.assert_allclose(np_states, states, rtol=1e-12, atol=1e-14)


def test_input_jacobian_matches_finite_differences_in_float64():
    node = ReservoirNode(3, 40, 0.9, leak_rate=0.3, bias_scaling=0.3, input_scaling=0.8, seed=2)
    node.execute(rng(6).normal(size=(10, 3)))
    x, u = node.state.copy(), np.array([0.3, -0.2, 0.7])
    jac = node.input_jacobian(u)
    h = 1e-6
    fd = np.empty_like(jac)
    for j in range(3):
        e = np.zeros(3)
        e[j] = h
        fd[:, j] = (
            reservoir_step(node.params, x, u + e) - reservoir_step(node.params, x, u - e)
        ) / (2 * h)
    np.testing.assert_allclose(jac, fd, atol=1e-6, rtol=0)
    assert np.max(np.abs(jac)) > 1e-2  # not a trivially zero comparison
    # a critic J = beta^T [x+(u); u; 1] by the chain rule, as ADHDP takes dJ/da
    beta = rng(7).normal(size=40 + 3 + 1)

    def critic(v):
        return beta @ np.r_[reservoir_step(node.params, x, v), v, 1.0]

    grad = reservoir_input_jacobian(node.params, x, u).T @ beta[:40] + beta[40:43]
    fd_j = [
        (critic(u + h * np.eye(3)[j]) - critic(u - h * np.eye(3)[j])) / (2 * h) for j in range(3)
    ]
    np.testing.assert_allclose(grad, fd_j, atol=1e-6, rtol=0)


# -- bad input, saved files -----------------------------------------------------------
@pytest.mark.parametrize(
    "u, error",
    [
        (np.array([np.nan]), ValueError),
        (np.array([np.inf]), ValueError),
        (np.array([1.0, 2.0]), ValueError),
        (np.ones((3, 2)), ValueError),
        ("a", TypeError),
        (None, TypeError),
        (np.array(["x"]), TypeError),
    ],
)
def test_bad_input_raises_naming_u_and_keeps_the_state(u, error):
    node = ReservoirNode(1, 10, seed=0)
    before = node.execute(np.array([0.3])).copy()
    with pytest.raises(error, match="u"):
        node.execute(u)
    assert np.array_equal(node.state, before)
    with pytest.raises(error, match="u"):
        node.execute(u, simulate=True)
    assert np.array_equal(node.state, before)


def test_a_batch_with_one_bad_row_changes_nothing():
    node = ReservoirNode(1, 10, seed=0)
    before = node.execute(np.array([0.3])).copy()
    with pytest.raises(ValueError, match="u contains NaN"):
        node.execute(np.array([[0.1], [np.nan]]))
    assert np.array_equal(node.state, before)


def test_a_nan_deep_in_a_long_series_is_located_in_the_error():
    # NumPy prints a long array with its middle elided: the message printed 6 rows of
    # finite numbers and never the NaN; now it says where the first bad value is
    node = ReservoirNode(50, 10, seed=0)
    series = rng().uniform(size=(5000, 50))
    series[2500, 17], series[3000, 1] = np.nan, np.inf
    with pytest.raises(
        ValueError,
        match=r"^u contains NaN or inf at index \(2500, 17\) "
        r"\(and 1 more of 250000 values\)$",
    ):
        node.execute(series)
    with pytest.raises(ValueError, match=r"u contains NaN or inf at index 1: \[0.5 nan\]"):
        ReservoirNode(2, 10, seed=0).execute(np.array([0.5, np.nan]))


def test_save_load_continues_identically(tmp_path):
    node = ReservoirNode(2, 30, 0.8, leak_rate=0.6, bias_scaling=0.1, seed=0)
    node.execute(rng().normal(size=(20, 2)))
    path = tmp_path / "node.npz"
    node.save(path)
    back = ReservoirNode.load(path)
    assert repr(back) == repr(node)
    us = rng(1).normal(size=(30, 2))
    assert np.array_equal(back.execute(us), node.execute(us))


def test_corrupt_saved_file_gives_value_error_naming_it(tmp_path):
    node = ReservoirNode(1, 8, seed=0)
    path = tmp_path / "node.npz"
    node.save(path)
    data = path.read_bytes()
    for i, bad in enumerate([b"", data[: len(data) // 2], b"not an npz file at all"]):
        broken = tmp_path / f"broken{i}.npz"
        broken.write_bytes(bad)
        with pytest.raises(ValueError, match=f"broken{i}.npz"):
            ReservoirNode.load(broken)
    arrays = dict(np.load(path))
    arrays["w"] = np.full((8, 8), np.nan)
    nan_path = tmp_path / "nan.npz"
    np.savez(nan_path, **arrays)
    with pytest.raises(ValueError, match="nan.npz"):
        ReservoirNode.load(nan_path)
    arrays["w"] = np.zeros((8, 8))
    arrays["state"] = np.full(8, 1e300)  # was refused without naming the file (fuzz suite)
    big_path = tmp_path / "big.npz"
    np.savez(big_path, **arrays)
    with pytest.raises(ValueError, match="big.npz"):
        ReservoirNode.load(big_path)
    assert os.path.exists(path)


# -- memory ---------------------------------------------------------------------------
def test_memory_grows_with_the_radius_and_leak():
    base = ReservoirNode(1, 40, 0.5, seed=0)
    memories = [reservoir_memory(base.with_spectral_radius(r), 3000) for r in (0.3, 0.6, 0.9)]
    assert memories == sorted(memories) and memories[0] < memories[-1]
    leaky = ReservoirNode(1, 40, 0.5, leak_rate=0.2, seed=0)
    assert reservoir_memory(leaky, 3000) > memories[1]


@pytest.mark.parametrize("radius", [1.0, 1.2, 1.5])
def test_memory_of_a_reservoir_that_never_settles_is_refused(radius):
    # was the first step at which the most units were still: 973 steps (30 of 40 units
    # settled), and 0 steps for 1.2 and 1.5 (no unit ever settled: a chaotic reservoir
    # reported as memoryless)
    node = ReservoirNode(1, 40, radius, seed=0)
    with pytest.raises(ValueError, match="has not settled in max_settling_time=1000"):
        reservoir_memory(node, 1000)
    with pytest.raises(ValueError, match="max_settling_time must be at least 2"):
        reservoir_memory(node, 1)  # was numpy's "argmax of an empty sequence"


def test_find_radius_for_mc_above_one_bisects_down_to_the_memory():
    # a radius above 1 used to report a short bogus memory and send the bisection upwards
    node = ReservoirNode(1, 50, seed=0)
    rho = find_radius_for_mc(node, 900, max_settling_time=2000, radius_max=1.5)
    assert abs(reservoir_memory(node.with_spectral_radius(rho), 2000) - 900) < 1


def test_find_radius_for_mc_reaches_the_memory_or_says_why():
    node = ReservoirNode(1, 40, seed=1)
    rho = find_radius_for_mc(node, 30, max_settling_time=1500)
    assert abs(reservoir_memory(node.with_spectral_radius(rho), 1500) - 30) < 1
    with pytest.raises(ValueError, match="no spectral radius"):
        find_radius_for_mc(node, 1000, max_settling_time=1500, radius_max=0.2)


@pytest.mark.parametrize(
    "name, bad",
    [
        ("num_iter", 0),  # said "reached inf"
        ("num_iter", -3),
        ("num_iter", 2.5),
        ("num_iter", True),
        ("num_iter", "10"),
        ("tol_settling", -1.0),
        ("tol_settling", float("nan")),
        ("tol_settling", "0.5"),
        ("max_settling_time", "2000"),
        ("max_settling_time", 0),
    ],
)
def test_find_radius_for_mc_refuses_bad_settings_naming_them(name, bad):
    node = ReservoirNode(1, 10, seed=1)
    with pytest.raises((TypeError, ValueError), match=f"find_radius_for_mc.{name}"):
        find_radius_for_mc(node, 5, **{"max_settling_time": 200, name: bad})


def test_vmap_over_seeds_equals_each_node_and_keeps_shape_and_dtype():
    nodes = [ReservoirNode(2, 20, 0.9, leak_rate=0.5, seed=s) for s in range(3)]
    params = jax.tree_util.tree_map(lambda *a: jnp.asarray(np.stack(a)), *(n.params for n in nodes))
    dtype = params.w.dtype
    us = rng(8).normal(size=(3, 50, 2))
    run = jax.jit(jax.vmap(reservoir_run))
    last, states = run(params, jnp.zeros((3, 20), dtype), jnp.asarray(us, dtype))
    assert states.shape == (3, 50, 20) and states.dtype == dtype and last.dtype == dtype
    tol = 1e-4 if dtype == jnp.float32 else 1e-10
    for i, node in enumerate(nodes):
        np.testing.assert_allclose(np.asarray(states[i]), node.execute(us[i]), atol=tol)
    assert run._cache_size() == 1
    run(params, last, jnp.asarray(us[:, ::-1], dtype))  # another episode: no recompile
    assert run._cache_size() == 1


def test_float32_node_keeps_its_dtype_and_follows_the_float64_one():
    single = ReservoirNode(1, 30, 0.9, leak_rate=0.5, seed=0, dtype=np.float32)
    double = ReservoirNode(1, 30, 0.9, leak_rate=0.5, seed=0)
    us = rng(9).normal(size=(100, 1))
    s32, s64 = single.execute(us), double.execute(us)
    assert s32.dtype == np.float32 and single.execute(np.array([0.5])).dtype == np.float32
    np.testing.assert_allclose(s32, s64, atol=1e-5)


def test_a_spectral_radius_whose_weights_overflow_is_refused_by_the_rescaling_too():
    """The constructor refused it; with_spectral_radius(1e308) gave inf weights and every
    later state NaN, with only a warning."""
    node = ReservoirNode(2, 10, seed=0)
    with pytest.raises(ValueError, match="spectral_radius 1e\\+308 is too large"):
        node.with_spectral_radius(1e308)
    assert node.with_spectral_radius(0.3).spectral_radius == 0.3


def test_find_radius_for_mc_on_a_reservoir_that_cannot_be_rescaled_says_so():
    """The rescaling's error was caught as "not settled" and reported a memory of inf."""
    with pytest.raises(ValueError, match="spectral_radius 0 cannot be rescaled"):
        find_radius_for_mc(
            ReservoirNode(1, 20, spectral_radius=0, seed=0), 10, max_settling_time=200
        )
