r"""Overshooting-bounded gradient descent (ObGD) for networks, over parameter pytrees.

Elsayed, Vasan & Mahmood (2024), "Streaming Deep Reinforcement Learning Finally Works"
(arXiv:2410.14606), the ObGD optimiser of the stream-x algorithms. With a prediction
:math:`f_w(x)`, an error :math:`\delta` (``target - prediction`` or a TD error) and an
eligibility trace :math:`z` of prediction gradients:

.. math::
    z &\leftarrow \gamma\lambda\, z + \nabla_w f_w(x) \\
    \bar\delta &= \max(|\delta|, 1) \\
    M &= \alpha\,\kappa\,\bar\delta\,\|z\|_1 \\
    \alpha_{\text{eff}} &= \alpha / \max(M, 1) \\
    w &\leftarrow w + \alpha_{\text{eff}}\,\delta\, z

Why it bounds overshooting: to first order the update changes the prediction on the same
input by :math:`\alpha_{\text{eff}}\delta\,\nabla f\cdot z`, whose size is at most
:math:`\alpha_{\text{eff}}|\delta|\,\|\nabla f\|_\infty\|z\|_1
\le |\delta|\,\|\nabla f\|_\infty / (\kappa\bar\delta)`. For a linear model
:math:`f = w^\top x` (no trace, :math:`z = x`) the new error is exactly
:math:`\delta(1 - \alpha_{\text{eff}}\|x\|_2^2)`, so with inputs in ``[-1, 1]`` and
:math:`\kappa\ge1` it shrinks and never changes sign, at any step size (tested); for a
network the bound holds to first order (tested: overshooting is rare where plain gradient
steps of the same size overshoot always). Larger :math:`\kappa` is more conservative.

Departures from the paper, all deliberate:

* The trace decay is one number, ``trace_decay`` :math:`=\gamma\lambda`, and the trace is kept
  by the caller (the learner or agent) in the pure form :func:`obgd_apply`, which then needs
  only ``(params, z, error)``; the optax form :func:`obgd` keeps the trace in its state as the
  paper's optimiser does, and zeroes it when called with ``reset=True`` (episode end), or,
  with ``trace_decay=None``, takes the caller's trace as its input (what
  :meth:`ObGD.to_optax` gives, and :class:`~sensorimotor.continual.MLPLearner` uses).
* :func:`obgd_apply` and the trace-free optax form accept a precomputed :math:`\|z\|_1` (the
  MLP's fused backward pass gets it for free); it is the same number.
* Everything stays in the dtype of the parameters; no global precision switch.

Sign convention: the input is the gradient of the PREDICTION (not of a loss) and the
returned update is added to the parameters (``optax.apply_updates``), i.e. it moves the
prediction towards the target when ``error = target - prediction``.
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from sensorimotor.base.bounds import NON_NEGATIVE, POSITIVE, UNIT, check_settings, check_value

__all__ = ["ObGD", "ObGDState", "obgd", "obgd_apply", "obgd_step_size", "tree_l1_norm"]


class ObGD(NamedTuple):
    """ObGD hyperparameters: step size :math:`\\alpha` and bound factor :math:`\\kappa`.

    The paper's values for prediction (the critic of stream AC and stream TD(lambda)) are
    ``step_size=1.0, kappa=2.0``; the actor uses ``kappa=3.0``. Leaves may be floats or
    arrays (a compiled loop treats them as data: changing them does not recompile).

    Example:
        >>> import jax.numpy as jnp
        >>> hyper = ObGD(step_size=1.0, kappa=2.0)
        >>> w, a = obgd_apply(hyper, jnp.zeros(2), jnp.array([1.0, 1.0]), 1.0)
        >>> print(w, float(a))  # alpha_eff = 1 / (1 * 2 * 1 * 2)
        [0.25 0.25] 0.25
        >>> ObGD(step_size=-1.0).to_optax()
        Traceback (most recent call last):
        ...
        ValueError: ObGD.step_size must be a finite number in [0, inf), got -1.0
    """

    step_size: Any = 1.0
    kappa: Any = 2.0

    BOUNDS = dict(step_size=NON_NEGATIVE, kappa=POSITIVE)

    def to_optax(self) -> optax.GradientTransformationExtraArgs:
        """These settings as an optax transformation of the caller's trace:
        :func:`obgd` with ``trace_decay=None``.

        >>> import jax.numpy as jnp
        >>> tx = ObGD(step_size=0.5).to_optax()
        >>> z = jnp.array([1.0, 0.5])
        >>> updates, state = tx.update(z, tx.init(jnp.zeros(2)), error=1.0)
        >>> print(updates, ObGD(step_size=0.5).effective_step_size(state, z, 1.0))
        [0.33333334 0.16666667] 0.33333334
        """
        return obgd(self.step_size, self.kappa, trace_decay=None)

    def effective_step_size(self, opt_state, z, error, z_l1=None):
        r""":math:`\alpha_{\text{eff}}` of the update :meth:`to_optax` just made from the trace
        ``z`` and ``error`` (``opt_state`` is its state after the update; ``z_l1`` the known
        1-norm of ``z``): a report, recomputed (a few scalar operations) rather than kept in
        the state: one scalar more in the carry of the compiled MLP loop measured half the
        steps per second."""
        del opt_state
        return obgd_step_size(self.step_size, self.kappa, error, _l1(z, z_l1))


class ObGDState(NamedTuple):
    """State of the optax form :func:`obgd`: the eligibility trace, a pytree like the
    parameters (``None`` with ``trace_decay=None``: the caller keeps it).

    Example:
        >>> import jax.numpy as jnp
        >>> state = obgd(trace_decay=0.9).init({"w": jnp.zeros(3), "b": jnp.zeros(())})
        >>> print(state.trace["w"].shape, obgd(trace_decay=None).init(jnp.zeros(3)).trace)
        (3,) None
    """

    trace: Any


def tree_l1_norm(tree):
    """Sum of absolute values over every leaf of a pytree (a scalar).

    Example:
        >>> import jax.numpy as jnp
        >>> print(float(tree_l1_norm({"a": jnp.array([1.0, -2.0]), "b": jnp.array(-3.0)})))
        6.0
    """
    leaves = jax.tree_util.tree_leaves(tree)
    return sum(jnp.sum(jnp.abs(leaf)) for leaf in leaves)


def obgd_step_size(step_size, kappa, error, z_l1):
    r"""The bounded step :math:`\alpha/\max(\alpha\kappa\max(|\delta|,1)\|z\|_1, 1)`.

    Example:
        >>> print(float(obgd_step_size(1.0, 2.0, 3.0, 10.0)))  # 1 / (1*2*3*10)
        0.016666...
    """
    delta_bar = jnp.maximum(jnp.abs(error), 1.0)
    bound = step_size * kappa * delta_bar * z_l1
    return step_size / jnp.maximum(bound, 1.0)


def obgd_apply(hyper: ObGD, params, z, error, z_l1=None):
    r"""One ObGD step given the trace ``z``: returns ``(new_params, effective_step_size)``.

    :math:`w \leftarrow w + \alpha_{\text{eff}}\delta z` with :math:`\alpha_{\text{eff}}` from
    :func:`obgd_step_size`. ``z`` is the eligibility trace (or, without traces, the gradient of
    the prediction) as a pytree like ``params``; ``z_l1`` its 1-norm if already known.

    Example (a linear model ``f = w.x``, so ``z = x``: the error shrinks, keeps its sign):
        >>> import jax.numpy as jnp
        >>> w, x, y = jnp.zeros(3), jnp.array([1.0, -0.5, 0.25]), 10.0
        >>> w, a = obgd_apply(ObGD(step_size=100.0, kappa=2.0), w, x, y - w @ x)
        >>> print(round(float(y - w @ x), 4), round(float(a), 5))
        9.625 0.02857
    """
    updates, alpha = _obgd_updates(hyper, z, error, z_l1)
    return jax.tree_util.tree_map(lambda p, u: p + u.astype(p.dtype), params, updates), alpha


def _l1(z, z_l1=None):
    return tree_l1_norm(z) if z_l1 is None else z_l1


def _obgd_updates(hyper: ObGD, z, error, z_l1=None):
    """``(alpha_eff * error * z, alpha_eff)``: the increments of the parameters, their step."""
    alpha = obgd_step_size(hyper.step_size, hyper.kappa, error, _l1(z, z_l1))
    scale = alpha * error
    return jax.tree_util.tree_map(lambda t: (scale * t).astype(t.dtype), z), alpha


def obgd(step_size=1.0, kappa=2.0, trace_decay=0.0) -> optax.GradientTransformationExtraArgs:
    r"""ObGD as an optax transformation, keeping the eligibility trace in its state or not.

    ``update(grads, state, params=None, *, error, reset=False, z_l1=None)``: ``grads`` is the
    gradient of the prediction (not of a loss), ``error`` the scalar :math:`\delta`; the
    returned updates :math:`\alpha_{\text{eff}}\delta z` are added with
    ``optax.apply_updates``. ``reset=True`` zeroes the trace after the update (end of an
    episode). Optax's ``update`` has no slot for the error, hence the extra keyword argument
    (``GradientTransformationExtraArgs``).

    With ``trace_decay=None`` no trace is kept: ``grads`` is taken as the trace :math:`z`
    itself (the caller keeps it, or there is none), ``z_l1`` may give its 1-norm if already
    known, and ``reset`` has nothing to reset.

    Example:
        >>> import jax.numpy as jnp, optax
        >>> opt = obgd(step_size=1.0, kappa=2.0, trace_decay=0.0)
        >>> w = jnp.zeros(2); x = jnp.array([1.0, 1.0])
        >>> state = opt.init(w)
        >>> updates, state = opt.update(x, state, w, error=1.0 - w @ x)
        >>> print(optax.apply_updates(w, updates))
        [0.25 0.25]
    """
    hyper = check_settings(ObGD(step_size, kappa))
    if trace_decay is not None:
        check_value("obgd", "trace_decay", trace_decay, UNIT)

    def init_fn(params):
        trace = None
        if trace_decay is not None:
            trace = jax.tree_util.tree_map(jnp.zeros_like, params)
        return ObGDState(trace)

    def update_fn(updates, state, params=None, *, error, reset=False, z_l1=None, **extra_args):
        del params, extra_args
        if trace_decay is None:
            return _obgd_updates(hyper, updates, error, z_l1)[0], state
        z = jax.tree_util.tree_map(lambda t, g: trace_decay * t + g, state.trace, updates)
        new_updates, _ = _obgd_updates(hyper, z, error)
        trace = jax.tree_util.tree_map(lambda t: jnp.where(reset, jnp.zeros_like(t), t), z)
        return new_updates, ObGDState(trace)

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)
