"""Evaluation of forward and inverse models: test sets, error statistics, coverage.

Test sets are drawn from an environment with a seed (the same seed gives the same set):

* ``held_out_goals``: the effects of held-out uniform random commands (goals the motor
  babbling distribution favours);
* ``uniform_goals``: goals spread uniformly over the reachable sensory space, estimated by
  ``reachable_points`` (every cell of a grid the body can reach is equally likely);
* ``forward_tests``: held-out random commands and their effects, for the forward model.

``evaluate(learner, env, test)`` returns the mean, median and 90th percentile of the errors
(Euclidean, in raw sensory units); ``test`` may also be the user's own function
``f(learner, env) -> errors``. ``coverage`` counts the occupied cells of a grid.

>>> from sensorimotor.envs import KinematicArm2D
>>> from sensorimotor.learners import NNLearner
>>> arm = KinematicArm2D({'dim': 3})
>>> learner = NNLearner({'m_channels': arm.m_channels, 's_channels': arm.s_channels})
>>> m = arm.m_set.random(np.random.default_rng(0), size=500)
>>> learner.update_array(m, arm.execute_array(m))
>>> stats = evaluate(learner, arm, uniform_goals(arm, 100, seed=1))
>>> round(stats.mean, 3), stats.n
(0.041, 100)
>>> coverage(arm.execute_array(m), arm.s_set, cells=10)
82
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from sensorimotor.base.bounds import check_count, holds_non_number, is_int
from sensorimotor.signals import ChannelSet

FORWARD = "forward"
INVERSE = "inverse"


class TestSet(NamedTuple):
    """Queries and their targets.

    Attributes:
        kind: ``'inverse'`` (``inputs`` are goals ``(N, n_s)``; the error is the distance
            from each goal to what the inferred command reaches) or ``'forward'``
            (``inputs`` are commands ``(N, n_m)``, ``targets`` their effects ``(N, n_s)``).
        inputs: the queries, raw units.
        targets: what each query should give, raw units ``(N, n_s)``.
        name: a short description for tables.
    """

    __test__ = False  # not a pytest class

    kind: str
    inputs: np.ndarray
    targets: np.ndarray
    name: str


class ErrorStats(NamedTuple):
    """Summary of errors: ``mean``, ``median``, ``p90`` (90th percentile) and count ``n``.

    >>> error_stats([0.0, 1.0, 2.0, 3.0])
    ErrorStats(mean=1.5, median=1.5, p90=2.7, n=4)
    """

    mean: float
    median: float
    p90: float
    n: int


def error_stats(errors) -> ErrorStats:
    """``ErrorStats`` of a 1-d array of finite errors (linear-interpolated percentiles)."""
    raw = np.asarray(errors)
    if holds_non_number(errors) or raw.dtype.kind not in "iuf":  # [1.0, True], "0.5", None
        raise TypeError("errors must be numbers, not bools, strings or None")
    e = raw.astype(np.float64)
    if e.ndim != 1 or e.size == 0:
        raise ValueError(f"errors must be a non-empty 1-d array, got shape {e.shape}")
    if not np.all(np.isfinite(e)):
        raise ValueError("errors must be finite")
    return ErrorStats(
        float(e.mean()), float(np.median(e)), float(np.percentile(e, 90)), int(e.size)
    )


def held_out_goals(env, n: int, seed: int = 0) -> TestSet:
    """Goals that are the effects of ``n`` uniform random commands (held out: own seed).

    >>> from sensorimotor.envs import KinematicArm2D
    >>> goals = held_out_goals(KinematicArm2D({'dim': 2}), 3, seed=0)
    >>> goals.kind, goals.inputs.shape, round(float(goals.inputs[0, 0]), 4)
    ('inverse', (3, 2), 0.8184)
    """
    rng = np.random.default_rng(seed)
    s = env.execute_array(env.m_set.random(rng, size=check_count("n", n)))
    return TestSet(INVERSE, s, s.copy(), "goals of random commands")


def forward_tests(env, n: int, seed: int = 0) -> TestSet:
    """``n`` uniform random commands and their effects, for the forward model.

    >>> from sensorimotor.envs import KinematicArm2D
    >>> tests = forward_tests(KinematicArm2D({'dim': 2}), 3, seed=0)
    >>> tests.kind, tests.inputs.shape, tests.targets.shape
    ('forward', (3, 2), (3, 2))
    """
    rng = np.random.default_rng(seed)
    m = env.m_set.random(rng, size=check_count("n", n))
    return TestSet(FORWARD, m, env.execute_array(m), "forward, random commands")


def _grid_bounds(s_set: ChannelSet, points: np.ndarray):
    low = np.where(s_set.bounded, s_set.low, points.min(axis=0) if points.size else 0.0)
    high = np.where(s_set.bounded, s_set.high, points.max(axis=0) if points.size else 1.0)
    return low, np.where(high > low, high, low + 1.0)


def grid_cells(points, low, high, cells: int) -> np.ndarray:
    """Flat index of the grid cell of every point: ``cells`` equal intervals per dimension of
    the box ``[low, high]`` (points outside it fall in the border cells).

    >>> grid_cells([[0.05, 0.95], [0.5, 0.5], [2.0, -1.0]], [0, 0], [1, 1], cells=10)
    array([ 9, 55, 90])
    """
    cells = check_count("cells", cells)
    p = np.atleast_2d(np.asarray(points, dtype=np.float64))
    low, high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
    if not np.all(np.isfinite(p)):  # a NaN's index cast to int lands in some cell
        raise ValueError("points must be finite")
    idx = np.floor((p - low) / (high - low) * cells).astype(np.int64)
    idx = np.clip(idx, 0, cells - 1)
    return np.ravel_multi_index(tuple(idx.T), (cells,) * p.shape[1])


def coverage(points, s_set: ChannelSet, cells: int = 20) -> int:
    """Number of occupied cells of a grid of ``cells`` intervals per sensory channel over the
    channels' bounds (unbounded channels: over the points' range).

    >>> from sensorimotor import Channel, ChannelSet
    >>> cs = ChannelSet([Channel('x', (0, 1)), Channel('y', (0, 1))])
    >>> coverage([[0.05, 0.05], [0.06, 0.02], [0.95, 0.5]], cs, cells=10)
    2
    """
    cells = check_count("cells", cells)
    p = np.atleast_2d(np.asarray(points))
    if p.size == 0:
        return 0
    # a NaN would be counted in a corner cell: refused, as a wrong width, naming the channel
    p = s_set.check_array(p)
    low, high = _grid_bounds(s_set, p)
    return int(np.unique(grid_cells(p, low, high, cells)).size)


def reachable_points(env, seed: int = 0, samples: int = 20000, rounds: int = 6) -> np.ndarray:
    """A sample of the reachable sensory space, denser at its edges than random commands.

    Uniform random commands rarely reach the edges of the reachable space (for an arm, the
    outstretched postures). So half the ``samples`` commands are uniform; in the other half
    each channel is, with a probability drawn per command, snapped to its low bound, middle
    or high bound. Then ``rounds`` times, ``samples // 2`` of the commands reached so far are
    picked with probability inversely proportional to the number of points in their cell
    of a 64-per-dimension grid, perturbed by ``N(0, 0.05^2)`` in scaled motor units, clipped
    and executed: sampling spreads into the sparse regions (as goal babbling does). Uses the
    environment's vectorised ``execute_array``. Returns the reached sensory points,
    ``(samples + rounds * (samples // 2), n_s)``.

    >>> from sensorimotor.envs import KinematicArm2D
    >>> pts = reachable_points(KinematicArm2D.mid7(), seed=0, samples=2000)
    >>> pts.shape, round(float(np.linalg.norm(pts, axis=1).max()), 3)
    ((8000, 2), 0.997)
    """
    # NumPy's own errors ("negative dimensions", "Probabilities do not sum to 1") named
    # neither setting, and True or a negative rounds were taken
    samples = check_count("samples", samples)
    if not is_int(rounds) or rounds < 0:
        raise ValueError(f"rounds must be an int >= 0, got {rounds!r}")
    rng = np.random.default_rng(seed)
    m_set, s_set = env.m_set, env.s_set
    if m_set.unbounded:
        raise ValueError(
            f"reachable_points needs every motor channel bounded; unbounded: {list(m_set.unbounded)}"
        )
    half, n_m = samples // 2, len(m_set)
    uniform = rng.random((samples - half, n_m))
    snap = rng.random((half, n_m)) < rng.random((half, 1))
    snapped = np.where(snap, rng.integers(0, 3, (half, n_m)) / 2.0, rng.random((half, n_m)))
    u = np.vstack([uniform, snapped])
    s = env.execute_array(m_set.unscale(u))
    for _ in range(rounds):
        low, high = _grid_bounds(s_set, s)
        cell = grid_cells(s, low, high, 64)
        _, inverse, counts = np.unique(cell, return_inverse=True, return_counts=True)
        weight = 1.0 / counts[inverse]
        pick = rng.choice(len(s), size=half, p=weight / weight.sum())
        u_new = np.clip(u[pick] + 0.05 * rng.standard_normal((half, n_m)), 0.0, 1.0)
        u = np.vstack([u, u_new])
        s = np.vstack([s, env.execute_array(m_set.unscale(u_new))])
    return s


def uniform_goals(
    env, n: int, seed: int = 0, cells: int = 50, samples: int = 20000, points=None
) -> TestSet:
    """``n`` goals spread uniformly over the reachable sensory space.

    The reachable space is estimated by ``reachable_points(env, seed, samples)`` (or given as
    ``points``, reached sensory points ``(N, n_s)``, e.g. that same call's result); its
    occupied cells (``cells`` per sensory channel over the channels' bounds) are the
    reachable cells. ``n`` of them are drawn uniformly (without replacement while there are
    enough), and each goal is a reached point of its cell, so every goal is reachable.

    >>> from sensorimotor.envs import KinematicArm2D
    >>> goals = uniform_goals(KinematicArm2D({'dim': 2}), 5, seed=0, samples=2000)
    >>> goals.kind, goals.inputs.shape, goals.name
    ('inverse', (5, 2), 'uniform reachable goals')
    """
    n = check_count("n", n)
    rng = np.random.default_rng([seed, 1])
    if points is None:
        points = reachable_points(env, seed=seed, samples=samples)
    points = env.s_set.check_array(np.atleast_2d(points))
    if len(points) == 0:  # NumPy's choice then said "a must be a positive integer"
        raise ValueError("points must hold at least one reached point, got none")
    low, high = _grid_bounds(env.s_set, points)
    cell = grid_cells(points, low, high, cells)
    occupied, first = np.unique(cell, return_index=True)
    chosen = rng.choice(len(occupied), size=n, replace=n > len(occupied))
    order = rng.permutation(len(points))  # a random reached point of each cell
    _, pos = np.unique(cell[order], return_index=True)
    goals = points[order[pos[chosen]]]
    return TestSet(INVERSE, goals, goals.copy(), "uniform reachable goals")


def reachable_cells(env, cells: int = 20, seed: int = 0, samples: int = 20000) -> int:
    """Estimated number of grid cells (as in ``coverage``) the environment can reach.

    >>> from sensorimotor.envs import KinematicArm2D
    >>> reachable_cells(KinematicArm2D({'dim': 2}), cells=10, samples=2000)  # of 100
    88
    """
    return coverage(reachable_points(env, seed=seed, samples=samples), env.s_set, cells)


def evaluate(learner, env, test: TestSet | Callable) -> ErrorStats:
    """Errors of ``learner`` on ``test``, summarised.

    * inverse: ``e_i = |env(learner.infer(g_i)) - g_i|`` (exploit mode; commands executed
      with ``env.execute_array``);
    * forward: ``e_i = |learner.predict(m_i) - s_i|``;
    * a callable ``test(learner, env) -> errors`` (1-d array): the user's own test.

    The learner is only queried, never updated. Errors are in raw sensory units. The
    learner's channels are matched to the environment's by name (they may be listed in
    another order); channels of other names are a ``ValueError`` naming them.

    >>> from sensorimotor.envs import KinematicArm2D
    >>> from sensorimotor.learners import NNLearner
    >>> arm = KinematicArm2D({'dim': 2})
    >>> learner = NNLearner({'m_channels': arm.m_channels, 's_channels': arm.s_channels})
    >>> m = arm.m_set.random(np.random.default_rng(0), size=200)
    >>> learner.update_array(m, arm.execute_array(m))
    >>> stats = evaluate(learner, arm, forward_tests(arm, 50, seed=1))
    >>> round(stats.mean, 4), stats.n
    (0.0996, 50)
    >>> evaluate(learner, arm, lambda learner, env: np.zeros(3))  # the user's own test
    ErrorStats(mean=0.0, median=0.0, p90=0.0, n=3)
    """
    if callable(test) and not isinstance(test, TestSet):
        return error_stats(test(learner, env))
    if not isinstance(test, TestSet):
        raise TypeError(f"test must be a TestSet or a function, got {type(test).__name__}")
    if test.kind not in (INVERSE, FORWARD):
        raise ValueError(f"unknown test kind {test.kind!r} (expected 'inverse' or 'forward')")
    # Test sets are arrays in the environment's channel order; a learner may list the same
    # channels in another order (arrays read in the wrong order gave large, silent errors)
    m_to_learner, m_to_env = _column_orders(learner, env, "m_set", "motor")
    s_to_learner, s_to_env = _column_orders(learner, env, "s_set", "sensory")
    if test.kind == INVERSE:
        inferred = learner.infer_array(_columns(test.inputs, s_to_learner), mode="exploit")
        reached = env.execute_array(_columns(inferred, m_to_env))
        errors = np.linalg.norm(reached - test.targets, axis=1)
    else:
        predicted = learner.predict_array(_columns(test.inputs, m_to_learner))
        errors = np.linalg.norm(_columns(predicted, s_to_env) - test.targets, axis=1)
    return error_stats(errors)


def _columns(batch, order):
    """``batch`` with its columns in ``order`` (as it is for ``None``: the same order)."""
    return batch if order is None else np.asarray(batch)[..., order]


def _column_orders(learner, env, side: str, what: str):
    """Column indices from the environment's order of ``side`` (``'m_set'``, ``'s_set'``) to
    the learner's, and back (``None, None`` in the same order); ``ValueError`` naming the
    channels if their names differ.

    >>> from sensorimotor.envs import KinematicArm2D
    >>> from sensorimotor.learners import NNLearner
    >>> arm = KinematicArm2D({'dim': 2})
    >>> learner = NNLearner({'m_channels': arm.m_channels, 's_channels': arm.s_channels[::-1]})
    >>> [a.tolist() for a in _column_orders(learner, arm, 's_set', 'sensory')]
    [[1, 0], [1, 0]]
    """
    env_names = tuple(getattr(env, side).names)
    learner_set = getattr(learner, side, None)
    learner_names = env_names if learner_set is None else tuple(learner_set.names)
    if sorted(learner_names) != sorted(env_names):
        raise ValueError(
            f"the learner's {what} channels {list(learner_names)} are not the "
            f"environment's {list(env_names)}"
        )
    if learner_names == env_names:
        return None, None
    to_learner = np.array([env_names.index(n) for n in learner_names], dtype=np.intp)
    return to_learner, np.argsort(to_learner)
