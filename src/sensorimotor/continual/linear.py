"""Linear supervised learner: one closed-form rule, optional normaliser, divergence guard."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from sensorimotor.base.bounds import check_flag
from sensorimotor.continual.input_checks import (
    PLAIN_SCALARS,
    any_traced,
    check_feature_dim,
    check_finite_scalar,
    check_finite_vector,
    check_float_dtype,
    check_magnitude,
    check_rule,
    check_step_size_fits,
    check_vector,
    configured_step_size,
    eager_scalar,
    is_traced,
    like_dtype,
    like_state,
    overshooting_input,
)
from sensorimotor.continual.update_result import UpdateResult
from sensorimotor.rules.array_namespace import default_float
from sensorimotor.rules.guard import DivergenceError, check_policy, finite_probe, select
from sensorimotor.rules.lms import LMS

_ONES = {}


def _one(xp, dtype):
    """A cached ``[1.0]`` of ``dtype`` for the bias feature (NumPy); a fresh one on JAX."""
    if xp is not np:
        return xp.ones((1,), dtype=dtype)
    one = _ONES.get(dtype)
    if one is None:
        one = _ONES[dtype] = np.ones((1,), dtype=dtype)
        one.flags.writeable = False
    return one


class LinearState(NamedTuple):
    """State of a :class:`LinearLearner`.

    Attributes:
        weights: shape ``(feature_dim + bias,)``; the bias weight, if any, is last.
        optimizer: the rule's state (e.g. :class:`~sensorimotor.rules.IDBDState`).
        normalizer: the normaliser's state, or ``None``.
        guard_count: number of divergence recoveries so far (int32 scalar).

    Example:
        >>> from sensorimotor.rules import IDBD, WelfordNormalizer
        >>> state = LinearLearner(IDBD(), normalizer=WelfordNormalizer()).init(3)
        >>> print(state.weights.shape, state.optimizer.beta.shape, state.normalizer.mean.shape)
        (4,) (4,) (3,)
        >>> print(int(state.guard_count))
        0
    """

    weights: Any
    optimizer: Any
    normalizer: Any
    guard_count: Any

    #: fields no update makes negative: ``load_state`` refuses a saved state (tampered) where
    #: one is, since the learner would then predict NaN or reject every update
    NON_NEGATIVE_FIELDS = ("guard_count",)


class LinearMetrics(NamedTuple):
    """Per-step metrics of a :class:`LinearLearner` update.

    Attributes:
        squared_error: ``error ** 2`` of the prediction made before the update.
        guard: 1.0 if the divergence guard restarted the learner on this step, else 0.0.

    Example (a good step, then a restart of a diverged state):
        >>> learner = LinearLearner(LMS(step_size=0.5))
        >>> m = learner.update(learner.init(1), np.array([1.0]), 2.0).metrics
        >>> print(m.squared_error, m.guard)
        4.0 0.0
        >>> bad = learner.init(1)._replace(weights=np.array([np.inf, 0.0]))
        >>> m = learner.update(bad, np.array([1.0]), 2.0).metrics
        >>> print(m.squared_error, m.guard)  # the restarted learner predicts 0
        4.0 1.0
    """

    squared_error: Any
    guard: Any


class LinearLearner(NamedTuple):
    r"""Linear prediction :math:`\hat y = w^\top [\tilde x; 1]` learned online by a rule.

    ``optimizer`` is a closed-form rule of :mod:`sensorimotor.rules` (``LMS``, ``NLMS``,
    ``IDBD``, ``Autostep``, ``RLS``); ``normalizer`` (``EMANormalizer``,
    ``WelfordNormalizer`` or ``None``) maps ``x`` to :math:`\tilde x` after updating its
    statistics with ``x``; ``bias`` appends a constant 1 feature. Each step:

    .. math::
        \hat y = w^\top \tilde x, \quad \delta = y - \hat y, \quad
        w \leftarrow w + \text{optimizer.update\_from\_error}(\tilde x, \delta)

    The divergence guard (:mod:`sensorimotor.rules.guard`, policy ``guard``) watches the
    squared prediction error: if it is not finite while ``x`` and ``y`` are, the state
    has diverged and the learner restarts from ``init`` (or raises). The same code runs
    eagerly on NumPy arrays (a robot's per-sample loop) and compiled on JAX arrays
    (:func:`sensorimotor.continual.run_learning_loop`).

    Bad input (wrong shape or type, NaN or inf in ``x`` or ``y``, a value so large that
    its square overflows) raises ``ValueError`` or ``TypeError`` naming the argument; since
    the update is pure the state passed in is untouched. Inside ``jit`` only shapes and
    dtypes are checked.

    Example:
        >>> import numpy as np
        >>> from sensorimotor.rules import IDBD
        >>> learner = LinearLearner(optimizer=IDBD(initial_step_size=0.05, meta_step_size=0.01))
        >>> state = learner.init(2)
        >>> rng = np.random.default_rng(0)
        >>> for _ in range(500):
        ...     x = rng.normal(size=2)
        ...     result = learner.update(state, x, 2.0 * x[0] - x[1] + 0.5)
        ...     state = result.state
        >>> print(np.round(state.weights, 2))
        [ 2.  -1.   0.5]
    """

    optimizer: Any = LMS(0.01)
    normalizer: Any = None
    bias: bool = True
    guard: str = "reset"

    def init(self, feature_dim: int, xp=None, dtype=None) -> LinearState:
        """Initial state for inputs of shape ``(feature_dim,)``.

        ``xp`` is the engine (``numpy``, the default, or ``jax.numpy``); ``dtype`` the
        floating dtype (default: the engine's default float).

        Example:
            >>> from sensorimotor.rules import Autostep
            >>> state = LinearLearner(Autostep(initial_step_size=0.1)).init(2)
            >>> print(state.weights, state.optimizer.alpha, int(state.guard_count))
            [0. 0. 0.] [0.1 0.1 0.1] 0
        """
        check_policy(self.guard)
        check_rule(self.optimizer, "update_from_error", "supervised")
        feature_dim = check_feature_dim(feature_dim)
        xp = np if xp is None else xp
        dtype = check_float_dtype(default_float(xp, dtype))
        n = feature_dim + (1 if check_flag("LinearLearner.bias", self.bias) else 0)
        if self.normalizer is not None and not all(
            callable(getattr(self.normalizer, m, None)) for m in ("init", "update", "normalize")
        ):
            raise TypeError(
                "LinearLearner.normalizer must be None or a normaliser (init, update, "
                f"normalize: see sensorimotor.rules), got {self.normalizer!r}"
            )
        norm = None if self.normalizer is None else self.normalizer.init(feature_dim, xp, dtype)
        rule_state = self.optimizer.init(n, xp, dtype)  # checks the rule's settings first
        check_step_size_fits(self.optimizer, dtype)
        return LinearState(
            xp.zeros((n,), dtype=dtype),
            rule_state,
            norm,
            xp.zeros((), dtype=xp.int32),
        )

    def _features(self, xp, state, x, update_stats):
        norm = state.normalizer
        if self.normalizer is not None:
            if update_stats:
                norm, x = self.normalizer.update(norm, x)
            else:
                x = self.normalizer.normalize(norm, x)
        if self.bias:
            x = xp.concatenate((x, _one(xp, x.dtype)))
        return norm, x

    def step_sizes(self, state: LinearState):
        """The optimizer's per-weight step sizes, shape of ``state.weights``.

        Example:
            >>> from sensorimotor.rules import Autostep
            >>> learner = LinearLearner(Autostep(initial_step_size=0.1))
            >>> print(learner.step_sizes(learner.init(2)))
            [0.1 0.1 0.1]
        """
        return self.optimizer.step_sizes(state.optimizer, state.weights)

    def predict(self, state: LinearState, x):
        """Prediction for ``x`` (shape ``(feature_dim,)``) without learning.

        Example:
            >>> learner = LinearLearner()
            >>> state = learner.init(2)._replace(weights=np.array([1.0, 2.0, 0.5]))
            >>> print(learner.predict(state, np.array([1.0, 1.0])))  # the bias weight is last
            3.5
        """
        n = state.weights.shape[0] - (1 if self.bias else 0)
        xp = check_vector("x", x, n)
        check_finite_vector("x", x)
        _, xb = self._features(xp, state, x, update_stats=False)
        pred = state.weights @ xb
        if not is_traced(pred) and not math.isfinite(float(pred)):
            check_magnitude("x", x, pred.dtype)  # an x too large for the dtype, not the state
            raise DivergenceError(
                "LinearLearner state is not finite; the next update (or recover) restarts it"
            )
        return pred

    def update(self, state: LinearState, x, y) -> UpdateResult:
        """Predict ``y`` from ``x``, then learn from the error.

        Args:
            state: the current :class:`LinearState`.
            x: input, shape ``(feature_dim,)``.
            y: target, a scalar.

        Returns:
            ``UpdateResult(state, prediction, error, LinearMetrics)``; ``prediction`` and
            ``error`` are those of the state passed in.

        Example:
            >>> learner = LinearLearner(LMS(step_size=0.5))
            >>> result = learner.update(learner.init(1), np.array([1.0]), 2.0)
            >>> print(result.prediction, result.error, result.state.weights)
            0.0 2.0 [1. 1.]
        """
        w = state.weights
        n = w.shape[0] - (1 if self.bias else 0)
        x = like_state(w, x)
        fast = type(x) is np.ndarray and x.shape == (n,) and x.dtype.kind == "f"
        if fast and self.normalizer is None:
            # the per-sample fast path: NumPy's own calls, about 1 us less than the array API
            y = eager_scalar("y", y)  # a wrong type or shape raises, naming y
            if self.bias:
                xb = np.empty(n + 1, dtype=x.dtype)
                xb[:n] = x
                xb[n] = 1
            else:
                xb = x
            return self._learn_eager(state, x, y, xb, w.dot(xb), None)
        xp = check_vector("x", x, n)  # shape and dtype; raises naming x
        if getattr(y, "ndim", 0):  # known under jit too (a stream's y of shape (T, k))
            raise ValueError(f"y must be a scalar, got shape {y.shape}")
        if not any_traced(w, x, y):  # eager: refuse a y of a wrong type, naming it
            if xp is np:
                y = eager_scalar("y", y)
            elif type(y) not in PLAIN_SCALARS:
                check_finite_scalar("y", y)
                if type(y) is int:  # JAX refuses an int beyond int64
                    y = float(y)
            xx = None if self.normalizer is None else x @ x  # traced under jit, though x is not
            if xx is not None and not is_traced(xx) and not math.isfinite(float(xx)):
                check_finite_vector("x", x)  # the normaliser's statistics would absorb a
                check_magnitude("x", x, x.dtype)  # NaN or a huge x silently
        if self.normalizer is None:
            norm = None
            xb = xp.concatenate((x, _one(xp, x.dtype))) if self.bias else x
        else:
            norm, xb = self._features(xp, state, x, update_stats=True)
        pred = w @ xb
        if xp is np:
            return self._learn_eager(state, x, y, xb, pred, norm)
        y_w = like_dtype(y, w.dtype)  # y itself for the messages below
        err = y_w - pred
        sq = err * err
        if not is_traced(err):  # eager JAX arrays: check values too
            check_finite_vector("x", x)
            check_finite_scalar("y", y)
            if not bool(xp.isfinite(sq)):  # a huge input, not a divergence: refuse it
                check_magnitude("x", x, sq.dtype)
                check_magnitude("y", y, sq.dtype)
        opt, inc = self.optimizer.update_from_error(state.optimizer, xb, err)
        new = LinearState(w + inc, opt, norm, state.guard_count)
        if not is_traced(err) and bool(xp.isfinite(sq)):
            _check_not_overflowed(xp, self, state, new, x, xb, y, pred, err)
        ok = xp.isfinite(sq)
        fresh = self.init(n, xp, w.dtype)._replace(guard_count=state.guard_count + 1)
        out = select(xp, ok, new, fresh)
        pred = xp.where(ok, pred, 0.0)  # the restarted weights are zero
        err = y_w - pred
        guard = xp.astype(xp.logical_not(ok), w.dtype)
        return UpdateResult(out, pred, err, LinearMetrics(err * err, guard))

    def _learn_eager(self, state, x, y, xb, pred, norm):
        """The NumPy path after the prediction: learn from the error, or, if it is not
        finite while ``x`` and ``y`` are, apply the guard."""
        err = y - pred
        sq = err * err
        if math.isfinite(sq):
            opt, inc = self.optimizer.update_from_error(state.optimizer, xb, err)
            new = LinearState(state.weights + inc, opt, norm, state.guard_count)
            # one dot gates the full probe: an update that overflows the state overflows inc
            if not math.isfinite(inc.dot(inc)):
                _check_not_overflowed(np, self, state, new, x, xb, y, pred, err)
            return UpdateResult(new, pred, err, LinearMetrics(sq, 0.0))
        check_finite_vector("x", x)
        check_finite_scalar("y", y)
        dtype = np.result_type(sq)  # a huge input, not a divergence: refuse it
        check_magnitude("x", x, dtype)
        check_magnitude("y", y, dtype)
        return self._restart(np, state, y, x.shape[0])

    def _restart(self, xp, state, y, n):
        """The eager guard: raise, or restart from ``init`` (prediction 0, no learning)."""
        if self.guard == "raise":
            raise DivergenceError(
                f"LinearLearner diverged (optimizer {type(self.optimizer).__name__}): its "
                "prediction is not finite; state left unchanged"
            )
        fresh = self.init(n, xp, state.weights.dtype)
        fresh = fresh._replace(guard_count=state.guard_count + 1)
        pred = fresh.weights[0] * 0.0
        err = y - pred
        return UpdateResult(fresh, pred, err, LinearMetrics(err * err, 1.0))

    def recover(self, state: LinearState) -> LinearState:
        """``state`` if all of it is finite, else a restarted state (``guard_count + 1``).

        :meth:`update` restarts a diverged learner when its prediction stops being
        finite, i.e. at the update after the one that diverged; call this to check a
        state at any other time (the compiled loops call it on their final state).

        Example:
            >>> learner = LinearLearner()
            >>> state = learner.init(2)._replace(weights=np.array([np.nan, 1.0, 1.0]))
            >>> state = learner.recover(state)
            >>> print(state.weights, int(state.guard_count))
            [0. 0. 0.] 1
        """
        xp = state.weights.__array_namespace__()
        leaves = [*state.optimizer] + ([] if state.normalizer is None else [*state.normalizer])
        ok = xp.isfinite(finite_probe(xp, state.weights, leaves))
        if xp is np and bool(ok):
            return state
        n = state.weights.shape[0] - (1 if self.bias else 0)
        fresh = self.init(n, xp, state.weights.dtype)
        if xp is np and self.guard == "raise":
            raise DivergenceError("LinearLearner state is not finite")
        return select(xp, ok, state, fresh._replace(guard_count=state.guard_count + 1))


def _check_not_overflowed(xp, learner, state, new, x, xb, y, pred, err) -> None:
    """Raise ``ValueError`` if one update from a finite error made the state non-finite
    and the sample, not the state, is to blame: the target when ``|y| > |prediction|``
    (e.g. ``y = 1e150`` overflows IDBD's step sizes) and an update with an error of 1
    would not (``LMS(1e300)`` overflows on any error), else ``x`` when it is too large
    for the rule as configured (:func:`overshooting_input`, e.g. ``x = 255`` at step size
    0.05). The sample is refused and the state passed in kept, instead of a reset at the
    next step. A state whose adapted step sizes or weights ran away on inputs the rule can
    learn from has diverged: that is left to the guard. An ``x`` whose square overflows
    the dtype is refused first, naming it."""
    if not _overflowed(xp, new.weights, new.optimizer, new.normalizer):
        return
    # an x whose square overflows first: a fresh state predicts 0, so the rule below
    # blamed y = 1 for x = 1e160
    check_magnitude("x", x, new.weights.dtype)
    rule = type(learner.optimizer).__name__
    # LMS(1e300) blamed y = 1: a target is to blame only if an error of 1 would do
    if abs(float(y)) > abs(float(pred)) and not _unit_error_overflows(xp, learner, state, xb):
        raise ValueError(
            f"y is too large to learn from: one {rule} update "
            f"with the error {float(err):.3g} overflows the state; the state is unchanged"
        )
    step_sizes = np.asarray(learner.step_sizes(state), dtype=np.float64)
    if learner.normalizer is None and overshooting_input(
        learner.optimizer, state.weights, step_sizes, x=np.asarray(x)
    ):
        raise ValueError(
            f"x is too large to learn from at {rule}'s step size "
            f"({configured_step_size(learner.optimizer):.3g}): |x| = "
            f"{float(np.linalg.norm(np.asarray(x))):.3g} and one update overflows the state "
            "(normalise the features or lower the step size); the state is unchanged"
        )


def _unit_error_overflows(xp, learner, state, xb) -> bool:
    """Whether the rule's update from ``state`` on the features ``xb`` overflows the state
    even with an error of 1: then the step size (or ``x``), not the target, is too large."""
    opt, inc = learner.optimizer.update_from_error(state.optimizer, xb, xp.ones((), xb.dtype))
    return _overflowed(xp, state.weights + inc, opt, state.normalizer)


def _overflowed(xp, weights, rule_state, normalizer) -> bool:
    """Whether a concrete learner state (its parts) holds a non-finite value
    (:func:`finite_probe`)."""
    leaves = [*rule_state] + ([] if normalizer is None else [*normalizer])
    return not bool(xp.isfinite(finite_probe(xp, weights, leaves)))
