"""Any ``gymnasium.Env`` as an ``Environment``: one motor signal parameterises one episode."""

import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import gymnasium
import numpy as np
from gymnasium import spaces

from sensorimotor.base.bounds import is_int, is_real
from sensorimotor.envs.environment import Environment
from sensorimotor.signals import Channel, ChannelSet, SignalError


class Episode(NamedTuple):
    """What a ``sensory`` function sees of one episode (and ``execute`` puts in its meta).

    >>> env = GymEpisodeEnvironment({'env': 'CartPole-v1', 'max_steps': 20})
    >>> meta = {}
    >>> _ = env.execute({ch.name: 0.0 for ch in env.m_channels}, meta)
    >>> episode = meta['episode']  # a constant push: the pole falls before 20 steps
    >>> episode.length < 20, episode.episode_return == episode.length, episode.terminated
    (True, True, True)
    >>> env.close()
    """

    observation: Any  # the final observation, as the gym env returned it
    episode_return: float  # sum of the rewards
    length: int  # number of steps taken
    terminated: bool
    truncated: bool  # by the gym env, or by ``max_steps``
    info: dict  # the last info dict


class ConstantPolicy:
    """Open-loop policy: the action is the motor vector itself, cast to the space's dtype.

    >>> box = spaces.Box(-1.0, 1.0, (2,))
    >>> ConstantPolicy(box)(np.array([0.5, -0.25]), None)
    array([ 0.5 , -0.25], dtype=float32)
    """

    def __init__(self, action_space: spaces.Box):
        self.action_space = action_space

    def channels(self) -> list[Channel]:
        low, high = self.action_space.low.ravel(), self.action_space.high.ravel()
        return [
            Channel(f"a{i}", (float(lo), float(hi)))
            for i, (lo, hi) in enumerate(zip(low, high, strict=True))
        ]

    def n_motor(self) -> int:
        return int(np.prod(self.action_space.shape))

    def command(self, m: np.ndarray) -> np.ndarray:
        """The motor vectors (``(n,)`` or ``(N, n)``) this policy really executes: clipped
        to the box and rounded to its dtype (to the nearest integer for an integer box), as
        float64.

        >>> ConstantPolicy(spaces.Box(0, 5, (2,), np.int64)).command(np.array([4.7, 0.4]))
        array([5., 0.])
        """
        a = self._cast(m.reshape(-1, *self.action_space.shape))
        return a.astype(np.float64).reshape(m.shape)

    def _cast(self, a: np.ndarray) -> np.ndarray:
        space = self.action_space
        a = np.clip(a, space.low, space.high)
        if np.issubdtype(space.dtype, np.integer):
            # astype truncates towards 0: 4.7 gave 4, and a uniform draw over [0, 5] never 5
            a = np.rint(a)
        return a.astype(space.dtype)

    def __call__(self, m: np.ndarray, observation) -> np.ndarray:
        return self._cast(m.reshape(self.action_space.shape))


class LinearPolicy:
    """Closed-loop linear policy whose weights are the motor vector.

    With the flattened observation ``o`` (``n_o`` features) and the weights
    ``W = m.reshape(n_a, n_o + 1)``, the preferences are ``z = W @ [o, 1]``. A ``Discrete``
    space takes the action ``start + argmax z``; a ``Box`` space ``clip(z, low, high)``.

    >>> policy = LinearPolicy(spaces.Discrete(2), spaces.Box(-1.0, 1.0, (1,)))
    >>> [ch.name for ch in policy.channels()]
    ['w0_0', 'w0_b', 'w1_0', 'w1_b']
    >>> int(policy(np.array([1.0, 0.0, -1.0, 0.0]), np.array([0.5], np.float32)))
    0
    """

    def __init__(self, action_space, observation_space, weight_bound: float = 1.0):
        if isinstance(action_space, spaces.Discrete):
            self.n_actions = int(action_space.n)
        elif isinstance(action_space, spaces.Box):
            self.n_actions = int(np.prod(action_space.shape))
        else:
            raise ValueError(
                f"the linear policy needs a Discrete or Box action space, got {action_space}; "
                "give a 'policy' and its 'm_channels'"
            )
        self.action_space = action_space
        self.observation_space = observation_space
        self.n_features = spaces.flatdim(observation_space)
        self.weight_bound = float(weight_bound)

    def channels(self) -> list[Channel]:
        b = (-self.weight_bound, self.weight_bound)
        features = [str(j) for j in range(self.n_features)] + ["b"]
        return [Channel(f"w{i}_{f}", b) for i in range(self.n_actions) for f in features]

    def n_motor(self) -> int:
        return self.n_actions * (self.n_features + 1)

    def command(self, m: np.ndarray) -> np.ndarray:
        return m

    def __call__(self, m: np.ndarray, observation):
        o = np.asarray(spaces.flatten(self.observation_space, observation), dtype=np.float64)
        z = m.reshape(self.n_actions, self.n_features + 1) @ np.append(o, 1.0)
        space = self.action_space
        if isinstance(space, spaces.Discrete):
            return space.start + np.int64(np.argmax(z))
        return np.clip(z.reshape(space.shape), space.low, space.high).astype(space.dtype)


