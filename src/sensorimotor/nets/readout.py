"""Linear readouts trained online by ``rules.RLS`` or ``rules.LMS`` (HDPy's ``PlainRLS`` and
``StabilizedRLS``, and an LMS readout), with HDPy's ``train(sample, target=None,
error=None)`` and ``__call__(sample)``; the pure step they share with the compiled engine
is :mod:`sensorimotor.nets.readout_step`."""

from __future__ import annotations

import math
import os

import numpy as np

from sensorimotor.base.bounds import COUNT, NON_NEGATIVE, POSITIVE, Bounds, check_value
from sensorimotor.base.saved_file import check_arrays, make_header, read_npz, write_npz
from sensorimotor.nets.readout_step import ReadoutState, readout_init
from sensorimotor.nets.reservoir import as_input_array, check_input
from sensorimotor.rules.lms import LMS
from sensorimotor.rules.rls import RLS, RLSState

FORMAT = "sensorimotor.readout"
FORMAT_VERSION = 1
_HEADER_KEYS = ("cls", "input_dim", "output_dim", "with_bias", "settings", "count", "resets")


class LinearReadout:
    r"""Base of the readout objects: a :class:`ReadoutState` and the rule that trains it.

    The prediction is :math:`y = \beta^\top z` with :math:`z = [x; 1]` (or :math:`x` without
    a bias); :meth:`train` adds the rule's increment for the error :math:`e = t - y`.

    Example (every readout trains and predicts alike; here RLS, two outputs):
        >>> readout = PlainRLS(input_dim=3, output_dim=2)
        >>> readout.train(np.ones(3), target=np.array([1.0, -1.0]))
        >>> print(isinstance(readout, LinearReadout), readout.beta.shape, readout.count)
        True (4, 2) 1
        >>> print(np.round(readout(np.ones(3)), 3))
        [ 1. -1.]
    """

    def __init__(self, input_dim: int, output_dim: int, with_bias: bool, rule, dtype):
        name = type(self).__name__
        check_value(name, "input_dim", input_dim, COUNT)
        check_value(name, "output_dim", output_dim, COUNT)
        if not isinstance(with_bias, bool | np.bool_):
            raise TypeError(f"{name}.with_bias must be a bool, got {with_bias!r}")
        if np.dtype(dtype).kind != "f":  # an int P truncates I / delta; an int beta turns float
            raise TypeError(f"{name}.dtype must be a float dtype, got {np.dtype(dtype)}")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.with_bias, self.rule, self.dtype = bool(with_bias), rule, np.dtype(dtype)
        self.count, self.resets, self._stopped = 0, 0, False
        self._state = readout_init(rule, self.input_dim, self.output_dim, with_bias, np, self.dtype)
        self._z = np.ones(self.input_dim + int(self.with_bias), dtype=self.dtype)
        self._in_shape, self._out_shape = (self.input_dim,), (self.output_dim,)
        # a Python float target is checked as an array's is: its square must not overflow
        self._float_limit = math.sqrt(float(np.finfo(self.dtype).max))
        self._repairs = type(self)._stabilize is not LinearReadout._stabilize

    @property
    def state(self) -> ReadoutState:
        """The weights and the rule's state (:class:`ReadoutState`)."""
        return self._state

    @property
    def beta(self):
        """The weights, shape ``(input_dim + with_bias, output_dim)``, bias row last."""
        return self._state.beta

    def _features(self, sample):
        if not self.with_bias:
            return sample
        z = self._z  # the rules keep no reference to z: the buffer is reused
        z[: self.input_dim] = sample
        return z

    def _sample(self, sample):
        """``sample`` checked: ``(sample, batched)``."""
        if (
            type(sample) is np.ndarray
            and sample.shape == (self.input_dim,)
            and sample.dtype == self.dtype
            and math.isfinite(sample.dot(sample))
        ):
            return sample, False
        arr = as_input_array(sample)
        if getattr(arr, "ndim", 1) == 2:
            shape = (arr.shape[0], self.input_dim)
            return check_input("sample", arr, shape, self.dtype), True
        return check_input("sample", arr, (self.input_dim,), self.dtype), False

    def _values(self, name, value, rows):
        """``target`` or ``error`` as ``(rows, output_dim)`` (or ``(output_dim,)``)."""
        m = self.output_dim
        if rows is None:
            if np.ndim(value) == 0 and m == 1 and not isinstance(value, str | bytes):
                value = np.reshape(np.asarray(value), (1,))
            value = check_input(name, value, (m,), self.dtype)
        else:
            # one target per row; another length is left for check_input to report as given
            if np.ndim(value) == 1 and m == 1 and np.shape(value)[0] == rows:
                value = np.reshape(np.asarray(value), (-1, 1))
            value = check_input(name, value, (rows, m), self.dtype)
        flat = value.ravel()
        with np.errstate(over="ignore"):
            if not math.isfinite(flat.dot(flat)):
                raise ValueError(
                    f"{name} is too large to learn from: its square overflows "
                    f"{self.dtype.name} (|{name}| reaches {np.abs(flat).max():.3g})"
                )
        return value

    def __call__(self, sample):
        """The prediction for ``sample``: shape ``(output_dim,)``, or ``(K, output_dim)`` for
        a ``(K, input_dim)`` batch."""
        sample, batched = self._sample(sample)
        beta = self._state.beta
        if batched:
            out = sample @ beta[: self.input_dim]
            return out + beta[self.input_dim] if self.with_bias else out
        return self._features(sample).dot(beta)

    def train(self, sample, target=None, error=None) -> None:
        """Learn from one sample (shape ``(input_dim,)``) or a batch of rows (shape
        ``(K, input_dim)``, learnt in order), given a ``target`` or a ready-made ``error``
        (``target - prediction``, e.g. a TD error), shape ``(output_dim,)`` (a scalar if
        ``output_dim`` is 1) or ``(K, output_dim)``.

        Bad input (NaN, inf, a wrong shape or type, neither or both of ``target`` and
        ``error``, a value so large that the update overflows) raises naming it, and the
        readout is unchanged. After :meth:`stop_training`, does nothing.
        """
        value = target if error is None else error
        if (
            type(sample) is np.ndarray
            and sample.shape == self._in_shape
            and sample.dtype == self.dtype
            and not self._stopped
            and (target is None) != (error is None)
        ):  # the per-sample path: one dot checks NaN and inf of each argument
            if type(value) is float and self.output_dim == 1:
                if math.isfinite(sample.dot(sample)) and abs(value) < self._float_limit:
                    if error is not None:  # the increment needs the error's (1,) shape
                        value = np.array([value], dtype=self.dtype)
                    return self._train_one(sample, value, error is None)
            elif (
                type(value) is np.ndarray
                and value.shape == self._out_shape
                and value.dtype == self.dtype
                and math.isfinite(sample.dot(sample))
                and math.isfinite(value.dot(value))
            ):
                return self._train_one(sample, value, error is None)
        if (target is None) == (error is None):
            raise ValueError("give either target or error (one of them, not both)")
        name, value = ("target", target) if error is None else ("error", error)
        sample, batched = self._sample(sample)
        flat = sample.ravel()
        with np.errstate(over="ignore"):
            if not math.isfinite(flat.dot(flat)):
                raise ValueError(
                    f"sample is too large to learn from: its square overflows {self.dtype.name}"
                )
        values = self._values(name, value, sample.shape[0] if batched else None)
        if self._stopped:
            return
        if not batched:
            return self._train_one(sample, values, error is None)
        saved = self._state, self.count, self.resets
        try:  # rows in order; a row that overflows leaves the readout as before the batch
            for t in range(sample.shape[0]):
                self._train_one(sample[t], values[t], error is None)
        except ValueError:
            self._state, self.count, self.resets = saved
            raise

    def _train_one(self, sample, value, is_target: bool) -> None:
        """One checked sample: learn, or raise if the update overflows (state kept)."""
        if self.with_bias:
            z = self._z  # the rules keep no reference to z: the buffer is reused
            z[: self.input_dim] = sample
        else:
            z = sample
        state = self._state
        e = value - z.dot(state.beta) if is_target else value
        opt, inc = self.rule.update_from_error(state.optimizer, z, e)
        beta = state.beta + inc
        flat = beta.ravel()
        if not math.isfinite(flat.dot(flat)):  # one dot for NaN, inf (and huge weights)
            if not np.all(np.isfinite(flat)):
                name = "target" if is_target else "error"
                raise ValueError(
                    f"{name} is too large to learn from: the update overflows the weights "
                    f"(error {e}); the readout is unchanged"
                )
        self.count += 1
        new = ReadoutState(beta, opt)  # readout_train's step, inlined on the per-sample path
        if self._repairs:
            new, self.resets = self._stabilize(new, self.count, self.resets)
        self._state = new

    def _stabilize(self, state, count, resets):
        return state, resets

    def stop_training(self) -> None:
        """Freeze the weights: later calls to :meth:`train` do nothing (HDPy's)."""
        self._stopped = True

    def _settings(self) -> dict:
        raise NotImplementedError

    def copy(self):
        """An independent copy (weights, rule state, counters)."""
        new = type(self)(
            self.input_dim, self.output_dim, self.with_bias, **self._settings(), dtype=self.dtype
        )
        opt = self._state.optimizer  # a NamedTuple of arrays (RLSState, LMSState)
        new._state = ReadoutState(self._state.beta.copy(), type(opt)(*(np.copy(a) for a in opt)))
        new.count, new.resets, new._stopped = self.count, self.resets, self._stopped
        return new

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in self._settings().items())
        return (
            f"{type(self).__name__}(input_dim={self.input_dim}, output_dim={self.output_dim}, "
            f"with_bias={self.with_bias}, {settings})"
        )

    def save(self, path) -> None:
        """Write the readout to ``path`` (.npz with a JSON header, atomic; no pickle);
        :func:`load_readout` reads it back."""
        header = make_header(
            FORMAT,
            FORMAT_VERSION,
            cls=type(self).__name__,
            input_dim=self.input_dim,
            output_dim=self.output_dim,
            with_bias=self.with_bias,
            settings=self._settings(),
            count=self.count,
            resets=self.resets,
            stopped=self._stopped,
            dtype=self.dtype.name,
        )
        arrays = {"beta": self._state.beta}
        if isinstance(self._state.optimizer, RLSState):
            arrays["P"] = self._state.optimizer.P
        write_npz(os.fspath(path), arrays, header)


