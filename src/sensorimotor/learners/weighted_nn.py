"""Kernel-weighted k nearest neighbours, forward and inverse."""

import numpy as np

from sensorimotor.learners.learner import Learner, _is_int, check_kernel_width


class WNNLearner(Learner):
    """The ``k`` nearest observations answer, averaged with Gaussian kernel weights.

    Forward model: in scaled units, with the ``k`` nearest observations ``i`` of the command
    ``m`` in motor space at squared distances ``d_i``::

        w_i = exp(-d_i / (2 h^2)),   predict(m) = sum_i w_i s_i / sum_i w_i

    where ``h`` is ``cfg['width']`` (scaled units), or, when ``width`` is ``None`` (default),
    the distance to the nearest neighbour times ``sqrt(2)`` (floored at ``1e-6``) so that
    the weights adapt to the local density.

    Inverse model (``inverse='motor'``, default): the neighbourhood is taken in motor space,
    the weights in sensory space. With ``j`` the observation nearest to the goal ``g`` in
    sensory space, the ``k`` observations ``i`` nearest to ``m_j`` in motor space (``j``
    among them) are averaged with the same kernel of their effects' squared distances to the
    goal, ``d_i = |s_i - g|^2``::

        infer(g) = sum_i w_i m_i / sum_i w_i,   w_i = exp(-d_i / (2 h^2))

    Neighbours in motor space lie on one branch of solutions of a redundant body, so their
    average is a command near them; the ``k`` nearest in sensory space may come from
    several branches, whose average reaches none (``inverse='sensory'``, the weighted
    average over the goal's ``k`` sensory neighbours: on the 7-joint arm of
    ``bench/arm7.py``, reach error 0.073 against 0.007 in motor space, where explauto's
    WNN reaches 0.050-0.053). This is the scheme of explauto's
    WNN inverse model (Moulin-Frier, Rouanet & Oudeyer 2014; its documented ``infer_x``:
    motor neighbours of a guessed command, weighted by their sensory distance to the goal).
    explauto guesses the command among the goal's sensory neighbours as the one whose motor
    neighbourhood's distances to the goal spread least; here the nearest observation is the
    guess, which measured better (reach 0.0072 against 0.0115, same data). Seed:
    ``learners.WNNLearner`` (Benureau); Atkeson, Moore & Schaal (1997), "Locally weighted
    learning".

    >>> from sensorimotor import Channel
    >>> cfg = {'m_channels': [Channel('x', (0, 10))], 's_channels': [Channel('a', (0, 100))],
    ...        'k': 2, 'width': 0.1}
    >>> learner = WNNLearner(cfg)
    >>> learner.update_array(np.array([[1.0], [3.0], [9.0]]), np.array([[10.0], [30.0], [90.0]]))
    >>> round(learner.predict({'x': 2.0})['a'], 6)  # midway: equal weights
    20.0
    >>> round(learner.infer({'a': 20.0})['x'], 6)  # commands 1 and 3, equally near in effect
    2.0
    """

    defcfg = {**Learner.defcfg, "k": 5, "width": None, "inverse": "motor"}

    def _setup(self) -> None:
        k, width, name = self.cfg.k, self.cfg.width, type(self).__name__
        if not _is_int(k) or k < 1:
            raise ValueError(f"{name}: cfg['k'] must be a positive int, got {k!r}")
        check_kernel_width(name, width)
        if not (isinstance(self.cfg.inverse, str) and self.cfg.inverse in ("motor", "sensory")):
            raise ValueError(
                f"{name}: cfg['inverse'] must be 'motor' or 'sensory', got {self.cfg.inverse!r}"
            )

    def _weights(self, d2: np.ndarray) -> np.ndarray:
        """Normalised kernel weights of squared distances ``d2`` (Q, k), nearest first."""
        nearest = d2.min(axis=1, keepdims=True)
        if self.cfg.width is None:
            # h = sqrt(2) d_1, so 2 h^2 = 4 d_1^2; subtracting d_1^2 rescales all weights alike
            w = np.exp(-(d2 - nearest) / (4.0 * np.maximum(nearest, 1e-12)))
        else:
            w = np.exp(-(d2 - nearest) / (2.0 * self.cfg.width**2))
        return w / w.sum(axis=1, keepdims=True)

    def _average(self, space: str, other: np.ndarray, q: np.ndarray) -> np.ndarray:
        d2, idx = self.memory.nearest(space, q, self.cfg.k, check=False)
        return np.einsum("qk,qkd->qd", self._weights(d2), other[idx])

    def _predict(self, m: np.ndarray) -> np.ndarray:
        return self._average("m", self.memory.s, m)

    def _infer(self, s: np.ndarray) -> np.ndarray:
        mem = self.memory
        if self.cfg.inverse == "sensory":
            return self._average("s", mem.m, s)
        _, guess = mem.nearest("s", s, 1, check=False)
        _, idx = mem.nearest("m", mem.m[guess[:, 0]], self.cfg.k, check=False)
        d2 = ((mem.s[idx] - s[:, None]) ** 2).sum(axis=-1)
        return np.einsum("qk,qkd->qd", self._weights(d2), mem.m[idx])
