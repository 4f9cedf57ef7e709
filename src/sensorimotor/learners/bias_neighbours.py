"""How many observations a model's local bias correction should average: none under exact
sensors, more under noise, chosen from the residuals' variogram."""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

CHOICES = (1, 2, 4, 8, 16, 32)


class BiasChoice(NamedTuple):
    """The outcome of :func:`choose_bias_neighbours`.

    Attributes:
        k: the chosen number of neighbours (one of ``CHOICES``).
        noise: the estimated standard deviation of the sensor noise per sensory dimension
            (scaled units), from the variogram's nugget less the floor.
        errors: the estimated squared error of the correction for each candidate ``k``.
    """

    k: int
    noise: float
    errors: dict


def choose_bias_neighbours(
    m: np.ndarray,
    s: np.ndarray,
    model: Callable[[np.ndarray], np.ndarray],
    nearest: Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]],
    rng: np.random.Generator,
    samples: int = 64,
    choices=CHOICES,
    noise_floor: float = 0.005,
) -> BiasChoice:
    """The number ``k`` of motor neighbours whose mean residual best estimates a model's bias
    at an observation, under the sensor noise estimated from the data.

    The residuals ``r_i = s_i - f(m_i)`` of the model ``f`` at the observations are a smooth
    bias ``b(m)`` plus sensor noise ``e_i`` of variance ``sigma^2`` per dimension. A model
    corrected by the mean residual of the ``k`` observations nearest to an observation
    ``m_j`` in motor space (``m_j`` first) errs, in expectation, by::

        T_k = E|b_j - mean_k r|^2 = D_k + n_s sigma^2 (2 / k - 1),
        D_k = E|r_j - mean_k r|^2

    (``D_k`` holds the smoothing error and ``n_s sigma^2 (1 - 1/k)`` of noise; ``T_1 = n_s
    sigma^2``: with exact sensors an observation's own residual is exact, with noisy ones it
    carries their noise). ``D_k`` is measured on ``samples`` random observations and their
    neighbours. ``sigma^2`` comes from the nugget of the residuals' variogram (Matheron
    1963; Cressie 1993, "Statistics for spatial data", 2.3): the semivariance
    ``|r_i - r_j|^2 / (2 n_s)`` of observation pairs, fitted by least squares as the linear
    variogram with a nugget, ``nugget + c |m_i - m_j|``, over each sampled observation's
    ``max(choices)`` nearest neighbours, and extrapolated to distance 0. A smooth bias has a semivariance growing
    like the squared distance near 0, so the straight line in the distance errs low rather
    than high.

    The nugget holds the sensor noise and any part of the model's error that varies on a
    shorter scale than the spacing of the observations: in 7 motor dimensions a few
    thousand observations lie ~0.14 apart (scaled), and there the network's own error looks
    white (measured on the 7-joint arm after 2048 noise-free goal-babbling steps: a nugget
    of 0.0025^2, about the semivariance at the nearest neighbour, flat out to the 32nd). That
    part does not harm the start's own correction, which is exact at the start, and the
    data cannot tell it from noise at that spacing; it adds to the noise in quadrature, so
    ``noise_floor`` (0.005, scaled units: half a percent of a channel's range) is taken off
    the same way::

        sigma^2 = max(0, nugget - noise_floor^2)

    Sensor noise well below the floor is left uncorrected (``k = 1``, as a fixed
    ``bias_neighbours=1`` would): measured, sensor noise of standard deviation 0.005 on the
    arm (0.0025 scaled) gives a nugget of 0.003^2-0.004^2, 0.02 gives 0.009^2-0.0105^2. The ``k``
    of least ``T_k`` is chosen; ties go to the smaller.

    Args:
        m, s: the observations (N, n_m), (N, n_s), scaled units.
        model: ``f``, rows of commands ``(Q, n_m)`` to predictions ``(Q, n_s)``.
        nearest: ``(queries, k) -> (d2, idx)``, the exact ``k`` nearest observations in
            motor space (each query's own row first when it is an observation).
        rng: draws the sampled observations.

    >>> rng = np.random.default_rng(0)
    >>> m = rng.uniform(size=(2000, 3))
    >>> s = np.sin(3 * m[:, :2])
    >>> from sensorimotor.learners.brute_force import knn
    >>> nearest = lambda q, k: knn(m, q, k)
    >>> model = lambda x: np.sin(3 * x[:, :2]) + 0.01 * x[:, :2]  # a slightly wrong model
    >>> choose_bias_neighbours(m, s, model, nearest, rng).k  # exact sensors: its own residual
    1
    >>> noisy = s + rng.normal(0, 0.05, s.shape)
    >>> choice = choose_bias_neighbours(m, noisy, model, nearest, rng)
    >>> choice.k >= 8, round(choice.noise, 2)  # the noise, found, is averaged out
    (True, 0.05)
    """
    n, n_s = s.shape
    if n < max(choices) + 2:
        return BiasChoice(1, 0.0, {})
    picked = rng.choice(n, size=min(samples, n), replace=False)
    stats = residual_statistics(m, s, model, nearest, picked, choices)
    return decide(stats, n_s, choices, noise_floor)


