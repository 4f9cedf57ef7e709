"""Divergence guard: detect a non-finite learner state and recover by a fixed policy.

A state that diverges shows it in the next prediction: NaN or inf anywhere in the weights,
the rule's state or the normaliser reaches the prediction ``w . x`` within one or two
updates (``inf * 0`` and ``inf - inf`` are NaN), and a state so large that the squared
error overflows counts as diverged too. So the learners watch one scalar, the squared
prediction error, which they compute anyway: this costs nothing per sample (a full check
of the state after every update would cost a reduction per state vector, which in a
compiled JAX loop is several times the cost of a linear learner's step). Policies (the
``guard`` argument of the learners):

``"reset"`` (default)
    When the squared error is not finite while the input and target are, the learner
    *restarts*: weights, step-size state, traces and normaliser go back to ``init``,
    this sample is not learned from, the prediction reported for it is that of the
    restarted learner (0), a ``guard`` metric of 1 marks the step and ``guard_count`` in
    the state counts the restarts. Reverting to the previous state instead would not
    recover: the previous weights are already huge, so the next meta-step overflows
    again. ``recover(state)`` applies the same check to the whole state at any time;
    the compiled loops call it on their final state, so a loop never ends non-finite.
``"raise"``
    On the NumPy path, raise :class:`DivergenceError` and leave the state unchanged. In
    a compiled loop (where nothing can be raised mid-scan) the loop resets as above and
    raises :class:`DivergenceError` after the run if ``guard_count`` grew.

Either way a learner never returns NaN predictions silently.
"""

from __future__ import annotations

import numpy as np

GUARD_POLICIES = ("reset", "raise")


class DivergenceError(FloatingPointError):
    """A learner's state became non-finite and the guard policy is ``"raise"``.

    Example:
        >>> import numpy as np
        >>> from sensorimotor.continual import LinearLearner
        >>> learner = LinearLearner(guard="raise")
        >>> state = learner.init(2)._replace(weights=np.array([np.inf, 0.0, 0.0]))
        >>> try:
        ...     learner.update(state, np.ones(2), 1.0)
        ... except DivergenceError:
        ...     print("diverged; state unchanged:", state.weights)
        diverged; state unchanged: [inf  0.  0.]
    """


def check_policy(policy: str) -> str:
    """Return ``policy`` if it is a known guard policy, else raise ``ValueError``."""
    if policy not in GUARD_POLICIES:
        raise ValueError(f"guard must be one of {GUARD_POLICIES}, got {policy!r}")
    return policy


def finite_probe(xp, weights, leaves, extra=0.0):
    """A scalar that is finite iff ``weights`` and every array in ``leaves`` are finite.

    The vectors of the weights' shape are summed and the sum is dotted with the last
    of them, ``(w + a + ...) . b``: a NaN or an inf anywhere makes the result non-finite
    (``inf * 0`` and ``inf - inf`` are NaN), at the price of one reduction, the cheapest
    check on the per-sample NumPy path. Other arrays are summed; ``extra`` (e.g. the
    squared error) is added. Values so large that the product overflows also read as
    non-finite: such a state has diverged anyway.

    >>> import numpy as np
    >>> w = np.ones(3)
    >>> bool(np.isfinite(finite_probe(np, w, [np.zeros(3), np.array([1.0, 0.0, -np.inf])])))
    False
    >>> bool(np.isfinite(finite_probe(np, w, [np.zeros(3), np.ones(3)])))
    True
    """
    total = extra
    acc = None
    last = weights
    shape = weights.shape
    for leaf in leaves:
        if leaf.shape == shape:
            acc = last if acc is None else acc + last
            last = leaf
        else:
            total = total + xp.sum(leaf)
    return total + (last @ last if acc is None else acc @ last)


def select(xp, ok, new, fallback):
    """``new`` where the scalar ``ok`` holds, else ``fallback`` (same pytree structure).

    On NumPy this is a Python branch; on JAX an elementwise ``where`` per leaf, so it
    works inside ``jit``/``scan``/``vmap``.
    """
    if xp is np:
        return new if bool(ok) else fallback
    import jax

    return jax.tree_util.tree_map(lambda a, b: xp.where(ok, a, b), new, fallback)
