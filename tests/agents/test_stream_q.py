"""StreamQ: the trace and ObGD step on hand cases, reward scaling, learning the identity
task (Python loop and compiled under vmap), predict, save/load, seeds, bad input."""

import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.agents import StreamQ, StreamQConfig, evaluate, init_reward_scale, scale_reward
from sensorimotor.agents.stream import stream_q_update
from sensorimotor.agents.stream.stream_q_update import init, observe, q_values
from sensorimotor.rules.obgd import obgd_step_size, tree_l1_norm

sys.path.insert(0, str(Path(__file__).parent))
from fast_settings import STREAM_Q_FAST, STREAM_Q_SOLVES  # noqa: E402
from identity_envs import IdentityEnv, IdentityJaxEnv, NaNEnv  # noqa: E402

FAST = STREAM_Q_FAST  # (why gamma 0.9, [32, 32] and 5000 steps: fast_settings.py)
SOLVES, SOLVE_STEPS = STREAM_Q_SOLVES, 5000
# (the Python-loop tests all take SOLVES: the trained fixture's compiled step then serves
# them all, where other settings compile another)


def _leaves_equal(a, b) -> bool:
    return all(
        np.array_equal(np.asarray(x), np.asarray(y))
        for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True)
    )


# the step and the reference gradient as one compiled program each (op by op, they compiled
# over a hundred small programs)
update = jax.jit(stream_q_update.update, static_argnums=0)
_grad = jax.jit(lambda params, obs, action: jax.grad(lambda p: q_values(p, obs)[action])(params))


def test_trace_and_obgd_step_on_hand_cases():
    config = StreamQConfig(net_arch=(16,), normalize_observations=False, scale_rewards=False)
    s0 = observe(config, init(config, jax.random.key(0), 3, 2), jnp.array([0.5, -1.0, 0.2]))
    nxt = jnp.array([0.1, 0.3, -0.4])
    # first step: the trace is the gradient; the step is ObGD's on (delta, z)
    g1 = _grad(s0.q.params, s0.obs, 1)
    delta = 1.0 + 0.99 * jnp.max(q_values(s0.q.params, nxt)) - q_values(s0.q.params, s0.obs)[1]
    s1, m1 = update(config, s0, 1, 1.0, nxt, False, False, False)
    assert np.allclose(m1.td_error, delta, atol=1e-6)
    assert _leaves_close(s1.q.trace, g1)
    alpha = obgd_step_size(1.0, 2.0, delta, tree_l1_norm(g1))
    assert np.allclose(m1.effective_step_size, alpha)
    expect = jax.tree_util.tree_map(lambda w, z: w + alpha * delta * z, s0.q.params, g1)
    assert _leaves_close(s1.q.params, expect)
    # a greedy step decays the trace by gamma * lambda and adds the new gradient
    g2 = _grad(s1.q.params, s1.obs, 0)
    s2, _ = update(config, s1, 0, 0.0, s0.obs, False, False, False)
    want = jax.tree_util.tree_map(lambda a, b: 0.99 * 0.8 * a + b, g1, g2)
    assert _leaves_close(s2.q.trace, want)
    # an exploratory action updates with the whole trace, then cuts it (the authors' order)
    s2x, m2x = update(config, s1, 0, 0.0, s0.obs, False, False, True)
    assert _leaves_close(s2x.q.params, s2.q.params)
    assert all(float(jnp.abs(t).sum()) == 0.0 for t in jax.tree_util.tree_leaves(s2x.q.trace))
    s3x, _ = update(config, s2x, 1, 0.0, nxt, False, False, False)
    assert _leaves_close(s3x.q.trace, _grad(s2x.q.params, s2x.obs, 1))
    # the episode's end leaves no trace; a terminal step does not bootstrap
    s3, m3 = update(config, s1, 0, 1.0, s0.obs, True, True, False)
    assert all(float(jnp.abs(t).sum()) == 0.0 for t in jax.tree_util.tree_leaves(s3.q.trace))
    assert np.allclose(m3.td_error, 1.0 - q_values(s1.q.params, s1.obs)[0], atol=1e-6)


def _leaves_close(a, b) -> bool:
    return all(
        np.allclose(x, y, atol=1e-6)
        for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True)
    )


def test_reward_scaling_divides_by_the_sample_std_of_the_discounted_return():
    # u <- gamma (1 - T) u + r, T = 1 on the step that ends the episode (here step 1)
    s, rewards, returns, u = init_reward_scale(), [1.0, -2.0, 0.5, 3.0], [], 0.0
    for i, r in enumerate(rewards):
        s, scaled = scale_reward(s, r, i == 1, 0.9)
        u = 0.9 * (0.0 if i == 1 else u) + r
        returns.append(u)
        std = np.std(returns, ddof=1) if len(returns) > 1 else 1.0
        assert np.isclose(float(scaled), r / std, rtol=1e-5)
    np.testing.assert_allclose(returns, [1.0, -2.0, -1.3, 1.83], rtol=1e-6)
    assert np.isclose(float(s.ret), 1.83, rtol=1e-6)


def test_observations_are_normalised_by_the_sample_variance_one_until_two_seen():
    # the paper's SampleMeanVar: sigma^2 = p / (n - 1), and 1 while n < 2
    config, seen = StreamQConfig(), []
    s = init(config, jax.random.key(0), 2, 2)
    for obs in ([3.0, -1.0], [5.0, 1.0], [10.0, 4.0]):
        s = observe(config, s, jnp.array(obs))
        seen.append(obs)
        x = np.asarray(seen)
        var = x.var(axis=0, ddof=1) if len(seen) > 1 else np.ones(2)
        expected = (x[-1] - x.mean(axis=0)) / np.sqrt(var + 1e-8)
        np.testing.assert_allclose(np.asarray(s.obs), expected, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(s.obs), [1.1094, 1.0596], rtol=1e-4)