class PlainRLS(LinearReadout):
    r"""Online least-squares readout (HDPy's ``PlainRLS``): :class:`~sensorimotor.rules.RLS`
    on :math:`z = [x; 1]`, one inverse-correlation matrix shared by the ``output_dim``
    outputs.

    .. math::
        k = \frac{P z}{\lambda + z^\top P z}, \quad
        \beta \leftarrow \beta + k\, e^\top, \quad
        P \leftarrow \tfrac1\lambda (P - k\, z^\top P), \quad P_0 = \delta^{-1} I

    with :math:`e` the error (``target - prediction``, or given). With ``lambda_=1`` the
    weights after every sample equal the batch ridge solution of the samples so far
    (regulariser :math:`\delta`; HDPy's :math:`P_0 = 10^4 I` is the default ``delta``).

    Example:
        >>> readout = PlainRLS(input_dim=2, output_dim=1)
        >>> rng = np.random.default_rng(0)
        >>> for _ in range(20):
        ...     x = rng.normal(size=2)
        ...     readout.train(x, target=3.0 * x[0] - x[1] + 0.5)
        >>> print(np.round(readout(np.array([1.0, 1.0])), 4))
        [2.5]
    """

    def __init__(
        self, input_dim, output_dim, with_bias=True, lambda_=1.0, delta=1e-4, dtype=np.float64
    ):
        check_value(type(self).__name__, "lambda_", lambda_, Bounds(0.0, 1.0, False, True))
        check_value(type(self).__name__, "delta", delta, POSITIVE)
        self.lambda_, self.delta = float(lambda_), float(delta)
        super().__init__(input_dim, output_dim, with_bias, RLS(self.lambda_, self.delta), dtype)

    def _settings(self) -> dict:
        return dict(lambda_=self.lambda_, delta=self.delta)


