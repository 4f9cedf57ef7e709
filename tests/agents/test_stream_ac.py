"""StreamAC: the actor's and critic's updates on a hand case, the policies' log-probability
and entropy, learning the identity task (Python loop and compiled under vmap), the Gaussian
policy on the toy humanoid, save/load, seeds, bad input."""

import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from sensorimotor.agents import StreamAC, StreamACConfig, evaluate, policy_log_prob_entropy
from sensorimotor.agents.stream import stream_ac_update
from sensorimotor.agents.stream.stream_ac_update import actor_out, init, observe
from sensorimotor.nets.mlp import mlp_apply
from sensorimotor.rules.obgd import obgd_step_size, tree_l1_norm

sys.path.insert(0, str(Path(__file__).parent))
from fast_settings import STREAM_AC_FAST  # noqa: E402
from identity_envs import IdentityEnv, IdentityJaxEnv, NaNEnv  # noqa: E402

FAST = STREAM_AC_FAST


def _leaves_equal(a, b) -> bool:
    return all(
        np.array_equal(np.asarray(x), np.asarray(y))
        for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True)
    )


def _leaves_close(a, b) -> bool:
    return all(
        np.allclose(x, y, atol=1e-6)
        for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True)
    )


def test_log_prob_and_entropy_match_scipy():
    out = jnp.array([0.3, -0.2, 0.1, 0.5])  # means (0.3, -0.2), std softplus(0.1, 0.5)
    action = jnp.array([0.0, 0.4])
    std = np.log1p(np.exp([0.1, 0.5])) + 1e-6
    lp, h = policy_log_prob_entropy("gaussian", out, action)
    assert np.isclose(float(lp), stats.norm.logpdf([0.0, 0.4], [0.3, -0.2], std).sum(), atol=1e-5)
    assert np.isclose(float(h), stats.norm.entropy(0, std).sum(), atol=1e-5)
    logits = jnp.array([1.0, 0.0, -1.0])
    lp, h = policy_log_prob_entropy("categorical", logits, 0)
    p = np.exp([1.0, 0.0, -1.0]) / np.exp([1.0, 0.0, -1.0]).sum()
    assert np.isclose(float(lp), np.log(p[0]), atol=1e-6)
    assert np.isclose(float(h), stats.entropy(p), atol=1e-6)


# the step as one compiled program (op by op, it compiled over a hundred small programs);
# the hand computations' gradients likewise
update = jax.jit(stream_ac_update.update, static_argnums=(0, 1))


def test_actor_and_critic_updates_on_a_hand_case():
    config = StreamACConfig(net_arch=(16,), normalize_observations=False, scale_rewards=False)
    s0 = observe(
        config, init(config, jax.random.key(0), 3, 2, "categorical"), jnp.array([0.5, -1.0, 0.2])
    )
    nxt = jnp.array([0.1, 0.3, -0.4])
    v = jax.jit(lambda p, x: mlp_apply(p, x)[0])
    delta = 1.0 + 0.99 * v(s0.critic.params, nxt) - v(s0.critic.params, s0.obs)
    s1, m = update(config, "categorical", s0, 1, 1.0, nxt, False, False)
    assert np.allclose(m.td_error, delta, atol=1e-6)
    g_critic = jax.jit(jax.grad(v))(s0.critic.params, s0.obs)
    assert _leaves_close(s1.critic.trace, g_critic)
    alpha_c = obgd_step_size(1.0, 2.0, delta, tree_l1_norm(g_critic))
    assert np.allclose(m.critic_step_size, alpha_c, rtol=1e-5)
    # the critic moves by alpha_c delta z (semi-gradient TD(lambda), z = grad v at the start)
    moved = jax.tree_util.tree_map(lambda w, z: w + alpha_c * delta * z, s0.critic.params, g_critic)
    assert _leaves_close(s1.critic.params, moved) and not _leaves_close(
        s1.critic.params, s0.critic.params
    )

    def objective(p):
        lp, h = policy_log_prob_entropy("categorical", actor_out(p, s0.obs), 1)
        return lp + 0.01 * jnp.sign(delta) * h

    g_actor = jax.jit(jax.grad(objective))(s0.actor.params)
    assert _leaves_close(s1.actor.trace, g_actor)
    alpha_a = obgd_step_size(1.0, 3.0, delta, tree_l1_norm(g_actor))
    expect = jax.tree_util.tree_map(lambda w, z: w + alpha_a * delta * z, s0.actor.params, g_actor)
    assert _leaves_close(s1.actor.params, expect)
    # the episode's end leaves no trace in either network
    s2, _ = update(config, "categorical", s1, 0, 0.0, nxt, True, True)
    for t in jax.tree_util.tree_leaves((s2.actor.trace, s2.critic.trace)):
        assert float(jnp.abs(t).sum()) == 0.0


@pytest.fixture(scope="module")
def trained():
    agent = StreamAC(IdentityEnv(), seed=0, **FAST)
    return agent, agent.learn(2500)


