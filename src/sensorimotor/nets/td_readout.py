"""A linear readout trained by RLS-TD: a reservoir critic's value readout."""

from __future__ import annotations

import math
import os

import numpy as np

from sensorimotor.base.bounds import COUNT, POSITIVE, UNIT, Bounds, check_value
from sensorimotor.base.saved_file import check_arrays, make_header, read_npz, write_npz
from sensorimotor.nets.reservoir import check_input
from sensorimotor.rules.rls_td import RLSTD, RLSTDState

FORMAT = "sensorimotor.td_readout"
FORMAT_VERSION = 1


class TDReadout:
    r"""A value readout :math:`J = \beta^\top [z; 1]` trained by recursive least-squares TD
    (:class:`~sensorimotor.rules.RLSTD`), for a critic learning from its own TD error.

    ``train_td(sample, next_sample, gamma, error)`` learns the TD error
    :math:`\delta = r + \gamma J(z') - J(z)` of ``sample`` :math:`z`, whose successor is
    ``next_sample`` :math:`z'` (``None`` past a terminal state); ``train(sample,
    error=...)`` is the same with no successor (a target that does not bootstrap).
    ``__call__(sample)`` is the value, shape ``(1,)``. The interface of the readouts of
    :mod:`sensorimotor.nets.readout` otherwise (``beta``, ``stop_training``, ``copy``,
    ``save``/``load``); bad input raises naming it, the readout unchanged.

    Example:
        >>> readout = TDReadout(1, delta=1e-6)
        >>> z = np.array([1.0])
        >>> for _ in range(30):  # reward 1 every step, gamma 0.5: the value is 2
        ...     delta = 1.0 + 0.5 * readout(z)[0] - readout(z)[0]
        ...     readout.train_td(z, z, 0.5, delta)
        >>> print(np.round(readout(z), 4))
        [2.]
    """

    def __init__(self, input_dim: int, output_dim: int = 1, lambda_=1.0, delta=1.0):
        check_value("TDReadout", "input_dim", input_dim, COUNT)
        if output_dim != 1:
            raise ValueError(f"TDReadout has one output (a value), got output_dim={output_dim!r}")
        check_value("TDReadout", "lambda_", lambda_, Bounds(0.0, 1.0, False, True))
        check_value("TDReadout", "delta", delta, POSITIVE)
        self.input_dim, self.output_dim = int(input_dim), 1
        self.lambda_, self.delta = float(lambda_), float(delta)
        self.rule = RLSTD(self.lambda_, self.delta)
        self._state = self.rule.init(self.input_dim + 1)
        self._beta = np.zeros((self.input_dim + 1, 1))
        self.count, self._stopped = 0, False

    @property
    def beta(self):
        """The weights, shape ``(input_dim + 1, 1)``, bias row last."""
        return self._beta

    def _z(self, name, sample):
        return np.append(check_input(name, sample, (self.input_dim,), np.float64), 1.0)

    def __call__(self, sample):
        return self._z("sample", sample) @ self._beta

    def train_td(self, sample, next_sample, gamma, error) -> None:
        """Learn the TD error ``error`` of ``sample`` (see the class docstring): ``gamma``
        in [0, 1], ``next_sample`` ``None`` past a terminal state.

        >>> readout = TDReadout(1, delta=1e-6)
        >>> readout.train_td(np.array([1.0]), None, 0.9, 2.0)  # terminal: J(z) learns 2
        >>> print(np.round(readout(np.array([1.0])), 4), readout.count)
        [2.] 1
        """
        z = self._z("sample", sample)
        z_next = np.zeros_like(z) if next_sample is None else self._z("next_sample", next_sample)
        gamma = float(check_value("TDReadout", "gamma", gamma, UNIT))
        if isinstance(error, bool) or not isinstance(error, int | float | np.number):
            error = check_input("error", error, (1,), np.float64)[0]
        if not math.isfinite(error):
            raise ValueError(f"error must be finite, got {error}")
        if self._stopped:
            return
        state, inc = self.rule.update_td(self._state, z, z - gamma * z_next, float(error))
        beta = self._beta + inc[:, None]
        if not (np.all(np.isfinite(beta)) and np.all(np.isfinite(state.P))):
            raise ValueError(f"error {error} overflows the readout; the readout is unchanged")
        self._state, self._beta, self.count = state, beta, self.count + 1

    def train(self, sample, target=None, error=None) -> None:
        """Learn a target (or an error) that does not bootstrap: ``train_td`` with no
        successor."""
        if (target is None) == (error is None):
            raise ValueError("give either target or error (one of them, not both)")
        if error is None:  # one value: a number or shape (1,), not the first of several
            if np.ndim(target) == 0 and not isinstance(target, str | bytes):
                target = np.reshape(target, (1,))
            target = check_input("target", target, (1,), np.float64)[0]
            error = float(target) - float(self(sample)[0])
        self.train_td(sample, None, 0.0, error)

    def stop_training(self) -> None:
        """Freeze the weights: later calls to ``train``/``train_td`` do nothing."""
        self._stopped = True

    def copy(self) -> TDReadout:
        """An independent copy (weights, RLS state, count and whether it is stopped).

        >>> readout = TDReadout(1)
        >>> twin = readout.copy()
        >>> twin.train_td(np.array([1.0]), None, 0.9, 1.0)
        >>> print(readout.count, twin.count, float(readout.beta.sum()))
        0 1 0.0
        """
        new = TDReadout(self.input_dim, 1, self.lambda_, self.delta)
        new._state = RLSTDState(self._state.P.copy())
        new._beta, new.count, new._stopped = self._beta.copy(), self.count, self._stopped
        return new

    def save(self, path) -> None:
        """Write the readout to ``path`` (.npz with a JSON header, atomic; no pickle)."""
        header = make_header(
            FORMAT,
            FORMAT_VERSION,
            input_dim=self.input_dim,
            lambda_=self.lambda_,
            delta=self.delta,
            count=self.count,
            stopped=self._stopped,
        )
        write_npz(os.fspath(path), {"beta": self._beta, "P": self._state.P}, header)

    @classmethod
    def load(cls, path) -> TDReadout:
        """A readout written by :meth:`save`; ``ValueError`` naming ``path`` otherwise.

        >>> import tempfile
        >>> readout = TDReadout(2)
        >>> readout.train_td(np.ones(2), None, 0.9, -1.0)
        >>> path = os.path.join(tempfile.mkdtemp(), "td.npz")
        >>> readout.save(path)
        >>> print(np.array_equal(TDReadout.load(path).beta, readout.beta))
        True
        """
        arrays, h = read_npz(path, FORMAT, FORMAT_VERSION, ("input_dim", "lambda_", "delta"))
        try:
            new = cls(h["input_dim"], 1, h["lambda_"], h["delta"])
            count = check_value(
                str(path), "count", h.get("count", 0), Bounds(0, math.inf, True, False, True)
            )
            stopped = h.get("stopped", False)
            if not isinstance(stopped, bool):  # "no" or 1 would load as a frozen readout
                raise TypeError(f"stopped must be a bool, got {stopped!r}")
        except (TypeError, ValueError) as err:
            raise ValueError(f"{path}: bad header: {err}") from None
        n = new.input_dim + 1
        beta, P = check_arrays(
            path, arrays, {"beta": ((n, 1), "float64"), "P": ((n, n), "float64")}, finite=True
        )
        new._beta, new._state = beta.copy(), RLSTDState(P.copy())
        new.count, new._stopped = int(count), stopped
        return new

    def __repr__(self) -> str:
        return f"TDReadout(input_dim={self.input_dim}, lambda_={self.lambda_}, delta={self.delta})"


__all__ = ["TDReadout"]
