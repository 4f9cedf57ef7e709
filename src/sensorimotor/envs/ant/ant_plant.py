"""The Ant's walking plant for the actor-critic: reward the distance covered forward."""

import numpy as np

from sensorimotor.signals import channel_value

# The torso's height about its standing 0.55 m, its uprightness, and its speeds (a gait
# rarely passes 2 m/s): each about within [-1, 1] while the Ant walks.
STATE_CHANNELS = ("z", "up", "vx", "vy")
STATE_OFFSETS = (0.55, 0.0, 0.0, 0.0)
STATE_SCALES = (0.25, 1.0, 2.0, 2.0)


class ForwardDistance:
    r"""An HDPy ``Plant`` for :class:`~sensorimotor.envs.ant.ant_gait.AntGait` (the role of
    HDPy's Puppy plants): the reward of a control period is the distance the torso covered
    forward (along ``+x``) in it,

    .. math::  r_{t+1} = x_{t+1} - x_t,

    from the ``x`` channel (the forward position from the episode's start). The plant
    remembers the ``x`` of the last signal it rewarded; ``reset()`` sets it to 0, the
    start's. So ``reward`` is called once per control period, as the actor-critic does.
    The state is ``(z - 0.55, up, vx, vy) / (0.25, 1, 2, 2)`` (shape ``(4,)``); a state is
    terminal when the Ant has flipped (``up < 0``: its torso's vertical points down). A
    missing or non-finite channel raises a ``SignalError`` naming it, the plant unchanged.

    >>> plant = ForwardDistance()
    >>> s = {'x': 0.3, 'z': 0.55, 'up': 1.0, 'vx': 0.6, 'vy': 0.0}
    >>> plant.reward(s), plant.reward(s | {'x': 0.5}), plant.terminal(s)
    (0.3, 0.2, False)
    >>> plant.state_input(s).tolist()
    [0.0, 1.0, 0.3, 0.0]
    """

    def __init__(self):
        self.offsets = np.array(STATE_OFFSETS)
        self.scales = np.array(STATE_SCALES)
        self.x = 0.0

    def state_space_dim(self) -> int:
        return len(STATE_CHANNELS)

    def state_input(self, s_signal) -> np.ndarray:
        values = np.array([channel_value(s_signal, n) for n in STATE_CHANNELS])
        return (values - self.offsets) / self.scales

    def reward(self, s_signal) -> float:
        """The forward distance since the last rewarded signal (the start after ``reset``)."""
        x = channel_value(s_signal, "x")
        distance, self.x = x - self.x, x
        return distance

    def terminal(self, s_signal) -> bool:
        return channel_value(s_signal, "up") < 0.0

    def reset(self) -> None:
        """A new episode: the distance counts from the start (``x = 0``)."""
        self.x = 0.0

    def __repr__(self) -> str:
        return "ForwardDistance()"


__all__ = ["ForwardDistance"]