def test_stream_ac_learns_the_identity_task(trained):
    agent, stats_ = trained
    assert evaluate(agent, IdentityEnv(), 10)[0] >= 9.0
    assert stats_.num_timesteps == 2500 and len(stats_.episode_returns) == 250
    assert stats_.episode_returns[:20].mean() < 6 < stats_.episode_returns[-20:].mean()
    action, state = agent.predict(np.eye(3, dtype=np.float32)[1])
    assert int(action) == 1 and state is None


def test_make_train_learns_the_identity_task_for_two_seeds_compiled_once():
    traces = []

    def counted(key):
        traces.append(1)
        return train(key)

    train = StreamAC.make_train(IdentityJaxEnv(), 3000, report_every=500, **FAST)
    run = jax.jit(jax.vmap(counted))
    out = run(jax.random.split(jax.random.key(0), 2))
    run(jax.random.split(jax.random.key(1), 2))
    assert len(traces) == 1
    ret = np.asarray(out.metrics.episode_return_sum) / np.asarray(out.metrics.episodes)
    assert ret.shape == (2, 6) and (ret[:, -1] >= 9.0).all() and (ret[:, 0] < ret[:, -1]).all()
    # the result names its networks: it held the actor under StreamQ's name, q_params
    assert out._fields == ("actor_params", "critic_params", "state", "metrics")
    for params, learner in (
        (out.actor_params, out.state.learner.actor),
        (out.critic_params, out.state.learner.critic),
    ):
        assert all(
            np.array_equal(a, b)
            for a, b in zip(jax.tree.leaves(params), jax.tree.leaves(learner.params), strict=True)
        )
    logits = IdentityJaxEnv().n  # the actor: a logit per action; the critic: a value
    assert out.actor_params[-1].w.shape[-1] == logits and out.critic_params[-1].w.shape[-1] == 1
    agent = StreamAC(IdentityEnv(), **FAST)
    agent.set_state(jax.tree_util.tree_map(lambda a: a[1], out.state.learner))
    assert evaluate(agent, IdentityEnv(), 5)[0] >= 9.0


def test_gaussian_policy_on_the_toy_humanoid_saves_and_continues_identically(tmp_path):
    # the default settings, as `sensorimotor rl streamac` and the module's example: the
    # compiled step is theirs
    agent = StreamAC("sensorimotor/ToyHumanoid-v0", seed=2)
    assert agent.kind == "gaussian" and agent.n_actions == 6
    agent.learn(150)
    path = tmp_path / "ac.npz"
    agent.save(path)
    loaded = StreamAC.load(path, env="sensorimotor/ToyHumanoid-v0")
    obs = np.random.default_rng(0).normal(size=(5, 12)).astype(np.float32)
    assert np.array_equal(agent.predict(obs)[0], loaded.predict(obs)[0])
    a, b = agent.learn(250), loaded.learn(250)
    assert np.array_equal(a.episode_returns, b.episode_returns) and len(a.episode_returns) == 2
    assert _leaves_equal(agent.state, loaded.state)
    bare = StreamAC.load(path)
    actions, _ = bare.predict(obs * 100, deterministic=False)
    assert actions.shape == (5, 6) and actions.dtype == np.float32
    assert (np.abs(actions) <= 1.0).all()
    with pytest.raises(ValueError, match="no environment"):
        bare.learn(10)
    with pytest.raises(ValueError, match="differ from the saved agent"):
        StreamAC.load(path, env=IdentityEnv())


def test_same_seed_same_result_other_seed_other_result():
    a = StreamAC(IdentityEnv(), seed=3, **FAST).learn(200)
    b = StreamAC(IdentityEnv(), seed=3, **FAST).learn(200)
    c = StreamAC(IdentityEnv(), seed=4, **FAST).learn(200)
    assert np.array_equal(a.episode_returns, b.episode_returns) and np.array_equal(
        a.losses, b.losses
    )
    assert not np.array_equal(a.episode_returns, c.episode_returns)


def test_bad_observations_and_settings_raise_naming_them(trained):
    agent, _ = trained
    with pytest.raises(ValueError, match="obs holds NaN"):
        agent.predict(np.array([np.nan, 0.0, 0.0], np.float32))
    with pytest.raises(ValueError, match=r"obs has shape \(2,\)"):
        agent.predict(np.zeros(2, np.float32))
    nan_agent = StreamAC(NaNEnv(), **FAST)
    before = jax.tree_util.tree_map(np.asarray, nan_agent.state)
    with pytest.raises(ValueError, match="observation"):
        nan_agent.learn(10)
    # the agent that raised is as before the call (its counter too: all or nothing)
    assert _leaves_equal(before, nan_agent.state) and nan_agent.num_timesteps == 0
    with pytest.raises(ValueError, match="StreamACConfig.entropy_coef"):
        StreamAC(IdentityEnv(), entropy_coef=-0.1)
    with pytest.raises(TypeError, match="unknown hyperparameters"):
        StreamAC(IdentityEnv(), kappa=2.0)