def make_gym_env(env, env_kwargs, owner: str) -> gymnasium.Env:
    """``env`` if it is a ``gymnasium.Env``, else ``gymnasium.make(env, **env_kwargs)`` for an
    id; a ``TypeError`` or ``ValueError`` naming ``owner`` for anything else.

    >>> make_gym_env('Pendulum-v1', {'g': 9.81}, 'Me').spec.id
    'Pendulum-v1'
    >>> make_gym_env(3, {}, 'Me')
    Traceback (most recent call last):
    ...
    TypeError: Me: 'env' must be a gymnasium.Env or an id, got 3
    """
    if not isinstance(env_kwargs, Mapping):
        raise TypeError(f"{owner}: env_kwargs must be a dict")
    if isinstance(env, str):
        return gymnasium.make(env, **dict(env_kwargs))
    if isinstance(env, gymnasium.Env):
        if env_kwargs:
            raise ValueError(f"{owner}: env_kwargs is for an env id, not an env")
        return env
    raise TypeError(f"{owner}: 'env' must be a gymnasium.Env or an id, got {env!r}")


def observation_channels(observation_space) -> list[Channel]:
    """The channels ``o0..`` of an observation flattened by ``gymnasium.spaces.flatten``,
    with the flattened space's bounds (a ``Discrete`` one-hot in ``[0, 1]``, a ``Dict`` in
    sorted key order); a ``ValueError`` naming the space if it does not flatten to a box.

    >>> [(ch.name, ch.bounds) for ch in observation_channels(spaces.Discrete(2))]
    [('o0', (0.0, 1.0)), ('o1', (0.0, 1.0))]
    """
    flat = spaces.flatten_space(observation_space)
    if not isinstance(flat, spaces.Box):
        raise ValueError(f"cannot flatten the observation space {observation_space}")
    low, high = flat.low.astype(np.float64), flat.high.astype(np.float64)
    return [Channel(f"o{i}", (lo, hi)) for i, (lo, hi) in enumerate(zip(low, high, strict=True))]