class StabilizedRLS(PlainRLS):
    r""":class:`PlainRLS` that repairs its inverse-correlation matrix (HDPy's
    ``StabilizedRLS``, whose remedy was symmetry; ``P`` here stays exactly symmetric by
    construction, see :class:`~sensorimotor.rules.RLS`).

    Every ``tau`` samples ``P`` is checked; if it is no longer positive definite
    (round-off, mostly in float32) or has wound up beyond its initial size (trace above
    :math:`\mathrm{tr}(P_0)`: with :math:`\lambda < 1`, directions the inputs stop
    exciting grow by :math:`1/\lambda` per step until the gains blow up), it is reset to
    :math:`P_0` (covariance resetting, Goodwin & Sin 1984), the weights kept; ``resets``
    counts the resets.

    HDPy's documentation names symmetry as its remedy, but its code also sets ``P``'s
    diagonal back to its initial value every ``tau`` samples, healthy or not. That is not
    done here: with :math:`\lambda = 1` a healthy ``P`` is never reset. On the ePuck
    experiment (``sensorimotor adhdp epuck``, 20 seeds) HDPy's unconditional refill
    raised the collision rate from 8.5% to 21% (brute-force actor) and from 35% to 76%
    (gradient actor, no longer better than random).

    Example:
        >>> readout = StabilizedRLS(1, 1, lambda_=0.9, delta=1.0, tau=50)
        >>> for _ in range(200):  # a constant input excites one direction only
        ...     readout.train(np.array([1.0]), target=2.0)
        >>> print(readout.resets > 0, np.round(readout(np.array([1.0])), 4))
        True [2.]
    """

    def __init__(
        self,
        input_dim,
        output_dim,
        with_bias=True,
        lambda_=1.0,
        delta=1e-4,
        tau=500,
        dtype=np.float64,
    ):
        check_value(type(self).__name__, "tau", tau, COUNT)
        self.tau = int(tau)
        super().__init__(input_dim, output_dim, with_bias, lambda_, delta, dtype)

    def _settings(self) -> dict:
        return dict(lambda_=self.lambda_, delta=self.delta, tau=self.tau)

    def _stabilize(self, state, count, resets):
        if count % self.tau:
            return state, resets
        P = state.optimizer.P
        n = P.shape[0]
        healthy = bool(np.trace(P) <= n / self.delta) and bool(np.all(np.isfinite(P)))
        if healthy:
            try:
                np.linalg.cholesky(P)
            except np.linalg.LinAlgError:
                healthy = False
        if healthy:
            return state, resets
        return state._replace(optimizer=self.rule.init(n, np, self.dtype)), resets + 1


