"""DQN: learns the identity task (Python loop and compiled), SB3's counting, the TD
target and loss on hand cases, predict, save/load, seeds, bad input."""

import sys
from pathlib import Path

import gymnasium as gym
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.agents import (
    DQN,
    DQNConfig,
    Transition,
    dqn_loss,
    evaluate,
    exploration_rate,
    huber_loss,
    learning_rate_scale,
    make_optimizer,
    polyak,
    td_targets,
    train_phase,
)
from sensorimotor.nets.mlp import Dense, init_mlp

sys.path.insert(0, str(Path(__file__).parent))
from fast_settings import DQN_FAST  # noqa: E402
from identity_envs import IdentityEnv, IdentityJaxEnv, NaNEnv  # noqa: E402

FAST = DQN_FAST


def _leaves_equal(a, b) -> bool:
    return all(
        np.array_equal(np.asarray(x), np.asarray(y))
        for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True)
    )


@pytest.fixture(scope="module")
def trained():
    agent = DQN(IdentityEnv(), seed=0, **FAST)
    stats = agent.learn(1500)
    return agent, stats


def test_dqn_learns_the_identity_task(trained):
    agent, stats = trained
    mean, std = evaluate(agent, IdentityEnv(), 10)
    assert mean == 10.0 and std == 0.0
    assert stats.num_timesteps == 1500
    assert len(stats.episode_returns) == 150 and set(stats.episode_lengths) == {10}
    assert len(stats.losses) == (1500 - 64) // 4  # a phase every 4 steps after 64
    assert stats.episode_returns[:10].mean() < 6 < stats.episode_returns[-10:].mean()


def test_make_train_learns_the_identity_task_for_two_seeds_compiled_once():
    traces = []

    def counted(key):
        traces.append(1)
        return train(key)

    settings = dict(FAST, train_freq=8, gradient_steps=4)
    train = DQN.make_train(IdentityJaxEnv(), 1200, **settings)
    run = jax.jit(jax.vmap(counted))
    out = run(jax.random.split(jax.random.key(0), 2))
    out2 = run(jax.random.split(jax.random.key(1), 2))
    assert len(traces) == 1
    assert out.metrics.loss.shape == (2, 150) and out2.metrics.episodes.shape == (2, 150)
    assert np.isnan(out.metrics.loss[:, :8]).all()  # no phase trains before 64 steps
    assert np.isfinite(out.metrics.loss[:, 8:]).all()
    agent = DQN(IdentityEnv(), **FAST)
    for i in range(2):
        agent.set_parameters(jax.tree_util.tree_map(lambda x, i=i: x[i], out.q_params))
        assert evaluate(agent, IdentityEnv(), 5) == (10.0, 0.0)
    assert int(out.metrics.episodes.sum()) == 2 * 120


def test_epsilon_schedule_is_sb3s_linear_schedule():
    config = DQNConfig(
        exploration_initial_eps=1.0, exploration_final_eps=0.04, exploration_fraction=0.16
    )
    for t in (0, 1000, 4000, 7999, 8000, 20000, 50000):
        progress = t / 50_000  # SB3: 1 - progress_remaining
        expected = 0.04 if progress > 0.16 else 1.0 + progress * (0.04 - 1.0) / 0.16
        assert exploration_rate(config, t, 50_000) == pytest.approx(expected, abs=1e-12)
    traced = jax.jit(lambda t: exploration_rate(config, t, 50_000))(4000)
    assert float(traced) == pytest.approx(0.52, abs=1e-6)


def test_agent_epsilon_follows_the_schedule():
    agent = DQN(IdentityEnv(), **dict(FAST, exploration_fraction=0.5))
    seen = []
    agent.learn(200, callback=lambda a: seen.append(a.exploration_rate))
    assert seen[99] == pytest.approx(0.02) and seen[49] == pytest.approx(1 - 0.98 * 0.5)


def test_target_updates_every_interval_of_environment_steps():
    agent = DQN(IdentityEnv(), **dict(FAST, target_update_interval=7, train_freq=5))
    updates = []
    update = agent._update_target
    agent._update_target = lambda: (updates.append(agent.num_timesteps), update())
    agent.learn(50)
    assert updates == [7, 14, 21, 28, 35, 42, 49]


