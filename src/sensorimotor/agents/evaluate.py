"""Evaluate an agent: its mean and standard deviation of returns over whole episodes
(SB3's ``evaluate_policy``)."""

from __future__ import annotations

import numpy as np

from sensorimotor.agents.agent import make_env
from sensorimotor.base.bounds import check_count

__all__ = ["evaluate"]


def evaluate(agent, env, n_episodes: int = 10, *, deterministic: bool = True, seed: int = 0):
    r"""``(mean, std)`` of the undiscounted returns of ``n_episodes`` episodes of ``env``
    (a Gymnasium env or id) played by ``agent.predict`` (greedy by default).

    Episode :math:`i` starts from ``env.reset(seed=seed + i)``, so an evaluation is
    repeatable; an episode ends when the env terminates or truncates it. (SB3's
    ``evaluate_policy`` does not reseed: its episodes follow the env's own generator. Both
    report the population standard deviation.)

    >>> import gymnasium as gym
    >>> class Left:
    ...     def predict(self, obs, deterministic=True):
    ...         return 0, None
    >>> mean, std = evaluate(Left(), "CartPole-v1", 3)
    >>> print(mean < 20, std >= 0)
    True True
    """
    n_episodes = check_count("n_episodes", n_episodes)
    env, _ = make_env(env)
    returns = []
    for i in range(n_episodes):
        obs, _ = env.reset(seed=seed + i)
        total, done = 0.0, False
        while not done:
            action, _ = agent.predict(obs, deterministic=deterministic)
            obs, reward, terminated, truncated, _ = env.step(action)
            total += float(reward)
            done = terminated or truncated
        returns.append(total)
    returns = np.asarray(returns)
    return float(returns.mean()), float(returns.std())
