r"""A closed-form supervised rule as an optax transformation over a parameter pytree.

The supervised rules (:class:`~sensorimotor.rules.LMS`, :class:`~sensorimotor.rules.NLMS`,
:class:`~sensorimotor.rules.IDBD`, :class:`~sensorimotor.rules.Autostep`) update the
weights of a linear learner from a vector :math:`z` and an error :math:`\delta`:
``update_from_error(state, z, error) -> (state, increment)``. For a linear model
:math:`z = x`; for a network, :math:`z` is the gradient of the prediction with respect to
all its parameters (or an eligibility trace of such gradients). :func:`as_optax` runs a rule
on that gradient, flattened into one vector (``jax.flatten_util.ravel_pytree``):

.. math::
    z = \operatorname{ravel}(\nabla_w f_w(x)),\qquad
    (\text{state}, \Delta) \leftarrow \text{rule.update\_from\_error}(\text{state}, z, \delta),
    \qquad w \leftarrow w + \operatorname{unravel}(\Delta)

so the rule's per-weight state spans the whole network, and so does any normalisation it
makes: Autostep's :math:`\sum_j \alpha_j z_j^2 \le 1` bounds the step of the network's
output on the sample just seen, as it does for a linear learner. LMS gives plain gradient
steps :math:`\alpha\,\delta\,\nabla_w f`.

The calling convention is that of :func:`~sensorimotor.rules.obgd` with
``trace_decay=None``: ``update(z, state, params=None, *, error)``, the returned updates are
added with ``optax.apply_updates``, ``state.step_size`` holds the mean of the rule's
per-weight step sizes after the update (``rule.step_sizes``).
"""

from typing import Any, NamedTuple

import jax.numpy as jnp
import optax
from jax.flatten_util import ravel_pytree

__all__ = ["AsOptaxState", "as_optax"]


class AsOptaxState(NamedTuple):
    """State of :func:`as_optax`.

    Attributes:
        rule_state: the rule's state over the flattened parameters (e.g. Autostep's
            ``alpha``, ``h``, ``v`` of shape ``(n_params,)``; empty for LMS).
        step_size: mean step size of the last update (a scalar of the parameters' dtype).
    """

    rule_state: Any
    step_size: Any


def as_optax(rule) -> optax.GradientTransformationExtraArgs:
    """``rule`` (``init(n, xp, dtype)``, ``update_from_error``, ``step_sizes``) as an optax
    transformation of the prediction's gradient or trace, over flattened parameters.

    Example (one Autostep step on a two-leaf pytree: ``alpha`` starts at 0.1, so the
    increment is ``0.1 * error * z``):
        >>> import jax.numpy as jnp, optax
        >>> from sensorimotor.rules import Autostep
        >>> params = {"w": jnp.array([1.0, 2.0]), "b": jnp.array(0.5)}
        >>> tx = as_optax(Autostep(initial_step_size=0.1))
        >>> state = tx.init(params)
        >>> z = {"w": jnp.array([0.1, -0.2]), "b": jnp.array(1.0)}
        >>> updates, state = tx.update(z, state, params, error=2.0)
        >>> print(optax.apply_updates(params, updates)["w"], state.rule_state.alpha.shape)
        [1.02 1.96] (3,)
    """

    def init_fn(params):
        flat, _ = ravel_pytree(params)
        rule_state = rule.init(flat.shape[0], xp=jnp, dtype=flat.dtype)
        return AsOptaxState(rule_state, jnp.zeros((), flat.dtype))

    def update_fn(updates, state, params=None, *, error, **extra_args):
        del params, extra_args
        flat, unravel = ravel_pytree(updates)
        rule_state, increment = rule.update_from_error(state.rule_state, flat, error)
        step = jnp.mean(rule.step_sizes(rule_state, flat)).astype(state.step_size.dtype)
        return unravel(increment.astype(flat.dtype)), AsOptaxState(rule_state, step)

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)
