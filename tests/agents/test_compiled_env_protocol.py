"""make_train of DQN, StreamQ and StreamAC refuses an environment that breaks the JaxEnv
protocol with an error naming what was wrong, before any compile."""

import sys
from pathlib import Path

import gymnasium as gym
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.agents import DQN, StreamAC, StreamQ

sys.path.insert(0, str(Path(__file__).parent))
from identity_envs import IdentityJaxEnv  # noqa: E402

TRAINERS = [DQN.make_train, StreamQ.make_train, StreamAC.make_train]


class GymnaxStep(IdentityJaxEnv):
    """gymnax's five values: one done."""

    def step_env(self, key, state, action, params):
        obs, state, reward, terminated, truncated, info = super().step_env(
            key, state, action, params
        )
        return obs, state, reward, terminated | truncated, info


class WideStepObservation(IdentityJaxEnv):
    def step_env(self, key, state, action, params):
        obs, *rest = super().step_env(key, state, action, params)
        return (jnp.concatenate([obs, obs]), *rest)


class VectorReward(IdentityJaxEnv):
    def step_env(self, key, state, action, params):
        obs, state, reward, *rest = super().step_env(key, state, action, params)
        return (obs, state, reward[None], *rest)


class BoxActions(IdentityJaxEnv):
    def action_space(self, params=None):
        return gym.spaces.Box(-1.0, 1.0, (3,), np.float32)


@pytest.mark.parametrize("make_train", TRAINERS)
@pytest.mark.parametrize(
    "env, match",
    [
        (GymnaxStep(), "step must return 6 values .* got 5"),
        (WideStepObservation(), r"observation must have reset's shape \(3,\)"),
        (VectorReward(), "reward must be a scalar"),
    ],
)
def test_make_train_refuses_an_environment_breaking_the_protocol(make_train, env, match):
    with pytest.raises(ValueError, match=match):
        make_train(env, 100)


@pytest.mark.parametrize("make_train", [DQN.make_train, StreamQ.make_train])
def test_discrete_make_train_refuses_a_box_action_space(make_train):
    # JaxEnv.num_actions of a Box is its dimension: it was read as 3 discrete actions
    with pytest.raises(ValueError, match="needs a discrete action space .*Box"):
        make_train(BoxActions(), 100)


@pytest.mark.parametrize("make_train", TRAINERS)
@pytest.mark.parametrize("env", ["CartPole-v1", gym.make("CartPole-v1")])
def test_make_train_refuses_a_gymnasium_environment_naming_it(make_train, env):
    with pytest.raises(TypeError, match="trains on a JAX environment .*CartPole"):
        make_train(env, 100)


@pytest.mark.parametrize("make_train", TRAINERS)
def test_make_train_accepts_a_conforming_environment(make_train):
    assert callable(make_train(IdentityJaxEnv(), 100))
