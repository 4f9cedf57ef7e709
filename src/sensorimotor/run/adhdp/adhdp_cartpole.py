"""The cart-pole experiment of ``sensorimotor adhdp cartpole``: Si and Wang's (2001)
direct HDP (two small networks, the default, ``--critic mlp``) or the state-feedback ADHDP
with a reservoir critic (``--critic esn``) learns to balance their cart-pole."""

from __future__ import annotations

import os
from typing import NamedTuple

import numpy as np

from sensorimotor.actorcritic import (
    CartPoleADP,
    CartPoleBalance,
    ChannelPolicy,
    LMSReadout,
    StabilizedRLS,
    StateFeedbackADHDP,
    TDReadout,
)
from sensorimotor.agents.direct_hdp.direct_hdp import DirectHDPConfig
from sensorimotor.agents.direct_hdp.direct_hdp_compiled import direct_hdp_batch
from sensorimotor.base.bounds import UNIT, check_value
from sensorimotor.envs.cartpole.cartpole_adp_jax import CartPoleADPJax, CartPoleADPParams
from sensorimotor.envs.cartpole.cartpole_adp_plant import SI_WANG_SCALES
from sensorimotor.run.adhdp.reservoir_settings import reservoir_from
from sensorimotor.run.episode_log import EpisodeLog
from sensorimotor.run.progress import progress


class CartPoleSettings(NamedTuple):
    """The cart-pole agent: a reservoir on [scaled state; force / 10 N] (strong inputs and
    biases: the critic needs the tanh's curvature for the state-action interaction), a
    critic readout trained by RLS-TD (``critic="rls_td"``, :class:`TDReadout`) or, as
    HDPy did, by RLS on the TD error (``"rls"``), and a linear actor (no bias) on the
    scaled state trained by LMS on the critic's gradient.

    The critic reads the reservoir and its 5 inputs (``reservoir_size + 5`` features):

    >>> agent, env = make_cartpole_agent(0, CartPoleSettings(reservoir_size=50, critic="rls"))
    >>> type(agent.readout).__name__, agent.readout.input_dim
    ('StabilizedRLS', 55)
    >>> make_cartpole_agent(0, CartPoleSettings(critic="lms"))
    Traceback (most recent call last):
    ...
    ValueError: critic must be 'rls_td' or 'rls', got 'lms'
    """

    reservoir_size: int = 200
    spectral_radius: float = 0.1
    leak_rate: float = 1.0
    input_scaling: float = 3.0
    bias_scaling: float = 1.0
    critic: str = "rls_td"
    gamma: float = 0.95
    alpha: float = 30.0
    actor_step_size: float = 0.3
    exploration: float = 0.1
    rls_lambda: float = 1.0
    rls_delta: float = 1.0
    balanced_steps: int = 6000
    actuator_noise: float = 0.0


DEFAULT_CARTPOLE = CartPoleSettings()


def make_cartpole_agent(seed: int, settings=DEFAULT_CARTPOLE, collector=None):
    """The state-feedback ADHDP of the experiment and its cart-pole, both from ``seed``.

    >>> agent, env = make_cartpole_agent(0)
    >>> print(agent.actor.input_dim, env.actuator_noise)
    4 0.0
    """
    s = settings
    env = CartPoleADP({"seed": seed, "actuator_noise": s.actuator_noise})
    reservoir = reservoir_from(s, 5, seed)
    if s.critic == "rls_td":
        critic = TDReadout(s.reservoir_size + 5, 1, lambda_=s.rls_lambda, delta=s.rls_delta)
    elif s.critic == "rls":
        critic = StabilizedRLS(s.reservoir_size + 5, 1, lambda_=s.rls_lambda, delta=s.rls_delta)
    else:
        raise ValueError(f"critic must be 'rls_td' or 'rls', got {s.critic!r}")
    actor = LMSReadout(4, 1, with_bias=False, step_size=s.actor_step_size)
    agent = StateFeedbackADHDP(
        reservoir,
        critic,
        actor,
        CartPoleBalance(),
        ChannelPolicy(env.m_channels),
        gamma=s.gamma,
        alpha=s.alpha,
        action_scale=env.max_force,
        exploration=s.exploration,
        seed=seed,
        collector=collector,
    )
    return agent, env


