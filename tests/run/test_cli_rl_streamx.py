"""``sensorimotor rl streamq|streamac``: compiled seeds come back whole (network and
normalisers), Python-loop seeds save files that ``Agent.load`` reads."""

import json

import numpy as np

from sensorimotor.agents import StreamAC
from sensorimotor.run.cli import main


def test_rl_streamq_compiled_scores_each_seeds_learner(capsys):
    args = ["rl", "streamq", "--env", "CartPole-v1", "--seeds", "2", "--steps", "1000"]
    assert main([*args, "--compiled", "--json"]) == 0
    returns = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["returns"]
    assert len(returns) == 2 and all(r > 8 for r in returns)


def test_rl_streamac_on_the_toy_humanoid_saves_seeds_that_load(tmp_path, capsys):
    args = ["rl", "streamac", "--env", "sensorimotor/ToyHumanoid-v0", "--steps", "200"]
    assert main([*args, "--seed", "2", "--save", str(tmp_path), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out.strip().splitlines()[-1])["returns"]) == 1
    agent = StreamAC.load(tmp_path / "seed-2.npz")
    assert agent.seed == 2 and agent.predict(np.zeros(12, np.float32))[0].shape == (6,)
