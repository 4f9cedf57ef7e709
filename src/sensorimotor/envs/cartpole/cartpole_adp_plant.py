"""The cart-pole's balancing plant for the actor-critic: the scaled state and the failure
signal of ``CartPoleADP``."""

import math

import numpy as np

from sensorimotor.signals import channel_value

# The scales that bring each variable to about [-1, 1] while the pole is up: the failure
# bounds for x and theta, and speeds the balancing cart and pole rarely exceed.
STATE_CHANNELS = ("x", "x_dot", "theta", "theta_dot")
STATE_SCALES = (2.4, 2.0, 12.0 * math.pi / 180.0, 3.0)
# Si and Wang's group's normalisation (their simulation program): the failure bounds, 1.5
# m/s and 120 degrees/s.
SI_WANG_SCALES = (2.4, 1.5, 12.0 * math.pi / 180.0, 120.0 * math.pi / 180.0)


class CartPoleBalance:
    """An HDPy ``Plant`` for ``CartPoleADP``: state ``(x, x_dot, theta, theta_dot) /
    scales`` (shape ``(4,)``), reward the ``reward`` channel (-1 at a failure, else 0, Si
    and Wang's), terminal at a failure. A missing or non-finite channel raises a
    ``SignalError`` naming it.

    >>> plant = CartPoleBalance()
    >>> s = {'x': 1.2, 'x_dot': 0.0, 'theta': 0.0, 'theta_dot': 0.0, 'reward': 0.0}
    >>> plant.state_input(s).tolist(), plant.reward(s), plant.terminal(s)
    ([0.5, 0.0, 0.0, 0.0], 0.0, False)
    """

    def __init__(self, scales=STATE_SCALES):
        scales = np.asarray(scales, dtype=np.float64)
        if scales.shape != (4,) or not np.all(np.isfinite(scales)) or np.any(scales <= 0):
            raise ValueError(f"scales must be 4 positive numbers, got {scales.tolist()}")
        self.scales = scales

    def state_space_dim(self) -> int:
        return 4

    def state_input(self, s_signal) -> np.ndarray:
        return np.array([channel_value(s_signal, n) for n in STATE_CHANNELS]) / self.scales

    def reward(self, s_signal) -> float:
        return channel_value(s_signal, "reward")

    def terminal(self, s_signal) -> bool:
        return channel_value(s_signal, "reward") < 0.0

    def reset(self) -> None:
        """Nothing to reset."""

    def __repr__(self) -> str:
        return f"CartPoleBalance(scales={self.scales.tolist()})"