def run_cartpole(agent, env, max_trials: int, balanced_steps: int = 6000) -> tuple:
    """Trials until one balances ``balanced_steps`` steps or ``max_trials`` have failed:
    ``(trials needed or None, lengths of the trials)``.

    >>> agent, env = make_cartpole_agent(0)
    >>> trials, lengths = run_cartpole(agent, env, max_trials=2, balanced_steps=50)
    >>> len(lengths) <= 2
    True
    """
    lengths = []
    for trial in range(1, max_trials + 1):
        agent.new_episode(env.reset())
        while not agent.done and agent.num_step < balanced_steps:
            agent(env)
        lengths.append(agent.num_step)
        if not agent.done:
            if agent.collector is not None:
                agent.collector.end_episode()
            return trial, lengths
    return None, lengths


def cartpole_experiment(
    runs: int = 50,
    seed: int = 0,
    max_trials: int = 100,
    out: str | None = None,
    settings=DEFAULT_CARTPOLE,
    show_progress: bool = True,
) -> dict:
    """``runs`` runs (seeds ``seed, seed + 1, ...``), each until a trial balances
    ``settings.balanced_steps`` steps or ``max_trials`` trials failed. With ``out``,
    writes each run's episode log (``cartpole_seed<S>.h5``, large: every step; replacing
    an earlier run's).

    >>> r = cartpole_experiment(runs=1, max_trials=1, settings=CartPoleSettings(balanced_steps=20), show_progress=False)
    >>> r['runs'], len(r['trials'])
    (1, 1)
    """
    trials, lengths = [], []
    for r in progress(range(runs), desc="adhdp cartpole", disable=not show_progress):
        s = seed + r
        log = EpisodeLog(os.path.join(out, f"cartpole_seed{s}.h5"), "w") if out else None
        try:
            agent, env = make_cartpole_agent(s, settings, collector=log)
            t, ls = run_cartpole(agent, env, max_trials, settings.balanced_steps)
        finally:
            if log is not None:
                log.close()
        trials.append(t)
        lengths.append(ls)
    done = [t for t in trials if t is not None]
    return {
        "runs": runs,
        "seed": seed,
        "max_trials": max_trials,
        "balanced_steps": settings.balanced_steps,
        "actuator_noise": settings.actuator_noise,
        "successes": len(done),
        "trials": trials,
        "median_trials": float(np.median(done)) if done else None,
        "longest_trials": [max(ls) for ls in lengths],
        "critic": "esn",
        "_lengths": lengths,
    }


class DirectHDPSettings(NamedTuple):
    """The direct-HDP agent of the experiment (Si and Wang's group's program): the
    networks' ``config``, the state's ``scales`` (:data:`SI_WANG_SCALES`), ``bang_bang``
    control (+-10 N by the sign of the actor's output, their program's default), and the
    restart of a run whose last ``stuck_trials`` = 6 trials all failed within 5 steps of
    each other (their program's); ``balanced_steps`` = 6000 and the uniform
    ``actuator_noise``.

    >>> settings = DirectHDPSettings(actuator_noise=0.05)
    >>> settings.config.hidden, settings.config.gamma, settings.bang_bang
    (6, 0.95, True)
    >>> direct_hdp_experiment(runs=1, settings=DirectHDPSettings(actuator_noise=1.5))
    Traceback (most recent call last):
    ...
    ValueError: DirectHDPSettings.actuator_noise must be a finite number in [0, 1], got 1.5
    """

    config: DirectHDPConfig = DirectHDPConfig()
    scales: tuple = SI_WANG_SCALES
    bang_bang: bool = True
    stuck_trials: int = 6
    balanced_steps: int = 6000
    actuator_noise: float = 0.0