class LMSReadout(LinearReadout):
    r"""Readout trained by least mean squares (:class:`~sensorimotor.rules.LMS`):
    :math:`\beta \leftarrow \beta + \alpha\, z\, e^\top` with :math:`z = [x; 1]`; cheaper
    than RLS (no matrix), slower to converge.

    Example:
        >>> readout = LMSReadout(1, 1, step_size=0.2)
        >>> for _ in range(100):
        ...     readout.train(np.array([1.0]), target=2.0)
        >>> print(np.round(readout(np.array([1.0])), 4))
        [2.]
    """

    def __init__(self, input_dim, output_dim, with_bias=True, step_size=0.01, dtype=np.float64):
        check_value(type(self).__name__, "step_size", step_size, NON_NEGATIVE)
        self.step_size = float(step_size)
        super().__init__(input_dim, output_dim, with_bias, LMS(self.step_size), dtype)

    def _settings(self) -> dict:
        return dict(step_size=self.step_size)


READOUTS = {cls.__name__: cls for cls in (PlainRLS, StabilizedRLS, LMSReadout)}


def load_readout(path) -> LinearReadout:
    """A readout read from a file written by its ``save``; ``ValueError`` naming ``path``
    if the file is not one (corrupt, truncated, another format, bad values).

    >>> import tempfile
    >>> readout = PlainRLS(2, 1)
    >>> readout.train(np.array([1.0, 2.0]), target=1.0)
    >>> path = os.path.join(tempfile.mkdtemp(), "readout.npz")
    >>> readout.save(path)
    >>> print(load_readout(path)(np.array([1.0, 2.0])).round(4))
    [1.]
    """
    arrays, h = read_npz(path, FORMAT, FORMAT_VERSION, _HEADER_KEYS)
    cls = READOUTS.get(h["cls"]) if isinstance(h["cls"], str) else None
    if cls is None or not isinstance(h["settings"], dict):
        raise ValueError(f"{path}: unknown readout {h['cls']!r} or bad settings")
    try:
        dtype = h.get("dtype", "float64")  # files written before the dtype was saved: float64
        if not isinstance(dtype, str) or np.dtype(dtype).kind != "f":
            raise TypeError(f"dtype must name a float dtype, got {dtype!r}")
        new = cls(h["input_dim"], h["output_dim"], h["with_bias"], **h["settings"], dtype=dtype)
        count = check_value(str(path), "count", h["count"], Bounds(0, math.inf, True, False, True))
        resets = check_value(
            str(path), "resets", h["resets"], Bounds(0, math.inf, True, False, True)
        )
        stopped = h.get("stopped", False)
        if not isinstance(stopped, bool):
            raise TypeError(f"stopped must be a bool, got {stopped!r}")
    except (TypeError, ValueError) as err:
        raise ValueError(f"{path}: bad header: {err}") from None
    n = new.input_dim + int(new.with_bias)
    expected = {"beta": ((n, new.output_dim), new.dtype)}
    if isinstance(new.rule, RLS):
        expected["P"] = ((n, n), new.dtype)
    loaded = check_arrays(path, arrays, expected, finite=True)
    opt = RLSState(loaded[1]) if isinstance(new.rule, RLS) else new.rule.init(n)
    new._state = ReadoutState(loaded[0], opt)
    new.count, new.resets, new._stopped = int(count), int(resets), stopped
    return new


__all__ = [
    "PlainRLS",
    "StabilizedRLS",
    "LMSReadout",
    "LinearReadout",
    "load_readout",
]
