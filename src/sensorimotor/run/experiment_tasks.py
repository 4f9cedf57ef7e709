"""The tasks an experiment file may name, and how their trials run.

* ``babbling`` (:mod:`~sensorimotor.run.task_babbling`): an explorer and a learner on an
  environment; reach error, forward error and coverage at checkpoints.
* ``continual`` (:mod:`~sensorimotor.run.task_continual`): a ``LinearLearner`` with a
  step-size rule on a stream, compiled; trials of one structure run as one sweep.
* ``adhdp`` (:mod:`~sensorimotor.run.task_adhdp`): the ePuck or the cart-pole, one run per
  trial.
* ``rl`` (:mod:`~sensorimotor.run.task_rl`): a deep RL agent on a Gymnasium environment,
  one seed per trial.

A trial gives ``(metrics, curves)``: final metrics (name -> float) and learning-curve
arrays (name -> 1-d array; ``step`` their x axis).

>>> metrics, curves = run_task("continual", {**defaults("continual"), "steps": 500}, 0)
>>> sorted(metrics), curves["mse"].shape
(['final_mse', 'mean_mse'], (10,))
"""

from __future__ import annotations

from sensorimotor.run.experiment_settings import Task, normal_component
from sensorimotor.run.task_adhdp import ADHDP
from sensorimotor.run.task_babbling import BABBLING
from sensorimotor.run.task_continual import CONTINUAL
from sensorimotor.run.task_rl import RL

__all__ = ["TASKS", "Task", "defaults", "group_key", "run_task", "run_task_batch"]

TASKS = {"babbling": BABBLING, "continual": CONTINUAL, "adhdp": ADHDP, "rl": RL}


def defaults(task: str) -> dict:
    """The settings of ``task`` at their defaults, components as tables.

    >>> defaults("babbling")
    {'environment': {'name': 'arm7'}, 'learner': {'name': 'NNLearner'}, 'explorer': 'goal babbling', 'steps': 1000, 'goals': 200, 'log': False}
    """
    out = {}
    for key, setting in TASKS[task].settings().items():
        value = setting.default
        out[key] = normal_component(setting, value) if setting.kind == "component" else value
    return out


def group_key(task: str, settings: dict) -> str | None:
    """Trials with the same key may run as one batch (a compiled sweep); ``None``: one trial
    a batch.

    >>> s = defaults("continual")
    >>> group_key("continual", {**s, "rule": {"name": "LMS", "step_size": 0.1}}) == group_key(
    ...     "continual", {**s, "rule": {"name": "LMS", "step_size": 0.2}})
    True
    """
    t = TASKS[task]
    return t.group_key(settings) if t.batched else None


def run_task(task: str, settings: dict, seed: int, folder: str | None = None):
    """One trial of ``task``: ``(metrics, curves)``.

    >>> settings = {**defaults("babbling"), "steps": 100, "goals": 20}
    >>> metrics, curves = run_task("babbling", settings, seed=0)
    >>> sorted(metrics), int(curves["step"][-1])
    (['coverage', 'forward_error', 'random_goal_error', 'reach_error', 'reach_error_median'], 100)
    """
    return run_task_batch(task, [(settings, seed)], [folder])[0]


def run_task_batch(task: str, items: list, folders: list) -> list:
    """Trials ``items`` (``(settings, seed)`` pairs) of ``task``, run together where the task
    batches (one compiled sweep), else one after the other: ``[(metrics, curves)]``.

    >>> settings = {**defaults("babbling"), "steps": 100, "goals": 20}
    >>> outcomes = run_task_batch("babbling", [(settings, 0), (settings, 1)], [None, None])
    >>> (m0, _), (m1, _) = outcomes  # one (metrics, curves) per item, in order
    >>> len(outcomes), m0["reach_error"] != m1["reach_error"]  # two seeds, two runs
    (2, True)
    """
    t = TASKS[task]
    if t.batched:
        return t.run_batch(items)
    return [t.run(s, seed, folder) for (s, seed), folder in zip(items, folders, strict=True)]
