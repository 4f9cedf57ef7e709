"""Behavioural cloning and DAgger: fitting a known expert (discrete and continuous),
demonstrations from arrays, pairs and logs' .s/.m records, DAgger's aggregation with
expert labels on the learner's states, save/load, seeds, bad demonstrations."""

import sys
from pathlib import Path
from types import SimpleNamespace

import jax
import numpy as np
import pytest

from sensorimotor.agents import (
    BehavioralCloning,
    DAgger,
    Demonstrations,
    collect_demonstrations,
    evaluate,
)

sys.path.insert(0, str(Path(__file__).parent))
from continuous_envs import SignEnv  # noqa: E402
from identity_envs import IdentityEnv  # noqa: E402

W = np.array([0.5, -0.3])


class LinearExpert:
    """a = clip(W s): a known continuous expert on 2-d observations."""

    def predict(self, obs, deterministic=True):
        return np.clip(np.asarray(obs) @ W, -1, 1)[..., None].astype(np.float32), None


class IdentityExpert:
    """The identity task's perfect policy, counting its queries."""

    calls = 0

    def predict(self, obs, deterministic=True):
        self.calls += 1
        return int(np.argmax(obs)), None


def _box_env():
    env = SignEnv()
    env.observation_space = type(env.observation_space)(-1.0, 1.0, (2,), np.float32)
    return env


def _leaves_equal(a, b) -> bool:
    return all(
        np.array_equal(np.asarray(x), np.asarray(y))
        for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True)
    )


def test_bc_fits_a_known_linear_expert():
    rng = np.random.default_rng(0)
    obs = rng.uniform(-1, 1, (2000, 2)).astype(np.float32)
    actions = LinearExpert().predict(obs)[0]
    agent = BehavioralCloning(
        _box_env(), seed=0, gradient_steps=1500, learning_rate=3e-3, net_arch=[32]
    )
    stats = agent.learn(Demonstrations(obs, actions))
    test = rng.uniform(-1, 1, (200, 2)).astype(np.float32)
    got, _ = agent.predict(test)
    err = np.abs(got - LinearExpert().predict(test)[0])
    assert err.max() < 0.1 and err.mean() < 0.02
    assert stats.losses[-1] < stats.losses[0] / 10


def test_bc_clones_a_discrete_expert_from_demonstrations():
    demos, returns = collect_demonstrations(IdentityExpert(), IdentityEnv(), 10)
    assert len(demos) == 100 and returns.tolist() == [10.0] * 10
    agent = BehavioralCloning(
        IdentityEnv(), seed=0, gradient_steps=300, learning_rate=1e-2, net_arch=[16]
    )
    agent.learn(demos)
    assert evaluate(agent, IdentityEnv(), 5)[0] == 10.0


def test_bc_takes_pairs_and_log_records_with_s_and_m():
    obs = np.eye(3, dtype=np.float32)[[0, 1, 2] * 10]
    actions = np.array([0, 1, 2] * 10)
    a = BehavioralCloning(IdentityEnv(), seed=1, gradient_steps=100, net_arch=[8])
    b = BehavioralCloning(IdentityEnv(), seed=1, gradient_steps=100, net_arch=[8])
    a.learn((obs, actions))
    b.learn(SimpleNamespace(s=obs, m=actions[:, None].astype(float)))  # a log's records
    assert _leaves_equal(a.params, b.params)


def test_dagger_aggregates_expert_labels_on_the_learners_states():
    expert = IdentityExpert()
    agent = DAgger(
        IdentityEnv(), expert, seed=0, gradient_steps=100, net_arch=[8], episodes_per_round=2
    )
    assert agent.beta(0) == 1.0 and agent.beta(1) == 0.0
    stats = agent.learn(1)
    assert len(agent.dataset) == 20 and agent.expert_episodes == 2
    stats = agent.learn(2)
    assert len(agent.dataset) == 60 and agent.expert_episodes == 6 and agent.rounds == 3
    assert expert.calls == 60  # one query per visited state
    obs, labels = agent.dataset
    np.testing.assert_array_equal(labels, obs.argmax(axis=1))
    assert stats.episode_lengths.tolist() == [10] * 4 and agent.num_timesteps == 60


