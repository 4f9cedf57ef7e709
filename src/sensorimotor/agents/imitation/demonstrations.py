"""Demonstrations for imitation: pairs of observations and the expert's actions, from
arrays, from any object with ``.s`` (sensors: the observations) and ``.m`` (motors: the
actions) arrays such as the records of an observation log
(``sensorimotor.run.observation_log.read_log``), or played by an expert.

A pair is the observation the action was chosen on and that action
(:func:`collect_demonstrations` records the observation before the step). A log record's
``s`` is instead the feedback its ``m`` produced: see
``sensorimotor.run.imitation.read_demonstrations``.

An expert is any object with SB3's ``predict(obs, deterministic=True) -> (action, _)``: a
trained agent (``DQN.load(path)``, ``Reinforce.load(path)``) or a scripted controller.

>>> class Right:
...     def predict(self, obs, deterministic=True):
...         return 1, None
>>> demos, returns = collect_demonstrations(Right(), "CartPole-v1", 2)
>>> print(demos.observations.shape[1], demos.actions[:3], len(returns))
4 [1 1 1] 2
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from gymnasium import spaces as gym_spaces

from sensorimotor.agents.agent import make_env
from sensorimotor.agents.evaluate import check_agent_fits
from sensorimotor.base.bounds import check_count

__all__ = ["Demonstrations", "as_demonstrations", "collect_demonstrations", "expert_action"]


class Demonstrations(NamedTuple):
    """``observations (N, *obs_shape)`` and the actions taken there, ``(N,)`` ints or
    ``(N, n)`` floats.

    >>> demos = Demonstrations(np.zeros((3, 4), np.float32), np.array([0, 1, 1]))
    >>> observations, actions = demos  # a pair, as a learner's ``learn`` takes it
    >>> print(len(demos), observations.shape, actions.tolist())
    3 (3, 4) [0, 1, 1]
    """

    observations: np.ndarray
    actions: np.ndarray

    def __len__(self) -> int:
        return len(self.observations)


def as_demonstrations(data, name: str = "demonstrations") -> Demonstrations:
    """``data`` as :class:`Demonstrations`: one already, a pair ``(observations,
    actions)``, or an object with ``.s`` and ``.m`` arrays (an observation log's records);
    a ``TypeError`` naming ``name`` for anything else, a ``ValueError`` when the two
    disagree in length or are empty (shapes and values are the agent's to check).

    >>> demos = as_demonstrations((np.zeros((3, 2)), [0, 1, 1]))
    >>> print(len(demos), demos.actions)
    3 [0, 1, 1]
    """
    if isinstance(data, Demonstrations):
        obs, actions = data
    elif hasattr(data, "s") and hasattr(data, "m"):
        obs, actions = data.s, data.m
    elif isinstance(data, tuple | list) and len(data) == 2:
        obs, actions = data
    else:
        raise TypeError(
            f"{name} must be Demonstrations, a pair (observations, actions) or an object "
            f"with .s and .m arrays (an observation log's records), got {type(data).__name__}"
        )
    try:
        n_obs, n_act = len(obs), len(actions)
    except TypeError:
        raise TypeError(f"{name}: observations and actions must be arrays") from None
    if n_obs != n_act:
        raise ValueError(f"{name}: {n_obs} observations but {n_act} actions")
    if n_obs == 0:
        raise ValueError(f"{name} is empty")
    return Demonstrations(obs, actions)


def collect_demonstrations(
    expert, env, n_episodes: int, *, seed: int = 0, max_episode_steps: int | None = None
):
    """``(Demonstrations, returns)``: ``n_episodes`` whole episodes of ``env`` (an env or
    an id) played by ``expert.predict(obs, deterministic=True)``, episode ``i`` from
    ``env.reset(seed=seed + i)``; ``returns`` their undiscounted returns ``(n_episodes,)``.
    An episode ends when the env ends it, or after ``max_episode_steps`` steps if given
    (as in ``evaluate``: for an env that never ends an episode itself).

    >>> class Balance:  # a scripted expert: push the way the pole falls
    ...     def predict(self, obs, deterministic=True):
    ...         return int(obs[2] + obs[3] > 0), None
    >>> demos, returns = collect_demonstrations(Balance(), "CartPole-v1", n_episodes=2)
    >>> print(demos.observations.shape[1:], returns.shape, len(demos) == returns.sum())  # 1 a step
    (4,) (2,) True
    """
    n_episodes = check_count("n_episodes", n_episodes)
    if not callable(getattr(expert, "predict", None)):
        raise TypeError(f"expert must have predict(obs) -> (action, state), got {expert!r}")
    env, _ = make_env(env)
    cap = None if max_episode_steps is None else check_count("max_episode_steps", max_episode_steps)
    check_agent_fits(expert, env)
    observations, actions, returns = [], [], []
    for i in range(n_episodes):
        obs, _ = env.reset(seed=seed + i)
        total, done, length = 0.0, False, 0
        while not done:
            action = expert_action(expert, obs, env.action_space)
            # copies: an env (or expert) may update the array it returned in place
            observations.append(np.array(obs, np.float32))
            actions.append(np.array(action))
            obs, reward, terminated, truncated, _ = env.step(action)
            total += float(reward)
            length += 1
            done = terminated or truncated or length == cap
        returns.append(total)
    return Demonstrations(np.stack(observations), np.stack(actions)), np.asarray(returns)


def expert_action(expert, obs, action_space):
    """``expert.predict(obs, deterministic=True)``'s action, checked against the
    environment's ``action_space`` before it is executed or learned: an action outside it
    (5 in ``Discrete(2)``, NaN, 7.0 in ``Box(-2, 2)``, a wrong shape) is a ``ValueError``
    naming the expert, not a Gymnasium assertion or a NaN found later in training.

    >>> import gymnasium as gym
    >>> class Pushy:
    ...     def predict(self, obs, deterministic=True):
    ...         return 5, None
    >>> expert_action(Pushy(), None, gym.spaces.Discrete(2))
    Traceback (most recent call last):
    ...
    ValueError: the expert's action 5 is not in the environment's action space Discrete(2)
    """
    action, _ = expert.predict(obs, deterministic=True)
    try:
        ok = action_space.contains(
            action
            if isinstance(action_space, gym_spaces.Discrete)
            else np.asarray(action, dtype=action_space.dtype)
        )
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            f"the expert's action {action!r} is not in the environment's action space "
            f"{action_space}"
        )
    return action
