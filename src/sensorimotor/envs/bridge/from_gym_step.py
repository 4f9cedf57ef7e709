"""Any ``gymnasium.Env`` with a ``Box`` action space as an ``Environment`` stepped one action
at a time, and the plant an actor-critic reads it through."""

from collections.abc import Mapping

import gymnasium
import numpy as np
from gymnasium import spaces

from sensorimotor.base.bounds import is_int
from sensorimotor.envs.bridge.from_gym import ConstantPolicy, make_gym_env, observation_channels
from sensorimotor.envs.environment import Environment
from sensorimotor.signals import Channel, SignalError, channel_value

# the channels after the observation's: the step's reward and Gymnasium's two ends
STEP_CHANNELS = ("reward", "terminated", "truncated")


class GymStepEnvironment(Environment):
    """A ``gymnasium.Env`` as a robot: one ``execute`` is one ``env.step``.

    Motor channels: the action, for a ``Box`` action space only, as ``GymEpisodeEnvironment``
    takes a ``Box`` action: ``a0, a1, ..`` (the box flattened row-major) with the box's
    bounds; the executed action is clipped to the box and rounded to its dtype, and the
    feedback's ``m_signal`` reports that. Sensory channels: the observation flattened by
    ``gymnasium.spaces.flatten``, ``o0, o1, ..`` with the flattened space's bounds (as
    ``GymEpisodeEnvironment`` names them), then ``reward`` (the step's), ``terminated`` and
    ``truncated`` (0 or 1, Gymnasium's two ways an episode ends).

    A ``Discrete`` (or any other non-``Box``) action space is refused: the actor-critics
    this environment is for move a continuous action along the critic's gradient, which a
    rounded index would not follow (DQN and the stream-Q agents take discrete actions).

    Config (``defcfg``): ``env`` a ``gymnasium.Env`` or an id for ``gymnasium.make``
    (required; ``GymStepEnvironment('Pendulum-v1')`` is short for ``{'env':
    'Pendulum-v1'}``), ``env_kwargs`` keyword arguments for ``gymnasium.make`` (``{}``),
    ``seed`` the seed of the first reset, an int >= 0 or ``None`` (``0``).

    The environment resets when it is made. ``reset(seed=None, options=None)`` starts an
    episode (Gymnasium's ``reset``) and returns its first sensory signal (reward 0, both
    flags 0), as ``Epuck2D.reset`` does: give it to an actor-critic's ``new_episode``.
    Once an episode has ended (``episode_over``: terminated or truncated), ``execute``
    raises a ``RuntimeError`` until ``reset``. An observation or reward that is not finite
    raises a ``SignalError`` naming the channel (the gym env has stepped: its flags and
    ``info`` are kept). ``info`` is the last ``info`` dict (of ``reset`` or ``step``), also
    given as ``meta['info']`` to ``execute``. ``close()`` closes the gym env.

    >>> env = GymStepEnvironment('Pendulum-v1')
    >>> [ch.name for ch in env.m_channels], env.m_channels[0].bounds
    (['a0'], (-2.0, 2.0))
    >>> [ch.name for ch in env.s_channels]
    ['o0', 'o1', 'o2', 'reward', 'terminated', 'truncated']
    >>> s = env.reset(seed=0)
    >>> s['reward'], s['terminated'], s['truncated']
    (0.0, 0.0, 0.0)
    >>> steps = 0
    >>> while not env.episode_over:  # Pendulum-v1 truncates after 200 steps
    ...     s = env.execute({'a0': 5.0})['s_signal']  # executed as 2.0
    ...     steps += 1
    >>> steps, s['truncated'], s['terminated']
    (200, 1.0, 0.0)
    >>> env.close()
    """

    defcfg = {"env": None, "env_kwargs": {}, "seed": 0}

    def __init__(self, cfg=None):
        if isinstance(cfg, str | gymnasium.Env):  # the env alone
            cfg = {"env": cfg}
        super().__init__(cfg)
        cfg = self.cfg
        seed = cfg.seed
        # Gymnasium's reset refuses a negative seed: refuse it here, not at the first reset
        if seed is not None and (not is_int(seed) or seed < 0):
            raise ValueError(f"GymStepEnvironment: seed must be an int >= 0 or None, got {seed!r}")
        self.gym_env = make_gym_env(cfg.env, cfg.env_kwargs, "GymStepEnvironment")
        try:
            action_space = self.gym_env.action_space
            if not isinstance(action_space, spaces.Box):
                raise ValueError(
                    f"GymStepEnvironment needs a Box action space (a continuous action, one "
                    f"motor channel per dimension), got {action_space}: an actor-critic's "
                    "action follows a gradient; for discrete actions see DQN or the stream-Q agents"
                )
            self._action = ConstantPolicy(action_space)
            self.m_channels = self._action.channels()
            try:
                obs_channels = observation_channels(self.gym_env.observation_space)
            except ValueError as err:
                raise ValueError(f"GymStepEnvironment: {err}") from None
            self.s_channels = [
                *obs_channels,
                Channel("reward"),
                Channel("terminated", (0.0, 1.0)),
                Channel("truncated", (0.0, 1.0)),
            ]
            self.m_set, self.s_set  # noqa: B018 -- build (and so validate) the channel sets now
            self.steps = 0  # steps in the current episode
            self.terminated = self.truncated = False
            self._started = False  # an episode began (its first observation was sound)
            self.info = {}
            self.reset(seed=seed)
        except BaseException:
            self.gym_env.close()
            raise

    # -- episodes -------------------------------------------------------------------------
    @property
    def episode_over(self) -> bool:
        """Whether the current episode has ended (terminated or truncated): ``reset`` next."""
        return self.terminated or self.truncated or not self._started

    def reset(self, seed=None, options=None) -> dict:
        """Start an episode: the gym env's ``reset(seed=seed, options=options)``; return the
        first sensory signal (the observation, reward 0, ``terminated`` and ``truncated``
        0). ``seed`` is an int >= 0 or ``None`` (the gym env's generator goes on)."""
        self._check_open()
        if seed is not None and (not is_int(seed) or seed < 0):
            raise ValueError(
                f"GymStepEnvironment.reset: seed must be an int >= 0 or None, got {seed!r}"
            )
        if options is not None and not isinstance(options, Mapping):
            raise TypeError(
                f"GymStepEnvironment.reset: options must be a dict or None, got {options!r}"
            )
        # an episode whose start was refused (a NaN observation) cannot be stepped
        self._started, self.terminated, self.truncated = False, False, False
        obs, info = self.gym_env.reset(
            seed=None if seed is None else int(seed),
            options=None if options is None else dict(options),
        )
        self.info = info
        s = self._sensory(obs, 0.0, False, False, "reset")
        self.steps, self._started = 0, True
        return s

    # -- execution ------------------------------------------------------------------------
    def _motor_command(self, m_array: np.ndarray) -> np.ndarray:
        return self._action.command(m_array)

    def _execute(self, m_signal: dict, meta=None) -> dict:
        if self.episode_over:
            if not self._started:
                why = "its start was refused"
            else:
                end = "terminated" if self.terminated else "truncated"
                why = f"the episode is over ({end} after {self.steps} steps)"
            raise RuntimeError(f"GymStepEnvironment: {why}: call reset()")
        m = np.array([m_signal[ch.name] for ch in self.m_channels])
        obs, reward, terminated, truncated, info = self.gym_env.step(self._action(m, None))
        self.steps += 1
        self.terminated, self.truncated = bool(terminated), bool(truncated)
        self.info = info
        if meta is not None:
            meta["info"] = info
        return self._sensory(obs, reward, terminated, truncated, f"step {self.steps}")

    def _sensory(self, obs, reward, terminated, truncated, when: str) -> dict:
        """The sensory signal of a gym observation and step, validated: a ``SignalError``
        naming the channel (and the gym env) for a NaN, an inf or a non-number."""
        try:
            o = np.asarray(spaces.flatten(self.gym_env.observation_space, obs), dtype=np.float64)
            r = float(reward)
        except (TypeError, ValueError) as err:
            raise SignalError(
                f"GymStepEnvironment: the Gymnasium env {self.gym_env} returned a bad "
                f"observation or reward at its {when}: {err}"
            ) from err
        values = np.append(o, [r, float(bool(terminated)), float(bool(truncated))])
        try:
            return self.s_set.from_array(values)
        except SignalError as err:
            raise SignalError(
                f"GymStepEnvironment: the Gymnasium env {self.gym_env} returned a bad value at "
                f"its {when}: {err}",
                channel=err.channel,
            ) from err

    def _close(self) -> None:
        self.gym_env.close()

    def __repr__(self) -> str:
        return f"GymStepEnvironment({self.gym_env!r}, m={len(self.m_channels)}, s={len(self.s_channels)})"


