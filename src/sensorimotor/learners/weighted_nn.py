"""Kernel-weighted k nearest neighbours, forward and inverse."""

import math

import numpy as np

from sensorimotor.learners.learner import Learner, _is_int, _is_number


class WNNLearner(Learner):
    """The ``k`` nearest observations answer, averaged with Gaussian kernel weights.

    In scaled units, with the ``k`` nearest observations ``i`` of the query ``q`` in the
    input space (motor space for ``predict``, sensory space for ``infer``) at squared
    distances ``d_i``::

        w_i = exp(-d_i / (2 h^2)),   answer = sum_i w_i y_i / sum_i w_i

    where ``y_i`` is the other side of observation ``i`` and ``h`` is ``cfg['width']`` (scaled
    units), or, when ``width`` is ``None`` (default), the distance to the nearest neighbour
    times ``sqrt(2)`` (floored at ``1e-6``) so that the weights adapt to the local density.
    Averaging commands of a redundant arm may mix solution branches; that is the seed's
    behaviour and ``LWLRLearner`` is the better inverse. Seed: ``learners.WNNLearner``
    (Benureau); Atkeson, Moore & Schaal (1997), "Locally weighted learning".

    >>> from sensorimotor import Channel
    >>> cfg = {'m_channels': [Channel('x', (0, 10))], 's_channels': [Channel('a', (0, 100))],
    ...        'k': 2, 'width': 0.1}
    >>> learner = WNNLearner(cfg)
    >>> learner.update_array(np.array([[1.0], [3.0], [9.0]]), np.array([[10.0], [30.0], [90.0]]))
    >>> round(learner.predict({'x': 2.0})['a'], 6)  # midway: equal weights
    20.0
    """

    defcfg = {**Learner.defcfg, "k": 5, "width": None}

    def _setup(self) -> None:
        k, width, name = self.cfg.k, self.cfg.width, type(self).__name__
        if not _is_int(k) or k < 1:
            raise ValueError(f"{name}: cfg['k'] must be a positive int, got {k!r}")
        if width is not None and (not _is_number(width) or not math.isfinite(width) or width <= 0):
            raise ValueError(f"{name}: cfg['width'] must be None or a number > 0, got {width!r}")

    def _average(self, space: str, other: np.ndarray, q: np.ndarray) -> np.ndarray:
        d2, idx = self.memory.nearest(space, q, self.cfg.k)
        if self.cfg.width is None:
            # h = sqrt(2) d_1, so 2 h^2 = 4 d_1^2; subtracting d_1^2 rescales all weights alike
            w = np.exp(-(d2 - d2[:, :1]) / (4.0 * np.maximum(d2[:, :1], 1e-12)))
        else:
            w = np.exp(-(d2 - d2[:, :1]) / (2.0 * self.cfg.width**2))
        w /= w.sum(axis=1, keepdims=True)
        return np.einsum("qk,qkd->qd", w, other[idx])

    def _predict(self, m: np.ndarray) -> np.ndarray:
        return self._average("m", self.memory.s, m)

    def _infer(self, s: np.ndarray) -> np.ndarray:
        return self._average("s", self.memory.m, s)
