"""A Horde: many linear TD predictions (general value functions) from one feature stream."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from sensorimotor.base.bounds import UNIT, check_settings, is_int
from sensorimotor.continual.input_checks import any_traced, check_finite_vector, check_vector
from sensorimotor.continual.td_linear import TDLinearLearner
from sensorimotor.continual.update_result import UpdateResult
from sensorimotor.rules.td_idbd import TDIDBD


class GVF(NamedTuple):
    r"""One general value function (a "demon"): its question and its learning rule.

    Attributes:
        optimizer: its TD rule (``TDIDBD`` or ``AutoTDIDBD``), with its own step sizes and
            trace decay :math:`\lambda`.
        gamma: its own discount (continuation) :math:`\gamma_k`; the discount used on a
            transition is :math:`\gamma_k\,\gamma_t` where :math:`\gamma_t` is the stream's
            (0 at an episode's end, usually 1 inside an episode).
        cumulant: ``None`` for the stream's reward, or an index ``i``: the cumulant is
            then ``next_x[i]``, the next value of feature ``i`` ("nexting").

    Example (predict the next value of feature 0, one step ahead):
        >>> import numpy as np
        >>> horde = Horde((GVF(TDIDBD(0.5, 0.0), gamma=0.0, cumulant=0),))
        >>> s = horde.init(2)
        >>> for _ in range(20):
        ...     s = horde.update(s, np.array([0.0, 1.0]), 0.0, np.array([4.0, 1.0]), 1.0).state
        >>> print(np.round(horde.predict(s, np.array([0.0, 1.0])), 3))
        [4.]
    """

    optimizer: Any = TDIDBD()
    gamma: float = 0.9
    cumulant: int | None = None

    BOUNDS = dict(gamma=UNIT)


class HordeState(NamedTuple):
    """One stacked :class:`~sensorimotor.continual.TDLinearState` per group of GVFs that
    share a rule type and its non-float settings (every leaf has a leading axis, the
    group's size); :meth:`Horde.demon_state` gives one GVF's state.

    Example:
        >>> from sensorimotor.rules import AutoTDIDBD
        >>> horde = Horde((GVF(TDIDBD()), GVF(AutoTDIDBD()), GVF(TDIDBD(0.5))))
        >>> state = horde.init(4)
        >>> print([g.weights.shape for g in state.groups], horde.demon_state(state, 2).weights.shape)
        [(2, 4), (1, 4)] (4,)
    """

    groups: tuple


class HordeMetrics(NamedTuple):
    """Per-GVF metrics, each of shape ``(num_gvfs,)``: ``squared_td_error`` and ``guard``.

    Example (TD errors 3 and 2 from zero weights, in the order of the GVFs):
        >>> import numpy as np
        >>> horde = Horde((GVF(TDIDBD(0.5, 0.0), gamma=0.0),
        ...                GVF(TDIDBD(0.5, 0.0), gamma=0.0, cumulant=1)))
        >>> x = np.array([1.0, 0.0])
        >>> m = horde.update(horde.init(2), x, 3.0, np.array([1.0, 2.0]), 1.0).metrics
        >>> print(m.squared_td_error, m.guard)
        [9. 4.] [0. 0.]
    """

    squared_td_error: Any
    guard: Any


def _static_key(rule):
    """The rule's type and its structural (bool/int/str) settings; floats, arrays and
    traced values are per-GVF leaves that a group stacks."""
    fields = tuple(
        (k, v)
        for k, v in zip(rule._fields, rule, strict=True)
        if isinstance(v, (bool, int, str, np.bool_, np.integer)) or v is None
    )
    return type(rule), fields


def _is_jax(xp) -> bool:
    return xp is not np


class Horde(NamedTuple):
    r"""Many GVFs learned in parallel, off one stream of features (Sutton et al. 2011,
    "Horde: a scalable real-time architecture for learning knowledge from unsupervised
    sensorimotor interaction", AAMAS).

    Each GVF :math:`k` is a linear TD learner (:class:`TDLinearLearner`) with its own
    cumulant :math:`c_k`, discount :math:`\gamma_k`, trace decay and step-size rule:

    .. math::
        \delta_k = c_k + \gamma_k\gamma_t\, w_k^\top x' - w_k^\top x

    GVFs whose rules share a type and non-float settings form a group whose state is
    stacked; on JAX a group is updated by one ``vmap`` over its GVFs (their float
    settings, e.g. step sizes, stacked), so hundreds of GVFs cost about one compiled
    update; on NumPy the GVFs are updated one after the other. Every GVF has its own
    divergence guard (a diverging demon restarts alone). Predictions, TD errors and
    metrics are vectors of length ``num_gvfs``, in the order of ``gvfs``.

    Example:
        >>> import numpy as np
        >>> horde = Horde((GVF(TDIDBD(0.5, 0.0), gamma=0.0),
        ...                GVF(TDIDBD(0.5, 0.0), gamma=0.0, cumulant=1)))
        >>> s = horde.init(2)
        >>> x = np.array([1.0, 0.0])
        >>> for _ in range(20):
        ...     s = horde.update(s, x, 3.0, np.array([1.0, 2.0]), 1.0).state
        >>> print(np.round(horde.predict(s, x), 3))
        [3. 2.]
    """

    gvfs: tuple = ()
    guard: str = "reset"

    def _groups(self):
        """``[(indices, [rules])]`` in order of first appearance."""
        groups: dict = {}
        for k, g in enumerate(self.gvfs):
            groups.setdefault(_static_key(g.optimizer), []).append(k)
        return [(idx, [self.gvfs[k].optimizer for k in idx]) for idx in groups.values()]

    def _order(self):
        """Position in ``gvfs`` of each entry of the group-concatenated vectors."""
        return [k for idx, _ in self._groups() for k in idx]

    def init(self, feature_dim: int, xp=None, dtype=None) -> HordeState:
        """Initial state for features of shape ``(feature_dim,)``: one stacked
        :class:`TDLinearState` per group of GVFs (see :class:`HordeState`).

        Example:
            >>> from sensorimotor.rules import AutoTDIDBD
            >>> horde = Horde((GVF(TDIDBD()), GVF(TDIDBD()), GVF(AutoTDIDBD())))
            >>> print([g.weights.shape for g in horde.init(3).groups])
            [(2, 3), (1, 3)]
        """
        if isinstance(self.gvfs, GVF):  # Horde(GVF(...)): iterating it gave its fields
            raise TypeError("gvfs must be a tuple of GVFs, got one GVF: write Horde((GVF(...),))")
        if len(self.gvfs) == 0:
            raise ValueError("a Horde needs at least one GVF")
        for k, g in enumerate(self.gvfs):
            if not isinstance(g, GVF):  # else AttributeError: no attribute 'cumulant'
                raise TypeError(f"gvfs[{k}] must be a GVF, got {type(g).__name__}")
            check_settings(g, owner=f"gvfs[{k}]")
            if g.cumulant is not None and not is_int(g.cumulant):  # int() took 1.7 for 1
                raise TypeError(
                    f"gvfs[{k}].cumulant must be None or an int feature index, got {g.cumulant!r}"
                )
            if g.cumulant is not None and not 0 <= int(g.cumulant) < int(feature_dim):
                raise ValueError(
                    f"gvfs[{k}].cumulant={g.cumulant} is not a feature index "
                    f"(feature_dim={feature_dim})"
                )
        xp = np if xp is None else xp
        groups = []
        for _, rules in self._groups():
            states = [TDLinearLearner(r, self.guard).init(feature_dim, xp, dtype) for r in rules]
            groups.append(_stack(xp, states))
        return HordeState(tuple(groups))

    @property
    def normalizer(self):
        """A Horde has no input normaliser (``None``).

        >>> print(Horde((GVF(TDIDBD()),)).normalizer)
        None
        """
        return None

    def demon_state(self, state: HordeState, k: int, batch_dims: int = 0):
        """The :class:`TDLinearState` of GVF ``k``; ``batch_dims`` leading axes (e.g. 1
        for the result of a loop batched over seeds) are kept.

        Example:
            >>> horde = Horde((GVF(TDIDBD(0.1)), GVF(TDIDBD(0.5))))
            >>> demon = horde.demon_state(horde.init(2), 1)
            >>> print(demon.weights.shape, np.exp(demon.optimizer.beta))
            (2,) [0.5 0.5]
        """
        for (idx, _), group in zip(self._groups(), state.groups, strict=True):
            if k in idx:
                return _take(group, idx.index(k), batch_dims)
        raise IndexError(f"no GVF {k} (the Horde has {len(self.gvfs)})")

    def _map(self, state, fn, *per_gvf):
        """Apply ``fn(learner, member_state, *args)`` to every GVF, group by group.

        Returns the list of per-group results (stacked along the group axis).
        """
        out = []
        for (idx, rules), group in zip(self._groups(), state.groups, strict=True):
            xp = group.weights.__array_namespace__()
            args = [_select(xp, a, idx) for a in per_gvf]
            if _is_jax(xp):
                import jax

                from sensorimotor.base.pytree import combine, partition

                dyn = [partition(r)[0] for r in rules]
                static = partition(rules[0])[1]
                stacked = [xp.stack([xp.asarray(d[i]) for d in dyn]) for i in range(len(dyn[0]))]

                def one(d, s, *a, static=static):
                    return fn(TDLinearLearner(combine(d, static), self.guard), s, *a)

                out.append(jax.vmap(one)(stacked, group, *args))
            else:
                res = [
                    fn(TDLinearLearner(r, self.guard), _take(group, j), *[a[j] for a in args])
                    for j, r in enumerate(rules)
                ]
                out.append(_stack(xp, res))
        return out

    def _gather(self, xp, parts):
        """Concatenate group results and put them in the order of ``gvfs``."""
        flat = xp.concatenate([xp.reshape(p, (p.shape[0], -1)) for p in parts], axis=0)
        inv = np.argsort(np.asarray(self._order()))
        out = flat[inv] if not _is_jax(xp) else xp.take(flat, xp.asarray(inv), axis=0)
        return out if parts[0].ndim > 1 else xp.reshape(out, (-1,))

    def step_sizes(self, state: HordeState):
        """Per-GVF, per-weight step sizes, shape ``(num_gvfs, feature_dim)``.

        Example:
            >>> horde = Horde((GVF(TDIDBD(0.1)), GVF(TDIDBD(0.5))))
            >>> print(horde.step_sizes(horde.init(2)))
            [[0.1 0.1]
             [0.5 0.5]]
        """
        parts = self._map(state, lambda d, s: d.step_sizes(s))
        return self._gather(parts[0].__array_namespace__(), parts)

    def predict(self, state: HordeState, x):
        """All GVFs' predictions for ``x``, shape ``(num_gvfs,)``, without learning.

        Example:
            >>> horde = Horde((GVF(TDIDBD()), GVF(TDIDBD(), gamma=0.0)))
            >>> print(horde.predict(horde.init(2), np.array([1.0, 0.0])))
            [0. 0.]
        """
        xp = check_vector("x", x, state.groups[0].weights.shape[-1])
        check_finite_vector("x", x)  # as TDLinearLearner.predict: not NaN predictions
        parts = self._map(state, lambda d, s: s.weights @ x)
        return self._gather(xp, parts)

    def recover(self, state: HordeState) -> HordeState:
        """Each GVF's :meth:`TDLinearLearner.recover`: a GVF whose state is not finite
        restarts alone.

        Example:
            >>> horde = Horde((GVF(TDIDBD()), GVF(TDIDBD())))
            >>> state = horde.init(2)
            >>> weights = state.groups[0].weights.copy()
            >>> weights[1, 0] = np.nan  # GVF 1 diverged
            >>> state = HordeState((state.groups[0]._replace(weights=weights),))
            >>> print(horde.recover(state).groups[0].guard_count)
            [0 1]
        """
        return HordeState(tuple(self._map(state, lambda d, s: d.recover(s))))

    def update(self, state: HordeState, x, reward, next_x, gamma) -> UpdateResult:
        """Update every GVF on the transition ``x -> next_x`` (arguments as
        :meth:`TDLinearLearner.update`).

        Returns:
            ``UpdateResult(state, predictions, td_errors, HordeMetrics)``, vectors of
            length ``num_gvfs`` in the order of ``gvfs``. Bad input raises and leaves
            ``state`` as it was.

        Example:
            >>> horde = Horde((GVF(TDIDBD(0.5, 0.0), gamma=0.0),))
            >>> result = horde.update(horde.init(1), np.ones(1), 2.0, np.ones(1), 1.0)
            >>> print(result.prediction, result.error, result.state.groups[0].weights)
            [0.] [2.] [[1.]]
        """
        n = state.groups[0].weights.shape[-1]
        xp = check_vector("x", x, n)
        check_vector("next_x", next_x, n)
        if not any_traced(state.groups[0].weights, x, next_x, reward, gamma):
            # eager, NumPy or JAX (in the vmap below the demons cannot check values)
            TDLinearLearner(self.gvfs[0].optimizer).update(
                _take(state.groups[0], 0), x, reward, next_x, gamma
            )  # validates every input once (pure: nothing is kept)
        # in the state's dtype, not x's: integer features (one-hot, binary) truncated a
        # reward of 0.5 and a GVF's gamma of 0.9 to 0
        dtype = state.groups[0].weights.dtype
        cumulants = xp.stack(
            [
                xp.asarray(reward if g.cumulant is None else next_x[int(g.cumulant)], dtype=dtype)
                for g in self.gvfs
            ]
        )
        gammas = xp.stack([xp.asarray(g.gamma, dtype=dtype) for g in self.gvfs]) * gamma

        def step(d, s, c, gm):
            r = d.update(s, x, c, next_x, gm)
            return r.state, r.prediction, r.error, r.metrics.squared_td_error, r.metrics.guard

        parts = self._map(state, step, cumulants, gammas)
        new = HordeState(tuple(p[0] for p in parts))
        pred = self._gather(xp, [xp.asarray(p[1]) for p in parts])
        err = self._gather(xp, [xp.asarray(p[2]) for p in parts])
        metrics = HordeMetrics(
            self._gather(xp, [xp.asarray(p[3]) for p in parts]),
            self._gather(xp, [xp.asarray(p[4], dtype=dtype) for p in parts]),
        )
        return UpdateResult(new, pred, err, metrics)


def _select(xp, a, idx):
    """Entries ``idx`` of the per-GVF vector ``a``."""
    if _is_jax(xp):
        return xp.take(a, xp.asarray(idx), axis=0)
    return np.asarray(a)[idx]


def _take(tree, j, batch_dims=0):
    """Member ``j`` of a stacked pytree (NamedTuples of arrays, nested), along the axis
    after ``batch_dims`` leading ones."""
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*(_take(v, j, batch_dims) for v in tree))
    if isinstance(tree, tuple):
        return tuple(_take(v, j, batch_dims) for v in tree)
    if tree is None:
        return None
    return tree[(slice(None),) * batch_dims + (j,)]


def _stack(xp, items):
    """Stack a list of equal pytrees (NamedTuples / tuples of arrays or scalars)."""
    first = items[0]
    if isinstance(first, tuple) and hasattr(first, "_fields"):
        return type(first)(*(_stack(xp, [it[i] for it in items]) for i in range(len(first))))
    if isinstance(first, tuple):
        return tuple(_stack(xp, [it[i] for it in items]) for i in range(len(first)))
    if first is None:
        return None
    return xp.stack([xp.asarray(v) for v in items])
