"""Agent files written before the agents moved into one folder per algorithm still load.

The files in ``files_before_agents_pkg/`` were written by the library at commit fe91ec8
(format version 1), whose headers name the modules of that time
(``sensorimotor.agents.dqn``, ``sensorimotor.agents.stream_q``, ...), by the
constructions that :data:`AGENTS` repeats here (no learning). Each loads as its class and
holds the same arrays and header as the same agent built and saved now, but for the
module its header names.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

from sensorimotor.agents import DQN, Agent, BehavioralCloning, DAgger, Reinforce, StreamAC, StreamQ
from sensorimotor.agents.agent import FORMAT, FORMAT_VERSION
from sensorimotor.base.saved_file import read_npz
from sensorimotor.nets.mlp import loading_saved_network

sys.path.insert(0, str(Path(__file__).parent))
from identity_envs import IdentityEnv  # noqa: E402

FILES = Path(__file__).parent / "files_before_agents_pkg"
# header fields saved since these files were written (by some agents): optional on load,
# and a file without one loads as the agent it describes (checked below: saved again, it holds the field a
# fresh agent's file holds)
ADDED_FIELDS = ("predict_rng_state",)


class Expert:
    def predict(self, obs, deterministic=True):
        return np.argmax(obs, axis=-1), None


AGENTS = {
    "DQN": (
        "sensorimotor.agents.dqn",
        # net_init came later, and its default changed: files before it ran as "lecun"
        lambda: DQN(IdentityEnv(), seed=0, net_arch=[4], learning_starts=10, net_init="lecun"),
    ),
    "Reinforce": (
        "sensorimotor.agents.reinforce",
        lambda: Reinforce(IdentityEnv(), seed=0, net_arch=[4]),
    ),
    "BehavioralCloning": (
        "sensorimotor.agents.behavioral_cloning",
        lambda: BehavioralCloning(IdentityEnv(), seed=0, gradient_steps=5, net_arch=[4]),
    ),
    "DAgger": (
        "sensorimotor.agents.dagger",
        lambda: DAgger(IdentityEnv(), Expert(), seed=0, gradient_steps=5, net_arch=[4]),
    ),
    "StreamQ": (
        "sensorimotor.agents.stream_q",
        lambda: StreamQ(IdentityEnv(), seed=0, net_arch=[4]),
    ),
    "StreamAC": (
        "sensorimotor.agents.stream_ac",
        lambda: StreamAC(IdentityEnv(), seed=0, net_arch=[4]),
    ),
}


@pytest.mark.parametrize("name", sorted(AGENTS))
def test_an_agent_file_of_before_loads_as_the_same_agent_saved_now(name, tmp_path):
    old_module, build = AGENTS[name]
    path = FILES / f"{name}.npz"
    old_arrays, old_header = read_npz(path, FORMAT, FORMAT_VERSION)
    assert old_header["module"] == old_module
    # the stream-x agents' networks (3 -> 4 -> actions, sparse) can never learn: a fresh one
    # is now refused, a saved one loads; built here as they were, to compare the files
    with loading_saved_network():
        agent = build()
    agent.save(tmp_path / "now.npz")
    arrays, header = read_npz(tmp_path / "now.npz", FORMAT, FORMAT_VERSION)
    assert header["module"] == type(agent).__module__ != old_module
    added = getattr(type(agent).CONFIG, "BEFORE_SETTING", {})
    old_header["config"] = {**added, **old_header["config"]}
    added_fields = [f for f in ADDED_FIELDS if f not in old_header]  # the policy agents'
    assert {k: v for k, v in old_header.items() if k != "module"} == {  # had them already
        k: v for k, v in header.items() if k not in ("module", *added_fields)
    }
    assert sorted(old_arrays) == sorted(arrays)
    for key in arrays:
        np.testing.assert_array_equal(old_arrays[key], arrays[key], err_msg=key)
    for loaded in (type(agent).load(path), Agent.load(path)):
        assert type(loaded) is type(agent) and loaded.config == agent.config
        obs = np.eye(3, dtype=np.float32)
        np.testing.assert_array_equal(loaded.predict(obs)[0], agent.predict(obs)[0])
    loaded.save(tmp_path / "again.npz")
    _, again = read_npz(tmp_path / "again.npz", FORMAT, FORMAT_VERSION)
    for field in added_fields:
        assert again.get(field) == header.get(field), field
