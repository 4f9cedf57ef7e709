"""An environment with one more sensory channel that no command moves: a distractor."""

import math

import numpy as np

from sensorimotor.base.bounds import is_int, is_real
from sensorimotor.envs.arm.kinematic_arm import KinematicArm2D
from sensorimotor.envs.environment import Environment
from sensorimotor.signals import Channel


class Distractor(Environment):
    """Wraps an environment and adds a sensory channel that drifts on its own.

    ============  ===============================================  ====================
    channels      meaning                                          bounds
    ============  ===============================================  ====================
    motor         the wrapped environment's                        its own
    sensory       the wrapped environment's, then ``name``         its own, ``bounds``
    ============  ===============================================  ====================

    The added channel's value ignores the commands: it is a reflected random walk in its
    bounds, one step per executed command. In scaled units (the bounds mapped to ``[0, 1]``)
    a free walk ``w_t = w_{t-1} + drift * n_t``, ``n_t ~ N(0, 1)`` from the environment's own
    generator, folded into ``[0, 1]``::

        u_t = fold(w_t),   fold(w) = 1 - |(w mod 2) - 1|,   d_t = low + (high - low) * u_t

    (folding a free walk is the same as reflecting it at both bounds). ``drift = 0`` keeps
    it constant, a large ``drift`` makes it noise. Goal babbling in the full sensory space
    then sets goals for a dimension it cannot move: at any time only the goals whose
    distractor value is near the current ``value`` are reachable. ``execute_array`` advances
    the walk one step per row.

    Config (``defcfg``): ``env`` (the wrapped ``Environment``; default
    ``KinematicArm2D.mid7()``), ``name`` (``'distractor'``), ``bounds`` (``(-1, 1)``),
    ``drift`` (0.01, scaled units per step), ``start`` (the initial value; default the middle
    of the bounds), ``seed`` (0). ``value`` is the last value emitted (``start`` before any).

    >>> env = Distractor({'seed': 0})
    >>> env.s_set.names
    ('x', 'y', 'distractor')
    >>> m = {f'j{i}': 0.0 for i in range(7)}
    >>> a, b = env.execute(m)['s_signal'], env.execute(m)['s_signal']
    >>> a['x'] == b['x'], round(a['distractor'], 4), round(b['distractor'], 4)
    (True, 0.0025, -0.0001)
    """

    defcfg = {
        "env": None,
        "name": "distractor",
        "bounds": (-1.0, 1.0),
        "drift": 0.01,
        "start": None,
        "seed": 0,
    }

    def __init__(self, cfg=None):
        super().__init__(cfg)
        cfg = self.cfg
        env = KinematicArm2D.mid7() if cfg.env is None else cfg.env
        if not isinstance(env, Environment):
            raise TypeError(f"Distractor: cfg['env'] must be an Environment, got {env!r}")
        if not isinstance(cfg.name, str) or not cfg.name:
            raise ValueError(f"Distractor: cfg['name'] must be a non-empty str, got {cfg.name!r}")
        if cfg.name in env.s_set.names or cfg.name in env.m_set.names:
            raise ValueError(f"Distractor: cfg['name'] {cfg.name!r} is already a channel of env")
        bounds = cfg.bounds
        ok = isinstance(bounds, (tuple, list)) and len(bounds) == 2
        ok = ok and all(is_real(b) and math.isfinite(b) for b in bounds)
        if not ok or not bounds[0] < bounds[1]:
            raise ValueError(
                f"Distractor: cfg['bounds'] must be a finite (low, high), low < high, got {bounds!r}"
            )
        drift = cfg.drift
        if not is_real(drift) or not (math.isfinite(drift) and drift >= 0):
            raise ValueError(
                f"Distractor: cfg['drift'] must be a finite number >= 0, got {drift!r}"
            )
        low, high = float(bounds[0]), float(bounds[1])
        start = (low + high) / 2 if cfg.start is None else cfg.start
        if not is_real(start) or not low <= start <= high:
            raise ValueError(
                f"Distractor: cfg['start'] must be a number within bounds {bounds!r}, got {start!r}"
            )
        if not is_int(cfg.seed) or cfg.seed < 0:
            raise ValueError(f"Distractor: cfg['seed'] must be an int >= 0, got {cfg.seed!r}")
        self.env = env
        self.low, self.high, self.drift = low, high, float(drift)
        self.m_channels = list(env.m_channels)
        self.s_channels = [*env.s_channels, Channel(cfg.name, (low, high))]
        self.rng = np.random.default_rng(int(cfg.seed))
        self._walk = (float(start) - low) / (high - low)  # the free walk, scaled units

    @property
    def value(self) -> float:
        """The distractor's last value (raw units)."""
        return self._unscale(np.array([self._walk]))[0]

    def _unscale(self, walk: np.ndarray) -> np.ndarray:
        folded = 1.0 - np.abs(np.mod(walk, 2.0) - 1.0)
        return self.low + (self.high - self.low) * folded

    def _advance(self, n: int) -> np.ndarray:
        if n == 0:  # an empty batch: no step, and no last value to keep
            return np.empty(0)
        walk = self._walk + np.cumsum(self.drift * self.rng.standard_normal(n))
        self._walk = float(walk[-1])
        return self._unscale(walk)

    def _motor_command(self, m_array: np.ndarray) -> np.ndarray:
        return self.env._motor_command(m_array)

    def _execute_vector(self, m: np.ndarray, meta=None) -> np.ndarray:
        return self._execute_array(m[None])[0]

    def _execute(self, m_signal: dict, meta=None) -> dict:
        """The seed's dict path (``execute`` takes the array path, ``_execute_vector``)."""
        return self.s_set.from_array(self._execute_vector(self.m_set.to_array(m_signal)))

    def _execute_array(self, m_batch: np.ndarray) -> np.ndarray:
        s = self.env.execute_array(m_batch)
        return np.hstack([s, self._advance(len(s))[:, None]])

    def _close(self) -> None:
        self.env.close()

    def __repr__(self) -> str:
        return f"Distractor({self.env!r}, drift={self.drift})"