class GymEpisodeEnvironment(Environment):
    """A ``gymnasium.Env`` as a blackbox: the motor signal parameterises a policy, an
    episode runs, and the sensory signal summarises it.

    ``execute(m)``: reset the gym env (seeded), then step ``action = policy(m, obs)`` until
    it terminates, truncates or ``max_steps`` steps have run; the sensory signal is
    ``sensory(episode)`` (see ``Episode``). With an integer ``seed`` every episode starts
    from ``reset(seed=seed)``, so the same motor signal gives the same sensory signal for a
    deterministic gym env; with ``vary_start`` episode ``k`` starts from ``seed + k``
    (reproducible, not repeated); ``seed=None`` leaves the starts to the gym env.

    Config (``defcfg``):

    ===============  ===================================================================
    ``env``          a ``gymnasium.Env``, or an id for ``gymnasium.make`` (required)
    ``env_kwargs``   keyword arguments for ``gymnasium.make`` (``{}``)
    ``policy``       ``None`` (default: ``'constant'`` for a ``Box`` action space with as
                     many motor channels as action dims, else ``'linear'``),
                     ``'constant'``, ``'linear'`` (see ``ConstantPolicy``,
                     ``LinearPolicy``), or a callable ``(m_vector, observation) -> action``
    ``m_channels``   motor channels (default from the policy: ``a0..`` with the action
                     box's bounds, or ``w{i}_{j}`` weights in ``+-weight_bound``);
                     required for a callable policy
    ``weight_bound`` bound of the linear policy's weight channels (``1.0``)
    ``sensory``      ``None`` (the final observation flattened by
                     ``gymnasium.spaces.flatten``, as channels ``o0..`` with the
                     flattened space's bounds: a ``Discrete`` one-hot in ``[0, 1]``, a
                     ``Dict`` in sorted key order; then ``return`` if ``with_return``),
                     or a callable ``(episode) -> dict or array`` (then give
                     ``s_channels``)
    ``s_channels``   sensory channels (default as above)
    ``with_return``  add the episode return as channel ``return`` (``False``)
    ``max_steps``    steps per episode at most (``1000``)
    ``seed``         an int >= 0 or ``None`` (``0``); ``vary_start`` (``False``): see above
    ===============  ===================================================================

    The constant policy clips the motor vector to the action box and rounds it to the box's
    dtype; the feedback's ``m_signal`` reports that executed command.
    ``meta['episode']`` receives the ``Episode`` record. ``close()`` closes the gym env.

    >>> env = GymEpisodeEnvironment({'env': 'CartPole-v1', 'max_steps': 200})
    >>> len(env.m_channels), [ch.name for ch in env.s_channels][:2]
    (10, ['o0', 'o1'])
    >>> m = {ch.name: 0.0 for ch in env.m_channels}
    >>> m['w1_2'] = m['w1_3'] = 1.0  # push right when the pole leans or falls right
    >>> meta = {}
    >>> _ = env.execute(m, meta)
    >>> meta['episode'].length  # balanced until max_steps
    200
    >>> env.close()
    """

    defcfg = {
        "env": None,
        "env_kwargs": {},
        "policy": None,
        "m_channels": None,
        "weight_bound": 1.0,
        "sensory": None,
        "s_channels": None,
        "with_return": False,
        "max_steps": 1000,
        "seed": 0,
        "vary_start": False,
    }

    def __init__(self, cfg=None):
        super().__init__(cfg)
        cfg = self.cfg
        max_steps, seed = cfg.max_steps, cfg.seed
        if not is_int(max_steps) or max_steps < 1:  # a NumPy int is an int, a bool is not
            raise ValueError(
                f"GymEpisodeEnvironment: max_steps must be a positive int, got {max_steps!r}"
            )
        # Gymnasium's reset refuses a negative seed: refuse it here, not at the first execute
        if seed is not None and (not is_int(seed) or seed < 0):
            raise ValueError(
                f"GymEpisodeEnvironment: seed must be an int >= 0 or None, got {seed!r}"
            )
        bound = cfg.weight_bound
        if not is_real(bound) or not 0.0 < float(bound) < math.inf:
            raise ValueError(
                f"GymEpisodeEnvironment: weight_bound must be a positive finite number, got {bound!r}"
            )
        # bool() of any object would pass: 'no' would add the return channel
        if not isinstance(cfg.with_return, bool | np.bool_):
            raise TypeError(
                f"GymEpisodeEnvironment: with_return must be a bool, got {cfg.with_return!r}"
            )
        self.gym_env = make_gym_env(cfg.env, cfg.env_kwargs, "GymEpisodeEnvironment")
        try:
            self._policy, self.m_channels = self._make_policy(cfg)
            self._sensory, self.s_channels = self._make_sensory(cfg)
            self.m_set, self.s_set  # noqa: B018 -- build (and so validate) the channel sets now
        except BaseException:
            self.gym_env.close()
            raise
        self.episodes = 0  # episodes run so far

    # -- construction ---------------------------------------------------------------------
    @staticmethod
    def _channels(channels, what: str) -> list[Channel]:
        channels = list(channels)
        ChannelSet(channels)  # Channel objects, unique names
        if not channels:
            raise ValueError(f"GymEpisodeEnvironment: {what} must not be empty")
        return channels

    def _make_policy(self, cfg):
        action_space, policy = self.gym_env.action_space, cfg.policy
        m_channels = cfg.m_channels
        if policy is None:
            n = int(np.prod(action_space.shape)) if isinstance(action_space, spaces.Box) else -1
            constant = n > 0 and (m_channels is None or len(list(m_channels)) == n)
            policy = "constant" if constant else "linear"
        if policy == "constant":
            if not isinstance(action_space, spaces.Box):
                raise ValueError(
                    f"the constant policy needs a Box action space, got {action_space}"
                )
            policy = ConstantPolicy(action_space)
        elif policy == "linear":
            policy = LinearPolicy(action_space, self.gym_env.observation_space, cfg.weight_bound)
        elif not callable(policy):
            raise ValueError(
                f"GymEpisodeEnvironment: policy must be None, 'constant', 'linear' or a callable, got {policy!r}"
            )
        if isinstance(policy, ConstantPolicy | LinearPolicy):
            if m_channels is None:
                m_channels = policy.channels()
            m_channels = self._channels(m_channels, "m_channels")
            if len(m_channels) != policy.n_motor():
                raise ValueError(
                    f"GymEpisodeEnvironment: the {type(policy).__name__} takes {policy.n_motor()} "
                    f"motor channels, m_channels has {len(m_channels)}"
                )
            return policy, m_channels
        if m_channels is None:
            raise ValueError("GymEpisodeEnvironment: a callable policy needs its m_channels")
        return policy, self._channels(m_channels, "m_channels")

    def _make_sensory(self, cfg):
        sensory, s_channels = cfg.sensory, cfg.s_channels
        if sensory is not None:
            if not callable(sensory):
                raise TypeError(f"GymEpisodeEnvironment: sensory must be callable, got {sensory!r}")
            if s_channels is None:
                raise ValueError("GymEpisodeEnvironment: a sensory function needs its s_channels")
            return sensory, self._channels(s_channels, "s_channels")
        obs_space = self.gym_env.observation_space
        flat = spaces.flatten_space(obs_space)
        if not isinstance(flat, spaces.Box):
            raise ValueError(
                f"cannot flatten the observation space {obs_space}: give a sensory function"
            )
        with_return = bool(cfg.with_return)

        def final_observation(episode: Episode) -> np.ndarray:
            o = np.asarray(spaces.flatten(obs_space, episode.observation), dtype=np.float64)
            return np.append(o, episode.episode_return) if with_return else o

        if s_channels is None:
            s_channels = observation_channels(obs_space)
            if with_return:
                s_channels.append(Channel("return"))
        s_channels = self._channels(s_channels, "s_channels")
        n = flat.shape[0] + with_return
        if len(s_channels) != n:
            raise ValueError(
                f"GymEpisodeEnvironment: the final observation gives {n} values, s_channels has {len(s_channels)}"
            )
        return final_observation, s_channels

    # -- execution ------------------------------------------------------------------------
    def _motor_command(self, m_array: np.ndarray) -> np.ndarray:
        if isinstance(self._policy, ConstantPolicy):
            return self._policy.command(m_array)
        return m_array

    def run_episode(self, m: np.ndarray) -> Episode:
        """Run one episode of the policy with motor vector ``m`` (validated by ``execute``)."""
        cfg = self.cfg
        seed = cfg.seed
        if seed is not None and cfg.vary_start:
            seed = int(seed) + self.episodes
        obs, info = self.gym_env.reset(seed=None if seed is None else int(seed))
        # counted once the gym env has reset: a reset that raised does not shift the
        # seeds of the later vary_start episodes
        self.episodes += 1
        total, steps, terminated, truncated = 0.0, 0, False, False
        while not (terminated or truncated):
            obs, reward, terminated, truncated, info = self.gym_env.step(self._policy(m, obs))
            total += float(reward)
            steps += 1
            if steps >= cfg.max_steps and not terminated:
                truncated = True  # cut short by max_steps
        return Episode(obs, total, steps, bool(terminated), bool(truncated), info)

    def _execute(self, m_signal: dict, meta=None) -> dict:
        m = np.array([m_signal[ch.name] for ch in self.m_channels])
        episode = self.run_episode(m)
        if meta is not None:
            meta["episode"] = episode
        s = self._sensory(episode)
        if isinstance(s, Mapping):
            return dict(s)
        try:
            return self.s_set.from_array(np.asarray(s, dtype=np.float64).ravel())
        except (SignalError, TypeError, ValueError) as err:
            # the motor signal was fine: say that the episode's outcome was not
            source = (
                "the sensory function's output"
                if self.cfg.sensory is not None
                else f"the final observation{' and return' if self.cfg.with_return else ''} "
                f"of {self.gym_env}"
            )
            raise SignalError(
                f"GymEpisodeEnvironment: bad sensory signal from {source}: {err}",
                channel=getattr(err, "channel", None),
            ) from err

    def _close(self) -> None:
        self.gym_env.close()

    def __repr__(self) -> str:
        return f"GymEpisodeEnvironment({self.gym_env!r}, m={len(self.m_channels)}, s={len(self.s_channels)})"
