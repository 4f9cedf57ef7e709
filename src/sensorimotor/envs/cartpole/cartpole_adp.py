"""Si and Wang's (2001) cart-pole, a force in newtons in, the plant's state out."""

import math

import numpy as np

from sensorimotor.base.bounds import NON_NEGATIVE, POSITIVE, Bounds, check_value, is_real
from sensorimotor.envs.cartpole.cartpole_dynamics import (
    CartPoleParams,
    cartpole_failed,
    cartpole_step,
)
from sensorimotor.envs.environment import Environment
from sensorimotor.signals import Channel


class CartPoleADP(Environment):
    """The cart-pole of the adaptive-critic literature: continuous force, failure signal.

    Si and Wang's (2001) setting: Euler steps of 0.02 s under a force in ``[-10, 10]`` N,
    failure when ``|theta| > 12`` degrees or ``|x| > 2.4`` m, reward -1 at a failure and
    0 otherwise. Each trial starts from a random state (each variable uniform in
    ``+-init_range`` = 0.05, as Gymnasium's cart-pole): from the exact zero state a
    controller without bias terms balances forever and learns nothing.

    ===========  =================================================  ==================
    channels     meaning                                            bounds
    ===========  =================================================  ==================
    ``force``    the force on the cart, N (commands clipped)        ``+-max_force``
    ``x``        cart position after the step, m                    ``+-2.4``
    ``x_dot``    cart velocity, m/s                                 unbounded
    ``theta``    pole angle from upright, rad                       ``+-12`` degrees
    ``theta_dot`` its rate, rad/s                                   unbounded
    ``reward``   -1 if the step failed, else 0                      ``[-1, 0]``
    ===========  =================================================  ==================

    The dynamics are ``cartpole_step``: Barto, Sutton and Anderson's (1983) equations,
    which Si and Wang used, with Barto et al.'s friction by default (``cart_friction`` =
    0.0005 on the track, ``pole_friction`` = 0.000002 at the hinge; these are Barto's
    values, recalled, not checked against Si and Wang's text). Set both to 0 for
    Gymnasium's frictionless cart-pole. ``actuator_noise`` = ``eta`` multiplies the
    applied force by ``1 + u``, ``u`` uniform in ``[-eta, eta]`` (Si and Wang's "uniform
    5%" setting is 0.05); the feedback reports the commanded force.

    A trial runs until a failure. The next ``execute`` begins a new trial from a fresh
    random start and applies its force there (``trials`` counts them); call ``reset()``
    to begin one explicitly and observe its start. ``state`` is ``(x, x_dot, theta,
    theta_dot)``, ``failed`` whether the last step failed, ``steps`` the steps of the
    current trial. A refused motor signal changes nothing. ``meta``, if a dict, receives
    ``'failed'`` and ``'trial'``.

    Config (``defcfg``): ``seed`` (``None``), ``actuator_noise`` (0), ``cart_friction``,
    ``pole_friction``, ``init_range`` (0.05), ``max_force`` (10 N).

    >>> plant = CartPoleADP({'seed': 0})
    >>> start = plant.reset()
    >>> s = plant.execute({'force': 10.0})['s_signal']
    >>> round(s['x_dot'] - start['x_dot'], 4), s['reward']  # pushed right for 0.02 s
    (0.195, 0.0)
    """

    defcfg = {
        "seed": None,
        "actuator_noise": 0.0,
        "cart_friction": 0.0005,
        "pole_friction": 0.000002,
        "init_range": 0.05,
        "max_force": 10.0,
    }

    def __init__(self, cfg=None):
        super().__init__(cfg)
        cfg = self.cfg
        owner = type(self).__name__
        self.actuator_noise = float(
            check_value(owner, "actuator_noise", cfg.actuator_noise, Bounds(0.0, 1.0, True, True))
        )
        self.init_range = float(check_value(owner, "init_range", cfg.init_range, NON_NEGATIVE))
        self.max_force = float(check_value(owner, "max_force", cfg.max_force, POSITIVE))
        cart = float(check_value(owner, "cart_friction", cfg.cart_friction, NON_NEGATIVE))
        pole = float(check_value(owner, "pole_friction", cfg.pole_friction, NON_NEGATIVE))
        self.params = CartPoleParams(cart_friction=cart, pole_friction=pole)
        self.rng = np.random.default_rng(cfg.seed)
        p = self.params
        self.m_channels = [Channel("force", (-self.max_force, self.max_force), unit="N")]
        self.s_channels = [
            Channel("x", (-p.x_threshold, p.x_threshold), unit="m"),
            Channel("x_dot", unit="m/s"),
            Channel("theta", (-p.theta_threshold, p.theta_threshold), unit="rad"),
            Channel("theta_dot", unit="rad/s"),
            Channel("reward", (-1.0, 0.0)),
        ]
        self.trials = 0
        self.reset()

    def reset(self, seed=None) -> dict:
        """Begin a new trial from a random start (reseeded by ``seed`` if given); return
        the start as a sensory signal (reward 0)."""
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        r = self.init_range
        self.state = tuple(float(v) for v in self.rng.uniform(-r, r, 4))
        self.failed = False
        self.steps = 0
        self.trials += 1
        return self.s_set.from_array(np.array([*self.state, 0.0]))

    def _motor_command(self, m_array: np.ndarray) -> np.ndarray:
        return np.minimum(np.maximum(m_array, -self.max_force), self.max_force)

    def advance(self, force: float) -> np.ndarray:
        """One step under ``force`` (N, clipped to ``+-max_force``), the array path beneath
        ``execute``: begins a new trial first if the last step failed. Returns the sensory
        array ``(x, x_dot, theta, theta_dot, reward)``. A force that is not a finite real
        number raises an error naming ``force``, with the plant unchanged."""
        if not is_real(force):  # not a bool, a timedelta64 or an int no float holds
            raise TypeError(f"force must be a real number, got {force!r}")
        if not math.isfinite(force):
            raise ValueError(f"force must be finite, got {force}")
        force = min(max(float(force), -self.max_force), self.max_force)
        if self.failed:
            self.reset()
        if self.actuator_noise > 0.0:
            force *= 1.0 + self.rng.uniform(-self.actuator_noise, self.actuator_noise)
        state = cartpole_step(*self.state, force, self.params)
        self.state = tuple(float(v) for v in state)
        self.failed = bool(cartpole_failed(self.state[0], self.state[2], self.params))
        self.steps += 1
        return np.array([*self.state, -1.0 if self.failed else 0.0])

    def _execute_vector(self, m: np.ndarray, meta=None) -> np.ndarray:
        s = self.advance(float(m[0]))
        if isinstance(meta, dict):
            meta["failed"] = self.failed
            meta["trial"] = self.trials
        return s

    def _execute(self, m_signal: dict, meta=None) -> dict:
        """The dict path (``execute`` takes the array path, ``_execute_vector``)."""
        m = self._motor_command(np.array([m_signal["force"]], dtype=np.float64))
        return self.s_set.from_array(self._execute_vector(m, meta))

    def __repr__(self) -> str:
        return (
            f"CartPoleADP(actuator_noise={self.actuator_noise}, "
            f"cart_friction={self.params.cart_friction}, pole_friction={self.params.pole_friction})"
        )
