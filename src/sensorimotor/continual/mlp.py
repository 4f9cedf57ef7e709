r"""Streaming MLP learner: the stream-x recipe for supervised prediction, one sample at a time.

Elsayed, Vasan & Mahmood (2024), "Streaming Deep Reinforcement Learning Finally Works": a
LeakyReLU MLP whose hidden layers are LayerNorm'd without parameters, sparse-initialised
(90 % of each unit's inputs start at zero), trained on every sample as it arrives with
overshooting-bounded gradient descent (ObGD) on an eligibility trace of prediction
gradients. For a sample :math:`(x_t, y_t)`:

.. math::
    \hat y_t = f_w(x_t),\quad \delta_t = y_t - \hat y_t,\quad
    z_t = \lambda z_{t-1} + \nabla_w f_w(x_t),\quad
    w \leftarrow \text{optimizer}(w, z_t, \delta_t)

The paper normalises observations online; pass ``normalizer=WelfordNormalizer()`` (or an
``EMANormalizer`` for drifting input scales) to do so with raw robot signals, in the same
order (statistics updated with each input, then the input normalised). The variance is not
quite the paper's: :class:`~sensorimotor.rules.WelfordNormalizer` divides by the population
variance, the paper's code (and this library's stream-x agents) by the sample variance, 1
until two samples; the normalised inputs differ by :math:`\sqrt{(n-1)/n}`, under 0.5 % after
100 samples. It also
scales rewards: ObGD's step shrinks as :math:`1/\max(|\delta|, 1)`, so targets of order
100 are learned much more slowly than targets of order 1; scale them.

With the default ``trace_decay=None`` no trace is kept (:math:`z_t = \nabla_w f_w(x_t)`),
the right choice for a supervised stream where :math:`y_t` depends on :math:`x_t` only; TD
users pass :math:`\gamma\lambda`. The default optimiser, ObGD, bounds the effective step so
that the defaults never diverge, whatever the step size.

Divergence guard (``guard``): an update whose error, trace norm or step is not finite (a NaN
or inf in the data, an overflow) is discarded; parameters, optimiser state and trace stay as
they were, a ``guard`` metric of 1 marks the step and ``guard_count`` in the state counts it
(policy ``"skip"``, the default). With
``"raise"``, :meth:`MLPLearner.update` raises :class:`~sensorimotor.rules.DivergenceError`
instead, and a compiled loop raises after the run if anything was rejected. (Unlike the
linear learners' ``"reset"`` policy, restarting the network is not offered: with ObGD the
weights cannot grow without bound, so a non-finite step comes from the data, where keeping
the previous weights is the recovery.) :meth:`MLPLearner.update` and
:meth:`MLPLearner.predict` never return a non-finite prediction: they raise.
"""

import dataclasses
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from sensorimotor.base.bounds import FINITE, UNIT, check_settings, check_value, is_int
from sensorimotor.base.names import renamed_keywords
from sensorimotor.continual.input_checks import check_feature_dim, check_magnitude
from sensorimotor.continual.update_result import UpdateResult
from sensorimotor.nets.mlp import init_mlp, mlp_apply, mlp_value_and_grad
from sensorimotor.rules.adaptive_obgd import AdaptiveObGD
from sensorimotor.rules.autostep import Autostep
from sensorimotor.rules.guard import DivergenceError
from sensorimotor.rules.lms import LMS
from sensorimotor.rules.normalizers import EMANormalizer, WelfordNormalizer
from sensorimotor.rules.obgd import ObGD, tree_l1_norm

__all__ = ["MLPLearner", "MLPMetrics", "MLPState"]

GUARDS = ("skip", "raise")
#: name -> settings class, for configs (``{"type": name, **fields}``); each has ``to_optax()``
OPTIMIZERS = {cls.__name__: cls for cls in (ObGD, AdaptiveObGD, LMS, Autostep)}
NORMALIZERS = {cls.__name__: cls for cls in (EMANormalizer, WelfordNormalizer)}