def test_soft_target_update_is_polyak():
    agent = DQN(
        IdentityEnv(),
        **dict(FAST, tau=0.25, learning_starts=0, target_update_interval=4, train_freq=4),
    )
    init = agent.q_params
    agent.learn(4)
    # the target update (step 4) comes before the first training phase: it mixes the
    # initial network with itself (were it after, the target would hold 1/4 of the
    # trained network), and the phase then trains the Q-network away from it
    for a, b in zip(
        jax.tree_util.tree_leaves(agent.target_params), jax.tree_util.tree_leaves(init), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert not _leaves_equal(agent.q_params, init)
    before_q, before_t = agent.q_params, agent.target_params
    agent.learn(4, reset_num_timesteps=False)
    expected = jax.tree_util.tree_map(lambda q, t: 0.25 * q + 0.75 * t, before_q, before_t)
    for a, b in zip(
        jax.tree_util.tree_leaves(agent.target_params),
        jax.tree_util.tree_leaves(expected),
        strict=True,
    ):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    # k updates with the same network are one, as the compiled loop applies them
    twice = polyak(before_q, polyak(before_q, before_t, 0.25), 0.25)
    once = polyak(before_q, before_t, 0.25, times=2)
    for a, b in zip(jax.tree_util.tree_leaves(twice), jax.tree_util.tree_leaves(once), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def _hand_nets():
    """Q(s) = relu(s); the target swaps the two actions' values."""
    eye = jnp.eye(2)
    online = (Dense(eye, jnp.zeros(2)), Dense(eye, jnp.zeros(2)))
    target = (Dense(eye, jnp.zeros(2)), Dense(eye[::-1], jnp.zeros(2)))
    return online, target


def test_double_dqn_target_on_a_hand_case():
    online, target = _hand_nets()
    batch = Transition(
        obs=jnp.array([[3.0, 0.0], [0.0, 0.0]]),
        action=jnp.array([0, 1]),
        reward=jnp.array([1.0, 0.5]),
        next_obs=jnp.array([[1.0, 2.0], [1.0, 2.0]]),
        terminated=jnp.array([0.0, 1.0]),
    )
    # next state (1, 2): online Q = (1, 2) picks action 1; target Q = (2, 1)
    plain = td_targets(online, target, batch, 0.5, double_q=False)
    double = td_targets(online, target, batch, 0.5, double_q=True)
    np.testing.assert_allclose(plain, [1.0 + 0.5 * 2.0, 0.5])  # max of the target
    np.testing.assert_allclose(double, [1.0 + 0.5 * 1.0, 0.5])  # target's value of action 1


def test_huber_loss_and_dqn_loss_on_a_hand_case():
    np.testing.assert_allclose(huber_loss(jnp.array([0.0, 0.5, -1.0, 3.0])), [0.0, 0.125, 0.5, 2.5])
    online, target = _hand_nets()
    batch = Transition(
        jnp.array([[3.0, 0.0]]),
        jnp.array([0]),
        jnp.array([0.0]),
        jnp.array([[0.0, 0.0]]),
        jnp.array([1.0]),
    )
    # Q(s, 0) = 3, y = 0: the error 3 is past delta 1, so the loss is 3 - 1/2
    assert float(dqn_loss(online, target, batch, 0.99)) == pytest.approx(2.5)


def test_predict_returns_action_and_none(trained):
    agent, _ = trained
    action, state = agent.predict(np.eye(3, dtype=np.float32)[1])
    assert state is None and isinstance(action, np.integer) and int(action) == 1
    actions, state = agent.predict(np.eye(3, dtype=np.float32))
    assert state is None and actions.tolist() == [0, 1, 2]


def test_save_load_continues_identically(tmp_path):
    agent = DQN(IdentityEnv(), seed=5, **FAST)
    agent.learn(300)
    path = tmp_path / "dqn.npz"
    agent.save(path)
    loaded = DQN.load(path, env=IdentityEnv())
    obs = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    assert np.array_equal(agent.predict(obs)[0], loaded.predict(obs)[0])
    a, b = agent.learn(300), loaded.learn(300)
    assert np.array_equal(a.episode_returns, b.episode_returns)
    assert np.array_equal(a.losses, b.losses)
    assert _leaves_equal(agent.q_params, loaded.q_params)
    assert _leaves_equal(agent.opt_state, loaded.opt_state)
    # without an env it predicts, and refuses to learn
    bare = DQN.load(path)
    assert bare.env is None and bare.predict(obs[0])[1] is None
    with pytest.raises(ValueError, match="no environment"):
        bare.learn(10)


def test_a_full_buffer_survives_save_and_load(tmp_path):
    agent = DQN(IdentityEnv(), seed=1, **dict(FAST, buffer_size=100))
    agent.learn(250)
    agent.save(tmp_path / "a.npz")
    loaded = DQN.load(tmp_path / "a.npz", env=IdentityEnv())
    assert (
        int(loaded.buffer.count) == 100 and int(loaded.buffer.position) == 52
    )  # 252 steps: the last phase completes
    assert _leaves_equal(agent.buffer.data, loaded.buffer.data)


def test_same_seed_same_result_other_seed_other_result():
    runs = [DQN(IdentityEnv(), seed=s, **FAST) for s in (3, 3, 4)]
    stats = [agent.learn(300) for agent in runs]
    assert np.array_equal(stats[0].losses, stats[1].losses)
    assert _leaves_equal(runs[0].q_params, runs[1].q_params)
    assert not np.array_equal(stats[0].losses, stats[2].losses)


def test_bad_observations_raise_naming_them(trained):
    agent, _ = trained
    with pytest.raises(ValueError, match="obs has shape"):
        agent.predict(np.zeros(4))
    with pytest.raises(ValueError, match="obs holds NaN"):
        agent.predict(np.array([0.0, np.nan, 1.0]))
    with pytest.raises(TypeError, match="obs must be an array of numbers"):
        agent.predict("left")
    bad = DQN(NaNEnv(), **FAST)
    with pytest.raises(ValueError, match="the environment returned an observation"):
        bad.learn(20)


def test_bad_settings_and_spaces_raise_naming_them(tmp_path):
    with pytest.raises(ValueError, match="DQNConfig.gamma"):
        DQN(IdentityEnv(), gamma=1.5)
    with pytest.raises(TypeError, match="DQNConfig.batch_size must be an int"):
        DQN(IdentityEnv(), batch_size=32.0)
    with pytest.raises(ValueError, match="DQNConfig.net_arch"):
        DQN(IdentityEnv(), net_arch=[0])
    with pytest.raises(TypeError, match="unknown hyperparameters \\['learning_rat'\\]"):
        DQN(IdentityEnv(), learning_rat=0.1)
    with pytest.raises(ValueError, match="Discrete action space; env.action_space is Box"):
        DQN("Pendulum-v1")
    with pytest.raises(ValueError, match="total_timesteps"):
        DQN(IdentityEnv()).learn(0)
    with pytest.raises(ValueError, match="seed"):
        DQN(IdentityEnv(), seed=-1)
    with pytest.raises(TypeError, match="unknown hyperparameters"):
        DQN.make_train(IdentityJaxEnv(), 100, tau=0.5, gama=0.9)


def test_loading_a_corrupt_or_foreign_file_names_it(tmp_path):
    path = tmp_path / "broken.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="broken.npz"):
        DQN.load(path)
    agent = DQN(IdentityEnv(), **FAST)
    good = tmp_path / "good.npz"
    agent.save(good)
    with pytest.raises(ValueError, match="differ from the saved agent"):
        DQN.load(good, env=IdentityEnv(n=4))
    arrays = dict(np.load(good))
    arrays["q/0"] = arrays["q/0"][:1]  # a misshapen layer
    np.savez(tmp_path / "misshapen.npz", **arrays)
    with pytest.raises(ValueError, match="misshapen.npz: array 'q/0'"):
        DQN.load(tmp_path / "misshapen.npz")


def test_a_truncated_episode_stores_its_true_last_observation():
    agent = DQN(gym.make("CartPole-v1", max_episode_steps=5), **dict(FAST, learning_starts=100))
    agent.learn(5)
    data = agent.buffer.data
    # the last transition's next_obs follows the dynamics from obs, not a fresh reset
    assert float(data.terminated[4]) == 0.0
    assert np.array_equal(data.next_obs[3], data.obs[4])
    assert not np.allclose(data.next_obs[4], 0.0, atol=0.05)  # not a fresh start


@pytest.mark.parametrize(
    "edit",
    [
        lambda h: h.update(observation_shape=[-1]),  # was: "layer sizes must be positive"
        lambda h: h.update(observation_shape=[2**40]),  # was: "Maximum allowed dimension"
        lambda h: h["rng_state"]["state"].update(inc=-1),  # was: OverflowError
    ],
)
def test_a_hand_edited_header_is_refused_naming_the_file(tmp_path, edit):
    """Found by the file fuzzer (issue 9): these edits escaped without the file's name."""
    import json

    agent = DQN(IdentityEnv(), **FAST)
    good = tmp_path / "good.npz"
    agent.save(good)
    arrays = dict(np.load(good))
    header = json.loads(str(arrays["header"]))
    edit(header)
    arrays["header"] = np.array(json.dumps(header))
    np.savez(tmp_path / "edited.npz", **arrays)
    with pytest.raises(ValueError, match="edited.npz"):
        DQN.load(tmp_path / "edited.npz")


def test_linear_learning_rate_is_rl_zoos_lin_schedule():
    linear = DQNConfig(learning_rate_schedule="linear")
    for t in (0, 1024, 25_000, 49_920, 50_000, 50_176):
        remaining = 1.0 - t / 50_000  # SB3's progress remaining; rl-zoo's lin_: rate * it
        assert learning_rate_scale(linear, t, 50_000) == pytest.approx(max(remaining, 0.0))
    traced = jax.jit(lambda t: learning_rate_scale(linear, t, 50_000))(jnp.int32(12_500))
    assert float(traced) == pytest.approx(0.75)
    assert learning_rate_scale(DQNConfig(), 40_000, 50_000) == 1.0


def test_agent_trains_each_phase_at_the_scheduled_rate():
    agent = DQN(IdentityEnv(), **dict(FAST, learning_rate_schedule="linear"))
    seen = []
    train = agent._train

    def spy(scale):
        before = agent.q_params
        loss = train(scale)
        seen.append((agent.num_timesteps, scale, _leaves_equal(agent.q_params, before)))
        return loss

    agent._train = spy
    agent.learn(200)
    assert seen[0] == (68, pytest.approx(1 - 68 / 200), False)
    # the last phase comes at the end of the run, rate 0: it leaves the network as it was
    assert seen[-1] == (200, 0.0, True)


def test_a_phase_step_is_proportional_to_its_rate_scale():
    params = init_mlp(jax.random.key(0), 2, (8,), 3, init="lecun")
    opt = make_optimizer(1e-2, 10.0)
    batch = Transition(
        jnp.ones((1, 4, 2)),
        jnp.zeros((1, 4), jnp.int32),
        jnp.ones((1, 4)),
        jnp.zeros((1, 4, 2)),
        jnp.zeros((1, 4)),
    )

    @jax.jit  # the scale traced: one program for the three (op by op: one per scale)
    def step(scale):
        new, _, _ = train_phase(
            params, params, opt.init(params), batch, optimizer=opt, gamma=0.9, lr_scale=scale
        )
        return jax.tree_util.tree_map(lambda n, p: n - p, new, params)

    full, half, none = step(1.0), step(0.5), step(0.0)
    for f, h, z in zip(*map(jax.tree_util.tree_leaves, (full, half, none)), strict=True):
        np.testing.assert_allclose(h, f / 2, rtol=1e-4, atol=1e-6)  # new - old rounds
        assert not np.any(z)
    assert any(np.any(f) for f in jax.tree_util.tree_leaves(full))


def test_an_unknown_learning_rate_schedule_is_refused_naming_it():
    with pytest.raises(ValueError, match="DQNConfig.learning_rate_schedule"):
        DQN(IdentityEnv(), learning_rate_schedule="cosine")


def test_net_init_starts_the_q_network_as_asked_in_both_loops():
    lecun, default = DQN(IdentityEnv(), **FAST, net_init="lecun"), DQN(IdentityEnv(), **FAST)
    assert default.config.net_init == "uniform"  # as SB3's Q-network starts
    assert float(jnp.abs(lecun.q_params[0].b).max()) == 0.0  # LeCun: biases zero
    assert float(jnp.abs(default.q_params[0].b).max()) > 0.0  # PyTorch's Linear: drawn
    # compiled, fewer steps than learning_starts: the network is the one it started from
    settings = dict(FAST, train_freq=8, net_init="uniform")
    out = DQN.make_train(IdentityJaxEnv(), 16, **settings)(jax.random.key(3))
    k_init = jax.random.split(jax.random.key(3), 3)[0]
    start = init_mlp(k_init, 3, (32,), 3, init="uniform")  # the identity task: 3 and 3
    assert _leaves_equal(out.q_params, start)
    with pytest.raises(ValueError, match="DQNConfig.net_init"):
        DQN(IdentityEnv(), net_init="xavier")


def test_adam_eps_is_adams_epsilon():
    grads = {"w": jnp.array([1e-3, 1.0])}
    for eps in (1e-8, 1e-3):
        opt = make_optimizer(0.1, 10.0, eps)
        updates, _ = opt.update(grads, opt.init(grads))
        # Adam's first step: -rate * g / (|g| + eps)
        expected = -0.1 * grads["w"] / (jnp.abs(grads["w"]) + eps)
        np.testing.assert_allclose(updates["w"], expected, rtol=1e-5)
    assert DQN(IdentityEnv(), adam_eps=1e-3).config.adam_eps == 1e-3
    with pytest.raises(ValueError, match="DQNConfig.adam_eps"):
        DQN(IdentityEnv(), adam_eps=0.0)


def test_agents_share_a_compiled_update_when_the_update_reads_the_same_settings():
    base = DQN(IdentityEnv(), **FAST)
    other_schedule = DQN(IdentityEnv(), **dict(FAST, exploration_fraction=0.5), net_init="lecun")
    assert other_schedule._train_phase is base._train_phase  # one compilation serves both
    for change in ({"gamma": 0.9}, {"learning_rate": 1e-3}, {"double_q": True}):
        assert DQN(IdentityEnv(), **{**FAST, **change})._train_phase is not base._train_phase
