"""REINFORCE: returns and normalisation on hand cases, the gradient's sign, learning the
identity task (categorical, with and without a baseline) and a continuous task
(Gaussian), save/load, seeds, bad input."""

import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.agents import (
    EpisodeBatch,
    Reinforce,
    ReinforceConfig,
    discounted_returns,
    evaluate,
    normalized,
)
from sensorimotor.agents.policy_agent import np_forward, numpy_params
from sensorimotor.agents.reinforce.reinforce_update import jitted_update

sys.path.insert(0, str(Path(__file__).parent))
from continuous_envs import SignEnv  # noqa: E402
from fast_settings import REINFORCE_FAST  # noqa: E402
from identity_envs import IdentityEnv, NaNEnv  # noqa: E402

FAST = REINFORCE_FAST


def _leaves_equal(a, b) -> bool:
    return all(
        np.array_equal(np.asarray(x), np.asarray(y))
        for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True)
    )


def test_discounted_returns_on_a_hand_case():
    got = discounted_returns(jnp.array([[1.0, 2.0, 3.0, 0.0], [1.0, 0.0, 0.0, 0.0]]), 0.9)
    np.testing.assert_allclose(got, [[5.23, 4.7, 3.0, 0.0], [1.0, 0.0, 0.0, 0.0]], rtol=1e-6)


def test_normalisation_uses_only_the_real_steps():
    values = jnp.array([2.0, 4.0, 6.0, 100.0])
    got = normalized(values, jnp.array([1.0, 1.0, 1.0, 0.0]))
    np.testing.assert_allclose(got[:3], np.array([-1.0, 0.0, 1.0]) * np.sqrt(1.5), rtol=1e-5)


def test_one_update_makes_the_better_action_likelier():
    agent = Reinforce(IdentityEnv(n=2, length=2), seed=0, learning_rate=0.1, net_arch=[4])
    obs = np.zeros((1, 2, 2), np.float32)
    # action 0 earned more than action 1 from the same state
    batch = EpisodeBatch(
        obs, np.array([[0, 1]], np.int32), np.array([[1.0, -1.0]]), np.ones((1, 2), np.float32)
    )
    update = jitted_update(agent.config, True)
    params, _, _, loss = update(agent.params, agent.value_params, agent.opt_state, batch)
    logits = np_forward(numpy_params(params), np.zeros((1, 2), np.float32))[0]
    assert logits[0] > logits[1] and np.isfinite(float(loss))


@pytest.mark.parametrize("baseline", [False, True])
def test_reinforce_learns_the_identity_task(baseline):
    agent = Reinforce(IdentityEnv(), seed=0, baseline=baseline, **FAST)
    value_before = agent.value_params
    stats = agent.learn(4000)
    mean, _ = evaluate(agent, IdentityEnv(), 10)
    assert mean == 10.0
    assert stats.episode_returns[-20:].mean() > stats.episode_returns[:20].mean()
    assert stats.num_timesteps >= 4000 and len(stats.losses) == agent.n_updates
    assert _leaves_equal(value_before, agent.value_params) != baseline  # trained iff used


def test_gaussian_reinforce_learns_a_continuous_task():
    agent = Reinforce(
        SignEnv(),
        seed=0,
        learning_rate=1e-2,
        episodes_per_update=8,
        net_arch=[16],
        log_std_init=-1.0,
    )
    agent.learn(6000)
    actions, _ = agent.predict(np.array([[1.0], [-1.0]], np.float32))
    assert actions.dtype == np.float32 and actions.shape == (2, 1)
    np.testing.assert_allclose(actions[:, 0], [0.5, -0.5], atol=0.1)


def test_clip_squash_keeps_actions_in_the_box():
    agent = Reinforce(SignEnv(), seed=0, squash="clip", log_std_init=2.0, net_arch=[4])
    actions, _ = agent.predict(np.ones((50, 1), np.float32), deterministic=False)
    assert np.all(np.abs(actions) <= 1.0) and np.any(np.abs(actions) == 1.0)


