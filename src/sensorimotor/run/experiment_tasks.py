"""The tasks an experiment file may name, their settings, and how one trial of each runs.

* ``babbling``: an explorer and a learner on an environment for ``steps`` steps; at
  checkpoints (``demo.checkpoints``) the learner's reach error on ``goals`` goals spread
  uniformly over the reachable space, on the effects of random commands, its forward
  error, and the coverage of a 20 x 20 grid (:mod:`sensorimotor.run.evaluation`).
* ``continual``: a ``LinearLearner`` with a step-size ``rule`` on a ``stream`` for
  ``steps`` steps, compiled; the mean squared error per block of ``steps / blocks`` steps,
  and ``final_mse``, its mean over the last ``final_blocks`` blocks. The trials of a batch
  that share their structure run as one compiled sweep (grid points x seeds).
* ``adhdp``: the ePuck's collision avoidance or the cart-pole (``sensorimotor adhdp``), one
  run per trial.
* ``rl``: a deep RL agent on a Gymnasium environment (``sensorimotor rl``), one seed per
  trial, scored by its greedy mean return over 20 episodes.

A trial gives ``(metrics, curves)``: final metrics (name -> float) and learning-curve
arrays (name -> 1-d array; ``step`` their x axis).

>>> metrics, curves = run_task("continual", {**defaults("continual"), "steps": 1000}, 0)
>>> sorted(metrics), curves["mse"].shape
(['final_mse', 'mean_mse'], (10,))
"""

from __future__ import annotations

import json
import os
from typing import NamedTuple

import numpy as np

from sensorimotor.base.bounds import COUNT
from sensorimotor.run.experiment_settings import (
    Component,
    Setting,
    SettingError,
    normal_component,
    typed_fields,
)

__all__ = ["TASKS", "Task", "defaults", "group_key", "run_task", "run_task_batch"]


# -- babbling -------------------------------------------------------------------------
def _arm(fields):
    from sensorimotor.envs import KinematicArm2D

    return KinematicArm2D(fields) if fields else KinematicArm2D.mid7()


