"""Feature construction for robot signals: tile coding and radial basis functions.

Both work on the array API (NumPy eagerly, JAX inside compiled loops) and map a raw
signal vector of shape ``(input_dim,)`` to a feature vector for a linear learner.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from sensorimotor.base.bounds import POSITIVE, check_count, is_int
from sensorimotor.base.bounds import check_settings as check_bounds
from sensorimotor.rules.array_namespace import default_float, namespace


class TileCoder(NamedTuple):
    r"""Tile coding (Sutton & Barto 2018, section 9.5.4): ``num_tilings`` offset grids.

    Each input dimension :math:`j` is scaled to tile units,
    :math:`u_j = (x_j - \text{low}_j) / (\text{high}_j - \text{low}_j)\cdot T`
    (``T = tiles_per_dim``), clipped to :math:`[0, T]`; tiling :math:`k` is displaced by
    :math:`(k\,(2j + 1) \bmod n)/n` of a tile width along dimension :math:`j` (the
    asymmetric offsets recommended by Miller & Glanz, :math:`n` = ``num_tilings``), and contributes
    one active tile among :math:`(T + 1)^d`. The feature vector is binary, of length
    ``num_tilings * (T + 1) ** d``, with exactly ``num_tilings`` ones. Use a step size
    of about ``1 / num_tilings`` times the one for a single feature.

    Bad settings (``low`` and ``high`` of different lengths or not ``low < high``, a
    ``tiles_per_dim`` or ``num_tilings`` that is not a positive int) raise ``ValueError``
    when the coder is first used. A NaN or inf in ``x`` raises ``ValueError`` on concrete
    arrays; inside a compiled loop, where nothing can raise, such an ``x`` activates no tile
    (all features zero), so that it teaches a linear learner nothing.

    Example:
        >>> import numpy as np
        >>> coder = TileCoder(low=(0.0,), high=(1.0,), tiles_per_dim=4, num_tilings=2)
        >>> phi = coder(np.array([0.3]))
        >>> print(coder.feature_dim, int(phi.sum()), np.flatnonzero(phi))
        10 2 [1 6]
    """

    low: tuple = (0.0,)
    high: tuple = (1.0,)
    tiles_per_dim: int = 8
    num_tilings: int = 8

    @property
    def feature_dim(self) -> int:
        """``num_tilings * (tiles_per_dim + 1) ** input_dim``.

        >>> TileCoder(low=(0.0, 0.0), high=(1.0, 1.0), tiles_per_dim=3, num_tilings=2).feature_dim
        32
        """
        self.check_settings()
        return int(self.num_tilings) * (int(self.tiles_per_dim) + 1) ** len(self.low)

    def check_settings(self) -> TileCoder:
        """Return the coder if its settings are valid; else raise ``ValueError`` naming one.

        >>> TileCoder(low=(0.0,), high=(1.0,), num_tilings=0).check_settings()
        Traceback (most recent call last):
        ...
        ValueError: TileCoder.num_tilings must be a positive int, got 0
        """
        for name in ("tiles_per_dim", "num_tilings"):
            value = getattr(self, name)
            if not is_int(value) or value < 1:
                raise ValueError(f"TileCoder.{name} must be a positive int, got {value!r}")
        try:
            low = np.asarray(self.low, dtype=np.float64)
            high = np.asarray(self.high, dtype=np.float64)
        except (TypeError, ValueError, OverflowError) as exc:
            raise ValueError(
                f"TileCoder.low and high must be sequences of numbers, got {self.low!r}, {self.high!r}"
            ) from exc
        if low.ndim != 1 or low.shape != high.shape or low.size == 0:
            raise ValueError(
                "TileCoder.low and high must be non-empty sequences of the same length, "
                f"got low={self.low!r}, high={self.high!r}"  # (a scalar was '1 value')
            )
        if not (np.all(np.isfinite(low)) and np.all(np.isfinite(high)) and np.all(low < high)):
            raise ValueError(
                f"TileCoder.low must be below high in every dimension (finite), "
                f"got low={self.low!r}, high={self.high!r}"
            )
        if self.num_tilings * (self.tiles_per_dim + 1) ** low.size > _MAX_FEATURES:
            raise ValueError(
                f"TileCoder.num_tilings * (tiles_per_dim + 1) ** {low.size} must be at most "
                f"{_MAX_FEATURES} (tile indices are int32), got num_tilings={self.num_tilings!r}, "
                f"tiles_per_dim={self.tiles_per_dim!r}"
            )
        return self

    def active(self, x):
        """Indices of the active tiles, one per tiling, shape ``(num_tilings,)``; a
        non-finite ``x`` in a compiled loop gives index -1 (no tile) for every tiling.

        >>> coder = TileCoder(low=(0.0,), high=(1.0,), tiles_per_dim=4, num_tilings=2)
        >>> print(coder.active(np.array([0.3])))
        [1 6]
        """
        xp = namespace(x)
        self.check_settings()
        d = len(self.low)
        x = _check_x(xp, x, d)
        concrete = xp is np or not _is_tracer(x)
        if concrete and not bool(xp.all(xp.isfinite(x))):
            raise ValueError(f"x must be finite, got {np.asarray(x)!r}")
        low = xp.asarray(self.low, dtype=x.dtype)
        high = xp.asarray(self.high, dtype=x.dtype)
        t, n = self.tiles_per_dim, self.num_tilings
        u = xp.clip((x - low) / (high - low) * t, 0.0, float(t))
        k = xp.reshape(xp.arange(n, dtype=xp.int32), (n, 1))
        odd = xp.reshape(2 * xp.arange(d, dtype=xp.int32) + 1, (1, d))
        offsets = xp.astype((k * odd) % n, x.dtype) / n  # fractions of a tile width
        cells = xp.astype(xp.floor(u + offsets), xp.int32)  # (n, d), each in [0, t]
        cells = xp.clip(cells, 0, t)
        strides = xp.asarray([(t + 1) ** j for j in range(d)], dtype=xp.int32)
        flat = xp.sum(cells * strides, axis=1)
        idx = flat + xp.arange(n, dtype=xp.int32) * (t + 1) ** d
        if concrete:
            return idx
        return xp.where(xp.all(xp.isfinite(x)), idx, -1)

    def __call__(self, x):
        """The binary feature vector of ``x`` (dtype of ``x``)."""
        xp = namespace(x)
        idx = self.active(x)
        grid = xp.arange(self.feature_dim, dtype=xp.int32)
        hits = xp.reshape(grid, (1, -1)) == xp.reshape(idx, (-1, 1))
        return xp.astype(xp.any(hits, axis=0), x.dtype)


_MAX_FEATURES = 2**31 - 1


def _check_x(xp, x, d: int):
    """``x``, integers made floats; raise ``TypeError``/``ValueError`` naming ``x`` unless it
    is a real array of shape ``(d,)``."""
    if not (hasattr(x, "shape") and hasattr(x, "dtype")):
        raise TypeError(f"x must be an array of shape ({d},), got {type(x).__name__}")
    if x.shape != (d,):
        raise ValueError(f"x must have shape ({d},), got {x.shape}")
    if np.dtype(x.dtype).kind in "bcOSUmM":  # bool, complex, object, text, times
        raise TypeError(f"x must hold real numbers, got dtype {x.dtype}")
    if np.dtype(x.dtype).kind in "iu":  # (x - low) in uint8 wraps or overflows
        x = xp.astype(x, default_float(xp))
    return x


def _box(owner: str, low, high):
    """``low`` and ``high`` as float64 arrays; ``ValueError`` naming ``owner`` unless they
    are finite sequences of numbers of one length (a scalar, or lengths that differ, gave
    ``zip()`` errors or boxes broadcast to the longer one)."""
    try:
        lo, hi = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{owner}: low and high must be sequences of numbers") from exc
    if lo.ndim != 1 or lo.shape != hi.shape or lo.size == 0:
        raise ValueError(
            f"{owner}: low and high must be non-empty sequences of the same length, "
            f"got low={low!r}, high={high!r}"
        )
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        raise ValueError(f"{owner}: low and high must be finite, got low={low!r}, high={high!r}")
    return lo, hi


def _is_tracer(x) -> bool:
    import jax

    return isinstance(x, jax.core.Tracer)


class RBFFeatures(NamedTuple):
    r"""Gaussian radial basis features :math:`\phi_i(x) = \exp(-\|x - c_i\|^2 / (2\sigma^2))`.

    ``centers`` has shape ``(num_features, input_dim)``; build a grid with
    :meth:`grid` or random centres with :meth:`random` (NumPy, seeded; both raise
    ``ValueError`` for ``low`` and ``high`` of different lengths or not finite, or a count
    that is not a positive int). With
    ``normalize=True`` the features sum to one (a normalised RBF network).

    Example:
        >>> import numpy as np
        >>> rbf = RBFFeatures.grid(low=(0.0,), high=(1.0,), num_per_dim=3, sigma=0.5)
        >>> print(np.round(rbf(np.array([0.5])), 3))
        [0.607 1.    0.607]
    """

    centers: Any
    sigma: float = 1.0
    normalize: bool = False

    BOUNDS = dict(sigma=POSITIVE)

    @property
    def feature_dim(self) -> int:
        """Number of centres.

        >>> RBFFeatures(np.zeros((5, 2))).feature_dim
        5
        """
        return int(self.centers.shape[0])

    def check_settings(self) -> RBFFeatures:
        """Return the features if their settings are valid; else raise naming one: a
        ``sigma`` that is not a positive number (zero or NaN gave NaN features, a negative
        one or ``True`` was taken as its square or 1), ``centers`` that are not a non-empty
        ``(num_features, input_dim)`` array of finite numbers.

        >>> RBFFeatures(np.zeros((2, 1)), sigma=0.0).check_settings()
        Traceback (most recent call last):
        ...
        ValueError: RBFFeatures.sigma must be a finite number in (0, inf), got 0.0
        """
        check_bounds(self)
        if _is_tracer(self.centers):
            return self
        centers = np.asarray(self.centers)
        if centers.ndim != 2 or 0 in centers.shape or centers.dtype.kind not in "fiu":
            raise ValueError(
                "RBFFeatures.centers must be a non-empty (num_features, input_dim) array of "
                f"numbers, got shape {centers.shape} and dtype {centers.dtype}"
            )
        if not np.all(np.isfinite(centers)):
            raise ValueError("RBFFeatures.centers must be finite")
        return self

    @classmethod
    def grid(cls, low, high, num_per_dim: int, sigma: float, normalize: bool = False):
        """Centres on a regular grid of ``num_per_dim`` points per dimension.

        >>> print(RBFFeatures.grid(low=(0.0, 0.0), high=(1.0, 2.0), num_per_dim=2, sigma=0.5).centers)
        [[0. 0.]
         [0. 2.]
         [1. 0.]
         [1. 2.]]
        """
        low, high = _box("RBFFeatures.grid", low, high)
        check_count("RBFFeatures.grid: num_per_dim", num_per_dim)
        axes = [np.linspace(lo, hi, num_per_dim) for lo, hi in zip(low, high, strict=True)]
        mesh = np.meshgrid(*axes, indexing="ij")
        return cls(np.stack([m.ravel() for m in mesh], axis=1), sigma, normalize)

    @classmethod
    def random(
        cls, num_features: int, low, high, sigma: float, seed: int = 0, normalize: bool = False
    ):
        """``num_features`` centres drawn uniformly in the box ``[low, high]``.

        >>> rbf = RBFFeatures.random(10, low=(0.0, -1.0), high=(1.0, 1.0), sigma=0.3, seed=0)
        >>> print(rbf.centers.shape, bool((rbf.centers[:, 1] >= -1.0).all()))
        (10, 2) True
        """
        lo, hi = _box("RBFFeatures.random", low, high)  # else (0, 0) and (1,) broadcast
        check_count("RBFFeatures.random: num_features", num_features)
        rng = np.random.default_rng(seed)
        return cls(lo + (hi - lo) * rng.uniform(size=(num_features, lo.size)), sigma, normalize)

    def __call__(self, x):
        """Features of ``x`` (shape ``(input_dim,)``), shape ``(num_features,)``."""
        xp = namespace(x)
        self.check_settings()
        x = _check_x(xp, x, np.shape(self.centers)[1])
        if (xp is np or not _is_tracer(x)) and not bool(xp.all(xp.isfinite(x))):
            raise ValueError(f"x must be finite, got {np.asarray(x)!r}")
        c = xp.asarray(self.centers, dtype=x.dtype)
        d2 = xp.sum((c - x) ** 2, axis=1)
        if self.normalize:
            # the same ratio with every distance taken from the nearest centre's, whose
            # feature is then exp(0) = 1: far from every centre all exp() underflow to 0
            # and the plain ratio is 0 / 0
            d2 = d2 - xp.min(d2)
        phi = xp.exp(-d2 / (2.0 * self.sigma**2))
        if self.normalize:
            phi = phi / xp.sum(phi)
        return phi
