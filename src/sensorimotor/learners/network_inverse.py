"""Inverse of the online network model: projected Levenberg-Marquardt with its exact Jacobian.

From the nearest observations of a goal (found by the caller), corrected by their local
bias; scaled units, pure functions of the ``network_core`` state (``NetworkConfig`` static
under ``jit``).
"""

import jax
import jax.numpy as jnp

from sensorimotor.learners.network_core import (
    NetworkConfig,
    forward,
    jacobian,
)


def _lm_direction(cfg: NetworkConfig, jac: jax.Array, r: jax.Array) -> jax.Array:
    """Damped Gauss-Newton step ``-J^T (J J^T + lambda I)^-1 r`` (or its ``J^T J`` twin)."""
    lam = cfg.damping
    if cfg.n_s <= cfg.n_m:  # the minimum-norm form: solve in the small sensory space
        a = jac @ jac.T + lam * jnp.eye(cfg.n_s, dtype=jac.dtype)
        return -jac.T @ jnp.linalg.solve(a, r)
    a = jac.T @ jac + lam * jnp.eye(cfg.n_m, dtype=jac.dtype)
    return -jnp.linalg.solve(a, jac.T @ r)


def solve(
    cfg: NetworkConfig,
    theta: jax.Array,
    m0: jax.Array,
    bias: jax.Array,
    goal: jax.Array,
    lo: jax.Array,
    hi: jax.Array,
) -> jax.Array:
    """A motor command ``m`` in ``[lo, hi]`` with ``f(m) + bias ~= goal``, from ``m0``.

    Projected Levenberg-Marquardt on ``E(m) = |r(m)|^2 / 2``, ``r(m) = f(m) + b - goal``,
    with the network's exact Jacobian ``J = df/dm``; each iteration::

        d = -J_F^T (J_F J_F^T + lambda I)^-1 r      (minimum-norm damped Gauss-Newton)
        m <- clip(m + d, lo, hi)

    where ``J_F`` zeroes the columns of coordinates held at a bound that ``d`` would push
    outward (the active set, found from a first unconstrained ``d``). The minimum-norm step
    keeps ``m`` close to the start, where the bias correction ``b`` is valid. Levenberg
    (1944), Marquardt (1963); the projection as in Bertsekas (1982), "Projected Newton
    methods for optimization problems with simple constraints". Guard: a step that is not
    finite (e.g. ``damping = 0`` where ``J`` is singular) is not taken.

    >>> from sensorimotor.learners.network_core import init_params
    >>> cfg = NetworkConfig(n_m=2, n_s=1, hidden=(8,))
    >>> theta = init_params(cfg, jax.random.key(1))
    >>> goal = forward(cfg, theta, jnp.array([0.3, 0.6]))
    >>> m = solve(cfg, theta, jnp.array([0.4, 0.5]), jnp.zeros(1), goal, jnp.zeros(2), jnp.ones(2))
    >>> float(jnp.abs(forward(cfg, theta, m) - goal)[0]) < 1e-5
    True
    """

    def body(_, m):
        r = forward(cfg, theta, m) + bias - goal
        jac = jacobian(cfg, theta, m)
        d = _lm_direction(cfg, jac, r)
        blocked = ((m <= lo) & (d < 0)) | ((m >= hi) & (d > 0))
        d = _lm_direction(cfg, jnp.where(blocked[None, :], 0.0, jac), r)
        d = jnp.where(blocked, 0.0, d)
        new = jnp.clip(m + d, lo, hi)
        return jnp.where(jnp.all(jnp.isfinite(new)), new, m)  # guard: e.g. damping 0, J = 0

    return jax.lax.fori_loop(0, cfg.iterations, body, m0)


