"""How long an environment lets an episode last: its own limit (Gymnasium's ``TimeLimit``),
if it has one."""

from __future__ import annotations

import gymnasium as gym

__all__ = ["episode_step_limit"]


def episode_step_limit(env) -> int | None:
    """The number of steps after which ``env`` truncates an episode: the outermost
    ``TimeLimit`` wrapper's, else ``env.spec.max_episode_steps``; ``None`` when it has
    neither (a raw class rather than ``gym.make``'s), and an episode may go on for ever.

    >>> import gymnasium as gym
    >>> from gymnasium.envs.classic_control import CartPoleEnv
    >>> episode_step_limit(gym.make("CartPole-v1")), episode_step_limit(CartPoleEnv())
    (500, None)
    >>> episode_step_limit(gym.wrappers.TimeLimit(CartPoleEnv(), 200))
    200
    """
    inner = env
    while isinstance(inner, gym.Wrapper):
        if isinstance(inner, gym.wrappers.TimeLimit):
            return int(inner._max_episode_steps)
        inner = inner.env
    return getattr(getattr(env, "spec", None), "max_episode_steps", None) or None
