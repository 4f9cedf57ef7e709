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
output on the sample just seen, as it does for a linear learner. (alberta-framework's
``MLPLearner`` runs its rule on each parameter array apart, one :math:`M` per array, which
bounds each array's share of the step but lets their sum reach the number of arrays.) LMS
gives plain gradient steps :math:`\alpha\,\delta\,\nabla_w f`.

The calling convention is that of :func:`~sensorimotor.rules.obgd` with
``trace_decay=None``: ``update(z, state, params=None, *, error)``, the returned updates are
added with ``optax.apply_updates``; the state is the rule's own, over ``n_params`` weights.
:func:`mean_step_size` reports the mean of the rule's per-weight step sizes.
"""

import jax.numpy as jnp
import optax
from jax.flatten_util import ravel_pytree

__all__ = ["as_optax", "mean_step_size"]


def as_optax(rule) -> optax.GradientTransformationExtraArgs:
    """``rule`` (``init(n, xp, dtype)``, ``update_from_error``) as an optax transformation of
    the prediction's gradient or trace, over the flattened parameters; its state is the
    rule's state for ``n_params`` weights.

    Example (one Autostep step on a two-leaf pytree: ``alpha`` starts at 0.1, so the
    increment is ``0.1 * error * z``):
        >>> import jax.numpy as jnp, optax
        >>> from sensorimotor.rules import Autostep
        >>> params = {"w": jnp.array([1.0, 2.0]), "b": jnp.array(0.5)}
        >>> tx = as_optax(Autostep(initial_step_size=0.1))
        >>> state = tx.init(params)
        >>> z = {"w": jnp.array([0.1, -0.2]), "b": jnp.array(1.0)}
        >>> updates, state = tx.update(z, state, params, error=2.0)
        >>> print(optax.apply_updates(params, updates)["w"], state.alpha.shape)
        [1.02 1.96] (3,)
    """

    def init_fn(params):
        flat, _ = ravel_pytree(params)
        return rule.init(flat.shape[0], xp=jnp, dtype=flat.dtype)

    def update_fn(updates, state, params=None, *, error, **extra_args):
        del params, extra_args
        flat, unravel = ravel_pytree(updates)
        state, increment = rule.update_from_error(state, flat, error)
        return unravel(increment.astype(flat.dtype)), state

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)


def mean_step_size(rule, state, z):
    """Mean of ``rule.step_sizes`` over the flattened parameters, for the trace ``z`` (a
    pytree like the parameters) and the state after an update of :func:`as_optax`.

    >>> import jax.numpy as jnp
    >>> from sensorimotor.rules import LMS
    >>> print(mean_step_size(LMS(0.25), (), {"w": jnp.ones(3)}))
    0.25
    """
    flat, _ = ravel_pytree(z)
    return jnp.mean(rule.step_sizes(state, flat))
