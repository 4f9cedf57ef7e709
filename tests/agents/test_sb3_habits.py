"""What a Stable-Baselines3 user does out of habit either works as in SB3 or is refused
up front, with a message that says what to do instead: never a silent difference, and
never a failure midway that leaves the agent changed."""

import sys
from pathlib import Path

import pytest

from sensorimotor.agents import DQN, Reinforce, StreamAC, StreamQ

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
