"""Network optimisers for :class:`MLPLearner`: one calling convention over several rules.

A network optimiser here is a hyperparameter NamedTuple (its leaves are data, so a compiled
loop can sweep them without recompiling) consumed by two functions:

* ``optimizer_init(opt, params) -> opt_state``
* ``optimizer_apply(opt, opt_state, params, z, error, z_l1) -> (params, opt_state, alpha)``

where ``z`` is the eligibility trace (or the gradient of the prediction), ``error`` the
scalar ``target - prediction`` (or a TD error), ``z_l1`` the trace's 1-norm and ``alpha``
the effective scalar step size used (for reports).

Supported: :class:`~sensorimotor.rules.ObGD` and :class:`~sensorimotor.rules.AdaptiveObGD`
(bounded: the default, never diverges), :class:`~sensorimotor.rules.LMS` (plain gradient
steps ``alpha * error * z``, unbounded) and :class:`~sensorimotor.rules.Autostep` (per
parameter step sizes, applied to the flattened parameter vector, so that its normalisation
``sum_j alpha_j z_j^2 <= 1`` runs over the whole network).
"""

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

from sensorimotor.rules.adaptive_obgd import (
    AdaptiveObGD,
    adaptive_obgd_apply,
    adaptive_obgd_init,
)
from sensorimotor.rules.autostep import Autostep
from sensorimotor.rules.lms import LMS
from sensorimotor.rules.obgd import ObGD, obgd_apply

__all__ = ["OPTIMIZERS", "optimizer_apply", "optimizer_init"]

#: name -> hyperparameter class, for configs (``{"type": name, **fields}``)
OPTIMIZERS = {cls.__name__: cls for cls in (ObGD, AdaptiveObGD, LMS, Autostep)}


def _check(opt):
    if type(opt) not in OPTIMIZERS.values():
        raise TypeError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {type(opt).__name__}")


def optimizer_init(opt, params):
    """Initial optimiser state for ``params`` (a pytree)."""
    _check(opt)
    if isinstance(opt, AdaptiveObGD):
        return adaptive_obgd_init(params)
    if isinstance(opt, Autostep):
        flat, _ = ravel_pytree(params)
        return opt.init(flat.shape[0], xp=jnp, dtype=flat.dtype)
    return ()


def optimizer_apply(opt, opt_state, params, z, error, z_l1):
    """One step: returns ``(new_params, new_opt_state, effective_step_size)``."""
    _check(opt)
    if isinstance(opt, ObGD):
        new, alpha = obgd_apply(opt, params, z, error, z_l1)
        return new, opt_state, alpha
    if isinstance(opt, AdaptiveObGD):
        return adaptive_obgd_apply(opt, opt_state, params, z, error)
    if isinstance(opt, LMS):
        scale = opt.step_size * error
        new = jax.tree_util.tree_map(lambda p, t: p + (scale * t).astype(p.dtype), params, z)
        return new, opt_state, jnp.asarray(opt.step_size, jnp.result_type(error))
    # Autostep over the flattened parameters
    flat_z, unravel = ravel_pytree(z)
    opt_state, inc = opt.update_from_error(opt_state, flat_z, error)
    new = jax.tree_util.tree_map(lambda p, d: p + d.astype(p.dtype), params, unravel(inc))
    return new, opt_state, jnp.mean(opt_state.alpha)
