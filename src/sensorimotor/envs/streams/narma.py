"""The NARMA system (nonlinear autoregressive moving average), a standard benchmark for the
memory and nonlinearity of a reservoir."""

from __future__ import annotations

import numpy as np

from sensorimotor.base.bounds import COUNT, INF, Bounds, check_value


def narma_series(n_steps: int, order: int = 30, seed=None):
    r"""Input and output of the NARMA system of ``order`` :math:`N` (Atiya & Parlos 2000):

    .. math::
        y_{t+1} = 0.2\, y_t + 0.004\, y_t \sum_{i=0}^{N-1} y_{t-i}
                  + 1.5\, u_{t-N+1}\, u_t + 0.001

    for ``order > 10``; ``order = 10`` is Jaeger's NARMA-10, the same form with 0.3, 0.05
    and 0.1 in place of 0.2, 0.004 and 0.001. An order below 10 is not defined here and is
    refused (``ValueError`` naming ``order``). :math:`u_t` is uniform in :math:`[0, 0.5]`
    from the NumPy ``Generator`` of ``seed``, and :math:`y` zero before the start.
    NARMA-30 occasionally diverges for an unlucky
    input sequence: the output is then squashed by :math:`\tanh`, the usual remedy
    (reported by ``clipped`` in the returned tuple's last entry).

    Returns:
        ``(u, y, clipped)``: ``u`` and ``y`` of shape ``(n_steps,)`` with ``y[t]`` the output
        after the input ``u[t]`` (a predictor of ``y[t]`` sees ``u[:t + 1]``).

    Example:
        >>> u, y, clipped = narma_series(1000, order=30, seed=0)
        >>> print(u.shape, round(float(y.mean()), 4), clipped)
        (1000,) 0.1257 False
    """
    check_value("narma_series", "n_steps", n_steps, COUNT)
    # no coefficients are defined below order 10: refused rather than run as NARMA-30's
    check_value("narma_series", "order", order, Bounds(10, INF, True, False, True))
    rng = np.random.default_rng(seed)
    u = rng.uniform(0.0, 0.5, size=n_steps)
    a, b, c, d = (0.3, 0.05, 1.5, 0.1) if order == 10 else (0.2, 0.004, 1.5, 0.001)
    y = np.zeros(n_steps + 1)  # y[t + 1]: the output after u[t]
    clipped = False
    for t in range(n_steps):
        window = y[max(0, t + 1 - order) : t + 1]
        lagged = u[t - order + 1] if t >= order - 1 else 0.0
        nxt = a * y[t] + b * y[t] * window.sum() + c * lagged * u[t] + d
        if not abs(nxt) < 1.0:
            nxt, clipped = float(np.tanh(nxt)), True
        y[t + 1] = nxt
    return u, y[1:], clipped
