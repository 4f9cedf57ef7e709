"""The ePuck experiment of ``sensorimotor adhdp epuck``: ADHDP learns collision avoidance,
against random headings and a frozen critic."""

from __future__ import annotations

import math
import os
from typing import NamedTuple

import numpy as np

from sensorimotor.actorcritic import (
    ADHDP,
    ActionBruteForce,
    CollisionAvoidanceFrontal,
    Epuck2D,
    HeadingPolicy,
    StabilizedRLS,
)
from sensorimotor.envs import random_heading_baseline
from sensorimotor.run.adhdp.reservoir_settings import reservoir_from
from sensorimotor.run.episode_log import EpisodeLog
from sensorimotor.run.progress import progress


class EpuckSettings(NamedTuple):
    """The ePuck agent: a reservoir of ``reservoir_size`` leaky units on [frontal sensors;
    turn / pi], a ``StabilizedRLS`` critic, the turn relative to the pose as action, chosen
    by ``actor``: ``"bruteforce"`` (``ActionBruteForce`` over ``candidates`` turns evenly
    spaced in ``[-pi, pi)``) or ``"gradient"`` (``ADHDP``'s gradient step with momentum).

    >>> agent = make_epuck_agent(0, EpuckSettings(actor="gradient", reservoir_size=20))
    >>> type(agent).__name__, agent.reservoir.output_dim
    ('ADHDP', 20)
    >>> make_epuck_agent(0, EpuckSettings(actor="greedy"))
    Traceback (most recent call last):
    ...
    ValueError: actor must be 'bruteforce' or 'gradient', got 'greedy'
    """

    reservoir_size: int = 50
    spectral_radius: float = 0.7
    leak_rate: float = 0.5
    input_scaling: float = 1.0
    bias_scaling: float = 0.2
    gamma: float = 0.9
    alpha: float = 0.3
    momentum: float = 0.3
    rls_delta: float = 1e-2
    max_steps: int = 200
    last_episodes: int = 10  # the episodes summarised (41-50 of 50)
    actor: str = "bruteforce"
    candidates: int = 16


DEFAULT_EPUCK = EpuckSettings()


def make_epuck_agent(seed: int, settings=DEFAULT_EPUCK, frozen=False, collector=None) -> ADHDP:
    """The ADHDP of the experiment, its reservoir drawn from ``seed``; ``frozen``: the
    critic never learns (its weights stay zero, so the actor keeps its initial action).

    >>> agent = make_epuck_agent(0)
    >>> print(agent.reservoir.output_dim, agent.gamma.value)
    50 0.9
    """
    s = settings
    reservoir = reservoir_from(s, 4, seed)
    readout = StabilizedRLS(s.reservoir_size + 4, 1, delta=s.rls_delta)
    if frozen:
        readout.stop_training()
    kw = dict(gamma=s.gamma, action_scale=math.pi, collector=collector)
    rest = (reservoir, readout, CollisionAvoidanceFrontal(), HeadingPolicy(relative=True))
    if s.actor == "bruteforce":
        turns = np.linspace(-math.pi, math.pi, s.candidates, endpoint=False)[:, None]
        return ActionBruteForce(turns, *rest, **kw)
    if s.actor == "gradient":
        return ADHDP(*rest, alpha=s.alpha, momentum=s.momentum, **kw)
    raise ValueError(f"actor must be 'bruteforce' or 'gradient', got {s.actor!r}")


class EpuckRun(NamedTuple):
    lengths: np.ndarray  # (episodes,) steps
    collided: np.ndarray  # (episodes,) bool
    trajectories: list  # (length + 1, 2) positions per episode


def run_epuck(agent: ADHDP, episodes: int, seed: int, max_steps: int = 200) -> EpuckRun:
    """``episodes`` episodes of ``agent`` on HDPy's arena, each from a free random start
    drawn from ``seed``'s generator; an episode ends at a collision or after ``max_steps``.

    >>> run = run_epuck(make_epuck_agent(0), episodes=2, seed=0, max_steps=20)
    >>> run.lengths.shape, bool(run.lengths.max() <= 20)
    ((2,), True)
    """
    robot = Epuck2D()
    rng = np.random.default_rng(seed)
    lengths = np.zeros(episodes, dtype=np.int64)
    collided = np.zeros(episodes, dtype=bool)
    trajectories = []
    for e in range(episodes):
        start = robot.reset(seed=int(rng.integers(2**31)))
        agent.new_episode(start)
        xy = [(start["x"], start["y"])]
        while not agent.done and agent.num_step < max_steps:
            s = agent(robot)["s_signal"]
            xy.append((s["x"], s["y"]))
        lengths[e], collided[e] = agent.num_step, agent.done
        trajectories.append(np.array(xy))
    if agent.collector is not None:
        agent.collector.end_episode()
    return EpuckRun(lengths, collided, trajectories)


