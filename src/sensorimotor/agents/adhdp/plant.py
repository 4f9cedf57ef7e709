"""HDPy's ``Plant``: what the actor-critic sees of its environment (a state vector and a
reward from each sensory signal)."""

from __future__ import annotations

import numpy as np


class Plant:
    """The template of an actor-critic plant (HDPy's ``Plant``).

    A plant turns the sensory signal of one control period (a dict of channels) into

    - ``state_input(s_signal)``: the state part of the critic's input, a finite float
      vector of shape ``(state_space_dim(),)`` (normalised by the plant, e.g. to
      ``[0, 1]``);
    - ``reward(s_signal)``: a scalar reward;
    - ``terminal(s_signal)``: whether the episode ends there (a crash, a failure; not the
      time limit, which the experiment owns). The default is ``False``: HDPy's plants had
      no terminal states.

    and ``reset()`` at a new episode. Optionally ``truncated(s_signal)``: whether the
    environment cut the episode short there (Gymnasium's time limit, as ``GymPlant`` reads
    it): :class:`~sensorimotor.agents.adhdp.actor_critic.ActorCritic` then ends the control
    period early, as at a terminal state, but still bootstraps from that state (the task
    did not end); the experiment's loop starts the next episode. Any object with these
    methods serves (duck typing): the ePuck's ``CollisionAvoidance`` plants, the
    cart-pole's ``CartPoleBalance`` and the Gymnasium bridge's ``GymPlant`` live beside
    their environments in :mod:`sensorimotor.envs` (``envs`` sits below the agents and
    cannot name this class).

    >>> class Distance(Plant):
    ...     def state_space_dim(self): return 1
    ...     def state_input(self, s): return np.array([s['d'] / 10.0])
    ...     def reward(self, s): return -abs(s['d'])
    >>> plant = Distance()
    >>> print(plant.reward({'d': 2.0}), plant.state_input({'d': 2.0}), plant.terminal({'d': 2.0}))
    -2.0 [0.2] False
    """

    def state_space_dim(self) -> int:
        raise NotImplementedError

    def state_input(self, s_signal) -> np.ndarray:
        raise NotImplementedError

    def reward(self, s_signal) -> float:
        raise NotImplementedError

    def terminal(self, s_signal) -> bool:
        return False

    def reset(self) -> None:
        """Reset at a new episode (default: nothing)."""


def check_plant(plant) -> None:
    """Refuse an object without the methods of a :class:`Plant` (a ``TypeError`` naming the
    first missing one).

    >>> check_plant(object())
    Traceback (most recent call last):
    ...
    TypeError: plant: object has no method state_space_dim (see Plant)
    """
    for name in ("state_space_dim", "state_input", "reward"):
        if not callable(getattr(plant, name, None)):
            raise TypeError(f"plant: {type(plant).__name__} has no method {name} (see Plant)")


__all__ = ["Plant", "check_plant"]