def direct_hdp_experiment(
    runs: int = 50, seed: int = 0, max_trials: int = 100, settings=None
) -> dict:
    """``runs`` runs of Si and Wang's direct HDP (seeds ``seed, seed + 1, ...``, the keys
    of :func:`~sensorimotor.agents.direct_hdp.direct_hdp_compiled.direct_hdp_batch`), compiled and
    run together; the same summary as :func:`cartpole_experiment`, with the ``restarts``
    of each run.

    >>> r = direct_hdp_experiment(runs=2, max_trials=2)
    >>> r['runs'], len(r['trials']), r['critic']
    (2, 2, 'mlp')
    """
    s = DirectHDPSettings() if settings is None else settings
    check_value("DirectHDPSettings", "actuator_noise", s.actuator_noise, UNIT)
    env_params = CartPoleADPParams(actuator_noise=s.actuator_noise, max_steps=s.balanced_steps + 1)
    batch = direct_hdp_batch(
        list(range(seed, seed + runs)),
        CartPoleADPJax(),
        env_params,
        s.config,
        s.scales,
        max_trials,
        s.balanced_steps,
        s.bang_bang,
        s.stuck_trials,
    )
    trials = [int(t) or None for t in np.asarray(batch.trials)]
    lengths = [[int(n) for n in row if n > 0] for row in np.asarray(batch.lengths)]
    done = [t for t in trials if t is not None]
    return {
        "runs": runs,
        "seed": seed,
        "max_trials": max_trials,
        "balanced_steps": s.balanced_steps,
        "actuator_noise": s.actuator_noise,
        "critic": "mlp",
        "successes": len(done),
        "trials": trials,
        "median_trials": float(np.median(done)) if done else None,
        "longest_trials": [max(ls) for ls in lengths],
        "restarts": [int(n) for n in np.asarray(batch.restarts)],
        "_lengths": lengths,
    }


def format_cartpole(result: dict) -> str:
    """The table the command prints.

    >>> result = {"critic": "mlp", "runs": 2, "seed": 0, "actuator_noise": 0.0,
    ...           "max_trials": 100, "successes": 1, "trials": [12, None],
    ...           "longest_trials": [600, 84], "balanced_steps": 600}
    >>> print(format_cartpole(result))
    cart-pole (Si and Wang 2001), direct HDP (MLP critic), 2 runs (seeds 0..1), actuator noise 0%
    balanced 600 steps within 100 trials: 1/2 (50%)
    longest trial per run: median 342 steps, min 84, max 600
    trials needed: median 12, min 12, max 12
    """
    done = [t for t in result["trials"] if t is not None]
    agent = {"mlp": "direct HDP (MLP critic)", "esn": "state-feedback ADHDP (ESN critic)"}
    lines = [
        f"cart-pole (Si and Wang 2001), {agent[result['critic']]}, {result['runs']} runs (seeds {result['seed']}.."
        f"{result['seed'] + result['runs'] - 1}), actuator noise {result['actuator_noise']:.0%}",
        f"balanced {result.get('balanced_steps', 6000)} steps within {result['max_trials']} trials: "
        f"{result['successes']}/{result['runs']} ({result['successes'] / max(result['runs'], 1):.0%})",
    ]
    longest = result["longest_trials"]
    lines.append(
        f"longest trial per run: median {np.median(longest):.0f} steps, "
        f"min {min(longest)}, max {max(longest)}"
    )
    if done:
        lines.append(
            f"trials needed: median {np.median(done):.0f}, min {min(done)}, max {max(done)}"
        )
    if "restarts" in result:
        lines.append(f"restarts (stuck runs re-initialised): {sum(result['restarts'])} in all")
    return "\n".join(lines)


__all__ = [
    "CartPoleSettings",
    "DirectHDPSettings",
    "direct_hdp_experiment",
    "make_cartpole_agent",
    "run_cartpole",
    "cartpole_experiment",
    "format_cartpole",
]
