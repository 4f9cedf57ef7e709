"""What the agents' files keep and refuse, across DQN, StreamQ, StreamAC and the policy
agents: the generator behind ``predict(deterministic=False)`` is saved (optional on load:
files written before it was saved load with the fresh one), and a hand-edited header or
array that the agent could not have written is a ``ValueError`` naming the file."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from sensorimotor.agents import DQN, Reinforce, StreamAC, StreamQ

sys.path.insert(0, str(Path(__file__).parent))
from identity_envs import IdentityEnv  # noqa: E402

OBS = np.eye(3, dtype=np.float32)[0]
KW = {
    DQN: dict(learning_starts=5, net_arch=[8]),
    StreamQ: dict(net_arch=[8]),
    StreamAC: dict(net_arch=[8]),
    Reinforce: dict(net_arch=[8]),
}


def edit(src, dst, header=None, arrays=None):
    """Copy the agent file ``src`` to ``dst``, editing its header dict and/or arrays."""
    d = dict(np.load(src, allow_pickle=False))
    h = json.loads(str(d["header"]))
    if header:
        header(h)
    if arrays:
        arrays(d)
    d["header"] = np.array(json.dumps(h))
    np.savez(dst, **d)
    return dst


def _stochastic(agent, n=30):
    return [int(agent.predict(OBS, deterministic=False)[0]) for _ in range(n)]


@pytest.mark.parametrize("cls", [DQN, StreamQ, StreamAC, Reinforce])
def test_stochastic_predictions_continue_identically_after_load(cls, tmp_path):
    agent = cls(IdentityEnv(), seed=0, **KW[cls])
    agent.learn(30)
    if hasattr(agent, "exploration_rate"):
        agent.exploration_rate = 0.5
    _stochastic(agent, 5)  # advance the predict generator
    agent.save(tmp_path / "a.npz")
    loaded = cls.load(tmp_path / "a.npz")
    assert _stochastic(loaded) == _stochastic(agent)


@pytest.mark.parametrize("cls", [DQN, StreamQ, StreamAC])
def test_a_file_without_the_predict_generator_loads_with_the_fresh_one(cls, tmp_path):
    agent = cls(IdentityEnv(), seed=0, **KW[cls])
    agent.save(tmp_path / "a.npz")
    old = edit(
        tmp_path / "a.npz", tmp_path / "old.npz", header=lambda h: h.pop("predict_rng_state")
    )
    loaded = cls.load(old)
    fresh = cls(IdentityEnv(), seed=0, **KW[cls])
    assert _stochastic(loaded) == _stochastic(fresh)


@pytest.mark.parametrize("cls", [DQN, StreamQ, StreamAC])
def test_a_hand_edited_predict_generator_is_refused_naming_the_file(cls, tmp_path):
    cls(IdentityEnv(), seed=0, **KW[cls]).save(tmp_path / "a.npz")
    bad = edit(
        tmp_path / "a.npz",
        tmp_path / "bad.npz",
        header=lambda h: h["predict_rng_state"]["state"].update(inc=-1),
    )
    with pytest.raises(ValueError, match="bad.npz"):
        cls.load(bad)
