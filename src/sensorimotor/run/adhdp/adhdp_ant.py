"""The Ant experiment of ``sensorimotor adhdp ant``: ADHDP learns the parameters of a
sine gait for MuJoCo's Ant (HDPy's Puppy experiment), against the initial gait and
random gaits."""

from __future__ import annotations

import os
from typing import NamedTuple

import numpy as np

from sensorimotor.actorcritic import (
    ActionBruteForce,
    ActionGradient,
    AntGait,
    ForwardDistance,
    SineGait,
    StabilizedRLS,
)
from sensorimotor.agents.adhdp.sine_gait import GAIT_HIGH, GAIT_LOW, PHASES
from sensorimotor.base.bounds import COUNT, NON_NEGATIVE, POSITIVE, UNIT, check_value
from sensorimotor.run.adhdp.reservoir_settings import reservoir_from
from sensorimotor.run.episode_log import EpisodeLog
from sensorimotor.run.progress import progress

INITIAL_GAIT = (1.0, 0.2, 0.0, 0.0, 0.2, 0.0, 0.0)


class AntSettings(NamedTuple):
    """The Ant agent: a reservoir of ``reservoir_size`` leaky units on [torso state; gait
    parameters scaled to [-1, 1]], a ``StabilizedRLS`` critic, the seven gait parameters
    of :class:`~sensorimotor.agents.adhdp.sine_gait.SineGait` as action, one action per
    ``period`` seconds, episodes of ``periods`` control periods. ``actor``:
    ``"gradient"`` (``ActionGradient``, climbing the critic from the current gait up to
    20 steps of ``alpha``; while learning, Gaussian noise of ``exploration`` times each
    parameter's half-range) or ``"bruteforce"`` (``ActionBruteForce`` over
    ``candidates`` gaits drawn uniformly in the bounds, the initial gait among them;
    while learning, a random candidate with probability ``exploration``). ``episodes``
    learning episodes, then
    ``eval_episodes`` evaluation episodes of the learned agent and of the initial gait,
    and ``random_draws`` of random gaits (a random gait's distance varies much more than
    a learned one's: more draws make its mean a fair yardstick).

    >>> agent = make_ant_agent(0, AntSettings(actor="bruteforce", candidates=8))
    >>> agent.candidates.shape  # the initial gait and 7 random ones
    (8, 7)
    >>> make_ant_agent(0, AntSettings(periods=0))
    Traceback (most recent call last):
    ...
    ValueError: AntSettings.periods must be ...
    """

    reservoir_size: int = 50
    spectral_radius: float = 0.7
    leak_rate: float = 0.5
    input_scaling: float = 0.5
    bias_scaling: float = 0.2
    gamma: float = 0.5
    alpha: float = 0.05
    rls_delta: float = 1.0
    period: float = 1.0
    periods: int = 20
    actor: str = "gradient"
    candidates: int = 64
    exploration: float = 0.2
    eval_episodes: int = 5
    random_draws: int = 10


DEFAULT_ANT = AntSettings()
HALF_RANGE = np.where(PHASES, np.pi, (GAIT_HIGH - GAIT_LOW) / 2.0)
MIDDLE = np.where(PHASES, 0.0, (GAIT_HIGH + GAIT_LOW) / 2.0)


def _checked(settings: AntSettings) -> AntSettings:
    for name in ("reservoir_size", "periods", "candidates", "eval_episodes", "random_draws"):
        check_value("AntSettings", name, getattr(settings, name), COUNT)
    for name in ("period", "rls_delta"):
        check_value("AntSettings", name, getattr(settings, name), POSITIVE)
    check_value("AntSettings", "exploration", settings.exploration, UNIT)
    check_value("AntSettings", "alpha", settings.alpha, NON_NEGATIVE)
    return settings


