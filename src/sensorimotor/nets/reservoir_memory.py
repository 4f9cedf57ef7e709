"""A reservoir's memory as the settling time of its impulse response, and the spectral radius
that gives a wanted memory (HDPy's ``reservoir_memory`` and ``find_radius_for_mc``)."""

from __future__ import annotations

import numpy as np

from sensorimotor.base.bounds import COUNT, NON_NEGATIVE, POSITIVE, check_value


def reservoir_memory(reservoir, max_settling_time: int = 10000, tol: float = 1e-5) -> int:
    r"""The settling time of ``reservoir``'s impulse response, in steps.

    A copy of the reservoir starts from the zero state and receives the input 1 (on every
    input) at step 0, then 0 for ``max_settling_time - 1`` steps. With
    :math:`c_t = \#\{i : |x_{t+1,i} - x_{t,i}| < \text{tol}\}` the number of units that
    have stopped moving after step :math:`t`, the memory is the first :math:`t` at which
    :math:`c_t` reaches its maximum: the step from which every unit has settled, when they
    all settle within the horizon (HDPy's definition). The reservoir itself is untouched.

    ``ValueError`` if some unit is still moving at the horizon: a reservoir that has not
    forgotten the impulse in ``max_settling_time`` steps (too short a horizon, or a
    spectral radius near or above 1 that never forgets) has no settling time to report.
    (HDPy returned the first step at which the most units were still, then a few, even
    one of fifty: radius 1.0 reported 80 steps, 1.05 with a leak of 0.3 reported 10.)

    Example:
        >>> from sensorimotor.nets.reservoir import ReservoirNode
        >>> short = ReservoirNode(1, 50, spectral_radius=0.5, seed=0)
        >>> long = ReservoirNode(1, 50, spectral_radius=0.95, seed=0)
        >>> print(reservoir_memory(short, 2000), reservoir_memory(long, 2000))
        17 205
    """
    check_value("reservoir_memory", "max_settling_time", max_settling_time, COUNT)
    check_value("reservoir_memory", "tol", tol, POSITIVE)
    if max_settling_time < 2:  # one state has no step to compare: argmax of nothing
        raise ValueError(
            f"reservoir_memory.max_settling_time must be at least 2, got {max_settling_time}"
        )
    probe = reservoir.copy()
    probe.reset()
    impulse = np.zeros((max_settling_time, probe.input_dim), dtype=probe.dtype)
    impulse[0] = 1.0
    states = probe.execute(impulse)
    settled = (np.abs(np.diff(states, axis=0)) < tol).sum(axis=1)
    if settled[-1] < probe.output_dim:
        raise ValueError(
            f"the impulse response has not settled in max_settling_time={max_settling_time} "
            f"steps ({probe.output_dim - int(settled[-1])} of {probe.output_dim} units still "
            f"move by tol={tol} or more; spectral radius {probe.spectral_radius:.6g}, leak "
            f"{probe.leak_rate:.6g}): raise max_settling_time, or the radius is too large to "
            "forget"
        )
    return int(np.argmax(settled))


def find_radius_for_mc(
    reservoir,
    num_steps: int,
    tol: float = 1.0,
    max_settling_time: int = 10000,
    tol_settling: float = 0.5,
    num_iter: int = 100,
    radius_max: float = 1.0,
) -> float:
    r"""A spectral radius in :math:`(0, \text{radius\_max})` at which ``reservoir`` (its
    topology, inputs and leak) has the memory :func:`reservoir_memory` ``num_steps``
    within ``tol``, by bisection (the memory grows with the radius).

    ``ValueError`` if none is found in ``num_iter`` (a positive int) halvings, or if the
    memory stops changing by ``tol_settling`` (at least 0; 0: never stop early) or more
    between two of them (the wanted memory is out of reach in the interval). Use :meth:`ReservoirNode.with_spectral_radius` to get the
    reservoir at the radius found.

    Example:
        >>> from sensorimotor.nets.reservoir import ReservoirNode
        >>> node = ReservoirNode(1, 50, seed=0)
        >>> rho = find_radius_for_mc(node, 40, max_settling_time=2000)
        >>> print(round(rho, 4), reservoir_memory(node.with_spectral_radius(rho), 2000))
        0.7617 40
    """
    check_value("find_radius_for_mc", "num_steps", num_steps, COUNT)
    check_value("find_radius_for_mc", "tol", tol, POSITIVE)
    check_value("find_radius_for_mc", "radius_max", radius_max, POSITIVE)
    # before the loop: num_iter 0 would end it at once and report the memory "inf"
    check_value("find_radius_for_mc", "num_iter", num_iter, COUNT)
    check_value("find_radius_for_mc", "max_settling_time", max_settling_time, COUNT)
    check_value("find_radius_for_mc", "tol_settling", tol_settling, NON_NEGATIVE)
    if max_settling_time <= num_steps + tol:
        raise ValueError(
            f"max_settling_time ({max_settling_time}) must exceed num_steps + tol "
            f"({num_steps + tol}): the impulse response must have room to settle"
        )
    lo, hi = 0.0, float(radius_max)
    rho, memory = hi / 2, float("inf")
    for _ in range(num_iter):
        before = memory
        # outside the try: a reservoir that cannot be rescaled (spectral radius 0) is its
        # own error, not a memory "inf"
        rescaled = reservoir.with_spectral_radius(rho)
        try:
            memory = reservoir_memory(rescaled, max_settling_time)
        except ValueError:  # not settled in the horizon: longer than any memory wanted
            memory = float("inf")
        if abs(memory - num_steps) < tol:
            return rho
        if abs(memory - before) < tol_settling:
            break
        lo, hi = (rho, hi) if memory < num_steps else (lo, rho)
        rho = 0.5 * (lo + hi)
    raise ValueError(
        f"no spectral radius in (0, {radius_max}) gives a memory of {num_steps} steps "
        f"(reached {memory} at {rho:.6g}): change radius_max, tol or the leak"
    )


__all__ = [
    "reservoir_memory",
    "find_radius_for_mc",
]
