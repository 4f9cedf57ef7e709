"""What every agent does with the arrays it is given: observations an environment updates
in place are stored as they were at their step (copied, as SB3's DummyVecEnv copies), and
an observation that is not an array of real numbers is refused, not parsed."""

import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from sensorimotor.agents import DQN, BehavioralCloning, DAgger, Reinforce, StreamAC, StreamQ
from sensorimotor.agents.imitation.demonstrations import collect_demonstrations

sys.path.insert(0, str(Path(__file__).parent))
from identity_envs import IdentityEnv  # noqa: E402


class CounterEnv(gym.Env):
    """The observation is the step count, in one array the env updates in place (as many
    robot and simulator wrappers do); episodes are 5 steps."""

    observation_space = gym.spaces.Box(-np.inf, np.inf, (1,), np.float32)
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.s = np.zeros(1, np.float32)
        return self.s, {}

    def step(self, action):
        self.s += 1  # in place: the array returned before changes too
        return self.s, 1.0, False, bool(self.s[0] >= 5), {}


class ZeroExpert:
    def predict(self, obs, deterministic=True):
        return 0, None


def test_dqn_stores_each_step_of_an_env_that_updates_its_observation_in_place():
    agent = DQN(CounterEnv(), seed=0, learning_starts=100, net_arch=[4])
    agent.learn(4)
    data = agent.buffer.data
    assert data.obs[:4, 0].tolist() == [0, 1, 2, 3]
    assert data.next_obs[:4, 0].tolist() == [1, 2, 3, 4]


def test_reinforce_dagger_and_demonstrations_keep_each_step_of_an_in_place_env():
    agent = Reinforce(CounterEnv(), seed=0, net_arch=[4])
    assert agent._play(agent.env, None)[0][:, 0].tolist() == [0, 1, 2, 3, 4]
    demos, _ = collect_demonstrations(ZeroExpert(), CounterEnv(), 1)
    assert demos.observations[:, 0].tolist() == [0, 1, 2, 3, 4]
    dagger = DAgger(CounterEnv(), ZeroExpert(), seed=0, gradient_steps=1, net_arch=[4])
    dagger.learn(1)
    assert dagger.dataset.observations[:, 0].tolist() == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    "obs",
    [["1", "0", "0"], np.array(["1", "0", "0"]), np.array([1 + 5j, 0, 0]), b"abc"],
    ids=["str list", "str array", "complex", "bytes"],
)
@pytest.mark.parametrize("cls", [DQN, StreamQ, Reinforce])
def test_an_observation_that_is_not_real_numbers_is_refused_naming_it(cls, obs):
    agent = cls(IdentityEnv(), seed=0, net_arch=[16])
    with pytest.raises(TypeError, match=r"obs must be an array of numbers \(bool, int or float\)"):
        agent.predict(obs)
    # ints and bools are numbers
    assert int(agent.predict(np.array([1, 0, 0]))[0]) in (0, 1, 2)
    assert int(agent.predict(np.array([True, False, False]))[0]) in (0, 1, 2)


class StringEnv(IdentityEnv):
    def step(self, action):
        obs, *rest = super().step(action)
        return obs.astype(str), *rest


def test_an_env_that_returns_strings_is_refused_naming_the_environment():
    agent = DQN(StringEnv(), seed=0, net_arch=[4], learning_starts=100)
    with pytest.raises(
        ValueError, match="the environment.s observation must be an array of numbers"
    ):
        agent.learn(5)


@pytest.mark.parametrize("env_id", ["FrozenLake-v1", "Blackjack-v1"])
@pytest.mark.parametrize("cls", [DQN, StreamQ, Reinforce, StreamAC, BehavioralCloning])
def test_an_observation_space_that_is_not_a_box_is_refused_naming_the_wrapper(cls, env_id):
    """FrozenLake's Discrete and Blackjack's Tuple observations were refused without a
    word on what to do; the error names the wrapper that one-hots them, which the agents
    then take."""
    with pytest.raises(ValueError, match=r"needs a Box observation space.*FlattenObservation"):
        cls(env_id, seed=0)
    one_hot = {"FrozenLake-v1": (16,), "Blackjack-v1": (32 + 11 + 2,)}[env_id]
    env = gym.wrappers.FlattenObservation(gym.make(env_id))
    assert cls(env, seed=0, net_arch=[4]).observation_shape == one_hot


def test_a_hyperparameter_typo_names_the_nearest_known_one():
    """An unknown hyperparameter listed all 18 known names but not the one meant
    (``sensorimotor run`` already suggested it for experiment files)."""
    import pytest

    from sensorimotor.agents import DQN, Reinforce, StreamQ

    for cls in (DQN, Reinforce, StreamQ):
        with pytest.raises(
            TypeError, match=r"\['learnig_rate'\] \(did you mean 'learning_rate'\?\)"
        ):
            cls("CartPole-v1", learnig_rate=1e-3)


def test_zoo_settings_of_an_unknown_agent_is_an_error_not_the_defaults():
    import pytest

    from sensorimotor.agents import zoo_settings

    with pytest.raises(ValueError, match=r"got 'dqn' \(did you mean 'DQN'\?\)"):
        zoo_settings("dqn", "CartPole-v1")  # gave {}: the defaults, silently
    with pytest.raises(ValueError, match="one of"):
        zoo_settings("PPO", "CartPole-v1")
    assert zoo_settings("StreamQ", "CartPole-v1") == {}  # known, no zoo entry


def test_flags_that_are_not_true_or_false_are_refused_naming_them():
    """predict(deterministic="no") acted greedily (a non-empty string is truthy), and
    learn(reset_num_timesteps=0) went on from the last call."""
    import numpy as np
    import pytest

    from sensorimotor.agents import DQN, Reinforce, StreamAC

    for cls in (DQN, Reinforce, StreamAC):
        agent = cls("CartPole-v1", seed=0)
        with pytest.raises(TypeError, match="deterministic must be True or False, got 'no'"):
            agent.predict(np.zeros(4), deterministic="no")
        with pytest.raises(TypeError, match="progress_bar must be True or False, got 'yes'"):
            agent.learn(10, progress_bar="yes")
        with pytest.raises(TypeError, match="reset_num_timesteps must be True or False, got 0"):
            agent.learn(10, reset_num_timesteps=0)
        assert agent.num_timesteps == 0
