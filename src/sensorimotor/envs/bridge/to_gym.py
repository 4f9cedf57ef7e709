"""An ``Environment`` as a one-step ``gymnasium.Env``."""

from collections.abc import Callable

import gymnasium
import numpy as np

from sensorimotor.base.bounds import is_real
from sensorimotor.envs.environment import Environment
from sensorimotor.signals import SignalError


def box_space(low, high, dtype) -> gymnasium.spaces.Box:
    """A ``Box`` with bounds rounded outwards to ``dtype``, so it contains ``[low, high]``.

    >>> box_space(np.array([-0.1]), np.array([0.1]), np.float32).high[0] >= 0.1
    np.True_
    """
    dtype = np.dtype(dtype)
    low, high = np.asarray(low, np.float64), np.asarray(high, np.float64)
    lo, hi = low.astype(dtype), high.astype(dtype)
    lo = np.where(lo > low, np.nextafter(lo, dtype.type(-np.inf)), lo)
    hi = np.where(hi < high, np.nextafter(hi, dtype.type(np.inf)), hi)
    return gymnasium.spaces.Box(lo, hi, dtype=dtype)


class EnvironmentGymEnv(gymnasium.Env):
    """An ``Environment`` seen as a one-step Gymnasium task: act once, observe, done.

    ==================  ==========================================================
    space / value       meaning
    ==================  ==========================================================
    action_space        ``Box`` over the motor channels, bounds = channel bounds
                        (``[-1, 1]`` per channel when ``normalize_actions``)
    observation_space   ``Box`` over the sensory channels, bounds = channel bounds
    ``reset()``         ``reset_observation`` (default: the point of the box nearest
                        to 0, i.e. ``clip(0, low, high)``), ``{}``
    ``step(a)``         ``env.execute`` of the motor signal ``a``; returns
                        ``(s, reward_fn(m, s) or 0.0, True, False, {'m_signal': m})``
    ==================  ==========================================================

    With ``normalize_actions`` an action ``a`` in ``[-1, 1]`` executes the motor command
    ``m = low + (a + 1) / 2 * (high - low)`` (every motor channel must be bounded);
    Gymnasium's ``check_env`` recommends such normalised action boxes. ``reward_fn`` takes
    the executed motor signal and the sensory signal as dicts and returns a number.
    ``dtype`` is the spaces' dtype (default ``float64``: the bridge loses nothing; pass
    ``np.float32`` for agents that want it). The observation is the sensory signal as it is:
    bounds describe and do not clip, so an environment that leaves its bounds produces an
    observation outside the space. ``close()`` closes the wrapped environment (unless
    ``close_env=False``) and may be called again.

    ``reset(seed=...)`` seeds this task's ``np_random`` only: an ``Environment`` has no
    reset, and one with randomness of its own (a ``Distractor``, a noisy sensor) goes on
    drawing from its own generator, so the same seed and action need not give the same
    observation (``check_env``'s determinism check fails) unless the environment is seeded
    through its ``cfg`` (and made again) for each run.

    >>> from sensorimotor.envs import KinematicArm2D
    >>> arm = KinematicArm2D({'dim': 2, 'lengths': 0.5})
    >>> gym_env = EnvironmentGymEnv(arm, reward_fn=lambda m, s: -abs(s['y']))
    >>> gym_env.action_space.shape, gym_env.observation_space.shape
    ((2,), (2,))
    >>> obs, info = gym_env.reset(seed=0)
    >>> obs, reward, terminated, truncated, info = gym_env.step(np.array([90.0, -90.0]))
    >>> obs.tolist(), reward, terminated, truncated
    ([0.5, 0.5], -0.5, True, False)
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        env: Environment,
        reward_fn: Callable[[dict, dict], float] | None = None,
        *,
        normalize_actions: bool = False,
        dtype=np.float64,
        reset_observation=None,
        close_env: bool = True,
        render_mode: str | None = None,
    ):
        if not isinstance(env, Environment):
            raise TypeError(
                f"EnvironmentGymEnv wraps a sensorimotor Environment, got {type(env).__name__}"
            )
        if reward_fn is not None and not callable(reward_fn):
            raise TypeError(f"reward_fn must be callable or None, got {reward_fn!r}")
        if render_mode is not None:
            raise ValueError(f"{type(self).__name__} has no render modes, got {render_mode!r}")
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise ValueError(f"dtype must be a floating dtype, got {dtype}")
        # bool() of any object would pass: close_env='no' would close the wrapped env
        for setting, value in (("normalize_actions", normalize_actions), ("close_env", close_env)):
            if not isinstance(value, bool | np.bool_):
                raise TypeError(f"EnvironmentGymEnv: {setting} must be a bool, got {value!r}")
        self.env = env
        self.reward_fn = reward_fn
        self.normalize_actions = bool(normalize_actions)
        self.close_env = bool(close_env)
        self.render_mode = None
        m_set, s_set = env.m_set, env.s_set
        if self.normalize_actions:
            if m_set.unbounded:
                raise ValueError(
                    "normalize_actions needs bounded motor channels; "
                    f"{list(m_set.unbounded)} are not"
                )
            self.action_space = box_space(-np.ones(len(m_set)), np.ones(len(m_set)), dtype)
        else:
            self.action_space = box_space(m_set.low, m_set.high, dtype)
        self.observation_space = box_space(s_set.low, s_set.high, dtype)
        if reset_observation is None:
            reset_observation = np.clip(0.0, s_set.low, s_set.high)
        reset_observation = np.asarray(reset_observation, dtype=dtype)
        if reset_observation not in self.observation_space:
            raise ValueError(
                f"reset_observation {reset_observation.tolist()} is not in the observation space"
            )
        self._reset_observation = reset_observation

    def motor_command(self, action) -> np.ndarray:
        """The motor array (float64, shape ``(n_m,)``) that ``action`` executes."""
        try:
            a = np.asarray(action)
        except (TypeError, ValueError):  # a ragged nesting of numbers
            raise SignalError(f"action must be an array of numbers, got {action!r}") from None
        if a.shape != self.action_space.shape:
            raise SignalError(
                f"expected an action of shape {self.action_space.shape} for motor channels "
                f"{list(self.env.m_set.names)}, got {a.shape}"
            )
        a = self.env.m_set.check_array(a)
        if self.normalize_actions:
            m_set = self.env.m_set
            return m_set.low + (a + 1.0) * 0.5 * (m_set.high - m_set.low)
        return a

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        return self._reset_observation.copy(), {}

    def reward(self, m_signal: dict, s_signal: dict) -> float:
        """``reward_fn(m_signal, s_signal)`` as a float, or 0.0 without one: a ``TypeError``
        if it returns no number (a string, a bool, ``None``, an array), a ``ValueError`` if
        it returns NaN or inf."""
        if self.reward_fn is None:
            return 0.0
        value = self.reward_fn(m_signal, s_signal)
        # float() alone took the string '1' and True as rewards, and said of None only that
        # float() wants a number; a 0-d NumPy or JAX array of a real dtype is a number too
        dtype = getattr(value, "dtype", None)
        is_number = is_real(value) or (
            getattr(value, "ndim", None) == 0
            and dtype is not None
            and np.dtype(dtype).kind in "iuf"
        )
        if not is_number:
            raise TypeError(f"reward_fn must return a number, got {value!r} for {m_signal}")
        reward = float(value)
        if not np.isfinite(reward):
            raise ValueError(f"reward_fn returned {reward} (not finite) for {m_signal}")
        return reward

    def step(self, action):
        m = self.motor_command(action)
        feedback = self.env.execute(self.env.m_set.from_array(m))
        obs = np.asarray(
            self.env.s_set.array_of(feedback["s_signal"]), dtype=self.observation_space.dtype
        )
        reward = self.reward(feedback["m_signal"], feedback["s_signal"])
        return obs, reward, True, False, {"m_signal": dict(feedback["m_signal"])}

    def close(self):
        if self.close_env:
            self.env.close()
        super().close()
