"""A ``learn`` call that raises midway (the env's bad observation, the expert's bad
label) leaves the agent as it was before the call: counters, generators, the open
episode, the learner and the dataset."""

import sys
from pathlib import Path

import jax
import numpy as np
import pytest

from sensorimotor.agents import DAgger, StreamAC, StreamQ

sys.path.insert(0, str(Path(__file__).parent))
from fast_settings import STREAM_AC_FAST, STREAM_Q_SOLVES  # noqa: E402
from identity_envs import IdentityEnv  # noqa: E402


def _leaves_equal(a, b) -> bool:
    return all(
        np.array_equal(np.asarray(x), np.asarray(y))
        for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True)
    )


class BreakingEnv(IdentityEnv):
    """The identity task until ``broken`` is set; then a NaN observation at the 5th step."""

    broken = False

    def step(self, action):
        obs, reward, terminated, truncated, info = super().step(action)
        self.steps_broken = getattr(self, "steps_broken", 0) + self.broken
        if self.broken and self.steps_broken == 5:
            obs = np.full(self.n, np.nan, np.float32)
        return obs, reward, terminated, truncated, info


# the settings of test_stream_q's and test_stream_ac's agents: the same compiled steps
KW = {StreamQ: STREAM_Q_SOLVES, StreamAC: STREAM_AC_FAST}


def _stream_snapshot(agent):
    return dict(
        state=jax.tree_util.tree_map(np.asarray, agent.state),
        num_timesteps=agent.num_timesteps,
        rng=agent._rng.bit_generator.state,
        open=agent._open,
        eps=getattr(agent, "exploration_rate", None),
    )


@pytest.mark.parametrize("reset", [True, False])
@pytest.mark.parametrize("cls", [StreamQ, StreamAC])
def test_a_stream_agents_learn_that_raises_leaves_it_as_before(cls, reset):
    env = BreakingEnv()
    agent = cls(env, seed=0, **KW[cls])
    agent.learn(25)  # an episode open at its 5th step
    before = _stream_snapshot(agent)
    env.broken = True
    with pytest.raises(ValueError, match="the environment returned an observation"):
        agent.learn(50, reset_num_timesteps=reset)
    after = _stream_snapshot(agent)
    assert _leaves_equal(before.pop("state"), after.pop("state"))
    assert before["num_timesteps"] == after["num_timesteps"] == 25
    assert before["rng"] == after["rng"] and before["eps"] == after["eps"]
    assert before["open"][1:] == after["open"][1:]
    assert np.array_equal(before["open"][0], after["open"][0])


class FlakyExpert:
    """Labels the identity task in round 0, then an action outside Discrete(3)."""

    round = 0

    def predict(self, obs, deterministic=True):
        return (int(np.argmax(obs)) if self.round == 0 else 5), None


def _dagger_state(agent):
    """What a DAgger call may change: counters, generator, dataset, parameters."""
    return (
        agent.num_timesteps,
        agent.rounds,
        agent.expert_episodes,
        agent.n_updates,
        agent._rng.bit_generator.state,
        agent.dataset,
        agent.params,
    )


def test_a_dagger_learn_whose_expert_labels_badly_leaves_it_as_before():
    expert = FlakyExpert()
    agent = DAgger(IdentityEnv(), expert, seed=0, gradient_steps=5, net_arch=[4])
    agent.learn(1)
    before = _dagger_state(agent)
    expert.round = 1
    # refused as the expert answers, before the action is executed or learned
    with pytest.raises(ValueError, match=r"the expert's action .* not in the environment's"):
        agent.learn(2)
    after = _dagger_state(agent)
    assert before[:5] == after[:5]
    assert _leaves_equal(before[5], after[5]) and _leaves_equal(before[6], after[6])
    # and it goes on as if the failed call had not been made
    expert.round = 0
    twin = DAgger(IdentityEnv(), expert, seed=0, gradient_steps=5, net_arch=[4])
    twin.learn(1)
    agent.learn(1)
    twin.learn(1)
    assert _leaves_equal(agent.params, twin.params) and agent.num_timesteps == twin.num_timesteps