def test_save_load_continues_identically(tmp_path):
    for env in (IdentityEnv, SignEnv):
        a = Reinforce(env(), seed=3, baseline=True, **FAST)
        a.learn(200)
        a.save(tmp_path / "a.npz")
        b = Reinforce.load(tmp_path / "a.npz", env=env())
        assert b.action_space == a.action_space
        sa, sb = a.learn(200), b.learn(200)
        np.testing.assert_array_equal(sa.episode_returns, sb.episode_returns)
        assert _leaves_equal(a.params, b.params) and _leaves_equal(a.opt_state, b.opt_state)
        c = Reinforce.load(tmp_path / "a.npz")  # no env: predicts
        obs = np.ones((3, *a.observation_shape), np.float32)
        assert c.env is None and c.predict(obs)[0].shape[0] == 3


def test_loading_with_another_action_space_or_a_corrupt_file_raises(tmp_path):
    Reinforce(SignEnv(), seed=0, net_arch=[4]).save(tmp_path / "s.npz")
    with pytest.raises(ValueError, match="env"):
        Reinforce.load(tmp_path / "s.npz", env=IdentityEnv(n=1))
    (tmp_path / "bad.npz").write_bytes(b"not a file")
    with pytest.raises(ValueError, match="bad.npz"):
        Reinforce.load(tmp_path / "bad.npz")


def test_same_seed_same_result_other_seed_other_result():
    runs = [Reinforce(IdentityEnv(), seed=s, **FAST) for s in (1, 1, 2)]
    stats = [r.learn(300) for r in runs]
    np.testing.assert_array_equal(stats[0].losses, stats[1].losses)
    assert _leaves_equal(runs[0].params, runs[1].params)
    assert not _leaves_equal(runs[0].params, runs[2].params)


def test_bad_input_raises_naming_it_and_leaves_the_agent_as_it_was():
    agent = Reinforce(IdentityEnv(), seed=0, **FAST)
    with pytest.raises(ValueError, match="obs"):
        agent.predict(np.array([np.nan, 0.0, 0.0]))
    with pytest.raises(ValueError, match="obs has shape"):
        agent.predict(np.zeros(4))
    with pytest.raises(ValueError, match="learning_rate"):
        Reinforce(IdentityEnv(), learning_rate=-1.0)
    with pytest.raises(ValueError, match="squash"):
        Reinforce(SignEnv(), squash="sigmoid")
    with pytest.raises(TypeError, match="baseline"):
        ReinforceConfig(baseline="yes")
    with pytest.raises(TypeError, match="unknown hyperparameters"):
        Reinforce(IdentityEnv(), buffer_size=10)
    nan_agent = Reinforce(NaNEnv(), seed=0, **FAST)
    before = nan_agent.params
    with pytest.raises(ValueError, match="observation"):
        nan_agent.learn(100)
    assert _leaves_equal(before, nan_agent.params)


def test_reinforce_loss_is_one_scalar():
    """As its docstring says (it once promised a pair ``(loss, returns-target)``)."""
    from sensorimotor.agents.reinforce.reinforce_update import reinforce_loss

    agent = Reinforce(IdentityEnv(), seed=0, **FAST)
    batch = agent._batch([agent._play(agent.env, None)])
    loss = reinforce_loss(agent.params, agent.value_params, batch, agent.config, True)
    assert np.shape(loss) == () and np.isfinite(loss)
    assert "returns-target" not in reinforce_loss.__doc__


def test_an_environment_without_an_episode_limit_ends_with_the_calls_steps():
    """Reinforce plays whole episodes: on a raw Pendulum (no TimeLimit: its episodes never
    end) learn(100) never returned. There the episodes end where the call's steps do."""
    from gymnasium.envs.classic_control.pendulum import PendulumEnv

    agent = Reinforce(PendulumEnv(), seed=0, net_arch=[8], episodes_per_update=2)
    stats = agent.learn(100)
    assert stats.num_timesteps == 100 and agent.n_updates == 1
    assert stats.episode_lengths.tolist() == [100]
