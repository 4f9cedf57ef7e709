"""``sensorimotor rl streamq|streamac``: compiled seeds come back whole (network and
normalisers), Python-loop seeds save files that ``Agent.load`` reads."""

import json

import jax
import numpy as np

from sensorimotor.agents import StreamAC, StreamQ, zoo_settings
from sensorimotor.run.cli import main


def test_rl_streamq_compiled_scores_each_seeds_learner(tmp_path, capsys):
    args = ["rl", "streamq", "--env", "CartPole-v1", "--seeds", "2", "--steps", "1000"]
    assert main([*args, "--compiled", "--save", str(tmp_path), "--json"]) == 0
    returns = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["returns"]
    assert len(returns) == 2 and all(r > 8 for r in returns)
    # a return cannot tell a trained seed from an untrained one (1000 steps: 9.4 and 9.45);
    # each seed's file holds its own trained learner: network and normalisers
    params = []
    for seed in (0, 1):
        got = StreamQ.load(tmp_path / f"seed-{seed}.npz")
        fresh = StreamQ("CartPole-v1", seed=seed, **zoo_settings("StreamQ", "CartPole-v1"))
        assert got.seed == seed and int(got.state.obs_stats.count) > 1000  # every observation
        assert int(got.state.reward_scale.stats.count) >= 1000  # the reward's normaliser too
        assert not _same(got.state.q.params, fresh.state.q.params)  # trained
        params.append(got.state.q.params)
    assert not _same(*params)


def _same(a, b):
    return all(
        np.array_equal(x, y) for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True)
    )


def test_rl_streamac_on_the_toy_humanoid_saves_seeds_that_load(tmp_path, capsys):
    args = ["rl", "streamac", "--env", "sensorimotor/ToyHumanoid-v0", "--steps", "200"]
    assert main([*args, "--seed", "2", "--save", str(tmp_path), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out.strip().splitlines()[-1])["returns"]) == 1
    agent = StreamAC.load(tmp_path / "seed-2.npz")
    assert agent.seed == 2 and agent.predict(np.zeros(12, np.float32))[0].shape == (6,)