def test_dagger_with_a_learner_that_acts_executes_the_learners_actions():
    class Always0:
        def predict(self, obs, deterministic=True):
            return 0, None

    env = IdentityEnv()
    taken = []
    step = env.step
    env.step = lambda a: (taken.append(int(a)), step(a))[1]
    agent = DAgger(env, Always0(), seed=0, gradient_steps=1, net_arch=[4], learning_rate=1e-6)
    agent.learn(1)
    assert taken == [0] * 10  # round 0: the expert acts
    taken.clear()
    agent.expert = IdentityExpert()  # labels differ from what the learner does
    agent.learn(1)
    greedy = [int(agent.predict(o)[0]) for o in agent.dataset.observations[10:]]
    assert taken == greedy


def test_save_load_continues_identically(tmp_path):
    a = DAgger(IdentityEnv(), IdentityExpert(), seed=2, gradient_steps=50, net_arch=[8])
    a.learn(1)
    a.save(tmp_path / "d.npz")
    b = DAgger.load(tmp_path / "d.npz", env=IdentityEnv())
    assert b.expert is None and len(b.dataset) == len(a.dataset)
    with pytest.raises(ValueError, match="expert"):
        b.learn(1)
    b.expert = IdentityExpert()
    sa, sb = a.learn(1), b.learn(1)
    np.testing.assert_array_equal(sa.losses, sb.losses)
    assert _leaves_equal(a.params, b.params)
    bc = BehavioralCloning(_box_env(), seed=0, gradient_steps=20, net_arch=[4])
    bc.learn((np.zeros((5, 2)), np.zeros((5, 1))))
    bc.save(tmp_path / "bc.npz")
    loaded = BehavioralCloning.load(tmp_path / "bc.npz")
    np.testing.assert_array_equal(loaded.predict(np.ones(2))[0], bc.predict(np.ones(2))[0])


def test_same_seed_same_result():
    runs = [
        BehavioralCloning(IdentityEnv(), seed=s, gradient_steps=50, net_arch=[8]) for s in (4, 4, 5)
    ]
    demos = (np.eye(3, dtype=np.float32)[[0, 1, 2] * 5], np.array([0, 1, 2] * 5))
    losses = [r.learn(demos).losses for r in runs]
    np.testing.assert_array_equal(losses[0], losses[1])
    assert not np.array_equal(losses[0], losses[2])


@pytest.mark.parametrize(
    ("obs", "actions", "match"),
    [
        (np.full((4, 3), np.nan), np.zeros(4), "demonstrations.observations"),
        (np.zeros((4, 2)), np.zeros(4), "demonstrations.observations has shape"),
        (np.zeros((4, 3)), np.array([0, 1, 2, np.nan]), "demonstrations.actions"),
        (np.zeros((4, 3)), np.array([0, 1, 2, 3]), "demonstrations.actions must be ints"),
        (np.zeros((4, 3)), np.array([0, 1, 0.5, 1]), "demonstrations.actions must be ints"),
        (np.zeros((4, 3)), np.zeros((4, 2)), "demonstrations.actions has shape"),
        (np.zeros((4, 3)), np.zeros(3), "4 observations but 3 actions"),
        (np.zeros((0, 3)), np.zeros(0), "empty"),
    ],
)
def test_bad_demonstrations_raise_naming_them_and_leave_the_agent(obs, actions, match):
    agent = BehavioralCloning(IdentityEnv(), seed=0, gradient_steps=10, net_arch=[4])
    before = agent.params
    with pytest.raises(ValueError, match=match):
        agent.learn((obs, actions))
    assert _leaves_equal(before, agent.params) and agent.n_updates == 0


def test_bad_continuous_demonstrations_and_experts_raise():
    agent = BehavioralCloning(_box_env(), seed=0, gradient_steps=10, net_arch=[4])
    with pytest.raises(ValueError, match="outside the action box"):
        agent.learn((np.zeros((2, 2)), np.array([[0.5], [1.5]])))
    with pytest.raises(TypeError, match="demonstrations"):
        agent.learn(np.zeros((2, 2)))
    with pytest.raises(TypeError, match="expert"):
        DAgger(IdentityEnv(), object())


@pytest.mark.parametrize(
    "field, value",
    [("rounds", -5), ("expert_episodes", -3), ("rounds", 2.5), ("rounds", True)],
)
def test_a_dagger_file_with_a_round_count_no_run_makes_is_refused(tmp_path, field, value):
    """A hand-edited file with rounds -5 loaded, and beta(-5) = 6 (with beta_rampdown 1):
    the expert's share of the actions was no probability; 2.5 loaded as 2."""
    import json

    a = DAgger(IdentityEnv(), IdentityExpert(), seed=0, gradient_steps=10, net_arch=[4])
    a.learn(1)
    a.save(tmp_path / "d.npz")
    d = dict(np.load(tmp_path / "d.npz", allow_pickle=False))
    header = json.loads(str(d["header"]))
    header[field] = value
    d["header"] = np.array(json.dumps(header))
    np.savez(tmp_path / "bad.npz", **d)
    with pytest.raises(ValueError, match=rf"bad\.npz.*{field}"):
        DAgger.load(tmp_path / "bad.npz")


