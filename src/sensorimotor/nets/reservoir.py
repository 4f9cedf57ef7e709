"""``ReservoirNode``: an echo state network's reservoir under HDPy's interface, on NumPy."""

from __future__ import annotations

import math
import os

import numpy as np

from sensorimotor.base.bounds import COUNT, NON_NEGATIVE, Bounds, check_value, where_not_finite
from sensorimotor.base.saved_file import check_arrays, make_header, read_npz, write_npz
from sensorimotor.nets.reservoir_step import ReservoirParams, reservoir_input_jacobian
from sensorimotor.nets.reservoir_topology import (
    dense_w_bias,
    dense_w_in,
    sparse_reservoir,
    sparse_w_in,
    spectral_radius_of,
)

FORMAT = "sensorimotor.reservoir_node"
FORMAT_VERSION = 1
_HEADER_KEYS = ("input_dim", "output_dim", "spectral_radius", "leak_rate", "dtype")
LEAK = Bounds(0.0, 1.0, False, True)
_EXAMPLES = dict(
    w="w=orthogonal_reservoir(density=0.1)",
    w_in="w_in=sparse_w_in(scaling=0.5, density=0.3)",
    w_bias="w_bias=dense_w_bias(scaling=0.2)",
)


def _frozen(a):
    a.flags.writeable = False
    return a


def check_input(name: str, u, shape: tuple, dtype=None):
    """``u`` as a NumPy float array of ``shape`` (a JAX array or a list is converted, an int
    array cast to ``dtype``); ``TypeError``/``ValueError`` naming ``name`` for a wrong type,
    a wrong shape, NaN, inf (saying where the first one is), or values so large that
    their squared norm overflows.

    >>> check_input("u", [1.0, float("nan")], (2,))
    Traceback (most recent call last):
    ...
    ValueError: u contains NaN or inf at index 1: [ 1. nan]
    """
    if isinstance(u, str | bytes | bool) or u is None:
        raise TypeError(f"{name} must be an array of shape {shape}, got {type(u).__name__}")
    try:
        arr = np.asarray(u)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of shape {shape}, got {u!r}") from err
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    if arr.dtype.kind != "f" or (dtype is not None and arr.dtype != dtype):
        arr = arr.astype(np.float64 if dtype is None else dtype)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf{where_not_finite(arr)}")
    flat = arr.ravel()
    with np.errstate(over="ignore"):
        if not math.isfinite(flat.dot(flat)):  # W_in u could be inf - inf
            raise ValueError(
                f"{name} is too large: its square overflows {arr.dtype.name} "
                f"(|{name}| reaches {float(np.abs(flat).max()):.3g})"
            )
    return arr


def as_input_array(u):
    """``u`` as an array if it is one or a list/tuple of numbers (rows of samples from a
    list of lists were taken for one sample and refused as "shape (input_dim,)"), else
    as given, for :func:`check_input` to name what is wrong with it."""
    if hasattr(u, "__array__"):
        return np.asarray(u)
    if isinstance(u, list | tuple):
        try:
            return np.asarray(u)
        except (TypeError, ValueError):  # ragged: check_input says so
            return u
    return u