def random_gaits(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` gaits ``(n, 7)`` drawn uniformly within ``[GAIT_LOW, GAIT_HIGH]``.

    >>> g = random_gaits(np.random.default_rng(0), 5)
    >>> g.shape, bool(np.all((g >= GAIT_LOW) & (g <= GAIT_HIGH)))
    ((5, 7), True)
    """
    return rng.uniform(GAIT_LOW, GAIT_HIGH, size=(n, len(GAIT_LOW)))


class _Exploring:
    """While ``exploring``, perturb the actor's next action (before the critic sees it,
    so the critic learns the action really applied)."""

    exploring = False

    def _next_action_hook(self, a_next):
        if not self.exploring or self.exploration <= 0.0:
            return a_next
        if hasattr(self, "candidates"):
            if self.rng.random() < self.exploration:
                return self.candidates[self.rng.integers(len(self.candidates))].copy()
            return a_next
        noise = self.exploration * HALF_RANGE * self.rng.standard_normal(a_next.shape)
        return self.policy.bound(a_next + noise)


class _ExploringBruteForce(_Exploring, ActionBruteForce):
    """``ActionBruteForce`` with epsilon-greedy exploration while learning."""


class _ExploringGradient(_Exploring, ActionGradient):
    """``ActionGradient`` with Gaussian exploration while learning."""


def make_ant_agent(seed: int, settings=DEFAULT_ANT, dt: float = 0.02, collector=None):
    """The ADHDP of the experiment, its reservoir, candidates and exploration drawn from
    ``seed``; ``dt`` is the environment's time per motor signal.

    >>> agent = make_ant_agent(0)
    >>> print(agent.reservoir.input_dim, agent.action_dim, isinstance(agent, ActionGradient))
    11 7 True
    >>> print(len(make_ant_agent(0, AntSettings(actor="bruteforce")).candidates))
    64
    """
    s = _checked(settings)
    rng = np.random.default_rng([seed, 7])
    n_in = 4 + len(GAIT_LOW)
    reservoir = reservoir_from(s, n_in, seed)
    readout = StabilizedRLS(s.reservoir_size + n_in, 1, delta=s.rls_delta)
    policy = SineGait(np.array(INITIAL_GAIT), dt=dt, period=s.period)
    kw = dict(
        gamma=s.gamma,
        init_steps=0,
        action_offset=MIDDLE,
        action_scale=HALF_RANGE,
        collector=collector,
    )
    if s.actor == "bruteforce":
        candidates = np.vstack([INITIAL_GAIT, random_gaits(rng, s.candidates - 1)])
        agent = _ExploringBruteForce(
            candidates, reservoir, readout, ForwardDistance(), policy, **kw
        )
    elif s.actor == "gradient":
        agent = _ExploringGradient(
            reservoir, readout, ForwardDistance(), policy, alpha=s.alpha, max_iterations=20, **kw
        )
    else:
        raise ValueError(f"actor must be 'bruteforce' or 'gradient', got {s.actor!r}")
    agent.exploration, agent.rng = float(s.exploration), rng
    return agent


def run_ant_episode(agent, robot: AntGait, start_seed: int, periods: int) -> float:
    """One episode of ``agent`` from ``robot.reset(start_seed)``: ``periods`` control
    periods or until the Ant flips. Returns the distance covered forward (m).

    >>> robot = AntGait({"seed": 0})
    >>> agent = make_ant_agent(0, dt=robot.dt)
    >>> distance = run_ant_episode(agent, robot, start_seed=0, periods=2)
    >>> agent.num_step, isinstance(distance, float)
    (2, True)
    """
    agent.new_episode(robot.reset(seed=start_seed))
    s = None
    while not agent.done and agent.num_step < periods:
        s = agent(robot)["s_signal"]
    return 0.0 if s is None else float(s["x"])


def run_fixed_gait(gait, robot: AntGait, start_seed: int, periods: int, period=1.0) -> float:
    """The distance covered forward by the gait ``gait`` held for ``periods`` control
    periods (or until the Ant flips) from ``robot.reset(start_seed)``.

    >>> robot = AntGait()
    >>> print(round(run_fixed_gait(INITIAL_GAIT, robot, 0, 2), 1))   # metres in 2 s
    0.8
    """
    policy = SineGait(np.asarray(gait, dtype=np.float64), dt=robot.dt, period=period)
    plant = ForwardDistance()
    robot.reset(seed=start_seed)
    s = None
    for _ in range(periods):
        for m in policy.motor_signals(s):
            s = robot.execute(m)["s_signal"]
        if plant.terminal(s):
            break
    return float(s["x"])


class AntRun(NamedTuple):
    learning: np.ndarray  # (episodes,) distance per learning episode
    learned: np.ndarray  # (eval_episodes,)
    initial: np.ndarray
    random: np.ndarray  # (random_draws,)


def ant_run(seed: int, episodes: int, settings=DEFAULT_ANT, collector=None) -> AntRun:
    """One seed: ``episodes`` learning episodes of the ADHDP, then ``eval_episodes``
    evaluation episodes (from the same seeded starts) of the learned agent (its critic
    frozen, no exploration) and of the initial gait held, and ``random_draws`` episodes
    of random gaits (one uniform draw per episode, held for the episode; their starts
    cycle through the evaluation starts).

    >>> run = ant_run(0, episodes=1, settings=AntSettings(periods=2, eval_episodes=2, random_draws=3))
    >>> run.learning.shape, run.learned.shape, run.initial.shape, run.random.shape
    ((1,), (2,), (2,), (3,))
    """
    s = _checked(settings)
    robot = AntGait({"seed": seed})
    agent = make_ant_agent(seed, s, robot.dt, collector)
    starts = np.random.default_rng([seed, 11]).integers(2**31, size=episodes + s.eval_episodes)
    agent.exploring = True
    learning = [run_ant_episode(agent, robot, int(starts[e]), s.periods) for e in range(episodes)]
    if collector is not None:
        collector.end_episode()
    agent.exploring = False
    agent.collector = None
    agent.readout.stop_training()
    evals = [int(x) for x in starts[episodes:]]
    learned = [run_ant_episode(agent, robot, e, s.periods) for e in evals]
    initial = [run_fixed_gait(INITIAL_GAIT, robot, e, s.periods, s.period) for e in evals]
    gaits = random_gaits(np.random.default_rng([seed, 13]), s.random_draws)
    rand = [
        run_fixed_gait(g, robot, evals[i % len(evals)], s.periods, s.period)
        for i, g in enumerate(gaits)
    ]
    robot.close()
    return AntRun(*(np.array(v) for v in (learning, learned, initial, rand)))


def ant_experiment(
    runs: int = 10,
    seed: int = 0,
    episodes: int = 30,
    out: str | None = None,
    settings=DEFAULT_ANT,
    show_progress: bool = True,
) -> dict:
    """The experiment over ``runs`` seeds ``seed, seed + 1, ...`` (see :func:`ant_run`):
    per run the mean distance of the evaluation episodes of the learned agent, of the
    initial gait and of random gaits, and how many runs the learned gait beats both.
    With ``out``, writes the learning runs' episode logs (``ant_seed<S>.h5``, replacing
    an earlier run's).

    >>> r = ant_experiment(runs=1, episodes=1, settings=AntSettings(periods=2, eval_episodes=1), show_progress=False)
    >>> sorted(k for k in r if k.endswith('_distance'))
    ['initial_distance', 'learned_distance', 'random_distance']
    """
    per = {"learned": [], "initial": [], "random": []}
    learning = []
    for r in progress(range(runs), desc="adhdp ant", disable=not show_progress):
        s = seed + r
        log = EpisodeLog(os.path.join(out, f"ant_seed{s}.h5"), "w") if out else None
        try:
            run = ant_run(s, episodes, settings, collector=log)
        finally:
            if log is not None:
                log.close()
        for name in per:
            per[name].append(float(np.mean(getattr(run, name))))
        learning.append(run.learning.tolist())
    learned, initial, rand = (np.array(per[k]) for k in ("learned", "initial", "random"))
    wins = int(np.sum((learned > initial) & (learned > rand)))
    return {
        "runs": runs,
        "seed": seed,
        "episodes": episodes,
        "actor": settings.actor,
        "periods": settings.periods,
        "period": settings.period,
        "learned_distance": per["learned"],
        "initial_distance": per["initial"],
        "random_distance": per["random"],
        "learned_beats_both": wins,
        "_learning": learning,
    }


def format_ant(result: dict) -> str:
    """The table the command prints.

    >>> result = {"runs": 2, "seed": 0, "episodes": 40, "actor": "gradient", "periods": 20,
    ...           "period": 1.0, "learned_distance": [3.1, 2.4], "initial_distance": [2.0, 2.1],
    ...           "random_distance": [0.9, 2.6], "learned_beats_both": 1}
    >>> print(format_ant(result))
    Ant-v5, sine gait, 2 runs, 40 learning episodes (gradient); forward distance (m) in 20 s, mean of the evaluation episodes
     seed   learned   initial    random  beats both
        0      3.10      2.00      0.90  yes
        1      2.40      2.10      2.60  no
    the learned gait beats the initial and random gaits in 1 of 2 runs
    """
    seconds = result["periods"] * result["period"]
    lines = [
        f"Ant-v5, sine gait, {result['runs']} runs, {result['episodes']} learning episodes "
        f"({result['actor']}); forward distance (m) in {seconds:g} s, mean of the evaluation "
        "episodes",
        f"{'seed':>5} {'learned':>9} {'initial':>9} {'random':>9}  beats both",
    ]
    for k in range(result["runs"]):
        values = [result[f"{n}_distance"][k] for n in ("learned", "initial", "random")]
        win = values[0] > values[1] and values[0] > values[2]
        lines.append(
            f"{result['seed'] + k:>5} {values[0]:>9.2f} {values[1]:>9.2f} {values[2]:>9.2f}  "
            f"{'yes' if win else 'no'}"
        )
    lines.append(
        f"the learned gait beats the initial and random gaits in "
        f"{result['learned_beats_both']} of {result['runs']} runs"
    )
    return "\n".join(lines)


__doctest_requires__ = ("mujoco",)  # the root conftest skips the doctests without it

__all__ = [
    "AntSettings",
    "make_ant_agent",
    "random_gaits",
    "run_ant_episode",
    "run_fixed_gait",
    "ant_run",
    "ant_experiment",
    "format_ant",
]
