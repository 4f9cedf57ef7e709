"""The linear readout's step as pure functions on the array API (NumPy or JAX): a
:class:`ReadoutState` trained by a closed-form rule (``rules.RLS``, ``rules.LMS``)."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from sensorimotor.rules.array_namespace import default_float, namespace


class ReadoutState(NamedTuple):
    """State of a linear readout.

    Attributes:
        beta: weights, shape ``(input_dim + with_bias, output_dim)``; the bias row, if
            any, is last (HDPy put it first).
        optimizer: the rule's state (``RLSState``: one ``P`` shared by every output).
    """

    beta: Any
    optimizer: Any


def readout_init(rule, input_dim: int, output_dim: int, with_bias=True, xp=np, dtype=None):
    """Zero weights and the rule's initial state, on the engine ``xp``."""
    dtype = default_float(xp, dtype)
    n = input_dim + (1 if with_bias else 0)
    return ReadoutState(xp.zeros((n, output_dim), dtype=dtype), rule.init(n, xp, dtype))


def readout_features(sample, with_bias=True):
    """``[sample; 1]`` (or ``sample`` without a bias), shape ``(input_dim + with_bias,)``."""
    if not with_bias:
        return sample
    xp = namespace(sample)
    return xp.concatenate((sample, xp.ones((1,), dtype=sample.dtype)))


def readout_predict(state: ReadoutState, z):
    r"""The readout :math:`y = \beta^\top z`, shape ``(output_dim,)``, for the features
    ``z`` (:func:`readout_features`)."""
    return z @ state.beta


def readout_train(rule, state: ReadoutState, z, error) -> ReadoutState:
    r"""One step of ``rule`` (``RLS`` or ``LMS``) on the features ``z`` and the error
    ``error = target - prediction`` (shape ``(output_dim,)``):
    :math:`\beta \leftarrow \beta + k\, e^\top`, with the rule's gain :math:`k` (RLS:
    :math:`P z / (\lambda + z^\top P z)`; LMS: :math:`\alpha z`), shared by all outputs.

    Example:
        >>> import numpy as np
        >>> from sensorimotor.rules import RLS
        >>> rule = RLS(forgetting=1.0, delta=1e-6)
        >>> s = readout_init(rule, 1, 2)
        >>> z = readout_features(np.array([2.0]))
        >>> s = readout_train(rule, s, z, np.array([4.0, -2.0]) - readout_predict(s, z))
        >>> print(np.round(readout_predict(s, z), 4))
        [ 4. -2.]
    """
    opt, inc = rule.update_from_error(state.optimizer, z, error)
    return ReadoutState(state.beta + inc, opt)


__all__ = ["ReadoutState", "readout_init", "readout_features", "readout_predict", "readout_train"]
