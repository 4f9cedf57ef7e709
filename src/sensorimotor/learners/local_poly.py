"""Locally weighted polynomial regression: features, their Jacobian, and one weighted fit."""

import itertools
import math
from functools import lru_cache

import numpy as np

from sensorimotor.learners.brute_force import knn


@lru_cache(maxsize=32)
def _structure(dim: int, degree: int):
    """Monomials up to ``degree`` in ``dim`` variables, each built from a parent monomial.

    Monomial ``t`` of degree ``p >= 1`` is ``parent[t] * x[var[t]]`` with ``parent[t]`` of
    degree ``p - 1``; order: ``1``, then degree 1, 2, ... (combinations with replacement).
    Returns the exponents ``(P, dim)`` and, per degree, ``(indices, parents, vars)``.
    """
    combos = [()]
    for p in range(1, degree + 1):
        combos += list(itertools.combinations_with_replacement(range(dim), p))
    index = {c: i for i, c in enumerate(combos)}
    exps = np.zeros((len(combos), dim), dtype=np.intp)
    levels = []
    for p in range(1, degree + 1):
        idx = [i for i, c in enumerate(combos) if len(c) == p]
        parents = [index[combos[i][:-1]] for i in idx]
        variables = [combos[i][-1] for i in idx]
        levels.append((np.array(idx), np.array(parents), np.array(variables)))
    for i, c in enumerate(combos):
        for v in c:
            exps[i, v] += 1
    return exps, tuple(levels)


def n_features(dim: int, degree: int) -> int:
    """Number of monomials of degree at most ``degree`` in ``dim`` variables: C(dim+degree, degree).

    >>> n_features(7, 1), n_features(7, 2), n_features(7, 3)
    (8, 36, 120)
    """
    return _structure(dim, degree)[0].shape[0]


@lru_cache(maxsize=32)
def _blocks(dim: int, degree: int):
    """Per degree ``p`` and variable ``v``: (output slice, input slice) of feature rows.

    In lexicographic order the monomials of degree ``p`` starting with ``x_v`` are ``x_v``
    times the monomials of degree ``p - 1`` whose variables are all ``>= v``, which form a
    contiguous suffix of that degree's block: so every level is ``dim`` slice products.
    """
    counts = [math.comb(dim - 1 + p, p) for p in range(degree + 1)]
    starts = [sum(counts[:p]) for p in range(degree + 1)]
    out = []
    for p in range(1, degree + 1):
        prev_start, prev_count = starts[p - 1], counts[p - 1]
        pos = starts[p]
        for v in range(dim):
            # monomials of degree p-1 with all variables >= v: the last C(dim-v-1+p-1, p-1)
            tail = math.comb(dim - v - 1 + p - 1, p - 1) if p > 1 else 1
            src = (prev_start + prev_count - tail, prev_start + prev_count) if p > 1 else (0, 1)
            out.append((v, pos, pos + tail, src[0], src[1]))
            pos += tail
    return tuple(out)


def poly_features(x: np.ndarray, degree: int) -> np.ndarray:
    """All monomials of ``x`` up to ``degree``: ``(N, d) -> (P, N)`` (feature-major).

    Row 0 is the constant 1, rows ``1..d`` are ``x`` itself, then products of increasing
    degree in lexicographic order; each block of rows is a block of the previous degree
    times one coordinate, so the cost is ``O(P N)`` with ``d * degree`` array operations.

    >>> poly_features(np.array([[2.0, 3.0]]), 2)[:, 0].tolist()
    [1.0, 2.0, 3.0, 4.0, 6.0, 9.0]
    """
    n, dim = x.shape
    xt = np.ascontiguousarray(x.T)
    f = np.empty((n_features(dim, degree), n))
    f[0] = 1.0
    for v, lo, hi, src_lo, src_hi in _blocks(dim, degree):
        np.multiply(f[src_lo:src_hi], xt[v], out=f[lo:hi])
    return f