@pytest.fixture(scope="module")
def trained():
    agent = StreamQ(IdentityEnv(), seed=0, **SOLVES)
    stats = agent.learn(SOLVE_STEPS)
    return agent, stats


def test_stream_q_learns_the_identity_task(trained):
    agent, stats = trained
    mean, _ = evaluate(agent, IdentityEnv(), 10)
    assert mean >= 9.0
    assert stats.num_timesteps == 5000 and len(stats.episode_returns) == 500
    assert len(stats.losses) == 5
    assert stats.episode_returns[:20].mean() < 6 < stats.episode_returns[-20:].mean()


def test_make_train_learns_the_identity_task_for_two_seeds_compiled_once():
    traces = []

    def counted(key):
        traces.append(1)
        return train(key)

    train = StreamQ.make_train(IdentityJaxEnv(), SOLVE_STEPS, report_every=500, **SOLVES)
    run = jax.jit(jax.vmap(counted))
    out = run(jax.random.split(jax.random.key(0), 2))
    run(jax.random.split(jax.random.key(1), 2))
    assert len(traces) == 1
    m = out.metrics
    assert m.episodes.shape == (2, 10) and (np.asarray(m.episodes) == 50).all()
    last = np.asarray(m.episode_return_sum)[:, -1] / 50
    first = np.asarray(m.episode_return_sum)[:, 0] / 50
    assert (last >= 9.0).all() and (first < last).all()
    assert int(np.asarray(m.guard).sum()) == 0
    # a seed's network plays greedily as trained
    agent = StreamQ(IdentityEnv(), **SOLVES)
    agent.set_state(jax.tree_util.tree_map(lambda a: a[0], out.state.learner))
    assert evaluate(agent, IdentityEnv(), 5)[0] >= 9.0


def test_predict_returns_action_and_none(trained):
    agent, _ = trained
    action, state = agent.predict(np.eye(3, dtype=np.float32)[2])
    assert int(action) == 2 and state is None
    actions, _ = agent.predict(np.eye(3, dtype=np.float32))
    assert list(actions) == [0, 1, 2]


def test_save_load_continues_identically(tmp_path):
    agent = StreamQ(IdentityEnv(), seed=5, **SOLVES)
    agent.learn(300)
    path = tmp_path / "streamq.npz"
    agent.save(path)
    loaded = StreamQ.load(path, env=IdentityEnv())
    obs = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    assert np.array_equal(agent.predict(obs)[0], loaded.predict(obs)[0])
    a, b = agent.learn(300), loaded.learn(300)
    assert np.array_equal(a.episode_returns, b.episode_returns)
    assert _leaves_equal(agent.state, loaded.state)
    bare = StreamQ.load(path)
    assert bare.env is None and bare.predict(obs[0])[1] is None
    with pytest.raises(ValueError, match="no environment"):
        bare.learn(10)


def test_same_seed_same_result_other_seed_other_result():
    a = StreamQ(IdentityEnv(), seed=3, **SOLVES).learn(200)
    b = StreamQ(IdentityEnv(), seed=3, **SOLVES).learn(200)
    c = StreamQ(IdentityEnv(), seed=4, **SOLVES).learn(200)
    assert np.array_equal(a.episode_returns, b.episode_returns) and np.array_equal(
        a.losses, b.losses
    )
    assert not np.array_equal(a.episode_returns, c.episode_returns)


def test_bad_observations_and_settings_raise_naming_them(trained, tmp_path):
    agent, _ = trained
    with pytest.raises(ValueError, match="obs holds NaN"):
        agent.predict(np.array([np.nan, 0.0, 0.0], np.float32))
    with pytest.raises(ValueError, match=r"obs has shape \(4,\)"):
        agent.predict(np.zeros(4, np.float32))
    nan_agent = StreamQ(NaNEnv(), **SOLVES)
    before = jax.tree_util.tree_map(np.asarray, nan_agent.state)
    with pytest.raises(ValueError, match="observation"):
        nan_agent.learn(10)
    # the agent that raised is as before the call (its counter too: all or nothing)
    assert _leaves_equal(before, nan_agent.state) and nan_agent.num_timesteps == 0
    with pytest.raises(ValueError, match="StreamQConfig.gamma"):
        StreamQ(IdentityEnv(), gamma=1.5)
    with pytest.raises(TypeError, match="unknown hyperparameters \\['lambda_'\\]"):
        StreamQ(IdentityEnv(), lambda_=0.5)
    with pytest.raises(ValueError, match="net_arch"):
        StreamQ(IdentityEnv(), net_arch=[0])
    with pytest.raises(ValueError, match="Discrete action space"):
        StreamQ("sensorimotor/ToyHumanoid-v0")
    with pytest.raises(ValueError, match="q_params"):
        agent.set_parameters(agent.q_params[:1])
    path = tmp_path / "broken.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="broken.npz"):
        StreamQ.load(path)


def test_the_progress_bar_reaches_the_end_of_a_call_off_a_thousand_steps(capsys):
    """The bar moved only when the step counter was a multiple of 1000: a call of 20
    steps printed nothing, and one from step 990 to 1010 stopped at 10/20."""
    agent = StreamQ(IdentityEnv(), seed=0, **SOLVES)  # compiled for the trained fixture
    agent.learn(20, progress_bar=True)
    assert " 100% 20/20 " in capsys.readouterr().err.splitlines()[-1]
    agent.learn(990)
    agent.learn(20, progress_bar=True, reset_num_timesteps=False)
    assert " 100% 20/20 " in capsys.readouterr().err.splitlines()[-1]
