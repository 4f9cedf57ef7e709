"""HDPy's ``Policy``: how an (abstract) action becomes the motor signals of one control
period."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from sensorimotor.base.bounds import COUNT, check_flag, check_value, is_int
from sensorimotor.nets.reservoir import check_input
from sensorimotor.signals import Channel, ChannelSet

TWO_PI = 2.0 * math.pi


class Policy:
    """The template of an actor-critic policy (HDPy's ``Policy``).

    - ``action_space_dim()``: the action's dimension;
    - ``initial_action()``: a valid action before the actor acts, shape
      ``(action_space_dim(),)``;
    - ``update(action)``: take the action the actor chose (already passed through
      ``bound``);
    - ``motor_signals(s_signal)``: the motor signals (dicts of channels) the current action
      produces over one control period, given the latest sensory signal (``None`` before
      the first): HDPy's motor-target iterator, so that an action may be abstract (gait
      parameters, a turn relative to the robot's pose) and a control period several
      environment steps;
    - ``bound(action)``: the action brought into its valid set (clipped, wrapped);
    - ``reset()``: back to the initial action at a new episode.

    >>> class Push(Policy):
    ...     def motor_signals(self, s_signal):
    ...         return [{'force': float(self.action[0])}] * 2
    >>> policy = Push(action_space_dim=1)
    >>> policy.update(np.array([3.0]))
    >>> policy.motor_signals(None)
    [{'force': 3.0}, {'force': 3.0}]
    """

    def __init__(self, action_space_dim: int = 1, initial=None):
        # int() took 1.5 as 1 and 0 as an action of nothing, which no actor can improve
        self._dim = int(
            check_value(type(self).__name__, "action_space_dim", action_space_dim, COUNT)
        )
        initial = np.zeros(self._dim) if initial is None else initial
        self._initial = check_input("initial", initial, (self._dim,), np.float64).copy()
        self.action = self._initial.copy()

    def action_space_dim(self) -> int:
        return self._dim

    def initial_action(self) -> np.ndarray:
        return self._initial.copy()

    def update(self, action) -> None:
        self.action = check_input("action", action, (self._dim,), np.float64).copy()

    def bound(self, action) -> np.ndarray:
        return action

    def reset(self) -> None:
        self.action = self.initial_action()

    def motor_signals(self, s_signal):
        raise NotImplementedError


class ChannelPolicy(Policy):
    """The action is the motor signal: one value per channel of ``m_channels``, clipped to
    the channels' bounds, sent ``repeat`` times per control period.

    >>> from sensorimotor.envs import CartPoleADP
    >>> policy = ChannelPolicy(CartPoleADP().m_channels)
    >>> policy.bound(np.array([12.5])), policy.motor_signals(None)
    (array([10.]), [{'force': 0.0}])
    """

    def __init__(self, m_channels, initial=None, repeat: int = 1):
        if isinstance(m_channels, Channel) or not isinstance(m_channels, Iterable):
            # a Gymnasium action space is the likely mistake: "'Box' object is not iterable"
            raise TypeError(
                "ChannelPolicy: m_channels must be a list of Channel (an Environment's "
                f"m_channels), got {m_channels!r}"
            )
        self.m_set = ChannelSet(m_channels)
        if not len(self.m_set):
            raise ValueError("ChannelPolicy: m_channels is empty: an action of no channel")
        if not is_int(repeat) or repeat < 1:
            raise ValueError(f"repeat must be a positive int, got {repeat!r}")
        self.repeat = int(repeat)
        self.low, self.high = self.m_set.low, self.m_set.high
        super().__init__(len(self.m_set), initial)

    def bound(self, action) -> np.ndarray:
        return np.clip(action, self.low, self.high)

    def motor_signals(self, s_signal):
        return [self.m_set.from_array(self.action)] * self.repeat


class HeadingPolicy(Policy):
    """The ePuck's heading as action (HDPy's ``Heading``).

    ``relative=True`` (default): the action is a turn in ``[-pi, pi)`` from the robot's
    current ``pose`` (read from the latest sensory signal), so that the same action means
    the same thing to the robot wherever it faces; the motor signal is ``heading = pose +
    turn``. ``relative=False``: the action is the absolute heading in ``[0, 2 pi)``. HDPy
    left the choice to its robot classes.

    >>> policy = HeadingPolicy(initial=0.5)
    >>> policy.motor_signals({'pose': 1.0})
    [{'heading': 1.5}]
    >>> print(policy.bound(np.array([4.0])).round(4))
    [-2.2832]
    """

    def __init__(self, relative: bool = True, initial=0.0):
        self.relative = check_flag("relative", relative)  # "no" was read as True
        # no float cast here: it read "1.5" as 1.5 and True as 1.0, which Policy refuses
        super().__init__(1, None if initial is None else np.atleast_1d(initial))

    def bound(self, action) -> np.ndarray:
        if self.relative:
            return (action + math.pi) % TWO_PI - math.pi
        return action % TWO_PI

    def motor_signals(self, s_signal):
        heading = float(self.action[0])
        if self.relative:
            if s_signal is not None and "pose" not in s_signal:
                raise ValueError(
                    "HeadingPolicy(relative=True) turns from the robot's pose: the sensory "
                    f"signal has no 'pose' channel (it has {sorted(s_signal)})"
                )
            pose = 0.0 if s_signal is None else float(s_signal["pose"])
            heading = (pose + heading) % TWO_PI
        return [{"heading": heading}]


__all__ = ["Policy", "ChannelPolicy", "HeadingPolicy"]
