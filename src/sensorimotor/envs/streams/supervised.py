"""Non-stationary supervised streams (JAX, usable inside ``jit``/``scan``/``vmap``).

Each stream is a frozen NamedTuple: its float fields are leaves (a compiled loop does not
recompile for another noise level or drift rate), its int fields are structure. Besides
``step(state, key)``, each has ``noise_dim`` and ``advance(state, z)``: ``step`` draws
``z = normals(key, noise_dim)`` (:mod:`sensorimotor.envs.streams.noise`) and calls
``advance``, so a compiled loop can draw the noise of many steps at once (vectorised)
with exactly the same result.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from sensorimotor.base.bounds import COUNT, INF, NON_NEGATIVE, Bounds, check_settings
from sensorimotor.envs.streams.noise import normals
from sensorimotor.envs.streams.time_step import TimeStep


class WeightsState(NamedTuple):
    """Target weights ``w`` (shape ``(feature_dim,)``) and the step counter ``t``."""

    w: Any
    t: Any


def _split(z, n):
    """``z`` -> ``x`` (first ``n``), the target noise (next one), and the rest."""
    return z[:n], z[n], z[n + 1 :]


def _initial_weights(feature_dim: int, key) -> WeightsState:
    """Target weights drawn from N(0, I), at step 0."""
    return WeightsState(jax.random.normal(key, (feature_dim,)), jnp.zeros((), jnp.int32))


def _step(stream, state, key):
    """Sample ``(x, y)`` from ``noise_dim`` standard normals drawn from ``key``."""
    return stream.advance(state, normals(key, stream.noise_dim))


def _init_weights(stream, key) -> WeightsState:
    """Initial target weights from ``key`` (the settings checked first)."""
    check_settings(stream)
    return _initial_weights(stream.feature_dim, key)


def _weights_noise_dim(stream) -> int:
    """Standard normals per step: ``x``, the target noise, and one per weight (its drift,
    or its candidate new value)."""
    return 2 * stream.feature_dim + 1


class RandomWalkStream(NamedTuple):
    r"""Linear target whose weights drift by a Gaussian random walk.

    .. math::
        w_{t+1} = w_t + \sigma_d\,\epsilon_t, \quad x_t \sim \mathcal N(0, I), \quad
        y_t = w_t^\top x_t + \sigma_n \eta_t

    with :math:`w_0 \sim \mathcal N(0, I)`.

    Example:
        >>> import jax
        >>> stream = RandomWalkStream(feature_dim=3, drift_rate=0.01, noise_std=0.0)
        >>> s = stream.init(jax.random.key(0))
        >>> s, ts = stream.step(s, jax.random.key(1))
        >>> print(ts.x.shape, abs(float(ts.y - ts.x @ s.w)) < 0.2)
        (3,) True
    """

    feature_dim: int = 10
    drift_rate: float = 0.001
    noise_std: float = 0.1

    BOUNDS = dict(feature_dim=COUNT, drift_rate=NON_NEGATIVE, noise_std=NON_NEGATIVE)

    init = _init_weights
    noise_dim = property(_weights_noise_dim)
    step = _step

    def advance(self, state: WeightsState, z):
        """:meth:`step` given its ``noise_dim`` standard normals ``z``."""
        x, eta, eps = _split(z, self.feature_dim)
        y = x @ state.w + self.noise_std * eta
        w = state.w + self.drift_rate * eps
        return WeightsState(w, state.t + 1), TimeStep(x, y)


class AbruptChangeStream(NamedTuple):
    r"""Linear target whose weights are redrawn from :math:`\mathcal N(0, I)` every
    ``change_interval`` steps; :math:`y = w^\top x + \sigma_n\eta`, :math:`x \sim \mathcal N(0, I)`.

    Example:
        >>> import jax
        >>> stream = AbruptChangeStream(feature_dim=2, change_interval=2, noise_std=0.0)
        >>> s = stream.init(jax.random.key(0))
        >>> ws = []
        >>> for t in range(4):
        ...     s, _ = stream.step(s, jax.random.key(t))
        ...     ws.append(s.w)
        >>> print(bool((ws[0] == ws[1]).all()), bool((ws[1] == ws[2]).all()))
        False True
    """

    feature_dim: int = 10
    change_interval: int = 1000
    noise_std: float = 0.1

    BOUNDS = dict(feature_dim=COUNT, change_interval=COUNT, noise_std=NON_NEGATIVE)

    init = _init_weights
    noise_dim = property(_weights_noise_dim)
    step = _step

    def advance(self, state: WeightsState, z):
        """:meth:`step` given its ``noise_dim`` standard normals ``z``."""
        x, eta, fresh = _split(z, self.feature_dim)
        y = x @ state.w + self.noise_std * eta
        t = state.t + 1
        w = jnp.where(t % self.change_interval == 0, fresh, state.w)
        return WeightsState(w, t), TimeStep(x, y)


class SuttonExperiment1Stream(NamedTuple):
    r"""Sutton (1992), Experiments 1 and 2: 5 relevant inputs whose weights flip sign.

    :math:`x \sim \mathcal N(0, I_{20})`; the target is :math:`y = \sum_{i<5} s_i x_i`
    with :math:`s_i \in \{+1, -1\}` (drawn at random at the start) and no noise; the
    other 15 inputs are irrelevant (weight 0). Every ``change_interval`` (20) samples one
    relevant weight, chosen at random, flips its sign. No bias input: use
    ``LinearLearner(..., bias=False)`` as in the paper.

    Example:
        >>> import jax
        >>> stream = SuttonExperiment1Stream()
        >>> s = stream.init(jax.random.key(0))
        >>> s, ts = stream.step(s, jax.random.key(1))
        >>> print(stream.feature_dim, float(ts.y) == float(ts.x[:5] @ s.signs))
        20 True
    """

    num_relevant: int = 5
    num_irrelevant: int = 15
    change_interval: int = 20

    BOUNDS = dict(
        num_relevant=COUNT,
        num_irrelevant=Bounds(0, INF, True, False, True),
        change_interval=COUNT,
    )

    @property
    def feature_dim(self) -> int:
        """``num_relevant + num_irrelevant`` (20)."""
        return self.num_relevant + self.num_irrelevant

    def init(self, key):
        """Random initial signs of the relevant weights."""
        check_settings(self)
        signs = jnp.where(jax.random.bernoulli(key, 0.5, (self.num_relevant,)), 1.0, -1.0)
        return SuttonState(signs, jnp.zeros((), jnp.int32))

    @property
    def noise_dim(self) -> int:
        """Standard normals per step: ``x`` and one that picks the sign to flip."""
        return self.feature_dim + 1

    def step(self, state, key):
        """Sample ``(x, y)``; after every ``change_interval`` samples flip one sign."""
        return _step(self, state, key)

    def advance(self, state, z):
        """:meth:`step` given its ``noise_dim`` standard normals ``z``."""
        x, u, _ = _split(z, self.feature_dim)
        y = x[: self.num_relevant] @ state.signs
        t = state.t + 1
        # which sign flips: from the extra normal draw, uniform over the relevant inputs
        i = jnp.clip(
            jnp.floor(jax.scipy.special.ndtr(u) * self.num_relevant), 0, self.num_relevant - 1
        ).astype(jnp.int32)
        flip = (t % self.change_interval == 0) & (jnp.arange(self.num_relevant) == i)
        signs = jnp.where(flip, -state.signs, state.signs)
        return SuttonState(signs, t), TimeStep(x, y)


class SuttonState(NamedTuple):
    """Signs of the relevant target weights and the step counter."""

    signs: Any
    t: Any


class CyclicState(NamedTuple):
    """The ``table`` of target weights (``(num_targets, feature_dim)``) and the counter."""

    table: Any
    t: Any


class CyclicStream(NamedTuple):
    r"""Target weights cycle through ``num_targets`` fixed vectors, each held for
    ``cycle_length`` steps: a recurring task (continual learning must not forget).

    :math:`y = w_{k(t)}^\top x + \sigma_n\eta`, :math:`k(t) = \lfloor t / L\rfloor \bmod K`.

    Example:
        >>> import jax
        >>> stream = CyclicStream(feature_dim=2, cycle_length=1, num_targets=2, noise_std=0.0)
        >>> s = stream.init(jax.random.key(0))
        >>> s, a = stream.step(s, jax.random.key(1))
        >>> s, b = stream.step(s, jax.random.key(1))
        >>> s, c = stream.step(s, jax.random.key(1))
        >>> print(float(a.y) == float(c.y), float(a.y) == float(b.y))
        True False
    """

    feature_dim: int = 10
    cycle_length: int = 1000
    num_targets: int = 3
    noise_std: float = 0.1

    BOUNDS = dict(feature_dim=COUNT, cycle_length=COUNT, num_targets=COUNT, noise_std=NON_NEGATIVE)

    def init(self, key) -> CyclicState:
        """Draw the table of target weights."""
        check_settings(self)
        table = jax.random.normal(key, (self.num_targets, self.feature_dim))
        return CyclicState(table, jnp.zeros((), jnp.int32))

    @property
    def noise_dim(self) -> int:
        """Standard normals per step: ``x`` and the target noise."""
        return self.feature_dim + 1

    def step(self, state: CyclicState, key):
        """Sample ``(x, y)`` with the current target of the cycle."""
        return _step(self, state, key)

    def advance(self, state: CyclicState, z):
        """:meth:`step` given its ``noise_dim`` standard normals ``z``."""
        k = (state.t // self.cycle_length) % self.num_targets
        w = state.table[k]
        x, eta, _ = _split(z, self.feature_dim)
        return CyclicState(state.table, state.t + 1), TimeStep(x, x @ w + self.noise_std * eta)


class ScaleDriftState(NamedTuple):
    """Fixed target weights ``w`` and the log-scales ``log_scale`` of the inputs."""

    w: Any
    log_scale: Any


class ScaleDriftStream(NamedTuple):
    r"""Fixed target on inputs whose scales drift: a test of normalisers and of step-size
    rules on raw robot-like signals.

    .. math::
        s_{t+1} = \mathrm{clip}(s_t + \sigma_d\epsilon_t, -S, S), \quad
        x_t = e^{s_t} \odot \xi_t, \;\xi_t \sim \mathcal N(0, I), \quad
        y_t = w^\top \xi_t + \sigma_n\eta_t

    so the weight the learner needs for input :math:`i` is :math:`w_i e^{-s_i}`, which
    drifts over orders of magnitude (``max_log_scale`` :math:`S`).

    Example:
        >>> import jax
        >>> stream = ScaleDriftStream(feature_dim=2, drift_rate=0.0, noise_std=0.0)
        >>> s = stream.init(jax.random.key(0))
        >>> s, ts = stream.step(s, jax.random.key(1))
        >>> print(ts.x.shape)
        (2,)
    """

    feature_dim: int = 10
    drift_rate: float = 0.01
    max_log_scale: float = 3.0
    noise_std: float = 0.1

    BOUNDS = dict(
        feature_dim=COUNT,
        drift_rate=NON_NEGATIVE,
        max_log_scale=NON_NEGATIVE,
        noise_std=NON_NEGATIVE,
    )

    def init(self, key) -> ScaleDriftState:
        """Draw the target weights; log-scales start at 0."""
        check_settings(self)
        w = jax.random.normal(key, (self.feature_dim,))
        return ScaleDriftState(w, jnp.zeros_like(w))

    @property
    def noise_dim(self) -> int:
        """Standard normals per step: the unscaled input, target noise, scale drift."""
        return 2 * self.feature_dim + 1

    def step(self, state: ScaleDriftState, key):
        """Sample ``(x, y)``, then drift the log-scales."""
        return _step(self, state, key)

    def advance(self, state: ScaleDriftState, z):
        """:meth:`step` given its ``noise_dim`` standard normals ``z``."""
        xi, eta, eps = _split(z, self.feature_dim)
        y = xi @ state.w + self.noise_std * eta
        x = jnp.exp(state.log_scale) * xi
        s = state.log_scale + self.drift_rate * eps
        s = jnp.clip(s, -self.max_log_scale, self.max_log_scale)
        return ScaleDriftState(state.w, s), TimeStep(x, y)
