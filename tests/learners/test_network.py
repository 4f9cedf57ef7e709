"""NetworkLearner and its pure JAX core."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor import Channel, KinematicArm2D, SignalError
from sensorimotor.base.saved_file import write_npz
from sensorimotor.learners import Learner, NetworkLearner, NotReadyError, check_learner
from sensorimotor.learners import network_core as core
from sensorimotor.learners import network_inverse as inverse

ARM = KinematicArm2D({"dim": 2, "lengths": 0.5, "limits": (-90, 90)})
# One small configuration for every test: each distinct one costs a compilation.
SMALL = {"hidden": (32, 32), "batch_size": 32, "capacity": 64}


def make(**cfg):
    return NetworkLearner(
        {"m_channels": ARM.m_channels, "s_channels": ARM.s_channels, **SMALL, **cfg}
    )


def data(n, seed):
    m = ARM.m_set.random(np.random.default_rng(seed), n)
    return m, ARM.execute_array(m)


def snapshot(learner):
    return [np.array(x) for x in jax.tree.leaves(learner.net_state)]


def same_state(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.fixture(scope="module")
def trained():
    learner = make(seed=3)
    m, s = data(2000, 0)
    learner.update_array(m, s)
    return learner


def test_learns_two_joint_arm_forward_and_inverse(trained):
    m_test, s_test = data(500, 1)
    forward = np.linalg.norm(trained.predict_array(m_test) - s_test, axis=1)
    assert forward.mean() < 0.002  # measured 0.00057 after 2000 updates (arm length 1.0)
    # the neighbours' bias correction improves on the plain network
    plain = ARM.s_set.unscale(trained._forward(ARM.m_set.scale(m_test)))
    assert forward.mean() < 0.3 * np.linalg.norm(plain - s_test, axis=1).mean()  # 0.0077
    goals = s_test[:50]  # reachable: effects of held-out commands
    reached = ARM.execute_array(trained.infer_array(goals))
    reach = np.linalg.norm(reached - goals, axis=1)
    assert reach.mean() < 0.002  # measured 0.00088
    # the inverse beats both the forward model's error and the nearest observation
    _, idx = trained.memory.nearest("s", ARM.s_set.scale(goals))
    nearest = np.linalg.norm(ARM.s_set.unscale(trained.memory.s[idx[:, 0]]) - goals, axis=1)
    assert reach.mean() < 0.2 * nearest.mean()


def test_single_queries_equal_batch_queries(trained):
    m_test, s_test = data(5, 2)
    batch_s = trained.predict_array(m_test)
    batch_m = trained.infer_array(s_test)
    for i in range(5):
        p = trained.predict(ARM.m_set.from_array(m_test[i]))
        # equal to float32 rounding (a batch of 1 and of 8 may take other matmul kernels)
        np.testing.assert_allclose(ARM.s_set.to_array(p), batch_s[i], rtol=0, atol=1e-6)
        q = trained.infer(ARM.s_set.from_array(s_test[i]))
        np.testing.assert_allclose(ARM.m_set.to_array(q), batch_m[i], rtol=0, atol=1e-3)


def test_online_updates_equal_update_array():
    m, s = data(40, 4)
    one, many = make(seed=1), make(seed=1)
    for mi, si in zip(ARM.m_set.from_array(m), ARM.s_set.from_array(s), strict=True):
        one.update(mi, si)
    many.update_array(m, s)
    assert len(one) == len(many) == 40
    np.testing.assert_allclose(one.net_state.theta, many.net_state.theta, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(one.net_state.replay.data, many.net_state.replay.data)


def _rows(learner, m, s):
    """The scaled observations as the replay buffer stores them (float32 rows [m, s])."""
    return np.concatenate([ARM.m_set.scale(m), ARM.s_set.scale(s)], axis=1).astype("f4")


def test_full_reservoir_keeps_a_uniform_sample_of_all_observations():
    m, s = data(400, 5)  # capacity 64: the replay memory fills, then samples
    learner = make(seed=2)
    learner.update_array(m[:50], s[:50])
    replay = learner.net_state.replay
    np.testing.assert_array_equal(replay.data[:50], _rows(learner, m[:50], s[:50]))
    learner.update_array(m[50:], s[50:])
    replay = learner.net_state.replay
    assert replay.data.shape[0] == 64 and int(replay.count) == 64
    assert int(learner.net_state.seen) == 400 == len(learner) == len(learner.memory)
    # every kept row is an observation, each at most once, from the whole stream
    rows = _rows(learner, m, s)
    kept = [int(np.flatnonzero((rows == r).all(axis=1))[0]) for r in np.asarray(replay.data)]
    assert len(set(kept)) == 64
    assert min(kept) < 200 and max(kept) >= 200  # neither only the first nor only the last
    m_test, s_test = data(50, 6)  # still learns and answers
    forward = np.linalg.norm(learner.predict_array(m_test) - s_test, axis=1)
    assert np.all(np.isfinite(forward)) and forward.mean() < 0.05


def test_full_ring_replaces_the_oldest_observation():
    m, s = data(100, 5)
    learner = make(seed=2, replay="ring")
    learner.update_array(m[:70], s[:70])
    learner.update_array(m[70], s[70])  # one at a time too
    learner.update_array(m[71:], s[71:])
    replay = learner.net_state.replay
    assert int(replay.count) == 64 and int(replay.position) == 100 % 64
    slots = np.arange(36, 100) % 64  # the last 64 observations, observation i in slot i % 64
    np.testing.assert_array_equal(np.asarray(replay.data)[slots], _rows(learner, m, s)[36:])


def test_compilations_do_not_grow_as_the_memory_fills_past_capacity():
    learner = make(seed=3, bias_neighbours=4)
    m, s = data(300, 3)
    learner.update_array(m[:40], s[:40])
    learner.update_array(m[40], s[40])
    learner.predict_array(m[:3])
    learner.infer_array(s[0])
    learner.infer_array(s[:3])
    jitted = (
        core.update_donated,
        core.update_many_donated,
        core.predict_batch_jit,
        inverse.infer_batch_jit,
    )
    traces = [f._cache_size() for f in jitted]
    for i in range(41, 120):  # one at a time past the capacity (64)
        learner.update_array(m[i], s[i])
    learner.update_array(m[120:], s[120:])  # and in batches, to 300
    reached = learner.infer_array(s[:3])
    learner.infer_array(s[0])
    learner.predict_array(m[:3])
    assert [f._cache_size() for f in jitted] == traces
    assert len(learner) == 300 and int(learner.net_state.replay.count) == 64
    assert np.all(np.isfinite(reached))


def test_save_load_with_a_full_reservoir(tmp_path):
    m, s = data(150, 9)
    learner = make(seed=7)
    learner.update_array(m[:100], s[:100])
    path = tmp_path / "full.npz"
    learner.save(path)
    loaded = Learner.load(path)
    assert same_state(snapshot(loaded), snapshot(learner))
    np.testing.assert_array_equal(loaded.infer_array(s[100:]), learner.infer_array(s[100:]))
    for x in (learner, loaded):
        x.update_array(m[100:], s[100:])
    assert same_state(snapshot(loaded), snapshot(learner))


def test_jacobian_and_gradient_equal_finite_differences(trained):
    cfg, theta = trained.net_cfg, trained.net_state.theta
    m = jnp.array([0.3, 0.7])
    jac = np.asarray(core.jacobian(cfg, theta, m), dtype=np.float64)
    eps = 1e-2
    fd = np.stack(
        [
            (
                np.asarray(core.forward(cfg, theta, m + eps * e), np.float64)
                - np.asarray(core.forward(cfg, theta, m - eps * e), np.float64)
            )
            / (2 * eps)
            for e in jnp.eye(2)
        ],
        axis=1,
    )
    np.testing.assert_allclose(jac, fd, rtol=2e-3, atol=2e-4)
    # the inverse's objective E(m) = |f(m) + b - g|^2 / 2 has gradient J^T r
    b, g = jnp.array([0.01, -0.02]), jnp.array([0.6, 0.4])

    def objective(x):
        r = np.asarray(core.forward(cfg, theta, jnp.asarray(x, jnp.float32)) + b - g, np.float64)
        return 0.5 * r @ r

    r = np.asarray(core.forward(cfg, theta, m) + b - g, np.float64)
    fd_grad = [(objective(m + eps * e) - objective(m - eps * e)) / (2 * eps) for e in np.eye(2)]
    np.testing.assert_allclose(jac.T @ r, fd_grad, rtol=2e-3, atol=2e-5)


def test_solve_reaches_model_goals_within_bounds(trained):
    cfg, theta = trained.net_cfg, trained.net_state.theta
    solve = jax.jit(inverse.solve, static_argnums=0)
    lo, hi = jnp.zeros(2), jnp.ones(2)
    rng = np.random.default_rng(6)
    for _ in range(5):
        target_m = jnp.asarray(rng.uniform(0.1, 0.9, 2), jnp.float32)
        m0 = jnp.clip(target_m + jnp.asarray(rng.normal(0, 0.05, 2), jnp.float32), 0, 1)
        goal = core.forward(cfg, theta, target_m) + 0.01
        m = solve(cfg, theta, m0, jnp.full(2, 0.01), goal, lo, hi)
        assert np.all((np.asarray(m) >= 0) & (np.asarray(m) <= 1))
        residual = core.forward(cfg, theta, m) + 0.01 - goal
        assert float(jnp.linalg.norm(residual)) < 1e-4
    # a goal beyond the model's reach: the answer stays in bounds
    far = solve(cfg, theta, jnp.array([0.5, 0.5]), jnp.zeros(2), jnp.array([5.0, 5.0]), lo, hi)
    assert np.all((np.asarray(far) >= 0) & (np.asarray(far) <= 1))


def test_bias_corrected_predict_is_exact_on_observations():
    m, s = data(30, 10)
    plain, corrected = make(seed=3, predict_neighbours=0), make(seed=3)
    for learner in (plain, corrected):
        learner.update_array(m, s)
    np.testing.assert_allclose(corrected.predict_array(m), s, rtol=0, atol=1e-12)
    assert not np.allclose(plain.predict_array(m), s, atol=1e-4)


def test_bad_input_refused_with_state_unchanged():
    learner = make(seed=0)
    with pytest.raises(NotReadyError):
        learner.predict({"j0": 0.0, "j1": 0.0})
    with pytest.raises(NotReadyError):
        learner.infer({"x": 0.5, "y": 0.5})
    m, s = data(20, 7)
    learner.update_array(m, s)
    before, n = snapshot(learner), len(learner)
    bad = [
        lambda: learner.update({"j0": np.nan, "j1": 0.0}, {"x": 0.1, "y": 0.2}),
        lambda: learner.update({"j0": 1.0}, {"x": 0.1, "y": 0.2}),
        lambda: learner.update({"j0": 1.0, "j1": 0.0}, {"x": np.inf, "y": 0.2}),
        lambda: learner.update({"j0": 1.0, "j1": 0.0, "j9": 0.0}, {"x": 0.1, "y": 0.2}),
        lambda: learner.update_array(np.zeros((3, 3)), np.zeros((3, 2))),
        lambda: learner.update_array(np.zeros((3, 2)), np.zeros((2, 2))),
        lambda: learner.predict_array(np.array([[0.0, np.nan]])),
        lambda: learner.infer({"x": "far"}),
    ]
    for call in bad:
        with pytest.raises(SignalError):
            call()
        assert len(learner) == n and same_state(snapshot(learner), before)


@pytest.mark.parametrize(
    "key, value",
    [
        ("hidden", (32, 0)),
        ("activation", "sigmoid"),
        ("batch_size", 0),
        ("learning_rate", -1.0),
        ("dtype", "float16"),
        ("restarts", 1.5),
        ("predict_neighbours", -1),
        ("damping", float("nan")),
        ("capacity", 0),
        ("capacity", float("nan")),
        ("capacity", 64.0),
        ("replay", "fifo"),
        ("bias_neighbours", "sometimes"),
        ("bias_neighbours", 0),
    ],
)
def test_bad_config_refused(key, value):
    with pytest.raises(ValueError, match=key):
        make(**{key: value})


@pytest.mark.parametrize(
    "key, value",
    [
        ("learning_rate", 10**400),  # was: OverflowError from math.isfinite
        ("seed", 2**63),  # was: OverflowError from jax.random.key
        ("iterations", 2**31),  # was: an OverflowError naming "y" at the first infer
        ("activation", np.array(["gelu"])),  # was: accepted, then unhashable under jit
        ("dtype", np.array(["float32", "float64"])),  # was: "truth value ... ambiguous"
    ],
)
def test_a_hostile_setting_is_refused_naming_it(key, value):
    with pytest.raises(ValueError, match=key):
        make(**{key: value})


def test_numpy_scalar_settings_are_numbers():
    # a NumPy float (as the base Learner and the other learners take) was refused
    learner = make(learning_rate=np.float32(3e-3), damping=np.float64(1e-4))
    assert learner.net_cfg.learning_rate == pytest.approx(3e-3)
    assert type(learner.net_cfg.learning_rate) is float


def test_unknown_config_key_and_float64_without_x64():
    with pytest.raises(KeyError, match="hiden"):
        make(hiden=(3,))
    if not jax.config.jax_enable_x64:
        with pytest.raises(ValueError, match="x64"):
            make(dtype="float64")


def test_same_seed_same_answers_other_seed_differs():
    m, s = data(60, 8)
    a, b, c = make(seed=5), make(seed=5), make(seed=6)
    for learner in (a, b, c):
        learner.update_array(m, s)
    assert same_state(snapshot(a), snapshot(b))
    np.testing.assert_array_equal(a.infer_array(s[:4]), b.infer_array(s[:4]))
    m_new, _ = data(4, 11)
    np.testing.assert_array_equal(a.predict_array(m_new), b.predict_array(m_new))
    assert not np.array_equal(a.predict_array(m_new), c.predict_array(m_new))


def test_save_load_round_trip_answers_and_continues_identically(tmp_path):
    m, s = data(80, 9)
    learner = make(seed=7, explore_sigma=0.1)
    learner.update_array(m[:70], s[:70])
    learner.infer({"x": 0.5, "y": 0.5}, mode="explore")  # advances the generator
    path = tmp_path / "net.npz"
    learner.save(path)
    loaded = Learner.load(path)
    assert isinstance(loaded, NetworkLearner) and len(loaded) == 70
    assert loaded.net_cfg == learner.net_cfg
    assert same_state(snapshot(loaded), snapshot(learner))
    np.testing.assert_array_equal(loaded.predict_array(m[70:]), learner.predict_array(m[70:]))
    np.testing.assert_array_equal(loaded.infer_array(s[70:]), learner.infer_array(s[70:]))
    assert loaded.infer({"x": 0.5, "y": 0.5}, mode="explore") == learner.infer(
        {"x": 0.5, "y": 0.5}, mode="explore"
    )
    for x in (learner, loaded):
        x.update_array(m[70:], s[70:])
    assert same_state(snapshot(loaded), snapshot(learner))
    with np.load(path, allow_pickle=False) as saved:
        assert "state_theta" in saved.files


def test_channels_without_bounds_pass_through():
    cfg = {
        "m_channels": [Channel("u"), Channel("w")],
        "s_channels": [Channel("v", (0, 1)), Channel("z", (0, 1))],
        **SMALL,
    }
    learner = NetworkLearner(cfg)
    u = np.stack([np.linspace(-3, 3, 40), np.zeros(40)], axis=1)
    learner.update_array(u, np.stack([0.5 + 0.1 * u[:, 0], np.full(40, 0.5)], axis=1))
    m = learner.infer({"v": 0.7, "z": 0.5})
    # v = 0.5 + 0.1 u: the goal's command u = 2 lies outside [0, 1], where an unbounded
    # channel is not clipped (measured 1.98; the nearest observations are 1.92 and 2.08)
    assert m["u"] == pytest.approx(2.0, abs=0.05) and abs(m["w"]) < 0.1


def test_no_recompile_per_update_or_query_size():
    learner = make(seed=12)
    m, s = data(60, 12)
    learner.update_array(m[:30], s[:30])
    learner.update_array(m[30], s[30])  # one observation: the per-sample step
    learner.predict_array(m[:3])
    learner.infer_array(s[:3])
    learner.infer_array(s[0])
    compiled = [
        f._cache_size()
        for f in (
            core.update_donated,
            core.update_many_donated,
            core.predict_batch_jit,
            inverse.infer_batch_jit,
        )
    ]
    for i in range(31, 60):  # within the capacity (64): no growth
        learner.update(ARM.m_set.from_array(m[i]), ARM.s_set.from_array(s[i]))
    learner.update_array(m[:3], s[:3])
    learner.predict_array(m[:40])
    learner.infer_array(s[:40])
    learner.infer(ARM.s_set.from_array(s[5]))
    after = [
        f._cache_size()
        for f in (
            core.update_donated,
            core.update_many_donated,
            core.predict_batch_jit,
            inverse.infer_batch_jit,
        )
    ]
    assert after == compiled


def test_inverse_settings_do_not_recompile_the_step():
    m, s = data(20, 13)
    make(seed=0).update_array(m, s)
    compiled = core.update_many_donated._cache_size()
    other = make(seed=0, restarts=3, iterations=4, damping=1e-3, distance_weight=0.5)
    other.update_array(m, s)
    assert core.update_many_donated._cache_size() == compiled
    goals = s[:3]
    assert np.all(np.isfinite(other.infer_array(goals)))


def test_check_learner_with_other_settings():
    # the default network (compiled by test_checks' run of the defaults), other query settings
    check_learner(lambda cfg: NetworkLearner({**cfg, "predict_neighbours": 0, "restarts": 1}))


def test_warmup_compiles_without_changing_the_learner():
    learner = make(seed=14)
    m, s = data(10, 14)
    learner.update_array(m, s)
    before = snapshot(learner)
    learner.warmup()
    assert same_state(snapshot(learner), before) and len(learner) == 10
    compiled = [f._cache_size() for f in (core.update_donated, inverse.infer_batch_jit)]
    learner.update(ARM.m_set.from_array(m[0]), ARM.s_set.from_array(s[0]))
    learner.infer(ARM.s_set.from_array(s[1]))
    learner.infer_array(s[:5])
    assert [f._cache_size() for f in (core.update_donated, inverse.infer_batch_jit)] == compiled


def test_guards_skip_non_finite_steps():
    cfg = core.NetworkConfig(n_m=2, n_s=2, hidden=(32, 32), batch_size=32)
    state = core.init_state(cfg, jax.random.key(0), capacity=64)
    huge = state._replace(theta=state.theta.at[-40:].set(3e38))  # outputs overflow: inf loss
    # (the learners' compiled step: this cfg is SMALL's training configuration)
    copy = jax.tree.map(jnp.copy, huge)
    after = core.update_donated(cfg, copy, np.array([0.5, 0.5], "f4"), np.array([0.2, 0.3], "f4"))
    np.testing.assert_array_equal(after.theta, huge.theta)  # the diverging step is skipped
    assert int(after.replay.count) == 1 and np.all(np.isfinite(after.opt_state[0].mu))
    # damping 0 with a zero Jacobian: a singular system; the command stays where it started
    flat = cfg._replace(damping=0.0)
    m0 = jnp.array([0.3, 0.6])
    m = jax.jit(inverse.solve, static_argnums=0)(
        flat,
        jnp.zeros_like(state.theta),
        m0,
        jnp.zeros(2),
        jnp.array([0.9, 0.1]),
        jnp.zeros(2),
        jnp.ones(2),
    )
    np.testing.assert_array_equal(m, m0)


def test_bias_neighbours_average_out_sensor_noise():
    m, s = data(1000, 20)
    noisy = s + np.random.default_rng(21).normal(0, 0.02, s.shape)
    _, goals = data(100, 22)
    reach = {}
    for k in (1, 16, "auto"):
        learner = make(seed=0, bias_neighbours=k)
        learner.update_array(m, noisy)
        reach[k] = np.linalg.norm(
            ARM.execute_array(learner.infer_array(goals)) - goals, axis=1
        ).mean()
    # measured 0.023 (one observation's bias carries its noise) and 0.0071
    assert reach[16] < 0.5 * reach[1]
    # the default finds the noise (0.02 in a range of 2: 0.01 scaled) and averages it out
    assert learner.bias_choice.k > 1 and 0.005 < learner.bias_choice.noise < 0.02
    assert reach["auto"] < 0.5 * reach[1]


def test_default_bias_neighbours_keep_exact_sensors_exact():
    m, s = data(1000, 20)
    _, goals = data(50, 22)
    auto, one = make(seed=0), make(seed=0, bias_neighbours=1)
    for learner in (auto, one):
        learner.update_array(m[:500], s[:500])
        learner.update_array(m[500], s[500])
        learner.update_array(m[501:], s[501:])
    assert auto.bias_choice.k == 1 and auto.bias_choice.noise < 0.002
    # the start's own bias: the same commands (degrees, range 180), to the float32 rounding
    # of another batch shape (measured 0.004)
    np.testing.assert_allclose(auto.infer_array(goals), one.infer_array(goals), atol=0.05)


def test_inverse_compiles_once_as_the_memory_grows():
    # the inverse's starts and bias neighbours come from the memory's index, not from the
    # replay buffer, whose capacity is fixed
    learner = make(seed=3, bias_neighbours=4)
    m, s = data(200, 3)
    learner.update_array(m[:40], s[:40])
    learner.infer_array(s[0])
    learner.infer_array(s[:3])
    compiled = inverse.infer_batch_jit._cache_size()
    learner.update_array(m[40:], s[40:])  # past the replay capacity (64)
    reached = learner.infer_array(s[:3])
    learner.infer_array(s[0])
    assert inverse.infer_batch_jit._cache_size() == compiled
    assert np.all(np.isfinite(reached))


def test_save_load_in_the_middle_of_a_choice_continues_identically(tmp_path):
    m, s = data(90, 23)
    learner = make(seed=4)
    learner.update_array(m[:63], s[:63])
    for i in range(63, 67):  # at 64 observations a choice starts, 8 samples per update
        learner.update_array(m[i], s[i])
    assert 0 < learner.bias_schedule.done < learner.bias_schedule.pending.size  # under way
    path = tmp_path / "choosing.npz"
    learner.save(path)
    loaded = Learner.load(path)
    for i in range(67, 90):
        for x in (learner, loaded):
            x.update_array(m[i], s[i])
    assert learner.bias_schedule.pending.size == 0 and learner.bias_choice is not None
    assert loaded.bias_choice == learner.bias_choice
    assert same_state(snapshot(loaded), snapshot(learner))
    np.testing.assert_array_equal(loaded.infer_array(s[:5]), learner.infer_array(s[:5]))


def test_a_loaded_learner_keeps_its_last_choice_of_bias_neighbours(tmp_path):
    m, s = data(100, 24)
    learner = make(seed=5)
    learner.update_array(m, s)  # the choice at 64 observations is made
    assert learner.bias_choice is not None
    path = tmp_path / "chosen.npz"
    learner.save(path)
    loaded = Learner.load(path)
    assert loaded.bias_choice == learner.bias_choice  # at once, not after the next choice


def _saved_and_edited(tmp_path, learner, observations, edit):
    """The file of ``learner`` after it learnt ``observations`` (``(m, s)``), its arrays
    changed by ``edit(state)`` before writing."""
    learner.update_array(*observations)
    state = learner.state()
    header = state.pop("header")
    edit(state)
    path = tmp_path / "edited.npz"
    write_npz(path, state, header)
    return path


@pytest.mark.parametrize(
    "entry, value",
    [
        ("bias_choice", [3, 128, 0]),  # k not one of the choices
        ("bias_choice", [1, -7, 0]),  # the next choice before the schedule's first
        ("bias_choice_stats", [np.nan] * 12),  # not finite
        ("bias_choice_stats", [1.0, 2.0]),  # the wrong length
    ],
)
def test_a_saved_bias_schedule_that_does_not_fit_is_refused(tmp_path, entry, value):
    def edit(state):
        state[f"state_{entry}"] = np.array(value, dtype=state[f"state_{entry}"].dtype)

    with pytest.raises(ValueError, match="bias_choice does not fit"):
        Learner.load(_saved_and_edited(tmp_path, make(seed=5), data(100, 24), edit))


def test_a_saved_choice_must_be_the_one_its_statistics_decide(tmp_path):
    def edit(state):  # another of the choices than the statistics decide
        k = state["state_bias_choice"][0]
        state["state_bias_choice"][0] = 2 if k != 2 else 4

    with pytest.raises(ValueError, match="bias_choice does not fit"):
        Learner.load(_saved_and_edited(tmp_path, make(seed=5), data(100, 24), edit))


def _put(entry, index, value):
    def edit(state):
        state[entry] = np.array(state[entry], copy=True)
        state[entry][index] = value

    return edit


@pytest.mark.parametrize(
    "edit, what",
    [
        (lambda st: st.pop("state_theta"), "lacks 'theta'"),
        (_put("state_theta", 3, np.nan), "theta"),  # loaded: every answer NaN
        (lambda st: st.update(state_theta=st["state_theta"].astype(str)), "theta"),
        (_put("state_opt_1", 0, np.inf), "optimiser"),  # loaded: every step skipped
        (_put("state_opt_2", 0, -1.0), "optimiser"),  # Adam's second moment < 0: NaN steps
        (lambda st: st.update(state_opt_0=np.array(-9, np.int32)), "optimiser"),  # step -9
        (lambda st: st.update(state_opt_0=np.array(2.5)), "optimiser"),
        (lambda st: st.update(state_key=np.array(["a", "b"])), "key"),
        (lambda st: st.update(state_replay_counters=np.array([0, 2**40])), "replay"),
        # not full (40 of 64 rows): the next row goes to row 40 and is counted; a position
        # or a count of offers that says otherwise wrote elsewhere, counting a zero row
        (lambda st: st.update(state_replay_counters=np.array([10, 40])), "replay"),
        (lambda st: st.update(state_replay_counters=np.array([40, 100])), "replay"),
    ],
)
def test_a_tampered_network_file_is_refused_naming_the_file(tmp_path, edit, what):
    # NaN parameters or a broken Adam state loaded silently (answers NaN, or no step ever
    # taken again); the other refusals named neither the file nor, for strings, the entry
    path = _saved_and_edited(tmp_path, make(seed=1), data(40, 2), edit)
    with pytest.raises(ValueError, match=what) as err:
        Learner.load(path)
    assert str(path) in str(err.value)


def test_an_interrupted_batch_leaves_the_learner_as_it_was(monkeypatch):
    # update_array learns a batch in compiled chunks of 256 rows, each call donating the
    # state it is given: Ctrl-C after the first chunk left the learner's own state deleted
    # ('Array has been deleted' from every later call, save included)
    learner, twin = make(seed=2), make(seed=2)
    m, s = data(600, 12)
    for one in (learner, twin):
        one.update_array(m[:40], s[:40])
    before = snapshot(learner)
    real, calls = core.update_many_donated, []

    def interrupted(*args):
        calls.append(1)
        if len(calls) == 2:  # between the first and the second chunk
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(core, "update_many_donated", interrupted)
    with pytest.raises(KeyboardInterrupt):
        learner.update_array(m[40:], s[40:])
    monkeypatch.setattr(core, "update_many_donated", real)
    assert len(learner) == 40 and same_state(snapshot(learner), before)
    for one in (learner, twin):  # and it goes on as if the batch had never come
        one.update_array(m[40:], s[40:])
    assert same_state(snapshot(learner), snapshot(twin))
    np.testing.assert_array_equal(learner.infer_array(s[:5]), twin.infer_array(s[:5]))


def test_a_value_beyond_float32_range_is_refused_naming_its_channel(tmp_path):
    # 1e45 passed the base check (1e100 channel widths) and became inf in the float32
    # replay memory: the saved file was then refused on load ('saved replay memory does not
    # fit'); a command of 1e39 gave predict_array NaN and predict blamed the output 'x'
    learner = make(seed=4)
    m, s = data(40, 13)
    learner.update_array(m, s)
    before, n = snapshot(learner), len(learner)
    for call, channel in (
        (lambda: learner.update({"j0": 0.0, "j1": 0.0}, {"x": 1e45, "y": 0.0}), "x"),
        (lambda: learner.update_array(m[:2], np.array([[0.0, 0.0], [0.0, -1e20]])), "y"),
        (lambda: learner.predict({"j0": 1e39, "j1": 0.0}), "j0"),
        (lambda: learner.predict_array(np.array([[0.0, 1e20]])), "j1"),
        (lambda: learner.infer_array(np.array([[1e20, 0.0]])), "x"),
    ):
        with pytest.raises(SignalError, match=f"'{channel}'.*too large"):
            call()
        assert len(learner) == n and same_state(snapshot(learner), before)
    # a far goal within the limit still answers, within the motor bounds
    command = learner.infer_array(np.array([[1e15, 0.0]]))
    assert np.all(np.isfinite(command)) and np.all(np.abs(command) <= 90.0)
    learner.save(tmp_path / "n.npz")
    assert same_state(snapshot(Learner.load(tmp_path / "n.npz")), before)
