r"""Adaptive ObGD: ObGD with an Adam-like second-moment normalisation, over pytrees.

Elsayed, Vasan & Mahmood (2024), "Streaming Deep Reinforcement Learning Finally Works"
(arXiv:2410.14606), the adaptive variant of ObGD. With trace :math:`z`, error
:math:`\delta`, step count :math:`t` (starting at 1):

.. math::
    z &\leftarrow \gamma\lambda\, z + \nabla_w f_w(x) \\
    v &\leftarrow \beta_2 v + (1-\beta_2)(\delta z)^2, \qquad
    \hat v = v / (1-\beta_2^{\,t}) \\
    u &= z / \sqrt{\hat v + \epsilon} \\
    M &= \alpha\,\kappa\,\max(|\delta|,1)\,\|u\|_1,\qquad
    \alpha_{\text{eff}} = \alpha / \max(M, 1) \\
    w &\leftarrow w + \alpha_{\text{eff}}\,\delta\, u

Departures from the paper: as for :mod:`sensorimotor.rules.obgd` (one ``trace_decay``
:math:`=\gamma\lambda`; the pure form takes the trace from the caller, the optax form keeps
it and zeroes it on ``reset=True``, or with ``trace_decay=None`` takes the caller's; dtype of
the parameters throughout). The reference code resets the second moment never; so do we.
:math:`\epsilon` is inside the square root, as in the authors' code (``(v_hat +
eps).sqrt()``), not added to it as in Adam: with the default ``1e-8`` the divisor is at
least ``1e-4``, so a weight whose :math:`\delta z` has been tiny is not given a huge step.
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from sensorimotor.base.bounds import (
    NON_NEGATIVE,
    POSITIVE,
    UNIT,
    Bounds,
    check_settings,
    check_value,
)
from sensorimotor.rules.obgd import obgd_step_size, tree_l1_norm

__all__ = [
    "AdaptiveObGD",
    "AdaptiveObGDState",
    "adaptive_obgd",
    "adaptive_obgd_apply",
    "adaptive_obgd_init",
]


class AdaptiveObGD(NamedTuple):
    """Adaptive ObGD hyperparameters (the paper's defaults).

    Example (the first step moves each weight alike, whatever the scale of its gradient):
        >>> import jax.numpy as jnp
        >>> w, z = jnp.zeros(2), jnp.array([1.0, 0.01])
        >>> w, state, a = adaptive_obgd_apply(AdaptiveObGD(), adaptive_obgd_init(w), w, z, 2.0)
        >>> print(jnp.round(w, 3), float(a))
        [0.25 0.25] 0.25
        >>> AdaptiveObGD(beta2=1.5).to_optax()
        Traceback (most recent call last):
        ...
        ValueError: AdaptiveObGD.beta2 must be a finite number in [0, 1), got 1.5
    """

    step_size: Any = 1.0
    kappa: Any = 2.0
    beta2: Any = 0.999
    eps: Any = 1e-8

    BOUNDS = dict(step_size=NON_NEGATIVE, kappa=POSITIVE, beta2=Bounds(0.0, 1.0), eps=NON_NEGATIVE)

    def to_optax(self) -> optax.GradientTransformationExtraArgs:
        """These settings as an optax transformation of the caller's trace:
        :func:`adaptive_obgd` with ``trace_decay=None``.

        >>> import jax.numpy as jnp
        >>> tx = AdaptiveObGD().to_optax()
        >>> z = jnp.array([1.0, 0.5])
        >>> updates, state = tx.update(z, tx.init(jnp.zeros(2)), error=2.0)
        >>> print(updates, AdaptiveObGD().effective_step_size(state, z, 2.0))
        [0.25 0.25] 0.25
        """
        return adaptive_obgd(*self, trace_decay=None)

    def effective_step_size(self, opt_state, z=None, error=None, z_l1=None):
        r""":math:`\alpha_{\text{eff}}` of the update :meth:`to_optax` just made: kept in its
        state (``opt_state.step_size``), since recomputing it would take a pass over the
        parameters (measured 5-10 % of a step)."""
        return opt_state.step_size


class AdaptiveObGDState(NamedTuple):
    """Second-moment estimate ``v`` (pytree like the parameters) and step count ``count``.

    In the optax form :func:`adaptive_obgd`, ``trace`` holds the eligibility trace (``None``
    with ``trace_decay=None``) and ``step_size`` the effective step size
    :math:`\alpha_{\text{eff}}` of the last update (0 before the first, the parameters'
    dtype); the pure form leaves both ``None``.

    Example:
        >>> import jax.numpy as jnp
        >>> state = adaptive_obgd_init({"w": jnp.zeros(3)})  # the pure form
        >>> print(state.v["w"].shape, int(state.count), state.trace)
        (3,) 0 None
        >>> print(float(adaptive_obgd(trace_decay=0.9).init(jnp.zeros(3)).step_size))  # optax form
        0.0
    """

    v: Any
    count: Any
    trace: Any = None
    step_size: Any = None

    #: fields no update makes negative: ``load_state`` refuses a saved state (tampered) where
    #: one is, since the learner would then predict NaN or reject every update
    NON_NEGATIVE_FIELDS = ("v", "count", "step_size")


def adaptive_obgd_init(params) -> AdaptiveObGDState:
    """Zero second moment, count 0.

    Example:
        >>> import jax.numpy as jnp
        >>> print(adaptive_obgd_init(jnp.ones(2)).count)
        0
    """
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    return AdaptiveObGDState(zeros, jnp.zeros((), jnp.int32))


def adaptive_obgd_apply(hyper: AdaptiveObGD, state: AdaptiveObGDState, params, z, error):
    r"""One adaptive-ObGD step: returns ``(new_params, new_state, effective_step_size)``.

    Example:
        >>> import jax.numpy as jnp
        >>> w, x = jnp.zeros(2), jnp.array([1.0, 0.5])
        >>> hyper = AdaptiveObGD()
        >>> w, state, a = adaptive_obgd_apply(hyper, adaptive_obgd_init(w), w, x, 2.0 - w @ x)
        >>> print(w, int(state.count))
        [0.25 0.25] 1
    """
    updates, state, alpha = _adaptive_obgd_updates(hyper, state, z, error)
    new = jax.tree_util.tree_map(lambda p, d: p + d.astype(p.dtype), params, updates)
    return new, state, alpha


def _adaptive_obgd_updates(hyper: AdaptiveObGD, state: AdaptiveObGDState, z, error):
    """``(alpha_eff * error * u, new state, alpha_eff)``: the increments, state and step."""
    count = state.count + 1
    b2 = jnp.asarray(hyper.beta2)
    v = jax.tree_util.tree_map(lambda m, t: b2 * m + (1.0 - b2) * (error * t) ** 2, state.v, z)
    u = _normalised(hyper, v, count, z)
    alpha = obgd_step_size(hyper.step_size, hyper.kappa, error, tree_l1_norm(u))
    scale = alpha * error
    updates = jax.tree_util.tree_map(lambda d, t: (scale * d).astype(t.dtype), u, z)
    return updates, state._replace(v=v, count=count), alpha


def _normalised(hyper: AdaptiveObGD, v, count, z):
    r""":math:`u = z / \sqrt{v / (1-\beta_2^t) + \epsilon}` (leaf by leaf)."""
    correction = 1.0 - jnp.asarray(hyper.beta2) ** count
    return jax.tree_util.tree_map(lambda t, m: t / jnp.sqrt(m / correction + hyper.eps), z, v)


def adaptive_obgd(
    step_size=1.0, kappa=2.0, beta2=0.999, eps=1e-8, trace_decay=0.0
) -> optax.GradientTransformationExtraArgs:
    r"""Adaptive ObGD as an optax transformation keeping the trace in its state.

    Same calling convention as :func:`sensorimotor.rules.obgd.obgd`: ``grads`` are gradients
    of the prediction, ``error`` is a keyword argument, updates are added to the parameters,
    ``state.step_size`` is the effective step of the last update; ``trace_decay=None`` keeps
    no trace (``grads`` is the caller's trace).

    Example:
        >>> import jax.numpy as jnp, optax
        >>> opt = adaptive_obgd()
        >>> w = jnp.zeros(2); state = opt.init(w)
        >>> updates, state = opt.update(jnp.array([1.0, 0.5]), state, w, error=2.0)
        >>> print(optax.apply_updates(w, updates))
        [0.25 0.25]
    """
    hyper = check_settings(AdaptiveObGD(step_size, kappa, beta2, eps))
    if trace_decay is not None:
        check_value("adaptive_obgd", "trace_decay", trace_decay, UNIT)

    def init_fn(params):
        trace = None
        if trace_decay is not None:
            trace = jax.tree_util.tree_map(jnp.zeros_like, params)
        step = jnp.zeros((), jax.tree_util.tree_leaves(params)[0].dtype)
        return adaptive_obgd_init(params)._replace(trace=trace, step_size=step)

    def update_fn(updates, state, params=None, *, error, reset=False, **extra_args):
        del params, extra_args
        z = updates
        if trace_decay is not None:
            z = jax.tree_util.tree_map(lambda t, g: trace_decay * t + g, state.trace, updates)
        new_updates, new_state, alpha = _adaptive_obgd_updates(hyper, state, z, error)
        trace = None
        if trace_decay is not None:
            trace = jax.tree_util.tree_map(lambda t: jnp.where(reset, jnp.zeros_like(t), t), z)
        step = alpha.astype(state.step_size.dtype)
        return new_updates, new_state._replace(trace=trace, step_size=step)

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)