def residual_statistics(m, s, model, nearest, picked, choices=CHOICES) -> np.ndarray:
    """The sums :func:`decide` needs, from the sampled observations ``picked`` (indices):
    sums add up over parts of a sample, so a learner can spread the work over many updates.

    Returns ``[pairs, sum d, sum d^2, sum g, sum d g, samples, sum D_k for each k]`` with
    ``d`` the motor distance and ``g`` the semivariance of each (observation, neighbour)
    pair, and ``D_k`` each sample's ``|r_j - mean_k r|^2``.

    >>> from sensorimotor.learners.brute_force import knn
    >>> m = np.linspace(0, 1, 50)[:, None]
    >>> stats = residual_statistics(m, m ** 2, lambda x: x ** 2, lambda q, k: knn(m, q, k),
    ...                             np.arange(5), choices=(1, 2))
    >>> stats[0], stats[5], float(np.abs(stats[6:]).max())  # 5 samples, 2 pairs each; exact
    (np.float64(10.0), np.float64(5.0), 0.0)
    """
    n_s = s.shape[1]
    d2, idx = nearest(m[picked], max(choices) + 1)
    rows, inverse = np.unique(idx, return_inverse=True)
    residual = (s[rows] - model(m[rows]))[inverse.reshape(idx.shape)]  # (S, top + 1, n_s)
    own, others = residual[:, 0], residual[:, 1:]
    g = (((own[:, None] - others) ** 2).sum(-1) / (2 * n_s)).ravel()
    d = np.sqrt(d2[:, 1:]).ravel()
    sums = [d.size, d.sum(), (d * d).sum(), g.sum(), (d * g).sum(), len(picked)]
    for k in choices:
        mean = residual[:, :k].mean(axis=1)
        sums.append(((own - mean) ** 2).sum(-1).sum())
    return np.array(sums, dtype=np.float64)


def decide(stats: np.ndarray, n_s: int, choices=CHOICES, noise_floor: float = 0.005) -> BiasChoice:
    """The choice of :func:`choose_bias_neighbours` from summed :func:`residual_statistics`:
    the least-squares line ``g = nugget + c d`` from its sums, then ``T_k``.

    >>> stats = np.array([4.0, 2.0, 1.5, 4e-4, 2e-4, 2.0, 0.0, 1e-4])  # a line g = 1e-4
    >>> decide(stats, 1, choices=(1, 2)).k  # its nugget, 1e-4, above the floor's 2.5e-5
    2
    """
    pairs, sd, sdd, sg, sdg, samples = stats[:6]
    if pairs < 2 or samples < 1:
        return BiasChoice(1, 0.0, {})
    det = pairs * sdd - sd * sd
    nugget = (sdd * sg - sd * sdg) / det if det > 0 else sg / pairs
    sigma2 = max(float(nugget) - noise_floor**2, 0.0)
    errors = {}
    for k, d_sum in zip(choices, stats[6:], strict=True):
        errors[k] = float(d_sum / samples) + n_s * sigma2 * (2.0 / k - 1.0)
    best = min(choices, key=lambda k: (errors[k], k))
    return BiasChoice(int(best), float(np.sqrt(sigma2)), errors)
