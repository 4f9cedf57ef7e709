"""How a reservoir's weights are drawn: the recurrent topologies and the input and bias weights.

Each is a small frozen settings object under HDPy's name, called with a NumPy random
``Generator`` and the sizes: ``w(rng, size, spectral_radius) -> (size, size)``,
``w_in(rng, size, input_dim) -> (size, input_dim)``, ``w_bias(rng, size) -> (size,)``.
The matrices are dense NumPy arrays: at the sizes an online critic uses (tens to a few
hundred units) a dense product is faster than a sparse one, and it is what JAX compiles.

Departures from HDPy: densities are fractions in (0, 1] (HDPy's were percentages, so
HDPy's ``fan_in_w=20`` is ``density=0.2``); the bias is uniform in
``[-scaling, scaling]`` (HDPy drew ``2 N(0, 1) - 1``, centred on -1, by a slip).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sensorimotor.base.blas import single_threaded_blas
from sensorimotor.base.bounds import NON_NEGATIVE, Bounds, check_settings

DENSITY = Bounds(0.0, 1.0, False, True)


@single_threaded_blas  # else LAPACK's threads spin on after it, slowing the first steps
def spectral_radius_of(w) -> float:
    """The largest absolute eigenvalue of the square matrix ``w``.

    >>> print(spectral_radius_of(np.array([[0.0, 2.0], [0.5, 0.0]])))
    1.0
    """
    return float(np.max(np.abs(np.linalg.eigvals(np.asarray(w, dtype=np.float64)))))


def _entries(rng, n_rows: int, n_cols: int, density: float):
    """Flat indices of ``round(density * n_rows * n_cols)`` distinct entries (at least one)."""
    count = max(1, int(round(density * n_rows * n_cols)))
    return rng.choice(n_rows * n_cols, size=count, replace=False)


class sparse_reservoir(NamedTuple):  # noqa: N801 - HDPy's name
    r"""Sparse random recurrent weights scaled to a spectral radius.

    A fraction ``density`` of the entries (chosen without replacement) are drawn from
    :math:`\mathcal N(0, 1)`, the rest are zero; then :math:`W \leftarrow \rho\, W /
    \max_i |\lambda_i(W)|`.

    >>> w = sparse_reservoir(density=0.2)(np.random.default_rng(0), 50, 0.9)
    >>> print(round(spectral_radius_of(w), 6), np.count_nonzero(w))
    0.9 500
    """

    density: float = 0.2

    BOUNDS = dict(density=DENSITY)

    def __call__(self, rng, size: int, spectral_radius: float):
        check_settings(self)
        w = np.zeros(size * size)
        idx = _entries(rng, size, size, self.density)
        w[idx] = rng.normal(size=idx.size)
        w = w.reshape(size, size)
        radius = spectral_radius_of(w)
        if radius < 1e-12:  # nilpotent (e.g. too few entries to close a cycle)
            raise ValueError(
                f"sparse_reservoir.density {self.density} gave {size} units a matrix with no "
                "nonzero eigenvalue, which no scaling brings to a spectral radius; raise density"
            )
        return w * (spectral_radius / radius)


class orthogonal_reservoir(NamedTuple):  # noqa: N801 - HDPy's name
    r"""Orthogonal recurrent weights: a random permutation matrix turned by random Givens
    rotations (each applied on the left or the right, angle uniform in :math:`[0, 2\pi)`)
    until a fraction ``density`` of the entries is nonzero, then scaled by :math:`\rho`.

    A product of orthogonal matrices is orthogonal, so every eigenvalue has modulus
    exactly :math:`\rho` (Strauss et al. 2012, the construction HDPy cites).

    >>> w = orthogonal_reservoir(density=0.2)(np.random.default_rng(0), 40, 0.8)
    >>> print(round(spectral_radius_of(w), 6), np.allclose(w @ w.T, 0.64 * np.eye(40)))
    0.8 True
    """

    density: float = 0.2

    BOUNDS = dict(density=DENSITY)

    def __call__(self, rng, size: int, spectral_radius: float):
        check_settings(self)
        w = np.eye(size)[rng.permutation(size)]
        target = int(self.density * size * size)
        nnz = size
        for _ in range(100 * size * size):  # a bound: density 1 is reached long before
            if nnz >= target or size < 2:
                break
            i, j = rng.choice(size, size=2, replace=False)
            phi = rng.uniform(0.0, 2.0 * np.pi)
            c, s = np.cos(phi), np.sin(phi)
            if rng.integers(2) == 0:  # rotate rows i and j: G @ w
                before = np.count_nonzero(w[[i, j]])
                wi, wj = w[i].copy(), w[j].copy()
                w[i], w[j] = c * wi - s * wj, s * wi + c * wj
                nnz += np.count_nonzero(w[[i, j]]) - before
            else:  # rotate columns i and j: w @ G
                before = np.count_nonzero(w[:, [i, j]])
                wi, wj = w[:, i].copy(), w[:, j].copy()
                w[:, i], w[:, j] = c * wi + s * wj, -s * wi + c * wj
                nnz += np.count_nonzero(w[:, [i, j]]) - before
        return spectral_radius * w


class ring_of_neurons(NamedTuple):  # noqa: N801 - HDPy's name
    r"""A ring: unit :math:`i` feeds unit :math:`i + 1` (and the last the first) with the
    weight :math:`\rho`; a scaled cyclic permutation, whose eigenvalues all have modulus
    :math:`\rho`.

    >>> w = ring_of_neurons()(None, 4, 0.5)
    >>> print(w[1, 0], w[0, 3], round(spectral_radius_of(w), 6))
    0.5 0.5 0.5
    """

    def __call__(self, rng, size: int, spectral_radius: float):
        w = np.zeros((size, size))
        w[np.arange(size), np.arange(size) - 1] = spectral_radius
        return w


class chain_of_neurons(NamedTuple):  # noqa: N801 - HDPy's name
    r"""A chain: unit :math:`i` feeds unit :math:`i + 1` with the weight :math:`\rho`; the
    last feeds nobody. The matrix is nilpotent (every eigenvalue is 0, an impulse leaves
    the chain after ``size`` steps): ``spectral_radius`` is the weight, as in HDPy.

    >>> w = chain_of_neurons()(None, 3, 0.9)
    >>> print(w[1, 0], w[0, 2], spectral_radius_of(w))
    0.9 0.0 0.0
    """

    def __call__(self, rng, size: int, spectral_radius: float):
        return np.diag(np.full(size - 1, float(spectral_radius)), -1)


class dense_w_in(NamedTuple):  # noqa: N801 - HDPy's name
    """Dense input weights, uniform in ``[-scaling, scaling]``.

    >>> w_in = dense_w_in(scaling=0.5)(np.random.default_rng(0), 3, 2)
    >>> print(w_in.shape, bool(np.all(np.abs(w_in) <= 0.5)))
    (3, 2) True
    """

    scaling: float = 1.0

    BOUNDS = dict(scaling=NON_NEGATIVE)

    def __call__(self, rng, size: int, input_dim: int):
        check_settings(self)
        return self.scaling * rng.uniform(-1.0, 1.0, size=(size, input_dim))


class sparse_w_in(NamedTuple):  # noqa: N801 - HDPy's name
    """Sparse input weights: a fraction ``density`` of the entries uniform in
    ``[-scaling, scaling]``, the rest zero.

    >>> w_in = sparse_w_in(scaling=1.0, density=0.25)(np.random.default_rng(0), 10, 4)
    >>> print(np.count_nonzero(w_in))
    10
    """

    scaling: float = 1.0
    density: float = 0.2

    BOUNDS = dict(scaling=NON_NEGATIVE, density=DENSITY)

    def __call__(self, rng, size: int, input_dim: int):
        check_settings(self)
        w = np.zeros(size * input_dim)
        idx = _entries(rng, size, input_dim, self.density)
        w[idx] = self.scaling * rng.uniform(-1.0, 1.0, size=idx.size)
        return w.reshape(size, input_dim)


class dense_w_bias(NamedTuple):  # noqa: N801 - HDPy's name
    """Bias weights uniform in ``[-scaling, scaling]`` (``scaling=0``: no bias).

    >>> b = dense_w_bias(scaling=0.1)(np.random.default_rng(0), 3)
    >>> print(b.shape, bool(np.all(np.abs(b) <= 0.1)))
    (3,) True
    """

    scaling: float = 0.0

    BOUNDS = dict(scaling=NON_NEGATIVE)

    def __call__(self, rng, size: int):
        check_settings(self)
        return self.scaling * rng.uniform(-1.0, 1.0, size=size)


__all__ = [
    "sparse_reservoir",
    "orthogonal_reservoir",
    "ring_of_neurons",
    "chain_of_neurons",
    "dense_w_in",
    "sparse_w_in",
    "dense_w_bias",
    "spectral_radius_of",
]
