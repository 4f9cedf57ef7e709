"""The cart-pole's equations of motion, once, over the array API (NumPy or JAX)."""

import math
from typing import NamedTuple

from sensorimotor.base.bounds import FINITE, NON_NEGATIVE, POSITIVE, check_settings
from sensorimotor.rules.array_namespace import namespace


class CartPoleParams(NamedTuple):
    """The cart-pole's physical constants and failure thresholds (SI units, radians).

    The defaults are those of Gymnasium's ``CartPole-v1`` and of Barto, Sutton and
    Anderson (1983): a 1 kg cart, a 0.1 kg pole of half-length 0.5 m, g = 9.8 m/s^2, Euler
    steps of 0.02 s, failure beyond 2.4 m or 12 degrees, no friction. Barto et al.'s
    friction coefficients (cart on track 0.0005, pole on cart 0.000002) are
    ``CartPoleParams.barto()``.

    >>> import math
    >>> CartPoleParams.barto().cart_friction, round(math.degrees(CartPoleParams().theta_threshold), 6)
    (0.0005, 12.0)
    >>> check_cartpole_params(CartPoleParams(masspole=0.0))
    Traceback (most recent call last):
    ...
    ValueError: CartPoleParams.masspole must be a finite number in (0, inf), got 0.0
    """

    gravity: float = 9.8
    masscart: float = 1.0
    masspole: float = 0.1
    length: float = 0.5  # half the pole's length, as in the equations
    tau: float = 0.02  # seconds per Euler step
    cart_friction: float = 0.0  # mu_c
    pole_friction: float = 0.0  # mu_p
    x_threshold: float = 2.4
    theta_threshold: float = 12 * 2 * math.pi / 360  # the same float as Gymnasium's

    BOUNDS = {
        "gravity": FINITE,
        "masscart": POSITIVE,
        "masspole": POSITIVE,
        "length": POSITIVE,
        "tau": POSITIVE,
        "cart_friction": NON_NEGATIVE,
        "pole_friction": NON_NEGATIVE,
        "x_threshold": POSITIVE,
        "theta_threshold": POSITIVE,
    }

    @classmethod
    def barto(cls, **changes) -> "CartPoleParams":
        """Barto, Sutton and Anderson's (1983) cart-pole, friction included."""
        return cls(cart_friction=0.0005, pole_friction=0.000002)._replace(**changes)


GYMNASIUM_CARTPOLE = CartPoleParams()  # CartPole-v1's constants, the default of the functions


def cartpole_step(x, x_dot, theta, theta_dot, force, params: CartPoleParams = GYMNASIUM_CARTPOLE):
    """One Euler step of the cart-pole under a horizontal ``force`` (newtons).

    Barto, Sutton and Anderson's (1983) equations, with the cart's mass ``m_c``, the
    pole's ``m``, ``M = m_c + m``, the half-length ``l``, friction ``mu_c`` (cart on
    track) and ``mu_p`` (pole on cart)::

        temp       = (F + m l theta_dot^2 sin(theta) - mu_c sgn(x_dot)) / M
        theta_acc  = (g sin(theta) - cos(theta) temp - mu_p theta_dot / (m l))
                     / (l (4/3 - m cos(theta)^2 / M))
        x_acc      = temp - m l theta_acc cos(theta) / M
        x+ = x + tau x_dot,   x_dot+ = x_dot + tau x_acc,
        theta+ = theta + tau theta_dot,   theta_dot+ = theta_dot + tau theta_acc

    Without friction these are Gymnasium's ``CartPole-v1`` equations, computed in the same
    order, so a float64 step equals Gymnasium's to the last bit on NumPy. The inputs are
    scalars or arrays of one shape (a batch steps at once), NumPy or JAX (``xp`` is taken
    from ``x``); the result keeps their engine.

    Returns:
        ``(x, x_dot, theta, theta_dot)`` after the step.

    >>> import numpy as np
    >>> state = cartpole_step(np.float64(0.0), 0.0, 0.0, 0.0, 10.0)
    >>> round(float(state[1]), 6)  # 10 N from rest: the velocity after 0.02 s, m/s
    0.195122
    """
    xp = namespace(x)
    polemass_length = params.masspole * params.length
    total_mass = params.masspole + params.masscart
    costheta = xp.cos(theta)
    sintheta = xp.sin(theta)
    temp = (
        force
        + polemass_length * (theta_dot * theta_dot) * sintheta
        - params.cart_friction * xp.sign(x_dot)
    ) / total_mass
    thetaacc = (
        params.gravity * sintheta
        - costheta * temp
        - params.pole_friction * theta_dot / polemass_length
    ) / (params.length * (4.0 / 3.0 - params.masspole * (costheta * costheta) / total_mass))
    xacc = temp - polemass_length * thetaacc * costheta / total_mass
    return (
        x + params.tau * x_dot,
        x_dot + params.tau * xacc,
        theta + params.tau * theta_dot,
        theta_dot + params.tau * thetaacc,
    )


def cartpole_failed(x, theta, params: CartPoleParams = GYMNASIUM_CARTPOLE):
    """Whether the cart left the track or the pole fell: ``|x| > x_threshold`` or
    ``|theta| > theta_threshold`` (a bool, or a bool array for arrays).

    >>> bool(cartpole_failed(2.5, 0.0)), bool(cartpole_failed(0.0, 0.25)), bool(cartpole_failed(0.0, 0.1))
    (True, True, False)
    """
    return (
        (x < -params.x_threshold)
        | (x > params.x_threshold)
        | (theta < -params.theta_threshold)
        | (theta > params.theta_threshold)
    )


def check_cartpole_params(params: CartPoleParams) -> CartPoleParams:
    """``params`` if every constant is inside its declared bounds, else a ``ValueError``
    naming it (a JAX tracer passes).

    >>> check_cartpole_params(CartPoleParams(tau=-0.02))
    Traceback (most recent call last):
    ...
    ValueError: CartPoleParams.tau must be a finite number in (0, inf), got -0.02
    """
    if not isinstance(params, CartPoleParams):
        raise TypeError(f"params must be a CartPoleParams, got {type(params).__name__}")
    check_settings(params)
    return params