class ReservoirNode:
    r"""A reservoir of leaky tanh units driven by an input (HDPy's ``ReservoirNode``).

    .. math::  x_{t+1} = (1 - a)\, x_t + a \tanh(W x_t + W_{in} u_t + b)

    (:func:`~sensorimotor.nets.reservoir_step.reservoir_step`, the same step on JAX.)
    ``W`` is drawn by ``w`` (default :class:`sparse_reservoir` of ``density``) and scaled to
    ``spectral_radius`` (a matrix ``w`` is used as given, and ``spectral_radius`` becomes
    its own); ``W_in`` by ``w_in`` (default dense, or sparse with
    ``input_density``, uniform in ``[-input_scaling, input_scaling]``); ``b`` by ``w_bias``
    (default uniform in ``[-bias_scaling, bias_scaling]``, 0: none); from the NumPy
    ``Generator`` of ``seed``, so one seed gives one reservoir. ``density``,
    ``input_scaling``, ``input_density`` and ``bias_scaling`` set the default drawers: beside
    a given ``w``, ``w_in`` or ``w_bias`` they are refused (``ValueError``), not ignored.

    ``execute(u)`` with ``u`` of shape ``(input_dim,)`` advances one step and returns the
    new state, shape ``(output_dim,)``; with ``u`` of shape ``(T, input_dim)`` (HDPy's
    rows of samples) it runs ``T`` steps and returns the states, shape ``(T, output_dim)``.
    With ``simulate=True`` the states are computed but the node keeps its state (an actor
    evaluating a candidate action). The returned arrays are read-only: the node's state.
    A bad ``u`` raises naming it, and the state is unchanged.

    ``params`` gives the weights as a :class:`ReservoirParams` pytree for the compiled
    engine (``jax.tree_util.tree_map(jnp.asarray, node.params)``).

    Example:
        >>> node = ReservoirNode(1, 50, spectral_radius=0.9, leak_rate=0.5, seed=0)
        >>> x = node.execute(np.array([1.0]))
        >>> peek = node.execute(np.array([0.5]), simulate=True)
        >>> print(x.shape, np.array_equal(node.state, x), round(float(np.abs(x).max()), 4))
        (50,) True 0.3721
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        spectral_radius: float = 0.9,
        leak_rate: float = 1.0,
        *,
        w=None,
        w_in=None,
        w_bias=None,
        density: float = 0.2,
        input_scaling: float = 1.0,
        input_density: float | None = None,
        bias_scaling: float = 0.0,
        seed=None,
        dtype=np.float64,
    ):
        check_value("ReservoirNode", "input_dim", input_dim, COUNT)
        check_value("ReservoirNode", "output_dim", output_dim, COUNT)
        check_value("ReservoirNode", "spectral_radius", spectral_radius, NON_NEGATIVE)
        check_value("ReservoirNode", "leak_rate", leak_rate, LEAK)
        check_value("ReservoirNode", "input_scaling", input_scaling, NON_NEGATIVE)
        check_value("ReservoirNode", "bias_scaling", bias_scaling, NON_NEGATIVE)
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"ReservoirNode.dtype must be a float dtype, got {dtype}")
        # a setting of a default drawer beside its replacement used to be dropped silently
        defaults = ReservoirNode.__init__.__kwdefaults__
        for given, name, setting, value in (
            (w, "w", "density", density),
            (w_in, "w_in", "input_scaling", input_scaling),
            (w_in, "w_in", "input_density", input_density),
            (w_bias, "w_bias", "bias_scaling", bias_scaling),
        ):
            if given is not None and value != defaults[setting]:
                raise ValueError(
                    f"ReservoirNode.{setting} sets the default {name}, which the given {name} "
                    f"replaces; set it in {name} instead (e.g. {_EXAMPLES[name]})"
                )
        rng = np.random.default_rng(seed)
        n = int(output_dim)
        w = sparse_reservoir(density) if w is None else w
        if w_in is None:
            dense = input_density is None
            w_in = dense_w_in(input_scaling) if dense else sparse_w_in(input_scaling, input_density)
        w_bias = dense_w_bias(bias_scaling) if w_bias is None else w_bias
        w_m = w(rng, n, float(spectral_radius)) if callable(w) else np.array(w, dtype=dtype)
        w_in_m = w_in(rng, n, int(input_dim)) if callable(w_in) else np.array(w_in, dtype=dtype)
        b = w_bias(rng, n) if callable(w_bias) else np.array(w_bias, dtype=dtype)
        self.input_dim, self.output_dim = int(input_dim), n
        self.spectral_radius, self.leak_rate = float(spectral_radius), float(leak_rate)
        if not callable(w):  # a matrix is used as given: record the radius it has
            self.spectral_radius = spectral_radius_of(check_input("w", w_m, (n, n)))
        self._set_weights(
            check_input("w", w_m, (n, n), dtype),
            check_input("w_in", w_in_m, (n, self.input_dim), dtype),
            check_input("w_bias", np.reshape(b, -1) if np.size(b) == n else b, (n,), dtype),
        )
        self.reset()

    def _set_weights(self, w, w_in, w_bias):
        n, d = self.output_dim, self.input_dim
        self.dtype = w.dtype
        self.w, self.w_in, self.w_bias = (_frozen(a.copy()) for a in (w, w_in, w_bias))
        # one product per step: [W W_in b] @ [x; u; 1] (the per-sample path)
        self._w_all = np.ascontiguousarray(np.concatenate((w, w_in, w_bias[:, None]), axis=1))
        self._xu = np.zeros(n + d + 1, dtype=self.dtype)
        self._xu[n + d] = 1.0

    @property
    def params(self) -> ReservoirParams:
        """The weights and leak as a :class:`ReservoirParams` (read-only NumPy arrays)."""
        return ReservoirParams(self.w, self.w_in, self.w_bias, self.dtype.type(self.leak_rate))

    @property
    def state(self):
        """The current state, shape ``(output_dim,)`` (read-only)."""
        return self._x

    def reset(self) -> None:
        """Set the state to zero (HDPy's ``reset``)."""
        self._x = _frozen(np.zeros(self.output_dim, dtype=self.dtype))
        self._xu[: self.output_dim] = 0.0

    def set_state(self, x) -> None:
        """Set the state to ``x`` (shape ``(output_dim,)``, finite)."""
        x = _frozen(check_input("x", x, (self.output_dim,), self.dtype).copy())
        self._x = x
        self._xu[: self.output_dim] = x

    def _step(self, u, commit: bool):
        """One step from the committed state, ``u`` already checked."""
        n, xu = self.output_dim, self._xu
        xu[n : n + self.input_dim] = u
        x = self._w_all.dot(xu)
        np.tanh(x, out=x)
        a = self.leak_rate
        if a != 1.0:
            x *= a
            x += (1.0 - a) * self._x
        x.flags.writeable = False
        if commit:
            self._x = x
            xu[:n] = x
        return x

    def execute(self, u, simulate: bool = False):
        """Advance the reservoir by the input ``u`` (see the class docstring)."""
        # identity tests first: the per-sample path pays two comparisons; "no" is truthy
        if simulate is not False and simulate is not True and type(simulate) is not np.bool_:
            raise TypeError(f"simulate must be a bool, got {simulate!r}")
        if (
            type(u) is np.ndarray
            and u.shape == (self.input_dim,)
            and u.dtype == self.dtype
            and math.isfinite(u.dot(u))
        ):  # the per-sample path: no conversion, one dot checks NaN and inf
            return self._step(u, not simulate)
        arr = as_input_array(u)
        if getattr(arr, "ndim", 1) == 2:
            us = check_input("u", arr, (arr.shape[0], self.input_dim), self.dtype)
            if us.shape[0] == 0:
                raise ValueError("u must hold at least one sample, got shape (0, input_dim)")
            saved = self._x
            states = np.empty((us.shape[0], self.output_dim), dtype=self.dtype)
            for t in range(us.shape[0]):
                states[t] = self._step(us[t], True)
            if simulate:
                self.set_state(saved)
            states.flags.writeable = False
            return states
        return self._step(check_input("u", arr, (self.input_dim,), self.dtype), not simulate)

    __call__ = execute

    def input_jacobian(self, u):
        r"""The derivative of the next state with respect to ``u`` at the current state,
        :math:`a\, \mathrm{diag}(1 - \tanh^2(\cdot))\, W_{in}`, shape
        ``(output_dim, input_dim)``
        (:func:`~sensorimotor.nets.reservoir_step.reservoir_input_jacobian`).

        >>> node = ReservoirNode(2, 5, leak_rate=0.3, seed=1)
        >>> print(node.input_jacobian(np.zeros(2)).shape)
        (5, 2)
        """
        u = check_input("u", u, (self.input_dim,), self.dtype)
        return reservoir_input_jacobian(self.params, self._x, u)

    def with_spectral_radius(self, spectral_radius: float) -> ReservoirNode:
        """A copy whose recurrent weights are rescaled to ``spectral_radius`` (same
        topology, inputs and state).

        >>> node = ReservoirNode(1, 20, spectral_radius=0.5, seed=0)
        >>> print(node.with_spectral_radius(0.25).w[node.w != 0][0] / node.w[node.w != 0][0])
        0.5
        """
        check_value("ReservoirNode", "spectral_radius", spectral_radius, NON_NEGATIVE)
        new = self.copy()
        if self.spectral_radius == 0.0:
            raise ValueError("a reservoir of spectral_radius 0 cannot be rescaled")
        scale = float(spectral_radius) / self.spectral_radius
        with np.errstate(over="ignore"):  # an overflow is refused next, naming it
            w = self.w * scale
        # as the constructor checks its w: an inf weight made every later state NaN
        try:
            w = check_input("w", w, self.w.shape, self.w.dtype)
        except ValueError as err:
            raise ValueError(f"spectral_radius {spectral_radius!r} is too large: {err}") from None
        new._set_weights(w, self.w_in, self.w_bias)
        new.spectral_radius = float(spectral_radius)
        new.set_state(self._x)
        return new

    def copy(self) -> ReservoirNode:
        """An independent copy (weights and state)."""
        new = object.__new__(ReservoirNode)
        new.input_dim, new.output_dim = self.input_dim, self.output_dim
        new.spectral_radius, new.leak_rate = self.spectral_radius, self.leak_rate
        new._set_weights(self.w, self.w_in, self.w_bias)
        new.set_state(self._x)
        return new

    def __repr__(self) -> str:
        return (
            f"ReservoirNode(input_dim={self.input_dim}, output_dim={self.output_dim}, "
            f"spectral_radius={self.spectral_radius}, leak_rate={self.leak_rate})"
        )

    def save(self, path) -> None:
        """Write the weights, the state and the settings to ``path`` (.npz with a JSON
        header, atomic; no pickle).

        >>> import tempfile
        >>> node = ReservoirNode(1, 10, seed=0)
        >>> _ = node.execute(np.array([0.3]))
        >>> path = os.path.join(tempfile.mkdtemp(), "res.npz")
        >>> node.save(path)
        >>> back = ReservoirNode.load(path)
        >>> print(np.array_equal(back.execute(np.array([0.1])), node.execute(np.array([0.1]))))
        True
        """
        header = make_header(
            FORMAT,
            FORMAT_VERSION,
            input_dim=self.input_dim,
            output_dim=self.output_dim,
            spectral_radius=self.spectral_radius,
            leak_rate=self.leak_rate,
            dtype=self.dtype.name,
        )
        arrays = dict(w=self.w, w_in=self.w_in, w_bias=self.w_bias, state=self._x)
        write_npz(os.fspath(path), arrays, header)

    @classmethod
    def load(cls, path) -> ReservoirNode:
        """A node read from a file written by :meth:`save`; ``ValueError`` naming ``path``
        if the file is not one (corrupt, truncated, another format, bad values)."""
        arrays, h = read_npz(path, FORMAT, FORMAT_VERSION, _HEADER_KEYS)
        try:
            values = {}
            for key, bounds in (
                ("output_dim", COUNT),
                ("input_dim", COUNT),
                ("spectral_radius", NON_NEGATIVE),
                ("leak_rate", LEAK),
            ):
                v = h[key]
                if isinstance(v, bool) or not isinstance(v, int | float):
                    raise TypeError(f"{key} must be a number, got {v!r}")
                values[key] = check_value(str(path), key, v, bounds)
            dtype = np.dtype(h["dtype"]) if isinstance(h["dtype"], str) else None
            if dtype is None or dtype.kind != "f":
                raise TypeError(f"dtype must name a float dtype, got {h['dtype']!r}")
        except (TypeError, ValueError) as err:
            raise ValueError(f"{path}: bad header: {err}") from None
        n, d = int(values["output_dim"]), int(values["input_dim"])
        expected = dict(w=((n, n), dtype), w_in=((n, d), dtype), w_bias=((n,), dtype))
        expected["state"] = ((n,), dtype)
        w, w_in, w_bias, state = check_arrays(path, arrays, expected, finite=True)
        node = object.__new__(cls)
        node.input_dim, node.output_dim = d, n
        node.spectral_radius = float(values["spectral_radius"])
        node.leak_rate = float(values["leak_rate"])
        node._set_weights(w, w_in, w_bias)
        try:
            node.set_state(state)
        except ValueError as err:  # a state too large to step from
            raise ValueError(f"{path}: state: {err}") from None
        return node