def epuck_experiment(
    runs: int = 20,
    seed: int = 0,
    episodes: int = 50,
    out: str | None = None,
    settings=DEFAULT_EPUCK,
    show_progress: bool = True,
) -> dict:
    """The experiment over ``runs`` seeds ``seed, seed + 1, ...``: per seed, the learning
    ADHDP, the same agent with a frozen critic, and random headings
    (``random_heading_baseline``), ``episodes`` episodes each. Summarised over the last
    ``settings.last_episodes`` episodes of every run (41-50 of 50): median length,
    collision rate, and one-sided Mann-Whitney U tests that the learned lengths are
    larger. With ``out``, writes the learned runs' episode logs (``epuck_seed<S>.h5``,
    replacing an earlier run's).

    >>> r = epuck_experiment(runs=1, episodes=2, settings=EpuckSettings(max_steps=10, last_episodes=1), show_progress=False)
    >>> sorted(k for k in r if k.startswith('learned'))
    ['learned_collision_rate', 'learned_lengths', 'learned_median_length']
    """
    from scipy.stats import mannwhitneyu

    k = settings.last_episodes
    per = {"learned": [], "frozen": [], "random": []}
    first_run = first_agent = None
    for r in progress(range(runs), desc="adhdp epuck", disable=not show_progress):
        s = seed + r
        log = EpisodeLog(os.path.join(out, f"epuck_seed{s}.h5"), "w") if out else None
        agent = make_epuck_agent(s, settings, collector=log)
        try:
            learned = run_epuck(agent, episodes, s, settings.max_steps)
        finally:
            if log is not None:
                log.close()
        frozen = run_epuck(
            make_epuck_agent(s, settings, frozen=True), episodes, s, settings.max_steps
        )
        rand = random_heading_baseline(episodes, seed=s, max_steps=settings.max_steps)
        for name, run in (("learned", learned), ("frozen", frozen), ("random", rand)):
            per[name].append((np.asarray(run.lengths), np.asarray(run.collided)))
        if first_run is None:
            first_run, first_agent = learned, agent
    result: dict = {
        "runs": runs,
        "seed": seed,
        "episodes": episodes,
        "actor": settings.actor,
        "max_steps": settings.max_steps,
        "last_episodes": k,
    }
    pooled = {}
    for name, rows in per.items():
        lengths = np.concatenate([row[0][-k:] for row in rows])
        collided = np.concatenate([row[1][-k:] for row in rows])
        pooled[name] = lengths
        result[f"{name}_median_length"] = float(np.median(lengths))
        result[f"{name}_collision_rate"] = float(np.mean(collided))
        result[f"{name}_lengths"] = np.stack([row[0] for row in rows]).tolist()
    for other in ("random", "frozen"):
        test = mannwhitneyu(pooled["learned"], pooled[other], alternative="greater")
        result[f"p_learned_vs_{other}"] = float(test.pvalue)
    result["_first_run"], result["_first_agent"] = first_run, first_agent
    return result


def format_epuck(result: dict) -> str:
    """The table the command prints.

    >>> result = {"runs": 20, "seed": 0, "episodes": 50, "actor": "bruteforce",
    ...           "learned_median_length": 200.0, "learned_collision_rate": 0.05,
    ...           "random_median_length": 61.5, "random_collision_rate": 0.8,
    ...           "frozen_median_length": 14.5, "frozen_collision_rate": 1.0,
    ...           "p_learned_vs_random": 1e-20, "p_learned_vs_frozen": 1e-30,
    ...           "max_steps": 150, "last_episodes": 5}
    >>> print(format_epuck(result))
    ePuck, 20 runs (seeds 0..19), episodes 46-50 of 50 (at most 150 steps)
    agent               median length  collisions
    ActionBruteForce            200.0         5%
    random heading               61.5        80%
    frozen critic                14.5       100%
    one-sided Mann-Whitney U (learned lengths larger): p = 1.00e-20 vs random, p = 1.00e-30 vs frozen
    """
    # (results written before these keys existed had the defaults: 10 episodes, 200 steps)
    k0 = max(result["episodes"] - result.get("last_episodes", 10) + 1, 1)
    lines = [
        f"ePuck, {result['runs']} runs (seeds {result['seed']}..{result['seed'] + result['runs'] - 1}), "
        f"episodes {k0}-{result['episodes']} of {result['episodes']} "
        f"(at most {result.get('max_steps', 200)} steps)",
        f"{'agent':<18} {'median length':>14} {'collisions':>11}",
    ]
    learned = "ADHDP" if result.get("actor") == "gradient" else "ActionBruteForce"
    for name, label in (
        ("learned", learned),
        ("random", "random heading"),
        ("frozen", "frozen critic"),
    ):
        lines.append(
            f"{label:<18} {result[name + '_median_length']:>14.1f} {result[name + '_collision_rate']:>10.0%}"
        )
    lines.append(
        "one-sided Mann-Whitney U (learned lengths larger): "
        f"p = {result['p_learned_vs_random']:.2e} vs random, "
        f"p = {result['p_learned_vs_frozen']:.2e} vs frozen"
    )
    return "\n".join(lines)


__all__ = ["EpuckSettings", "make_epuck_agent", "run_epuck", "epuck_experiment", "format_epuck"]