def infer(
    cfg: NetworkConfig,
    theta: jax.Array,
    starts: jax.Array,
    neighbours: jax.Array,
    weights: jax.Array,
    goal: jax.Array,
    lo: jax.Array,
    hi: jax.Array,
) -> jax.Array:
    """The inverse model: a scaled command ``(n_m,)`` for a scaled goal ``(n_s,)``.

    ``starts`` ``(restarts, n_m + n_s)`` are the observations ``(m_j, s_j)`` nearest to the
    goal in sensory space (nearest first; the nearest repeated when fewer are stored).
    From each, with the local bias correction ``b_j = s_j - f(m_j)``, ``solve`` descends on
    ``|f(m) + b_j - goal|^2``; the answer is the candidate minimising
    ``|f(m) + b_j - goal|^2 + distance_weight * |m - m_j|^2``. With ``bias_neighbours =
    k > 1``, ``b_j`` is the weighted mean of ``s_i - f(m_i)`` over ``neighbours[j]``
    ``(k, n_m + n_s)``, the ``k`` observations nearest to ``m_j`` in motor space (``m_j``
    among them; ``weights[j]`` ``(k,)`` is 1 for each, 0 for padding when fewer are
    stored), which averages out sensor noise at the cost of a smoother correction; with
    ``k = 1`` they are not read. The caller finds the neighbours (``NetworkLearner`` asks
    its memory's exact index), so this compiles once whatever the number of observations.

    >>> from sensorimotor.learners.network_core import init_state, update_jit
    >>> cfg = NetworkConfig(n_m=1, n_s=1, hidden=(8,))
    >>> state = init_state(cfg, jax.random.key(0), capacity=4)
    >>> state = update_jit(cfg, state, jnp.array([0.5]), jnp.array([0.3]))
    >>> starts = jnp.array([[0.5, 0.3], [0.5, 0.3]])  # the one observation, repeated
    >>> m = jax.jit(infer, static_argnums=0)(cfg, state.theta, starts, starts[:, None],
    ...                                      jnp.ones((2, 1)), jnp.array([0.3]),
    ...                                      jnp.zeros(1), jnp.ones(1))
    >>> round(float(m[0]), 3)  # the goal is the observation: its command comes back
    0.5
    """
    m0, s0 = starts[:, : cfg.n_m], starts[:, cfg.n_m :]
    fwd = jax.vmap(forward, (None, None, 0))
    if cfg.bias_neighbours == 1:
        bias = s0 - fwd(cfg, theta, m0)
    else:
        rows = neighbours.reshape(-1, cfg.n_m + cfg.n_s)
        b = rows[:, cfg.n_m :] - fwd(cfg, theta, rows[:, : cfg.n_m])
        b = b.reshape(cfg.restarts, cfg.bias_neighbours, cfg.n_s)
        w = weights[:, :, None]
        bias = jnp.sum(w * b, axis=1) / jnp.sum(w, axis=1)
    ms = jax.vmap(solve, (None, None, 0, 0, None, None, None))(cfg, theta, m0, bias, goal, lo, hi)
    r = fwd(cfg, theta, ms) + bias - goal
    score = jnp.sum(r**2, -1) + cfg.distance_weight * jnp.sum((ms - m0) ** 2, -1)
    return ms[jnp.argmin(score)]


def infer_batch(cfg, theta, starts, neighbours, weights, goals, lo, hi):
    """``infer`` for every row of ``goals`` (Q, n_s), with ``starts`` (Q, restarts, n_m + n_s),
    ``neighbours`` (Q, restarts, k, n_m + n_s) and ``weights`` (Q, restarts, k): shape
    ``(Q, n_m)``; ``infer_batch_jit`` is its compiled form.

    >>> from sensorimotor.learners.network_core import init_params
    >>> cfg = NetworkConfig(n_m=1, n_s=1, hidden=(4,))
    >>> theta = init_params(cfg, jax.random.key(0))
    >>> starts = jnp.full((3, 2, 2), 0.5)
    >>> infer_batch_jit(cfg, theta, starts, starts[:, :, None], jnp.ones((3, 2, 1)),
    ...                 jnp.zeros((3, 1)), jnp.zeros(1), jnp.ones(1)).shape
    (3, 1)
    """
    return jax.vmap(infer, (None, None, 0, 0, 0, 0, None, None))(
        cfg, theta, starts, neighbours, weights, goals, lo, hi
    )


infer_batch_jit = jax.jit(infer_batch, static_argnums=0)