class GymPlant:
    """An HDPy ``Plant`` for ``GymStepEnvironment``: the state is the observation, the
    reward the gym env's, the episode ends where the gym env terminates.

    ``state_input(s_signal)``: the observation channels (every sensory channel but
    ``reward``, ``terminated`` and ``truncated``), scaled: with ``scales='bounds'`` (the
    default) a channel with finite bounds ``[low, high]`` is mapped linearly onto ``[-1,
    1]`` and a channel unbounded on a side is left as it is (Pendulum-v1's angular velocity
    in ``[-8, 8]`` becomes ``[-1, 1]``, MountainCarContinuous-v0's velocity in ``[-0.07,
    0.07]`` too, where it would be invisible beside the position); with numbers (one, or
    one per observation channel, positive) the observation is divided by them, as
    ``CartPoleBalance`` does (``scales=1.0``: as observed).

    ``reward(s_signal)``: the ``reward`` channel. ``terminal(s_signal)``: the gym env
    *terminated* there (the task's end: nothing is bootstrapped past it). A truncation (a
    time limit) is not terminal: the critic goes on bootstrapping from the last state, as
    for the ePuck's time limit; ``truncated(s_signal)`` says so, so that the actor-critic
    ends a control period of several steps early there too. The loop ends the episode on
    ``env.episode_over`` (see the example). A missing or non-finite channel raises a
    ``SignalError`` naming it.

    >>> env = GymStepEnvironment('MountainCarContinuous-v0')
    >>> plant = GymPlant(env)
    >>> plant.state_space_dim(), plant.channels
    (2, ('o0', 'o1'))
    >>> s = {'o0': 0.6, 'o1': 0.0, 'reward': 100.0, 'terminated': 1.0, 'truncated': 0.0}
    >>> print(plant.state_input(s).round(6), plant.reward(s), plant.terminal(s), plant.truncated(s))
    [1. 0.] 100.0 True False
    >>> env.close()
    """

    def __init__(self, env_or_channels, scales="bounds"):
        channels = getattr(env_or_channels, "s_channels", env_or_channels)
        if isinstance(channels, str | Channel) or not hasattr(channels, "__iter__"):
            raise TypeError(
                "GymPlant: give a GymStepEnvironment or its s_channels (a list of Channel), "
                f"got {env_or_channels!r}"
            )
        channels = list(channels)
        if not all(isinstance(ch, Channel) for ch in channels):
            raise TypeError("GymPlant: the sensory channels must be Channel objects")
        names = [ch.name for ch in channels]
        missing = [n for n in ("reward", "terminated") if n not in names]
        if missing:
            raise ValueError(
                f"GymPlant: the sensory channels have no {missing} (a GymStepEnvironment's do)"
            )
        observed = [ch for ch in channels if ch.name not in STEP_CHANNELS]
        if not observed:
            raise ValueError("GymPlant: no observation channel besides reward and the flags")
        self.channels = tuple(ch.name for ch in observed)
        n = len(observed)
        if isinstance(scales, str):
            if scales != "bounds":
                raise ValueError(f"GymPlant: scales must be 'bounds' or numbers, got {scales!r}")
            low = np.array([ch.bounds[0] for ch in observed], dtype=np.float64)
            high = np.array([ch.bounds[1] for ch in observed], dtype=np.float64)
            bounded = np.isfinite(low) & np.isfinite(high) & (high > low)
            low, high = np.where(bounded, low, -1.0), np.where(bounded, high, 1.0)
            self.offset, self.scales = (low + high) / 2.0, (high - low) / 2.0
        else:
            try:
                given = np.broadcast_to(np.asarray(scales, dtype=np.float64), (n,)).copy()
            except (TypeError, ValueError):
                raise ValueError(
                    f"GymPlant: scales must be 'bounds', a number or {n} numbers (one per "
                    f"observation channel {list(self.channels)}), got {scales!r}"
                ) from None
            if not np.all(np.isfinite(given)) or np.any(given <= 0):
                raise ValueError(
                    f"GymPlant: scales must be positive and finite, got {given.tolist()}"
                )
            self.offset, self.scales = np.zeros(n), given

    def state_space_dim(self) -> int:
        """The number of observation channels."""
        return len(self.channels)

    def state_input(self, s_signal) -> np.ndarray:
        """The scaled observation, shape ``(state_space_dim(),)``."""
        o = np.array([channel_value(s_signal, name) for name in self.channels])
        return (o - self.offset) / self.scales

    def reward(self, s_signal) -> float:
        """The gym env's reward of the step."""
        return channel_value(s_signal, "reward")

    def terminal(self, s_signal) -> bool:
        """Whether the gym env terminated there (not a truncation)."""
        return channel_value(s_signal, "terminated") > 0.5

    def truncated(self, s_signal) -> bool:
        """Whether the gym env truncated the episode there (a time limit; ``False`` if the
        signal has no ``truncated`` channel)."""
        if "truncated" not in s_signal:
            return False
        return channel_value(s_signal, "truncated") > 0.5

    def reset(self) -> None:
        """Nothing to reset."""

    def __repr__(self) -> str:
        return f"GymPlant(channels={list(self.channels)}, scales={self.scales.tolist()})"


__all__ = ["GymPlant", "GymStepEnvironment"]
