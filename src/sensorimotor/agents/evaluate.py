"""Evaluate an agent: its mean and standard deviation of returns over whole episodes
(SB3's ``evaluate_policy``)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from sensorimotor.agents.agent import Agent, make_env
from sensorimotor.base.bounds import check_count

__all__ = ["check_agent_fits", "evaluate"]


def evaluate(
    agent,
    env,
    n_episodes: int = 10,
    *,
    deterministic: bool = True,
    seed: int = 0,
    max_episode_steps: int | None = None,
):
    r"""``(mean, std)`` of the undiscounted returns of ``n_episodes`` episodes of ``env``
    (a Gymnasium env or id) played by ``agent.predict`` (greedy by default).

    Episode :math:`i` starts from ``env.reset(seed=seed + i)``, so an evaluation is
    repeatable; an episode ends when the env terminates or truncates it, or after
    ``max_episode_steps`` steps if given: an env that never ends an episode itself (a raw
    class such as ``CartPoleEnv()``, without ``gym.make``'s ``TimeLimit``) needs it, else
    a good policy plays its first episode for ever (as with SB3's ``evaluate_policy``).
    (SB3's ``evaluate_policy`` does not reseed: its episodes follow the env's own
    generator. Both report the population standard deviation.)

    >>> import gymnasium as gym
    >>> class Left:
    ...     def predict(self, obs, deterministic=True):
    ...         return 0, None
    >>> mean, std = evaluate(Left(), "CartPole-v1", 3)
    >>> print(mean < 20, std >= 0)
    True True
    >>> from gymnasium.envs.classic_control import CartPoleEnv  # no TimeLimit: no end
    >>> class Balance:  # a linear controller that keeps the pole up and the cart near 0
    ...     def predict(self, obs, deterministic=True):
    ...         return int(0.1 * obs[0] + 0.5 * obs[1] + 10 * obs[2] + 2 * obs[3] > 0), None
    >>> evaluate(Balance(), CartPoleEnv(), 2, max_episode_steps=1000)
    (1000.0, 0.0)
    """
    n_episodes = check_count("n_episodes", n_episodes)
    env, _ = make_env(env)
    cap = None if max_episode_steps is None else check_count("max_episode_steps", max_episode_steps)
    check_agent_fits(agent, env)
    returns = []
    for i in range(n_episodes):
        obs, _ = env.reset(seed=seed + i)
        total, done, length = 0.0, False, 0
        while not done:
            action, _ = agent.predict(obs, deterministic=deterministic)
            obs, reward, terminated, truncated, _ = env.step(action)
            total += float(reward)
            length += 1
            done = terminated or truncated or length == cap
        returns.append(total)
    returns = np.asarray(returns)
    return float(returns.mean()), float(returns.std())


def check_agent_fits(agent, env) -> None:
    """A ``ValueError`` naming both when ``env``'s observations are not the shape ``agent``
    was made for (an agent of the library: it has ``observation_shape``), or, for an agent
    of the library, when its actions are not those of ``env``'s action space; an agent of
    the user's own is not checked. Before, a CartPole agent on Acrobot said ``obs has shape
    (6,); expected (4,)``, naming neither, and a MountainCar-v0 DQN on
    MountainCarContinuous-v0 (the same observations) failed inside the env's ``step``.

    >>> import gymnasium as gym
    >>> class Agent4:
    ...     observation_shape = (4,)
    >>> check_agent_fits(Agent4(), gym.make("Acrobot-v1"))
    Traceback (most recent call last):
    ...
    ValueError: the agent (Agent4) takes observations of shape (4,), but the environment Acrobot-v1 gives (6,): not the environment it was made for
    """
    want = getattr(agent, "observation_shape", None)
    space = getattr(env, "observation_space", None)
    name = getattr(getattr(env, "spec", None), "id", None) or type(env).__name__
    if want is not None and isinstance(space, gym.spaces.Box):  # else the agent says what
        have = tuple(int(d) for d in space.shape)
        if have != tuple(want):
            raise ValueError(
                f"the agent ({type(agent).__name__}) takes observations of shape "
                f"{tuple(want)}, but the environment {name} gives {tuple(have)}: not the "
                "environment it was made for"
            )
    if isinstance(agent, Agent):
        mine = agent.action_space_differs(env.action_space)
        if mine is not None:
            raise ValueError(
                f"the agent ({type(agent).__name__}) acts in {mine}, but the environment "
                f"{name} has the action space {env.action_space}: not the environment it "
                "was made for"
            )