class MLPState(NamedTuple):
    """State of an :class:`MLPLearner` (a pytree).

    Attributes:
        params: tuple of ``Dense(w, b)`` layers (see :mod:`sensorimotor.nets`).
        opt_state: the state of the optimiser's optax transformation
            (``optimizer.to_optax()``; empty for ObGD and LMS).
        trace: eligibility trace like ``params``, or ``None`` without traces.
        normalizer: the input normaliser's state, or ``None``.
        step: number of steps taken (int32): calls of :meth:`MLPLearner.step` or
            :meth:`MLPLearner.step_from_gradient` (through :meth:`MLPLearner.update` too),
            including those whose update the divergence guard discarded; so
            ``step - guard_count`` updates were kept.
        guard_count: updates discarded by the divergence guard so far (int32).

    Example:
        >>> import jax
        >>> state = MLPLearner(hidden_sizes=(16,)).init(jax.random.key(0), feature_dim=2)
        >>> print([layer.w.shape for layer in state.params], int(state.step), state.trace)
        [(2, 16), (16, 1)] 0 None
    """

    params: Any
    opt_state: Any
    trace: Any
    normalizer: Any
    step: Any
    guard_count: Any

    #: fields no update makes negative: ``load_state`` refuses a saved state (tampered) where
    #: one is, since the learner would then predict NaN or reject every update
    NON_NEGATIVE_FIELDS = ("step", "guard_count")