def poly_jacobian(u: np.ndarray, degree: int) -> tuple[np.ndarray, np.ndarray]:
    """Features ``phi(u)`` ``(P,)`` and their Jacobian ``d phi / d u`` ``(P, d)`` at one point.

    With ``phi_t = phi_parent * u_v``: ``d phi_t/d u_i = d phi_parent/d u_i * u_v
    + phi_parent * [i == v]``.

    >>> f, jac = poly_jacobian(np.array([2.0, 3.0]), 2)
    >>> jac[4].tolist()  # d(u0 u1)/du = (u1, u0)
    [3.0, 2.0]
    """
    dim = u.shape[0]
    _, levels = _structure(dim, degree)
    p = n_features(dim, degree)
    f = np.empty(p)
    jac = np.zeros((p, dim))
    f[0] = 1.0
    for idx, parents, variables in levels:
        f[idx] = f[parents] * u[variables]
        jac[idx] = jac[parents] * u[variables][:, None]
        jac[idx, variables] += f[parents]
    return f, jac


def local_fit(
    points, values, centre, k: int, degree: int, ridge: float, width=None, neighbours=None
):
    """Weighted least-squares polynomial around ``centre`` on its ``k`` nearest points.

    With neighbours ``x_i`` (offsets ``u_i = x_i - centre``), values ``y_i`` and weights
    ``w_i``, the coefficients solve the ridge-regularised weighted normal equations::

        (Phi W Phi^T + ridge D) beta = Phi W Y,   Phi = poly_features(u)  (P, k)

    so that ``y(centre + u) ~ beta^T phi(u)`` and ``beta[0]`` is the prediction at the
    centre, ``beta[1:d+1]`` its Jacobian (transposed). ``D = diag(0, 1, ..., 1)``: the
    intercept is not penalised (Hastie, Tibshirani & Friedman, "The elements of statistical
    learning", 3.4.1), so where the neighbours do not determine the slopes (one command
    repeated) the fit keeps their value instead of shrinking it towards the origin of the
    units. Weights: with ``width=None``, the
    tricube kernel ``w = (1 - (r / r_k)^3)^3`` over ``r_k`` just beyond the ``k``-th
    neighbour's distance (a per-query width, Cleveland 1979); with a number ``h``, the
    Gaussian kernel ``w = exp(-r^2 / (2 h^2))`` (Atkeson, Moore & Schaal 1997). Either is
    divided by the nearest neighbour's weight, so that the ridge weighs the same against
    data near the query or far from it.

    ``neighbours``: the ``(d2 (k,), idx (k,))`` of the ``k`` nearest points if the caller
    has them (from ``Memory.nearest``'s index); otherwise they are found by brute force.

    Returns ``(beta (P, n_out), idx (k,), d2 (k,))``.

    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-1, 1, size=(200, 2))
    >>> y = x[:, :1] ** 2 + 3 * x[:, 1:]  # a quadratic: recovered exactly
    >>> beta, _, _ = local_fit(x, y, np.zeros(2), k=40, degree=2, ridge=1e-12)
    >>> (np.round(beta[:, 0], 6) + 0.0).tolist()
    [0.0, 0.0, 3.0, 1.0, 0.0, 0.0]
    """
    if neighbours is None:
        d2, idx = knn(points, centre[None], k)
        d2, idx = d2[0], idx[0]
    else:
        d2, idx = neighbours
    u = points[idx] - centre
    if width is None:
        r = np.sqrt(d2 / (d2[-1] * (1.0 + 1e-6) + 1e-300))
        w = (1.0 - r**3) ** 3
    else:  # d2 - d2[0]: the weights relative to the nearest's (see below), without underflow
        w = np.exp(-(d2 - d2[0]) / (2.0 * width * width))
    # relative to the nearest neighbour's weight: the ridge is then measured against the
    # data however far the query (neighbours all at one distance get ~1e-18 of tricube,
    # and the ridge alone answered 0); without a ridge the fit does not change
    w = w / w[0]
    phi = poly_features(u, degree)
    sw = np.sqrt(w)
    a = phi * sw
    gram = a @ a.T
    gram.flat[gram.shape[0] + 1 :: gram.shape[0] + 1] += ridge  # not the intercept, gram[0, 0]
    rhs = a @ (values[idx] * sw[:, None])
    try:
        beta = np.linalg.solve(gram, rhs)
    except np.linalg.LinAlgError:
        beta = np.linalg.lstsq(gram, rhs, rcond=None)[0]
    return beta, idx, d2
