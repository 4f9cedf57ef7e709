"""The Mackey-Glass delay differential equation, a chaotic series for one-step prediction."""

from __future__ import annotations

import numpy as np

from sensorimotor.base.bounds import COUNT, FINITE, INF, POSITIVE, Bounds, check_value


def mackey_glass_series(
    n_steps: int,
    tau: float = 17.0,
    beta: float = 0.2,
    gamma: float = 0.1,
    power: float = 10.0,
    dt: float = 0.1,
    sample_every: float = 1.0,
    x0: float = 1.2,
    washout: int = 500,
):
    r"""A series of the Mackey-Glass equation (Mackey & Glass 1977),

    .. math::  \dot x(t) = \beta\, \frac{x(t - \tau)}{1 + x(t - \tau)^{p}} - \gamma\, x(t)

    integrated by Euler steps of ``dt`` from the constant history ``x0`` and sampled every
    ``sample_every`` time units, the first ``washout`` samples dropped (the transient). With
    :math:`\tau = 17` the series is mildly chaotic, the usual prediction benchmark.

    Returns:
        The samples, shape ``(n_steps,)``.

    Example:
        >>> x = mackey_glass_series(2000)
        >>> print(x.shape, round(float(x.min()), 2), round(float(x.max()), 2))
        (2000,) 0.41 1.32
    """
    check_value("mackey_glass_series", "n_steps", n_steps, COUNT)
    for name, value in dict(tau=tau, dt=dt, sample_every=sample_every).items():
        check_value("mackey_glass_series", name, value, POSITIVE)
    # a NaN or inf coefficient would give a series of NaN, a negative washout an empty one
    for name, value in dict(beta=beta, gamma=gamma, power=power, x0=x0).items():
        check_value("mackey_glass_series", name, value, FINITE)
    check_value("mackey_glass_series", "washout", washout, Bounds(0, INF, True, False, True))
    delay = int(round(tau / dt))
    every = max(1, int(round(sample_every / dt)))
    total = (n_steps + washout) * every
    x = np.empty(total + delay + 1)
    x[: delay + 1] = x0
    with np.errstate(invalid="ignore", over="ignore"):  # a series that is not finite: below
        for t in range(delay, delay + total):
            lagged = x[t - delay]
            x[t + 1] = x[t] + dt * (beta * lagged / (1.0 + lagged**power) - gamma * x[t])
    series = x[delay + 1 :: every][washout : washout + n_steps].copy()
    if not np.all(np.isfinite(series)):  # e.g. a negative value to a fractional power
        raise ValueError(
            f"mackey_glass_series: these settings give a series that is not finite "
            f"(x0={x0!r}, power={power!r}, ...): a negative x(t - tau) to a power that is "
            "not an int is NaN"
        )
    return series
