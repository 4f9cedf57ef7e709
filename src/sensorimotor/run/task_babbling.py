"""The ``babbling`` task: an explorer and a learner on an environment for ``steps`` steps;
at checkpoints (``demo.checkpoints``) the learner's reach error on ``goals`` goals spread
uniformly over the reachable space, on the effects of random commands, its forward error,
and the coverage of a 20 x 20 grid (:mod:`sensorimotor.run.evaluation`).

>>> sorted(BABBLING.settings())
['environment', 'explorer', 'goals', 'learner', 'log', 'steps']
"""

from __future__ import annotations

import os

import numpy as np

from sensorimotor.base.bounds import COUNT
from sensorimotor.run.experiment_settings import Component, Setting, Task, guarded

__all__ = ["BABBLING", "EXPLORER_NAMES"]


def _learners():
    from sensorimotor.learners import (
        LWLRLearner,
        NetworkLearner,
        NNLearner,
        RandomLearner,
        WNNLearner,
    )

    own = ("m_channels", "s_channels", "seed")
    return {
        cls.__name__: Component(cls, tuple(k for k in cls.defcfg if k not in own))
        for cls in (NNLearner, WNNLearner, LWLRLearner, NetworkLearner, RandomLearner)
    }


def _make_learner(component: dict, env, seed: int):
    fields = {k: v for k, v in component.items() if k != "name"}
    cls = _learners()[component["name"]].make
    return cls({**fields, "m_channels": env.m_channels, "s_channels": env.s_channels, "seed": seed})


def _environments():
    from sensorimotor.envs import KinematicArm2D

    return {
        "arm7": Component(lambda f: KinematicArm2D.mid7(), ()),
        "KinematicArm2D": Component(KinematicArm2D, tuple(KinematicArm2D.defcfg)),
    }


EXPLORER_NAMES = ("motor babbling", "goal babbling", "interest-driven")


def _babbling_settings():
    return {
        "environment": Setting("component", "arm7", choices=_environments()),
        "learner": Setting("component", "NNLearner", choices=_learners()),
        "explorer": Setting("str", "goal babbling", choices=EXPLORER_NAMES),
        "steps": Setting("int", 1000, bounds=COUNT),
        "goals": Setting("int", 200, bounds=COUNT, help="test goals per test set"),
        "log": Setting("bool", False, help="write each trial's observations to HDF5"),
    }


def _make_env(component: dict):
    fields = {k: v for k, v in component.items() if k != "name"}
    return _environments()[component["name"]].make(fields)


def _check_babbling(s: dict) -> None:
    env = guarded("environment", _make_env, s["environment"])
    guarded("learner", _make_learner, s["learner"], env, 0)


def _babbling(s: dict, seed: int, folder: str | None):
    from sensorimotor.run.demo import explore_and_evaluate
    from sensorimotor.run.evaluation import (
        forward_tests,
        held_out_goals,
        reachable_points,
        uniform_goals,
    )

    env = _make_env(s["environment"])
    test_seed = seed + 10_000  # the test sets are held out from the explorer's draws
    reachable = reachable_points(env, seed=test_seed)
    goals = s["goals"]
    tests = {
        "uniform goals": uniform_goals(env, goals, seed=test_seed, points=reachable),
        "random goals": held_out_goals(env, goals, seed=test_seed + 1),
        "forward": forward_tests(env, goals, seed=test_seed + 2),
    }
    learner = _make_learner(s["learner"], env, seed)
    log = os.path.join(folder, "observations.h5") if s["log"] and folder else None
    curve, _ = explore_and_evaluate(
        s["explorer"], env, tests, s["steps"], seed, log_path=log, learner=learner
    )
    steps = sorted(curve)
    curves = {
        "step": np.array(steps, dtype=np.float64),
        "reach_error": np.array([curve[t]["uniform goals"].mean for t in steps]),
        "reach_error_median": np.array([curve[t]["uniform goals"].median for t in steps]),
        "random_goal_error": np.array([curve[t]["random goals"].mean for t in steps]),
        "forward_error": np.array([curve[t]["forward"].mean for t in steps]),
        "coverage": np.array([curve[t]["coverage"] for t in steps], dtype=np.float64),
    }
    return {k: float(v[-1]) for k, v in curves.items() if k != "step"}, curves


BABBLING = Task(_babbling_settings, _check_babbling, _babbling)
