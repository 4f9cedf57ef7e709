"""Linear TD(lambda) learner with an adaptive step-size rule and a divergence guard."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from sensorimotor.continual.input_checks import (
    any_traced,
    check_feature_dim,
    check_finite_scalar,
    check_finite_vector,
    check_float_dtype,
    check_magnitude,
    check_rule,
    check_step_size_fits,
    check_vector,
    eager_scalar,
    is_traced,
    like_dtype,
    like_state,
    overshooting_input,
)
from sensorimotor.continual.update_result import UpdateResult
from sensorimotor.rules.array_namespace import default_float
from sensorimotor.rules.guard import DivergenceError, check_policy, finite_probe, select
from sensorimotor.rules.td_idbd import TDIDBD


class TDLinearState(NamedTuple):
    """State of a :class:`TDLinearLearner`: ``weights`` (``(feature_dim,)``), the rule's
    state ``optimizer`` (with the eligibility trace) and ``guard_count``.

    Example:
        >>> state = TDLinearLearner(TDIDBD(trace_decay=0.9)).init(3)
        >>> print(state.weights.shape, state.optimizer.z.shape, int(state.guard_count))
        (3,) (3,) 0
    """

    weights: Any
    optimizer: Any
    guard_count: Any

    #: fields no update makes negative: ``load_state`` refuses a saved state (tampered) where
    #: one is, since the learner would then predict NaN or reject every update
    NON_NEGATIVE_FIELDS = ("guard_count",)


class TDMetrics(NamedTuple):
    """Per-step metrics of a TD update.

    Attributes:
        squared_td_error: the squared TD error of the transition.
        guard: 1.0 if the divergence guard restarted the learner on this step.

    Example (reward 1 at a terminal transition, from zero weights: the TD error is 1):
        >>> learner = TDLinearLearner(TDIDBD(initial_step_size=0.5, meta_step_size=0.0))
        >>> m = learner.update(learner.init(1), np.ones(1), 1.0, np.ones(1), 0.0).metrics
        >>> print(m.squared_td_error, m.guard)
        1.0 0.0
    """

    squared_td_error: Any
    guard: Any


class TDLinearLearner(NamedTuple):
    r"""Linear value prediction :math:`v(x) = w^\top x` learned by TD(:math:`\lambda`).

    For a transition :math:`x \to x'` with reward (cumulant) :math:`r` and discount
    :math:`\gamma` (0 when the episode ends):

    .. math::
        \delta = r + \gamma\, w^\top x' - w^\top x, \qquad
        w \leftarrow w + \text{optimizer.update\_from\_td\_error}(x, x', \delta, \gamma)

    ``optimizer`` is :class:`~sensorimotor.rules.TDIDBD` (semi-gradient or full gradient)
    or :class:`~sensorimotor.rules.AutoTDIDBD`; the eligibility trace and its decay
    :math:`\lambda` (``trace_decay``) belong to the rule. ``TDIDBD(meta_step_size=0)`` is
    plain TD(:math:`\lambda`). No bias feature is added (add a constant feature yourself if
    you want one). The divergence guard is that of :class:`LinearLearner`, on the squared
    TD error. Bad input (wrong shape or type, NaN or inf, a ``gamma`` outside [0, 1], a
    value so large that its square overflows) raises ``ValueError`` or ``TypeError``
    naming the argument, and the state passed in is untouched.

    Example:
        >>> import numpy as np
        >>> learner = TDLinearLearner(TDIDBD(initial_step_size=0.5, meta_step_size=0.0))
        >>> s = learner.init(1)
        >>> for _ in range(20):  # a state that gives reward 1 and ends
        ...     s = learner.update(s, np.ones(1), 1.0, np.ones(1), 0.0).state
        >>> print(round(float(s.weights[0]), 4))
        1.0
    """

    optimizer: Any = TDIDBD()
    guard: str = "reset"

    def init(self, feature_dim: int, xp=None, dtype=None) -> TDLinearState:
        """Initial state for features of shape ``(feature_dim,)`` (``xp``: engine).

        Example:
            >>> state = TDLinearLearner(TDIDBD(initial_step_size=0.1)).init(2)
            >>> print(state.weights, float(state.optimizer.decay), int(state.guard_count))
            [0. 0.] 0.0 0
        """
        check_policy(self.guard)
        check_rule(self.optimizer, "update_from_td_error", "TD")
        n = check_feature_dim(feature_dim)
        xp = np if xp is None else xp
        dtype = check_float_dtype(default_float(xp, dtype))
        rule_state = self.optimizer.init(n, xp, dtype)  # checks the rule's settings first
        check_step_size_fits(self.optimizer, dtype)
        return TDLinearState(xp.zeros((n,), dtype=dtype), rule_state, xp.zeros((), xp.int32))

    @property
    def normalizer(self):
        """TD learners have no input normaliser (``None``).

        >>> print(TDLinearLearner().normalizer)
        None
        """
        return None

    def step_sizes(self, state: TDLinearState):
        """The rule's per-weight step sizes, shape of ``state.weights``.

        Example:
            >>> learner = TDLinearLearner(TDIDBD(initial_step_size=0.5))
            >>> print(learner.step_sizes(learner.init(2)))
            [0.5 0.5]
        """
        return self.optimizer.step_sizes(state.optimizer, state.weights)

    def predict(self, state: TDLinearState, x):
        """The value estimate ``w . x``, without learning.

        Example:
            >>> import numpy as np
            >>> learner = TDLinearLearner()
            >>> state = learner.init(2)._replace(weights=np.array([1.0, 2.0]))
            >>> print(learner.predict(state, np.array([0.5, 1.0])))
            2.5
        """
        check_vector("x", x, state.weights.shape[0])
        check_finite_vector("x", x)
        v = state.weights @ x
        if not is_traced(v) and not math.isfinite(float(v)):
            check_magnitude("x", x, v.dtype)  # an x too large for the dtype, not the state
            raise DivergenceError(
                "TDLinearLearner state is not finite; the next update (or recover) restarts it"
            )
        return v

    def update(self, state: TDLinearState, x, reward, next_x, gamma) -> UpdateResult:
        """Learn from the transition ``x -> next_x``.

        Args:
            state: the current :class:`TDLinearState`.
            x, next_x: features, shape ``(feature_dim,)``.
            reward: the reward (cumulant) of the transition, a scalar.
            gamma: its discount, a scalar in ``[0, 1]`` (0 at the end of an episode).

        Returns:
            ``UpdateResult(state, prediction, error, TDMetrics)`` with the prediction
            ``w . x`` and the TD error, both before the update.
        """
        w = state.weights
        n = w.shape[0]
        x, next_x = like_state(w, x), like_state(w, next_x, "next_x")
        xp = check_vector("x", x, n)
        check_vector("next_x", next_x, n)
        if xp is np:  # a wrong type or shape of a scalar raises here, naming it
            reward = eager_scalar("reward", reward)
            gamma = eager_scalar("gamma", gamma)
        elif not any_traced(w, x, next_x, reward, gamma):  # eager JAX: check every value
            # (the guard would reset); under vmap a closed-over x is concrete, gamma traced
            for name, value in (("x", x), ("next_x", next_x)):
                check_finite_vector(name, value)
            for name, value in (("reward", reward), ("gamma", gamma)):
                check_finite_scalar(name, value)
            # JAX refuses an int beyond int64
            reward = float(reward) if type(reward) is int else reward
            gamma = float(gamma) if type(gamma) is int else gamma
            if not 0.0 <= float(gamma) <= 1.0:
                raise ValueError(f"gamma must be in [0, 1], got {gamma}")
            for name, value in (("x", x), ("next_x", next_x), ("reward", reward)):
                check_magnitude(name, value, w.dtype)  # else a reset in float32
        if xp is not np:  # a float64 reward or gamma (JAX's float64 switch on): the state's
            reward, gamma = like_dtype(reward, w.dtype), like_dtype(gamma, w.dtype)
        v = w @ x
        delta = reward + gamma * (w @ next_x) - v
        eager = xp is np
        if eager and not math.isfinite(delta):
            check_finite_vector("x", x)
            check_finite_vector("next_x", next_x)
            check_finite_scalar("reward", reward)
            check_finite_scalar("gamma", gamma)
        if eager and not 0.0 <= float(gamma) <= 1.0:
            raise ValueError(f"gamma must be in [0, 1], got {gamma}")
        sq = delta * delta
        if eager and math.isfinite(sq):
            opt, inc = self.optimizer.update_from_td_error(state.optimizer, x, next_x, delta, gamma)
            new = TDLinearState(w + inc, opt, state.guard_count)
            # one dot gates the full probe: an update that overflows the state overflows inc
            if not math.isfinite(inc.dot(inc)) and not math.isfinite(
                finite_probe(np, new.weights, [*opt])
            ):
                _refuse_extreme(self, state, x, reward, next_x, v, delta)
            return UpdateResult(new, v, delta, TDMetrics(sq, 0.0))
        if eager:  # finite inputs (checked above), a non-finite TD error: a huge input is
            for name, value in (("x", x), ("next_x", next_x), ("reward", reward)):
                check_magnitude(name, value, np.result_type(sq))  # refused, naming it;
            # else the state has diverged
            if self.guard == "raise":
                raise DivergenceError(
                    f"TDLinearLearner diverged (optimizer {type(self.optimizer).__name__}): "
                    "its TD error is not finite; state left unchanged"
                )
            fresh = self.init(n, xp, w.dtype)._replace(guard_count=state.guard_count + 1)
            d0 = reward + 0.0 * w[0]  # the restarted weights are zero: v = 0, delta = reward
            return UpdateResult(fresh, 0.0 * w[0], d0, TDMetrics(d0 * d0, 1.0))
        opt, inc = self.optimizer.update_from_td_error(state.optimizer, x, next_x, delta, gamma)
        new = TDLinearState(w + inc, opt, state.guard_count)
        ok = xp.isfinite(sq)
        fresh = self.init(n, xp, w.dtype)._replace(guard_count=state.guard_count + 1)
        out = select(xp, ok, new, fresh)
        v = xp.where(ok, v, 0.0)
        delta = xp.where(ok, delta, reward + 0.0 * v)
        guard = xp.astype(xp.logical_not(ok), w.dtype)
        return UpdateResult(out, v, delta, TDMetrics(delta * delta, guard))

    def recover(self, state: TDLinearState) -> TDLinearState:
        """``state`` if all of it is finite, else a restarted one (see
        :meth:`LinearLearner.recover`).

        Example:
            >>> import numpy as np
            >>> learner = TDLinearLearner()
            >>> state = learner.init(2)._replace(weights=np.array([np.nan, 1.0]))
            >>> state = learner.recover(state)
            >>> print(state.weights, int(state.guard_count))
            [0. 0.] 1
        """
        xp = state.weights.__array_namespace__()
        ok = xp.isfinite(finite_probe(xp, state.weights, [*state.optimizer]))
        if xp is np and bool(ok):
            return state
        if xp is np and self.guard == "raise":
            raise DivergenceError("TDLinearLearner state is not finite")
        fresh = self.init(state.weights.shape[0], xp, state.weights.dtype)
        return select(xp, ok, state, fresh._replace(guard_count=state.guard_count + 1))


def _refuse_extreme(learner, state, x, reward, next_x, v, delta) -> None:
    """One update from a finite TD error overflowed the state: raise ``ValueError`` naming
    ``reward`` or ``next_x`` when that input, not the state's own value ``v``, made the
    error, or ``x`` or ``next_x`` when it is too large for the rule as configured
    (:func:`~sensorimotor.continual.input_checks.overshooting_input`); the state passed in
    is kept. A state whose values blow up on learnable inputs is left to the guard. An
    ``x`` or ``next_x`` whose square overflows the dtype is refused first, naming it."""
    for name, value in (("x", x), ("next_x", next_x)):  # a square that overflows first:
        check_magnitude(name, value, state.weights.dtype)  # else reward = 1 took the blame
    bootstrap = delta - reward + v  # gamma * w . next_x
    if abs(reward) > abs(v) and abs(reward) >= abs(bootstrap):
        name = "reward"
    elif abs(bootstrap) > abs(v) and np.max(np.abs(next_x)) > 1e3 * max(1.0, np.max(np.abs(x))):
        name = "next_x"
    else:  # too large for the rule as configured (see LinearLearner's), or a divergence
        step_sizes = np.asarray(learner.step_sizes(state), dtype=np.float64)
        name = overshooting_input(
            learner.optimizer, state.weights, step_sizes, x=np.asarray(x), next_x=np.asarray(next_x)
        )
        if name is None:
            return
    raise ValueError(
        f"{name} is too large to learn from: one {type(learner.optimizer).__name__} update "
        f"with the TD error {delta:.3g} overflows the state; the state is unchanged"
    )