def test_an_experts_action_outside_the_action_space_is_refused_naming_the_expert():
    """An expert's 5 in Discrete(2) ended in Gymnasium's bare AssertionError, and NaN or
    out-of-box actions on Pendulum were collected silently, to fail later in training."""
    import numpy as np
    import pytest

    from sensorimotor.agents import DAgger, collect_demonstrations

    class Fixed:
        def __init__(self, action):
            self.action = action

        def predict(self, obs, deterministic=True):
            return self.action, None

    for env, action in [
        ("CartPole-v1", 5),
        ("Pendulum-v1", np.array([np.nan], np.float32)),
        ("Pendulum-v1", np.array([7.0], np.float32)),
        ("Pendulum-v1", np.zeros(2, np.float32)),
    ]:
        with pytest.raises(ValueError, match="the expert's action .* is not in the environment's"):
            collect_demonstrations(Fixed(action), env, 1)
    with pytest.raises(ValueError, match="the expert's action 5"):
        DAgger("CartPole-v1", Fixed(5)).learn(1)
    demos, _ = collect_demonstrations(Fixed(np.array([0.5], np.float32)), "Pendulum-v1", 1)
    assert len(demos) == 200


def test_an_agent_of_another_environment_is_named_with_the_environment():
    """A CartPole agent evaluated on Acrobot (or its expert used there) said 'obs has shape
    (6,); expected (4,)', naming neither the agent nor the environment."""
    import pytest

    from sensorimotor.agents import DQN, DAgger, collect_demonstrations, evaluate

    agent = DQN("CartPole-v1", seed=0)
    message = r"the agent \(DQN\) takes observations of shape \(4,\), but the environment Acrobot-v1 gives \(6,\)"
    for call in (
        lambda: evaluate(agent, "Acrobot-v1", 1),
        lambda: collect_demonstrations(agent, "Acrobot-v1", 1),
        lambda: DAgger("Acrobot-v1", agent),
    ):
        with pytest.raises(ValueError, match=message):
            call()


class _Balance:
    """A linear controller that holds CartPole's pole up for thousands of steps."""

    def predict(self, obs, deterministic=True):
        return int(0.1 * obs[0] + 0.5 * obs[1] + 10 * obs[2] + 2 * obs[3] > 0), None


def test_max_episode_steps_ends_episodes_of_an_env_that_never_ends_them():
    """On a raw CartPoleEnv (no TimeLimit) a good policy played one episode for ever:
    evaluate and collect_demonstrations never returned. max_episode_steps cuts them."""
    from gymnasium.envs.classic_control import CartPoleEnv

    assert evaluate(_Balance(), CartPoleEnv(), 2, max_episode_steps=700) == (700.0, 0.0)
    demos, returns = collect_demonstrations(_Balance(), CartPoleEnv(), 2, max_episode_steps=300)
    assert returns.tolist() == [300.0, 300.0] and len(demos) == 600
    # a cap beyond the env's own limit leaves its episodes as they were
    assert evaluate(_Balance(), "CartPole-v1", 1, max_episode_steps=10**6) == (500.0, 0.0)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "100"])
def test_a_bad_max_episode_steps_is_refused_naming_it(bad):
    with pytest.raises(ValueError, match="max_episode_steps must be a positive int"):
        evaluate(_Balance(), "CartPole-v1", 1, max_episode_steps=bad)
    with pytest.raises(ValueError, match="max_episode_steps must be a positive int"):
        collect_demonstrations(_Balance(), "CartPole-v1", 1, max_episode_steps=bad)


def test_episode_step_limit_reads_the_time_limit_wrapper_or_the_spec():
    import gymnasium as gym
    from gymnasium.envs.classic_control import CartPoleEnv

    from sensorimotor.agents.episode_limit import episode_step_limit

    assert episode_step_limit(gym.make("CartPole-v1")) == 500
    assert episode_step_limit(gym.make("CartPole-v1", max_episode_steps=50)) == 50
    assert episode_step_limit(gym.wrappers.TimeLimit(CartPoleEnv(), 200)) == 200
    assert episode_step_limit(CartPoleEnv()) is None
    assert episode_step_limit(IdentityEnv()) is None  # truncates itself: not known here