def _learners():
    from sensorimotor.learners import LWLRLearner, NNLearner, RandomLearner, WNNLearner

    own = ("m_channels", "s_channels", "seed")
    return {
        cls.__name__: Component(cls, tuple(k for k in cls.defcfg if k not in own))
        for cls in (NNLearner, WNNLearner, LWLRLearner, RandomLearner)
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
    env = _guarded("environment", _make_env, s["environment"])
    _guarded("learner", _make_learner, s["learner"], env, 0)


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


# -- continual ------------------------------------------------------------------------
def _streams():
    from sensorimotor.envs import streams

    names = ("SuttonExperiment1Stream", "RandomWalkStream", "AbruptChangeStream")
    names += ("CyclicStream", "ScaleDriftStream")
    return {n: Component(getattr(streams, n), getattr(streams, n)._fields) for n in names}


def _rules():
    from sensorimotor import rules

    return {n: Component(getattr(rules, n), getattr(rules, n)._fields) for n in _RULES}


_RULES = ("LMS", "NLMS", "IDBD", "Autostep")


def _continual_settings():
    return {
        "stream": Setting("component", "SuttonExperiment1Stream", choices=_streams()),
        "rule": Setting("component", "LMS", choices=_rules()),
        "bias": Setting("bool", True),
        "steps": Setting("int", 10_000, bounds=COUNT),
        "blocks": Setting("int", 10, bounds=COUNT, help="learning-curve points"),
        "final_blocks": Setting("int", 1, bounds=COUNT, help="blocks final_mse averages"),
    }


def _fields(component: dict) -> dict:
    return {k: v for k, v in component.items() if k != "name"}


def _make_rule(component: dict):
    return typed_fields(_rules()[component["name"]].make, _fields(component))


def _make_stream(component: dict):
    return typed_fields(_streams()[component["name"]].make, _fields(component))


def _make_linear(s: dict):
    from sensorimotor.continual import LinearLearner

    return LinearLearner(_make_rule(s["rule"]), bias=s["bias"])


def _check_continual(s: dict) -> None:
    _guarded("rule", _make_rule, s["rule"])
    _guarded("stream", _make_stream, s["stream"])
    if s["steps"] % s["blocks"]:
        raise SettingError("blocks", f"must divide steps ({s['steps']}), got {s['blocks']}")
    if s["final_blocks"] > s["blocks"]:
        raise SettingError(
            "final_blocks", f"must be at most blocks ({s['blocks']}), got {s['final_blocks']}"
        )


def _continual_batch(items: list) -> list:
    """``items``: ``(settings, seed)`` pairs of one structure (see :func:`group_key`); all
    their learners x all their seeds run as one compiled sweep, and each pair's lane is
    returned."""
    import jax

    from sensorimotor.continual import run_sweep

    s0 = items[0][0]
    points = sorted({json.dumps(s["rule"], sort_keys=True) for s, _ in items})
    seeds = sorted({seed for _, seed in items})
    learners = [_make_linear({**s0, "rule": json.loads(p)}) for p in points]
    keys = jax.numpy.stack([jax.random.key(seed) for seed in seeds])
    out = run_sweep(
        learners,
        _make_stream(s0["stream"]),
        s0["steps"],
        keys,
        trace_interval=s0["steps"] // s0["blocks"],
    )
    mse = np.asarray(out.trace.squared_error, dtype=np.float64)  # (points, seeds, blocks)
    step = np.arange(1, s0["blocks"] + 1) * (s0["steps"] // s0["blocks"])
    results = []
    for s, seed in items:
        curve = mse[points.index(json.dumps(s["rule"], sort_keys=True)), seeds.index(seed)]
        metrics = {
            "final_mse": float(curve[-s["final_blocks"] :].mean()),
            "mean_mse": float(curve.mean()),
        }
        results.append((metrics, {"step": step.astype(np.float64), "mse": curve}))
    return results


def group_key(task: str, settings: dict) -> str | None:
    """Trials with the same key may run as one batch (a compiled sweep): the settings but
    the rule's float settings, which the compiled loop traces. ``None``: one trial a batch.

    >>> s = defaults("continual")
    >>> group_key("continual", {**s, "rule": {"name": "LMS", "step_size": 0.1}}) == group_key(
    ...     "continual", {**s, "rule": {"name": "LMS", "step_size": 0.2}})
    True
    """
    if not TASKS[task].batched:
        return None
    rule = {k: v for k, v in settings["rule"].items() if not isinstance(v, float)}
    return json.dumps({**settings, "rule": rule}, sort_keys=True)


# -- adhdp ----------------------------------------------------------------------------
def _adhdp_agents():
    from sensorimotor.run.adhdp_cartpole import CartPoleSettings
    from sensorimotor.run.adhdp_epuck import EpuckSettings

    return {
        "epuck": Component(EpuckSettings, EpuckSettings._fields),
        "cartpole": Component(CartPoleSettings, CartPoleSettings._fields),
    }


def _adhdp_settings():
    return {
        "agent": Setting("component", "epuck", choices=_adhdp_agents()),
        "episodes": Setting("int", 50, bounds=COUNT, help="epuck: episodes per run"),
        "max_trials": Setting("int", 100, bounds=COUNT, help="cartpole: trials allowed"),
        "log": Setting("bool", False, help="write each trial's episodes to HDF5"),
    }


def _make_adhdp(component: dict):
    return typed_fields(_adhdp_agents()[component["name"]].make, _fields(component))


def _check_adhdp(s: dict) -> None:
    agent = _guarded("agent", _make_adhdp, s["agent"])
    if s["agent"]["name"] == "epuck" and agent.actor not in ("bruteforce", "gradient"):
        raise SettingError(
            "agent", f"actor must be 'bruteforce' or 'gradient', got {agent.actor!r}"
        )
    if s["agent"]["name"] == "cartpole" and agent.critic not in ("rls_td", "rls"):
        raise SettingError("agent", f"critic must be 'rls_td' or 'rls', got {agent.critic!r}")


def _adhdp(s: dict, seed: int, folder: str | None):
    agent = _make_adhdp(s["agent"])
    out = folder if s["log"] else None
    if s["agent"]["name"] == "epuck":
        from sensorimotor.run.adhdp_epuck import epuck_experiment

        r = epuck_experiment(1, seed, s["episodes"], out=out, settings=agent, show_progress=False)
        metrics = {
            f"{n}_{m}": r[f"{n}_{m}"]
            for n in ("learned", "frozen", "random")
            for m in ("median_length", "collision_rate")
        }
        curves = {
            f"{n}_length": np.asarray(r[f"{n}_lengths"][0], dtype=np.float64)
            for n in ("learned", "frozen", "random")
        }
        curves["step"] = np.arange(1.0, s["episodes"] + 1)
        return metrics, curves
    from sensorimotor.run.adhdp_cartpole import cartpole_experiment

    r = cartpole_experiment(1, seed, s["max_trials"], out=out, settings=agent, show_progress=False)
    trials = r["trials"][0]
    lengths = np.asarray(r["_lengths"][0], dtype=np.float64)
    metrics = {
        "balanced": float(trials is not None),
        "trials": float("nan") if trials is None else float(trials),
        "longest_trial": float(r["longest_trials"][0]),
    }
    return metrics, {"step": np.arange(1.0, len(lengths) + 1), "trial_length": lengths}


# -- rl -------------------------------------------------------------------------------
def _rl_settings():
    from sensorimotor.run.rl import AGENTS

    return {
        "agent": Setting("str", "streamq", choices=tuple(AGENTS)),
        "environment": Setting("str", "CartPole-v1", help="a Gymnasium id"),
        "steps": Setting("int", 10_000, bounds=COUNT),
        "compiled": Setting("bool", False, help="train on the library's JAX environment"),
    }


def _check_rl(s: dict) -> None:
    import gymnasium

    from sensorimotor.envs import registered_ids
    from sensorimotor.run.rl import AGENTS, JAX_ENVS

    registered_ids()  # the library's own ids
    try:
        gymnasium.spec(s["environment"])
    except Exception:  # gymnasium raises its own NameNotFound / VersionNotFound errors
        raise SettingError(
            "environment", f"no Gymnasium environment {s['environment']!r}"
        ) from None
    if s["compiled"]:
        if not hasattr(AGENTS[s["agent"]], "make_train"):
            raise SettingError("compiled", f"{s['agent']} trains through the Python loop only")
        if s["environment"] not in JAX_ENVS:
            raise SettingError(
                "compiled", f"no JAX environment for {s['environment']!r} ({sorted(JAX_ENVS)})"
            )


def _rl(s: dict, seed: int, folder: str | None):
    from sensorimotor.run.rl import train_seeds

    r = train_seeds(
        s["agent"],
        s["environment"],
        seeds=1,
        seed=seed,
        steps=s["steps"],
        compiled=s["compiled"],
        save=folder,
        progress=False,
    )
    return {"return": float(r["returns"][0]), "return_std": float(r["stds"][0])}, {}


# -- the registry ---------------------------------------------------------------------
class Task(NamedTuple):
    """A task: ``settings()`` its settings (name -> Setting), ``check(settings)`` the checks
    that need several settings or make objects (``SettingError`` naming the key),
    ``run(settings, seed, folder) -> (metrics, curves)`` one trial, ``batched``: trials of
    one :func:`group_key` run together through ``run_batch(items)``."""

    settings: object
    check: object
    run: object = None
    batched: bool = False
    run_batch: object = None


TASKS = {
    "babbling": Task(_babbling_settings, _check_babbling, _babbling),
    "continual": Task(_continual_settings, _check_continual, None, True, _continual_batch),
    "adhdp": Task(_adhdp_settings, _check_adhdp, _adhdp),
    "rl": Task(_rl_settings, _check_rl, _rl),
}


def defaults(task: str) -> dict:
    """The settings of ``task`` at their defaults, components as tables."""
    out = {}
    for key, setting in TASKS[task].settings().items():
        value = setting.default
        out[key] = normal_component(setting, value) if setting.kind == "component" else value
    return out


def run_task(task: str, settings: dict, seed: int, folder: str | None = None):
    """One trial of ``task``: ``(metrics, curves)``."""
    return run_task_batch(task, [(settings, seed)], [folder])[0]


def run_task_batch(task: str, items: list, folders: list) -> list:
    """Trials ``items`` (``(settings, seed)`` pairs) of ``task``, run together where the task
    batches (one compiled sweep), else one after the other: ``[(metrics, curves)]``."""
    t = TASKS[task]
    if t.batched:
        return t.run_batch(items)
    return [t.run(s, seed, folder) for (s, seed), folder in zip(items, folders, strict=True)]


def _guarded(key: str, make, *args):
    try:
        return make(*args)
    except SettingError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        raise SettingError(key, str(message)) from None
