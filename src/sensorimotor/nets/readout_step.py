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

    Example:
        >>> from sensorimotor.rules import RLS
        >>> state = readout_init(RLS(), input_dim=3, output_dim=2)
        >>> print(state.beta.shape, state.optimizer.P.shape)
        (4, 2) (4, 4)
    """

    beta: Any
    optimizer: Any


def readout_init(rule, input_dim: int, output_dim: int, with_bias=True, xp=np, dtype=None):
    """Zero weights and the rule's initial state, on the engine ``xp``.

    Example:
        >>> import jax.numpy as jnp
        >>> from sensorimotor.rules import LMS
        >>> state = readout_init(LMS(0.1), 3, 2, with_bias=False, xp=jnp)
        >>> print(state.beta.shape, state.beta.dtype, float(abs(state.beta).sum()))
        (3, 2) float32 0.0
    """
    dtype = default_float(xp, dtype)
    n = input_dim + (1 if with_bias else 0)
    return ReadoutState(xp.zeros((n, output_dim), dtype=dtype), rule.init(n, xp, dtype))


def readout_features(sample, with_bias=True):
    """``[sample; 1]`` (or ``sample`` without a bias), shape ``(input_dim + with_bias,)``.

    Example:
        >>> import numpy as np
        >>> print(readout_features(np.array([2.0, 3.0])), readout_features(np.array([2.0]), False))
        [2. 3. 1.] [2.]
    """
    if not with_bias:
        return sample
    xp = namespace(sample)
    return xp.concatenate((sample, xp.ones((1,), dtype=sample.dtype)))


def readout_predict(state: ReadoutState, z):
    r"""The readout :math:`y = \beta^\top z`, shape ``(output_dim,)``, for the features
    ``z`` (:func:`readout_features`).

    Example (weights 1 and 2, bias 0.5, the bias row last):
        >>> import numpy as np
        >>> from sensorimotor.rules import LMS
        >>> state = readout_init(LMS(), 2, 1)._replace(beta=np.array([[1.0], [2.0], [0.5]]))
        >>> print(readout_predict(state, readout_features(np.array([1.0, 1.0]))))
        [3.5]
    """
    return z @ state.beta


def readout_train(rule, state: ReadoutState, z, error) -> ReadoutState:
    r"""One step of ``rule`` (``RLS`` or ``LMS``) on the features ``z`` and the error
    ``error = target - prediction`` (shape ``(output_dim,)``):
    :math:`\beta \leftarrow \beta + k\, e^\top`, with the rule's gain :math:`k` (RLS:
    :math:`P z / (\lambda + z^\top P z)`; LMS: :math:`\alpha z`), shared by all outputs.
    A single output's error may be a scalar; another shape is a ``ValueError``.

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
    # shapes are static, so this holds under jit too: a 0-d error gave an increment of
    # shape (n,), which broadcast beta from (n, 1) to (n, n)
    outputs = tuple(state.beta.shape[1:])
    if np.ndim(error) == 0 and outputs == (1,):
        xp = namespace(state.beta)
        error = xp.reshape(xp.asarray(error, dtype=state.beta.dtype), (1,))
    elif tuple(np.shape(error)) != outputs:
        raise ValueError(
            f"error must have shape {outputs} (one per output), got {tuple(np.shape(error))}"
        )
    opt, inc = rule.update_from_error(state.optimizer, z, error)
    return ReadoutState(state.beta + inc, opt)


__all__ = ["ReadoutState", "readout_init", "readout_features", "readout_predict", "readout_train"]
