"""The echo state network's step as pure functions on the array API (NumPy or JAX)."""

from __future__ import annotations

from typing import Any, NamedTuple

from sensorimotor.rules.array_namespace import namespace


class ReservoirParams(NamedTuple):
    """A reservoir's weights and leak: a pytree (vmap over seeds stacks each leaf).

    Attributes:
        w: recurrent weights, shape ``(n, n)``.
        w_in: input weights, shape ``(n, input_dim)``.
        w_bias: bias weights, shape ``(n,)``.
        leak_rate: the leak :math:`a` in ``(0, 1]``, a scalar (a leaf: a sweep over it
            does not recompile).

    Example (a node's weights, stepped by the pure function as the node steps itself):
        >>> import numpy as np
        >>> from sensorimotor.reservoir import ReservoirNode
        >>> node = ReservoirNode(1, 20, leak_rate=0.5, seed=0)
        >>> p = node.params
        >>> print(p.w.shape, p.w_in.shape, p.w_bias.shape, float(p.leak_rate))
        (20, 20) (20, 1) (20,) 0.5
        >>> x = reservoir_step(p, np.zeros(20), np.array([1.0]))
        >>> print(np.allclose(x, node.execute(np.array([1.0]))))
        True
    """

    w: Any
    w_in: Any
    w_bias: Any
    leak_rate: Any


def reservoir_step(params: ReservoirParams, x, u):
    r"""The next reservoir state (leaky-integrator echo state network, Jaeger et al. 2007).

    .. math::  x_{t+1} = (1 - a)\, x_t + a \tanh(W x_t + W_{in} u_t + b)

    Args:
        params: the weights and the leak :math:`a`.
        x: the state, shape ``(n,)``.
        u: the input, shape ``(input_dim,)``.

    Returns:
        The next state, shape ``(n,)``. Fed JAX arrays it traces (``jit``, ``scan``,
        ``vmap``); fed NumPy arrays it runs eagerly.

    Example:
        >>> import numpy as np
        >>> p = ReservoirParams(np.zeros((2, 2)), np.ones((2, 1)), np.zeros(2), 0.5)
        >>> print(np.round(reservoir_step(p, np.zeros(2), np.array([1.0])), 4))
        [0.3808 0.3808]
    """
    xp = namespace(x)
    a = params.leak_rate
    return (1 - a) * x + a * xp.tanh(params.w @ x + params.w_in @ u + params.w_bias)


def reservoir_input_jacobian(params: ReservoirParams, x, u):
    r"""The derivative of the next state with respect to the input,
    :math:`\partial x_{t+1} / \partial u_t`, shape ``(n, input_dim)``.

    .. math::
        \frac{\partial x_{t+1}}{\partial u_t}
        = a\, \mathrm{diag}\big(1 - \tanh^2(W x_t + W_{in} u_t + b)\big)\, W_{in}

    An adaptive critic reading :math:`J = \beta^\top [x_{t+1}; u_t; 1]` gets its gradient
    with respect to an action inside :math:`u` by the chain rule:
    :math:`\partial J / \partial u = (\partial x_{t+1} / \partial u)^\top \beta_x + \beta_u`.

    Example:
        >>> import numpy as np
        >>> p = ReservoirParams(np.zeros((1, 1)), np.array([[2.0]]), np.zeros(1), 0.5)
        >>> print(np.round(reservoir_input_jacobian(p, np.zeros(1), np.array([0.0])), 4))
        [[1.]]
    """
    xp = namespace(x)
    t = xp.tanh(params.w @ x + params.w_in @ u + params.w_bias)
    return (params.leak_rate * (1 - t * t))[:, None] * params.w_in


def reservoir_run(params: ReservoirParams, x, us):
    """Run the reservoir from the state ``x`` over the inputs ``us`` (shape
    ``(T, input_dim)``): ``(last_state, states)`` with ``states`` of shape ``(T, n)``
    (the state after each input). On JAX arrays this is one ``lax.scan``; on NumPy a loop.

    Example:
        >>> import numpy as np
        >>> p = ReservoirParams(np.zeros((1, 1)), np.ones((1, 1)), np.zeros(1), 1.0)
        >>> last, states = reservoir_run(p, np.zeros(1), np.array([[0.0], [1.0]]))
        >>> print(np.round(states[:, 0], 4))
        [0.     0.7616]
    """
    xp = namespace(x)
    if xp.__name__.startswith("jax"):
        import jax

        def body(x, u):
            x = reservoir_step(params, x, u)
            return x, x

        return jax.lax.scan(body, x, us)
    states = xp.empty((us.shape[0], x.shape[0]), dtype=x.dtype)
    for t in range(us.shape[0]):
        x = reservoir_step(params, x, us[t])
        states[t] = x
    return x, states


__all__ = [
    "ReservoirParams",
    "reservoir_step",
    "reservoir_input_jacobian",
    "reservoir_run",
]
