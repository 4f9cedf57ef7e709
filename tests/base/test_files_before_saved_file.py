"""Files written before ``base.saved_file`` existed still load, and answer the same.

The files in ``files_before_saved_file/`` were written by the library at commit 6bd8440
(format version 1 of each format), by the steps that :func:`explore_arm` and
:func:`linear_state` repeat here: an ``NNLearner`` and a ``LearningProgressExplorer``
after 10 explorations of a 2-joint arm, a ``LinearLearner(IDBD(0.05, 0.01))`` state after
20 samples, and an ``MLPLearner(hidden_sizes=(4,))`` with its state after 3 samples.
Their headers use the spellings of that time (``__meta__`` for the MLP file's header
entry, ``version`` for the learner state's format version).
"""

import json
from pathlib import Path

import jax
import numpy as np
import pytest

from sensorimotor.continual import LinearLearner, MLPLearner, load_mlp_learner, load_state
from sensorimotor.continual.state_io import read_header
from sensorimotor.envs import KinematicArm2D
from sensorimotor.explore import Explorer, LearningProgressExplorer
from sensorimotor.learners import Learner, NNLearner
from sensorimotor.rules import IDBD

FILES = Path(__file__).parent / "files_before_saved_file"


def explore_arm():
    arm = KinematicArm2D({"dim": 2})
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels, "seed": 1})
    # cells=10: the fixed grid of that time, which the file's configuration holds; distances
    # were not floored then (dist_max beyond any scaled distance of the arm's box); the
    # defaults of that time: sigma 0.05, the improvement measure, goals in the sensory
    # bounds (s_bounds None then meant that fixed box; now it is goal babbling's learned
    # region, which a file without a reached box starts from the sensory bounds too)
    cfg = {"learner": learner, "seed": 2, "cells": 10, "dist_max": 2.0, "sigma": 0.05}
    cfg |= {"measure": "improvement", "s_bounds": [(-1.0, 1.0), (-1.0, 1.0)]}
    explorer = LearningProgressExplorer(cfg)
    for _ in range(10):
        e = explorer.explore()
        explorer.receive(e, arm.execute(e["m_signal"]))
    return learner, explorer


def linear_state():
    learner = LinearLearner(IDBD(0.05, 0.01))
    state = learner.init(3)
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.normal(size=3)
        state = learner.update(state, x, float(x.sum())).state
    return learner, state


def test_a_learner_and_its_explorer_load_and_continue_as_the_originals():
    learner, explorer = explore_arm()
    loaded = Learner.load(FILES / "learner_v1.npz")
    assert type(loaded) is NNLearner and len(loaded) == len(learner) == 10
    np.testing.assert_array_equal(loaded.memory.m, learner.memory.m)
    loaded_explorer = Explorer.load(FILES / "explorer_v1.json", loaded)
    saved, rebuilt = loaded_explorer.state(), explorer.state()
    assert len(saved.pop("uuids")) == len(rebuilt.pop("uuids")) == 10  # uuids are random
    # the file kept each grid cell's values, not where the goals fell: they load at the
    # centre of the cell's region (the same region: sampling is unchanged until a split)
    # and a goal drawn in a region sums its bounds in another order than a grid cell did:
    # the values agree to the last bits
    assert saved["cfg"].pop("dist_max") == 0.1 and rebuilt["cfg"].pop("dist_max") == 2.0
    assert saved["cfg"].pop("s_bounds") is None and rebuilt["cfg"].pop("s_bounds")
    assert saved["state"].pop("reached") is None and rebuilt["state"].pop("reached")
    values = []
    for state in (saved, rebuilt):
        goals = state["state"]["regions"].pop("goals")
        assert sum(map(len, goals)) == 9  # 9 goals after the first, unguided, command
        values.append(state["state"]["regions"].pop("values"))
    assert [len(v) for v in values[0]] == [len(v) for v in values[1]]
    np.testing.assert_allclose(sum(values[0], []), sum(values[1], []), rtol=1e-12)
    assert json.dumps(saved, sort_keys=True) == json.dumps(rebuilt, sort_keys=True)
    assert loaded._uuids == set(loaded_explorer._uuids)
    assert loaded_explorer.explore() == explorer.explore()


def test_a_linear_learner_state_loads():
    learner, state = linear_state()
    back = load_state(FILES / "learner_state_v1.npz", like=learner.init(3))
    for a, b in zip(jax.tree_util.tree_leaves(back), jax.tree_util.tree_leaves(state), strict=True):
        np.testing.assert_array_equal(a, b)
    header = read_header(FILES / "learner_state_v1.npz")
    assert header["format_version"] == header["version"] == 1


def test_an_mlp_learner_loads():
    learner, state = load_mlp_learner(FILES / "mlp_learner_v1.npz")
    assert learner == MLPLearner(hidden_sizes=(4,))
    assert int(state.step) == 3
    with np.load(FILES / "mlp_learner_v1.npz") as saved:
        for i, layer in enumerate(state.params):
            np.testing.assert_array_equal(layer.w, saved[f"params/{i}/w"])
            np.testing.assert_array_equal(layer.b, saved[f"params/{i}/b"])
        bias = float(saved["params/1/b"][0])
    # the file's hidden weights are all 0: every input is answered with the output bias
    # (0.377; a fresh learner answers 0.0), and the update goes on from step 3
    assert not state.params[0].w.any() and bias != 0.0
    for x in ([0.5, -0.5], [3.0, 7.0]):
        result = learner.update(state, np.array(x), 1.0)
        assert float(result.prediction) == bias and int(result.state.step) == 4
    # it loads as saved, but a fresh start of that network (which can never learn) is refused
    with pytest.raises(ValueError, match="sparsity 0.9 zeroes every weight"):
        learner.init(jax.random.key(0), 2)
