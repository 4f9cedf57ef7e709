"""Figures of the actor-critic experiments (PNG, matplotlib's Agg backend): episode
lengths, TD errors, the critic over the action space."""

from __future__ import annotations

import numpy as np

from sensorimotor.run.plotting import agg_pyplot


def plot_episode_lengths(path: str, series: dict, title: str = "", ylabel: str = "steps") -> str:
    """Median (line) and quartiles (band) over runs of the episode length per episode, one
    curve per entry of ``series`` (name -> array ``(runs, episodes)``).

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     png = plot_episode_lengths(os.path.join(tmp, 'l.png'), {'a': np.ones((2, 5))})
    ...     print(os.path.getsize(png) > 1000)
    True
    """
    plt = agg_pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for name, rows in series.items():
        rows = np.asarray(rows, dtype=np.float64)
        x = np.arange(1, rows.shape[1] + 1)
        lo, mid, hi = np.percentile(rows, [25, 50, 75], axis=0)
        ax.plot(x, mid, label=name)
        ax.fill_between(x, lo, hi, alpha=0.2)
    ax.set_xlabel("episode")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_td_error(path: str, episodes: list, title: str = "") -> str:
    """Mean absolute TD error and return per episode, from an episode log read back
    (``read_episodes``): per episode of ``T`` steps, ``mean_t |td_error_t|`` and
    ``sum_t reward_t``.

    >>> import os, tempfile
    >>> episodes = [{"td_error": np.array([0.5, -0.2]), "reward": np.array([0.0, -1.0])}] * 3
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     png = plot_td_error(os.path.join(tmp, "td.png"), episodes, "three episodes")
    ...     print(os.path.getsize(png) > 1000)
    True
    """
    plt = agg_pyplot()
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(6.5, 5), sharex=True)
    x = np.arange(1, len(episodes) + 1)
    a1.plot(x, [np.mean(np.abs(e["td_error"])) for e in episodes], ".-")
    a1.set_ylabel("mean |TD error|")
    a2.plot(x, [np.sum(e["reward"]) for e in episodes], ".-")
    a2.set_ylabel("return")
    a2.set_xlabel("episode")
    a1.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_critic_over_action(path: str, agent, states: dict, actions, xlabel="action") -> str:
    """The critic :math:`J(s, a)` over ``actions`` (a 1-D grid) at each named state of
    ``states`` (name -> plant state vector), from the agent's current reservoir state.

    >>> import os, tempfile
    >>> from sensorimotor.run.adhdp.adhdp_epuck import make_epuck_agent
    >>> agent = make_epuck_agent(0)  # frontal sensors (3) -> critic over the turn
    >>> states = {"free": np.ones(3), "obstacle ahead": np.array([0.5, 1.0, 1.0]) / 15.0}
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     turns = np.linspace(-np.pi, np.pi, 9)
    ...     png = plot_critic_over_action(os.path.join(tmp, "critic.png"), agent, states, turns)
    ...     print(os.path.getsize(png) > 1000)
    True
    """
    plt = agg_pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    actions = np.asarray(actions, dtype=np.float64)
    for name, state in states.items():
        ax.plot(actions, [agent.critic(state, np.array([a])) for a in actions], label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("J(s, a)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


__all__ = ["plot_episode_lengths", "plot_td_error", "plot_critic_over_action"]
