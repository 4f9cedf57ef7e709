"""What a Stable-Baselines3 user does out of habit either works as in SB3 or is refused
up front, with a message that says what to do instead: never a silent difference, and
never a failure midway that leaves the agent changed."""

import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from sensorimotor.agents import (
    DQN,
    DAgger,
    Reinforce,
    StreamAC,
    StreamQ,
    collect_demonstrations,
    evaluate,
)

sys.path.insert(0, str(Path(__file__).parent))
from fast_settings import DQN_FAST, REINFORCE_FAST, STREAM_AC_FAST, STREAM_Q_FAST  # noqa: E402
from identity_envs import IdentityEnv  # noqa: E402

AGENTS = {
    DQN: DQN_FAST,
    Reinforce: REINFORCE_FAST,
    StreamQ: STREAM_Q_FAST,
    StreamAC: STREAM_AC_FAST,
}


@pytest.mark.parametrize("cls", list(AGENTS))
def test_an_sb3_function_callback_is_refused_before_any_step(cls):
    agent = cls(IdentityEnv(), seed=0, **AGENTS[cls])

    def sb3_callback(locals_, globals_):  # SB3's functional callback
        return True

    with pytest.raises(TypeError, match=r"callback\(agent\).*locals_, globals_"):
        agent.learn(50, callback=sb3_callback)
    assert agent.num_timesteps == 0  # not one step taken
    # one argument, or more with defaults, is a callback(agent)
    calls = []
    agent.learn(20, callback=lambda a, every=1: calls.append(a) or len(calls) < 5)
    assert len(calls) == 5 and calls[0] is agent


def _rescaled_pendulum():
    """Pendulum-v1 acting in [-1, 1] rather than its [-2, 2]: the same observations."""
    return gym.wrappers.RescaleAction(gym.make("Pendulum-v1"), -1.0, 1.0)


@pytest.mark.parametrize(
    ("make", "made_on", "other"),
    [
        # the same observations (2,), Discrete(3) against Box(-1, 1, (1,))
        (lambda env: DQN(env, net_arch=[8]), "MountainCar-v0", "MountainCarContinuous-v0"),
        (lambda env: Reinforce(env, net_arch=[8]), "MountainCarContinuous-v0", "MountainCar-v0"),
        (lambda env: StreamAC(env, net_arch=[32]), "MountainCarContinuous-v0", "MountainCar-v0"),
        (lambda env: DQN(env, net_arch=[8]), "CartPole-v1", IdentityEnv(n=4)),  # 2 actions, 4
        # a Box of other bounds: the agent's actions would not mean what they meant
        (lambda env: Reinforce(env, net_arch=[8]), "Pendulum-v1", _rescaled_pendulum()),
        (lambda env: StreamAC(env, net_arch=[32]), "Pendulum-v1", _rescaled_pendulum()),
    ],
)
def test_an_agent_in_an_env_of_other_actions_is_refused_naming_both(make, made_on, other):
    agent = make(made_on)
    for use in (
        lambda: evaluate(agent, other, 1, max_episode_steps=5),
        lambda: collect_demonstrations(agent, other, 1, max_episode_steps=5),
    ):
        with pytest.raises(ValueError, match=r"acts in .* action space .* not the environment"):
            use()
    with pytest.raises(ValueError, match="acts in"):  # an expert of other actions
        DAgger(other, agent, net_arch=[8])
    assert evaluate(agent, made_on, 1, max_episode_steps=5)[0] is not None  # its own env


@pytest.mark.parametrize(
    "make",
    [
        lambda env: DQN("MlpPolicy", env),  # SB3's first line
        lambda env: DQN("MlpPolicy", env, learning_starts=10),
        lambda env: DQN(env, policy="MlpPolicy"),
        lambda env: Reinforce("MlpPolicy", env),
        lambda env: StreamQ("MlpPolicy", env),
        lambda env: DAgger("MlpPolicy", env, DQN(env, net_arch=[8])),
    ],
)
def test_sb3s_policy_argument_is_refused_saying_how_to_call(make):
    with pytest.raises(TypeError, match=r"no policy: SB3's .*\"MlpPolicy\".* net_arch"):
        make(IdentityEnv())


def test_a_policy_name_given_as_the_env_is_named():
    with pytest.raises(ValueError, match="'MlpPolicy' is an SB3 policy name, not an environment"):
        DQN("MlpPolicy")


@pytest.mark.parametrize("num_envs", [1, 2])
def test_a_vectorised_env_is_refused_saying_to_pass_one(num_envs):
    vec = gym.vector.SyncVectorEnv([IdentityEnv] * num_envs)
    for use in (lambda: DQN(vec), lambda: evaluate(DQN(IdentityEnv()), vec, 1)):
        with pytest.raises(TypeError, match=r"vectorised environment .* pass one"):
            use()


@pytest.mark.parametrize("cls", list(AGENTS))
def test_an_empty_batch_is_named_empty(cls):
    agent = cls(IdentityEnv(), seed=0, **AGENTS[cls])
    with pytest.raises(ValueError, match=r"obs is an empty batch, of shape \(0, 3\)"):
        agent.predict(np.zeros((0, 3)))