class MLPMetrics(NamedTuple):
    r"""Per-step metrics of :meth:`MLPLearner.update`.

    Attributes:
        squared_error: ``error ** 2`` of the prediction made before the update.
        effective_step_size: the optimiser's scalar step (ObGD: :math:`\alpha_{eff}`;
            Autostep: mean step size); 0 on a discarded step.
        guard: 1.0 if the divergence guard discarded this update, else 0.0.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> learner = MLPLearner(hidden_sizes=(16,))
        >>> state = learner.init(jax.random.key(0), feature_dim=2)
        >>> m = learner.update(state, jnp.array([1.0, 2.0]), 1.0).metrics
        >>> print(m.squared_error.shape, float(m.guard), 0.0 < float(m.effective_step_size) <= 1.0)
        () 0.0 True
    """

    squared_error: Any
    effective_step_size: Any
    guard: Any


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class MLPLearner:
    """A streaming MLP regressor (scalar target). See the module docstring for the equations.

    Structure fields (static: changing them compiles anew): ``hidden_sizes``, ``sparsity``,
    ``layer_norm``, ``negative_slope``, ``dtype``, ``guard``. Data fields (pytree leaves: a
    sweep over them reuses the compiled loop): ``optimizer`` (hyperparameter NamedTuple:
    :class:`~sensorimotor.rules.ObGD` (default), :class:`~sensorimotor.rules.AdaptiveObGD`,
    :class:`~sensorimotor.rules.LMS`, :class:`~sensorimotor.rules.Autostep`; the learner
    runs its optax transformation ``optimizer.to_optax()``, made inside each compiled step
    from the swept values, on the trace ``z`` with the error as an extra argument, and
    reports ``optimizer.effective_step_size``),
    ``trace_decay`` (``None``: no trace kept) and ``normalizer``
    (:class:`~sensorimotor.rules.WelfordNormalizer`,
    :class:`~sensorimotor.rules.EMANormalizer` or ``None``; its statistics are updated with
    each input before the input is normalised and fed to the network, as the stream-x
    agents normalise their observations). Sparse init zeroes ``ceil(sparsity * fan_in)`` of
    each unit's inputs: ``init`` refuses (``ValueError``) a network with two consecutive
    layers of fewer than 10 inputs per unit at 0.9 (``(8,)`` on 3 features), which starts
    with no weight in either and could never learn.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> learner = MLPLearner(hidden_sizes=(16, 16))
        >>> state = learner.init(jax.random.key(0), feature_dim=3)
        >>> x = jnp.array([0.5, -1.0, 2.0])
        >>> for _ in range(20):
        ...     result = learner.update(state, x, 1.5)
        ...     state = result.state
        >>> print(round(float(learner.predict(state, x)), 2))
        1.5
    """

    hidden_sizes: tuple = dataclasses.field(default=(128, 128), metadata=dict(static=True))
    optimizer: Any = ObGD()
    trace_decay: Any = None
    normalizer: Any = None
    sparsity: float = dataclasses.field(default=0.9, metadata=dict(static=True))
    layer_norm: bool = dataclasses.field(default=True, metadata=dict(static=True))
    negative_slope: float = dataclasses.field(default=0.01, metadata=dict(static=True))
    dtype: str = dataclasses.field(default="float32", metadata=dict(static=True))
    guard: str = dataclasses.field(default="skip", metadata=dict(static=True))

    def __post_init__(self):
        # Runs on every unflatten too (leaves may then be tracers): check only what is concrete.
        sizes = self.hidden_sizes
        if not isinstance(sizes, tuple):
            try:
                sizes = tuple(sizes)
            except TypeError:
                raise TypeError(f"hidden_sizes must be a sequence of ints, got {sizes!r}") from None
            object.__setattr__(self, "hidden_sizes", sizes)
        if not all(is_int(h) and h > 0 for h in sizes):
            raise ValueError(f"hidden_sizes must be positive ints, got {sizes!r}")
        object.__setattr__(self, "hidden_sizes", tuple(int(h) for h in sizes))
        if type(self.optimizer) not in OPTIMIZERS.values():
            raise TypeError(
                f"optimizer must be one of {sorted(OPTIMIZERS)}, "
                f"got {type(self.optimizer).__name__}"
            )
        check_settings(self.optimizer)
        if self.normalizer is not None and type(self.normalizer) not in NORMALIZERS.values():
            raise TypeError(
                f"normalizer must be None or one of {sorted(NORMALIZERS)}, "
                f"got {type(self.normalizer).__name__}"
            )
        if self.normalizer is not None:
            check_settings(self.normalizer)
        if self.trace_decay is not None:  # a number, or an array of them in a sweep (a
            # bool, a string or an array out of [0, 1] passed a check of plain numbers only)
            check_value("MLPLearner", "trace_decay", self.trace_decay, UNIT)
        check_value("MLPLearner", "negative_slope", self.negative_slope, FINITE)
        if isinstance(self.sparsity, str):  # float("0.5") took it
            raise TypeError(f"MLPLearner.sparsity must be a number, got {self.sparsity!r}")
        if not 0.0 <= float(self.sparsity) < 1.0:
            raise ValueError(f"sparsity must be in [0, 1), got {self.sparsity!r}")
        if not isinstance(self.layer_norm, bool | np.bool_):  # any non-empty string was True
            raise TypeError(f"MLPLearner.layer_norm must be a bool, got {self.layer_norm!r}")
        if self.guard not in GUARDS:
            raise ValueError(f"guard must be one of {GUARDS}, got {self.guard!r}")
        if self.dtype not in ("float32", "float64", "bfloat16", "float16"):
            raise ValueError(f"dtype must be a float dtype name, got {self.dtype!r}")

    # ---------------------------------------------------------------- pure, jittable
    def init(self, key, feature_dim: int) -> MLPState:
        """Initial state for inputs of shape ``(feature_dim,)`` (compiled once per structure).

        Example:
            >>> import jax
            >>> state = MLPLearner(hidden_sizes=(16,)).init(jax.random.key(0), 3)
            >>> print([layer.w.shape for layer in state.params], int(state.step))
            [(3, 16), (16, 1)] 0
        """
        if is_int(key) or isinstance(key, float):  # JAX said "invalid PRNG key data"
            # alberta-framework's order is init(feature_dim, key): its users write that
            swapped = not (is_int(feature_dim) or isinstance(feature_dim, float))
            order = " (the key first: init(key, feature_dim))" if swapped else ""
            raise TypeError(
                f"key must be a JAX random key (jax.random.key(seed)), got {key!r}{order}"
            )
        feature_dim = check_feature_dim(feature_dim)
        return _init_jit(dataclasses.replace(self, guard="skip"), key, feature_dim)

    def _init(self, key, feature_dim: int) -> MLPState:
        params = init_mlp(
            key, int(feature_dim), self.hidden_sizes, 1, sparsity=self.sparsity, dtype=self.dtype
        )
        trace = None
        if self.trace_decay is not None:
            trace = jax.tree_util.tree_map(jnp.zeros_like, params)
        norm = None
        if self.normalizer is not None:
            norm = self.normalizer.init(int(feature_dim), xp=jnp, dtype=self.dtype)
        zero = jnp.zeros((), jnp.int32)
        opt_state = self.optimizer.to_optax().init(params)
        return MLPState(params, opt_state, trace, norm, zero, zero)

    def _net_kwargs(self):
        return dict(layer_norm=self.layer_norm, negative_slope=self.negative_slope)

    def predict_unchecked(self, state: MLPState, x):
        """Scalar prediction for one input, without input checks (for use under ``jit``).

        Example:
            >>> import jax, jax.numpy as jnp
            >>> learner = MLPLearner(hidden_sizes=(16,))
            >>> state = learner.init(jax.random.key(0), 2)
            >>> value = jax.jit(learner.predict_unchecked)(state, jnp.array([0.5, -0.5]))
            >>> print(value.shape, bool(value == learner.predict(state, [0.5, -0.5])))
            () True
        """
        if self.normalizer is not None:
            x = self.normalizer.normalize(state.normalizer, x)
        return mlp_apply(state.params, x, **self._net_kwargs())[0]

    def step(self, state: MLPState, x, y) -> UpdateResult:
        """One update without input checks: the pure, jittable core of :meth:`update`.

        Example:
            >>> import jax, jax.numpy as jnp
            >>> learner = MLPLearner(hidden_sizes=(16,))
            >>> state = learner.init(jax.random.key(0), 2)
            >>> result = jax.jit(learner.step)(state, jnp.array([0.5, -0.5]), jnp.nan)
            >>> print(float(result.metrics.guard), int(result.state.guard_count))  # discarded
            1.0 1
        """
        if jnp.shape(y) not in ((), (1,)):  # a shape is known under jit: refuse it there too
            raise ValueError(f"y must be a scalar (shape () or (1,)), got shape {jnp.shape(y)}")
        norm = state.normalizer
        if self.normalizer is not None:
            norm, x = self.normalizer.update(norm, x)
        value, grads, g_l1 = mlp_value_and_grad(state.params, x, **self._net_kwargs())
        error = jnp.asarray(y, value.dtype) - value
        new_state, metrics, ok = self.step_from_gradient(state, grads, error, g_l1)
        if norm is not None:
            norm = jax.tree_util.tree_map(lambda a, b: jnp.where(ok, a, b), norm, state.normalizer)
            new_state = new_state._replace(normalizer=norm)
        return UpdateResult(new_state, value, error, metrics)

    def step_from_gradient(self, state: MLPState, grads, error, grads_l1=None):
        r"""The learner's update given the gradient of its prediction and the error.

        .. math::
            z \leftarrow \lambda_z z + g,\qquad
            w \leftarrow \text{optimizer}(w, z, \delta)

        with :math:`g` = ``grads`` (a pytree like ``state.params``, the gradient of a
        scalar prediction), :math:`\delta` = ``error`` and :math:`\lambda_z` =
        ``trace_decay`` (no trace: :math:`z = g`). The divergence guard acts as in
        :meth:`step`. This is how an agent drives the learner's update with a prediction
        the learner does not compute itself (an action value :math:`q(s, a)` of a
        many-headed network, a policy's log-probability): its parameters may then have any
        output size. ``grads_l1``: the 1-norm of ``grads`` if known. Pure and jittable.

        Returns:
            ``(state, metrics, ok)``: the new :class:`MLPState` (its ``normalizer`` as
            given), :class:`MLPMetrics` and whether the update was kept.

        Example (a linear "network" of one layer, no trace: ObGD's bounded step):
            >>> import jax.numpy as jnp
            >>> from sensorimotor.nets.mlp import Dense
            >>> learner = MLPLearner()
            >>> params = (Dense(jnp.zeros((2, 1)), jnp.zeros(1)),)
            >>> state = MLPState(params, (), None, None, jnp.int32(0), jnp.int32(0))
            >>> grads = (Dense(jnp.ones((2, 1)), jnp.ones(1)),)
            >>> state, metrics, ok = learner.step_from_gradient(state, grads, jnp.float32(1.0))
            >>> print(state.params[0].b, float(metrics.effective_step_size))
            [0.16666667] 0.16666667
        """
        g_l1 = tree_l1_norm(grads) if grads_l1 is None else grads_l1
        error = jnp.asarray(error)
        # Guard test before the optimiser: the stored trace is always finite, so a finite
        # error and gradient make every quantity below finite (the bounded step cannot
        # overflow); testing here lets XLA update the trace in place in one pass.
        ok = jnp.isfinite(error) & jnp.isfinite(g_l1)
        if state.trace is None:
            z, z_l1 = grads, g_l1
        else:
            decay = jnp.asarray(self.trace_decay, error.dtype)
            z = jax.tree_util.tree_map(
                lambda t, g: jnp.where(ok, decay * t + g, t), state.trace, grads
            )
            z_l1 = tree_l1_norm(z)
        updates, opt_state = self.optimizer.to_optax().update(
            z, state.opt_state, state.params, error=error, z_l1=z_l1
        )
        params = optax.apply_updates(state.params, updates)
        alpha = self.optimizer.effective_step_size(opt_state, z, error, z_l1)
        ok = ok & jnp.isfinite(alpha * error)

        def keep(new, old):
            return jax.tree_util.tree_map(lambda a, b: jnp.where(ok, a, b), new, old)

        new_state = MLPState(
            keep(params, state.params),
            keep(opt_state, state.opt_state),
            z if state.trace is not None else None,
            state.normalizer,
            state.step + 1,
            state.guard_count + jnp.where(ok, 0, 1).astype(jnp.int32),
        )
        metrics = MLPMetrics(
            error * error, jnp.where(ok, alpha, 0.0), jnp.where(ok, 0.0, 1.0).astype(error.dtype)
        )
        return new_state, metrics, ok

    # ---------------------------------------------------------------- checked, eager
    def _check_x(self, state, x):
        d = state.params[0].w.shape[0]
        try:
            arr = np.asarray(x)
        except Exception as exc:  # noqa: BLE001 - report any conversion failure the same way
            raise TypeError(f"x must be an array of shape ({d},), got {type(x).__name__}") from exc
        if arr.shape != (d,):
            raise ValueError(f"x must have shape ({d},), got {arr.shape}")
        if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
            raise TypeError(f"x must be real numbers, got dtype {arr.dtype}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"x contains NaN or inf: {arr}")
        check_magnitude("x", arr, self.dtype)  # else inf in float32, or an overflowing square
        return np.asarray(arr, dtype=jnp.dtype(self.dtype))  # NumPy: no eager JAX dispatch

    def _check_y(self, y):
        try:
            arr = np.asarray(y)
        except Exception as exc:  # noqa: BLE001
            raise TypeError(f"y must be a real scalar, got {type(y).__name__}") from exc
        if arr.shape not in ((), (1,)):
            raise ValueError(f"y must be a scalar (shape () or (1,)), got shape {arr.shape}")
        if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
            raise TypeError(f"y must be a real scalar, got dtype {arr.dtype}")
        if not np.isfinite(arr).all():
            raise ValueError(f"y is NaN or inf: {arr}")
        check_magnitude("y", arr, self.dtype)
        return np.asarray(arr.reshape(()), dtype=jnp.dtype(self.dtype))

    def predict(self, state: MLPState, x):
        """Prediction for one input ``x`` of shape ``(feature_dim,)``; checks ``x``.

        Raises ``ValueError``/``TypeError`` on bad input and
        :class:`~sensorimotor.rules.DivergenceError` if the prediction is not finite. Under
        ``jit`` (traced arguments) it is :meth:`predict_unchecked`.

        Example:
            >>> import jax
            >>> learner = MLPLearner(hidden_sizes=(16,))
            >>> state = learner.init(jax.random.key(0), 2)
            >>> learner.predict(state, [0.5, float("nan")])
            Traceback (most recent call last):
            ...
            ValueError: x contains NaN or inf: [0.5 nan]
        """
        if any(isinstance(a, jax.core.Tracer) for a in jax.tree_util.tree_leaves((state, x))):
            return self.predict_unchecked(state, x)
        value = _predict_jit(
            dataclasses.replace(self, guard="skip"), state, self._check_x(state, x)
        )
        if not np.isfinite(float(value)):  # host-side check: no extra device dispatch
            raise DivergenceError(f"MLPLearner prediction is not finite ({float(value)})")
        return value

    def update(self, state: MLPState, x, y) -> UpdateResult:
        """Check ``x`` (shape ``(feature_dim,)``, finite) and ``y`` (finite scalar), then learn.

        Returns :class:`~sensorimotor.continual.UpdateResult` with the prediction and error
        made before the update and :class:`MLPMetrics`. Bad input raises and nothing changes
        (``state`` is immutable; no new state is returned). The compiled step is cached: a
        stream of calls compiles once. Called under ``jit``/``scan``/``vmap`` (traced
        arguments), it is :meth:`step`: no value checks are possible there, the guard acts.

        Example:
            >>> import jax
            >>> learner = MLPLearner(hidden_sizes=(16,))
            >>> state = learner.init(jax.random.key(0), 2)
            >>> result = learner.update(state, [0.5, -0.5], 1.0)
            >>> print(int(result.state.step), float(result.error) == 1.0 - float(result.prediction))
            1 True
        """
        if any(isinstance(a, jax.core.Tracer) for a in jax.tree_util.tree_leaves((state, x, y))):
            return self.step(state, x, y)
        x = self._check_x(state, x)
        y = self._check_y(y)
        result = _step_jit(dataclasses.replace(self, guard="skip"), state, x, y)
        if not np.isfinite(float(result.prediction)):
            raise DivergenceError(
                f"MLPLearner prediction is not finite ({float(result.prediction)}); state unchanged"
            )
        if self.guard == "raise" and bool(result.metrics.guard):
            raise DivergenceError("MLPLearner update was not finite; state unchanged")
        return result

    # ---------------------------------------------------------------- config
    def to_config(self) -> dict:
        """JSON-able description; :meth:`from_config` rebuilds an equal learner.

        Example:
            >>> cfg = MLPLearner(hidden_sizes=(8,)).to_config()
            >>> print(cfg["hidden_sizes"], cfg["optimizer"])
            [8] {'type': 'ObGD', 'step_size': 1.0, 'kappa': 2.0}
        """
        return {
            "type": "MLPLearner",
            "hidden_sizes": list(self.hidden_sizes),
            "optimizer": _named_config(self.optimizer),
            "trace_decay": None if self.trace_decay is None else float(self.trace_decay),
            "normalizer": _named_config(self.normalizer),
            "sparsity": float(self.sparsity),
            "layer_norm": bool(self.layer_norm),
            "negative_slope": float(self.negative_slope),
            "dtype": self.dtype,
            "guard": self.guard,
        }

    @classmethod
    def from_config(cls, config: dict) -> "MLPLearner":
        """Inverse of :meth:`to_config`; unknown or missing keys raise ``ValueError``.

        Example:
            >>> learner = MLPLearner(hidden_sizes=(8,), trace_decay=0.9)
            >>> print(MLPLearner.from_config(learner.to_config()) == learner)
            True
        """
        if not isinstance(config, dict):
            raise TypeError(f"config must be a dict, got {type(config).__name__}")
        config = dict(config)
        kind = config.pop("type", "MLPLearner")
        if kind != "MLPLearner":
            raise ValueError(f"config type must be 'MLPLearner', got {kind!r}")
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = set(config) - fields
        if unknown:
            raise ValueError(f"unknown MLPLearner config keys: {sorted(unknown)}")
        if "optimizer" in config:
            config["optimizer"] = _from_named_config(config["optimizer"], OPTIMIZERS, "optimizer")
        if config.get("normalizer") is not None:
            config["normalizer"] = _from_named_config(
                config["normalizer"], NORMALIZERS, "normalizer"
            )
        if "hidden_sizes" in config:
            config["hidden_sizes"] = tuple(config["hidden_sizes"])
        for key in ("trace_decay", "sparsity", "negative_slope"):  # plain numbers only
            if key not in config or (key == "trace_decay" and config[key] is None):
                continue
            value = config[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"MLPLearner.{key} must be a number, got {value!r}")
        for key, kind in (("layer_norm", bool), ("dtype", str), ("guard", str)):
            if key in config and not isinstance(config[key], kind):
                raise TypeError(f"MLPLearner.{key} must be a {kind.__name__}, got {config[key]!r}")
        return cls(**config)


# alberta-framework's MLPLearner keywords, and what they are here: its users bring them
ALBERTA_MLP_NAMES = {
    "use_layer_norm": "layer_norm=",
    "leaky_relu_slope": "negative_slope=",
    "gamma": "trace_decay=gamma * lamda (None: no trace, the supervised default)",
    "lamda": "trace_decay=gamma * lamda (None: no trace, the supervised default)",
    "step_size": (
        "the step size is the optimizer's: optimizer=ObGD(step_size) (the default, "
        "ObGD(1.0)), or optimizer=LMS(step_size) (alberta-framework's default, unbounded)"
    ),
    "bounder": "ObGD's bound is an optimizer here: optimizer=ObGD(step_size, kappa)",
    "head_optimizer": "one optimizer serves every layer here; there is no head_optimizer",
}
MLPLearner.__init__ = renamed_keywords("MLPLearner", "alberta-framework", ALBERTA_MLP_NAMES)(
    MLPLearner.__init__
)


def _named_config(hyper):
    """``{"type": class name, **float fields}`` of a hyperparameter NamedTuple (or None)."""
    if hyper is None:
        return None
    config = {"type": type(hyper).__name__}
    for name, value in zip(hyper._fields, hyper, strict=True):
        config[name] = float(value)
    return config


def _from_named_config(config, known, what):
    if not isinstance(config, dict):
        raise TypeError(f"{what} config must be a dict, got {type(config).__name__}")
    config = dict(config)
    name = config.pop("type", None)
    if name not in known:
        raise ValueError(f"unknown {what} type {name!r}; known: {sorted(known)}")
    cls = known[name]
    bad = set(config) - set(cls._fields)
    if bad:
        raise ValueError(f"unknown {name} fields: {sorted(bad)}")
    for field, value in config.items():  # a saved config holds plain numbers only
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{name}.{field} must be a number, got {value!r}")
    return cls(**config)


@partial(jax.jit, static_argnums=2)
def _init_jit(learner, key, feature_dim):
    return learner._init(key, feature_dim)


@jax.jit
def _step_jit(learner, state, x, y):
    return learner.step(state, x, y)


@jax.jit
def _predict_jit(learner, state, x):
    return learner.predict_unchecked(state, x)
