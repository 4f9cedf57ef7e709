"""Inverse of the online network model: projected Levenberg-Marquardt with its exact Jacobian.

From the nearest observations of a goal, corrected by their local bias; scaled units, pure
functions of the ``network_core`` state (``NetworkConfig`` static under ``jit``).
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


def nearest(cfg: NetworkConfig, memory: jax.Array, count, goal: jax.Array, k: int) -> jax.Array:
    """Indices ``(k,)`` of the ``k`` stored observations nearest to ``goal`` in sensory space.

    Exact brute force over the first ``count`` rows of ``memory``, by ``k`` passes of
    ``argmin`` (``k``, the restarts, is small); ties go to the lowest index. When fewer than
    ``k`` are stored, the nearest repeats. (A ``jnp.where`` on ``lax.top_k``'s values, as
    this fallback needs, made a ``top_k`` version several times slower on CPU; measured.)

    >>> cfg = NetworkConfig(n_m=1, n_s=1)
    >>> memory = jnp.array([[0.0, 0.9], [0.0, 0.2], [0.0, 0.4], [0.0, 0.0]])
    >>> nearest(cfg, memory, 3, jnp.array([0.25]), 2).tolist()  # row 3 is not stored
    [1, 2]
    """
    d2 = jnp.sum((memory[:, cfg.n_m :] - goal) ** 2, axis=-1)
    d2 = jnp.where(jnp.arange(d2.shape[0]) < count, d2, jnp.inf)
    found = []
    for _ in range(k):
        j = jnp.argmin(d2)
        found.append(jnp.where(jnp.isfinite(d2[j]), j, found[0] if found else j))
        d2 = d2.at[j].set(jnp.inf)
    return jnp.stack(found)


def infer(
    cfg: NetworkConfig,
    theta: jax.Array,
    memory: jax.Array,
    count,
    goal: jax.Array,
    lo: jax.Array,
    hi: jax.Array,
) -> jax.Array:
    """The inverse model: a scaled command ``(n_m,)`` for a scaled goal ``(n_s,)``.

    From each of the ``restarts`` nearest observations ``(m_j, s_j)`` of the goal, with
    the local bias correction ``b_j = s_j - f(m_j)``, ``solve`` descends on
    ``|f(m) + b_j - goal|^2``; the answer is the candidate minimising
    ``|f(m) + b_j - goal|^2 + distance_weight * |m - m_j|^2``. Needs ``count >= 1``.
    With ``bias_neighbours = k > 1``, ``b_j`` is the mean of ``s_i - f(m_i)`` over the
    ``k`` observations nearest to ``m_j`` in motor space (``m_j`` among them), which
    averages out sensor noise at the cost of a smoother correction.

    >>> from sensorimotor.learners.network_core import init_state, update_jit
    >>> cfg = NetworkConfig(n_m=1, n_s=1, hidden=(8,))
    >>> state = init_state(cfg, jax.random.key(0), capacity=4)
    >>> state = update_jit(cfg, state, jnp.array([0.5]), jnp.array([0.3]))
    >>> replay = state.replay
    >>> m = jax.jit(infer, static_argnums=0)(cfg, state.theta, replay.data, replay.count,
    ...                                      jnp.array([0.3]), jnp.zeros(1), jnp.ones(1))
    >>> round(float(m[0]), 3)  # the goal is the observation: its command comes back
    0.5
    """
    idx = nearest(cfg, memory, count, goal, cfg.restarts)
    rows = memory[idx]
    m0, s0 = rows[:, : cfg.n_m], rows[:, cfg.n_m :]
    fwd = jax.vmap(forward, (None, None, 0))
    if cfg.bias_neighbours == 1:
        bias = s0 - fwd(cfg, theta, m0)
    else:  # all starts at once: lax.top_k batches natively (a vmap of it does not, on CPU)
        mem_m = memory[:, : cfg.n_m]  # |x - q|^2 by expansion: a matmul, 10x faster here
        d2 = jnp.sum(mem_m**2, axis=-1)[None, :] - 2.0 * m0 @ mem_m.T
        d2 = d2 + jnp.sum(m0**2, axis=-1)[:, None]
        d2 = jnp.where(jnp.arange(d2.shape[1]) < count, d2, jnp.inf)
        neg, near = jax.lax.top_k(-d2, cfg.bias_neighbours)  # (restarts, k)
        rows = memory[near.reshape(-1)]
        b = rows[:, cfg.n_m :] - fwd(cfg, theta, rows[:, : cfg.n_m])
        b = b.reshape(cfg.restarts, cfg.bias_neighbours, cfg.n_s)
        w = jnp.isfinite(neg).astype(b.dtype)[:, :, None]  # fewer than k stored: those only
        bias = jnp.sum(w * b, axis=1) / jnp.sum(w, axis=1)
    ms = jax.vmap(solve, (None, None, 0, 0, None, None, None))(cfg, theta, m0, bias, goal, lo, hi)
    r = fwd(cfg, theta, ms) + bias - goal
    score = jnp.sum(r**2, -1) + cfg.distance_weight * jnp.sum((ms - m0) ** 2, -1)
    return ms[jnp.argmin(score)]


def infer_batch(cfg, theta, memory, count, goals, lo, hi):
    """``infer`` for every row of ``goals`` (Q, n_s): shape ``(Q, n_m)``; ``infer_batch_jit``
    is its compiled form.

    >>> from sensorimotor.learners.network_core import init_state, update_jit
    >>> cfg = NetworkConfig(n_m=1, n_s=1, hidden=(4,))
    >>> state = update_jit(cfg, init_state(cfg, jax.random.key(0), 4), jnp.array([0.5]),
    ...                    jnp.array([0.3]))
    >>> replay = state.replay
    >>> infer_batch_jit(cfg, state.theta, replay.data, replay.count, jnp.zeros((3, 1)),
    ...                 jnp.zeros(1), jnp.ones(1)).shape
    (3, 1)
    """
    return jax.vmap(infer, (None, None, None, None, 0, None, None))(
        cfg, theta, memory, count, goals, lo, hi
    )


infer_batch_jit = jax.jit(infer_batch, static_argnums=0)
