"""Exact nearest neighbour, forward and inverse."""

import numpy as np

from sensorimotor.learners.learner import Learner


class NNLearner(Learner):
    """The nearest observation answers, both ways.

    With observations ``(m_i, s_i)`` in scaled units (every channel mapped to ``[0, 1]``)::

        predict(m) = s_j,  j = argmin_i |m_i - m|^2
        infer(s)   = m_j,  j = argmin_i |s_i - s|^2

    ties going to the earliest observation. The search is exact (``Memory.nearest``): brute
    force below 4096 observations, then kd-trees over the bulk of the memory plus brute force
    over the newest rows, rebuilt in a background thread on a geometric schedule
    (``NeighbourIndex``), with the same answers.
    Seed: ``learners.NNLearner`` (Benureau); Moore (1992), "Fast, robust adaptive control by
    learning only forward models".

    >>> from sensorimotor import Channel
    >>> cfg = {'m_channels': [Channel('x', (0, 10))], 's_channels': [Channel('a', (0, 100))]}
    >>> learner = NNLearner(cfg)
    >>> learner.update_array(np.array([[1.0], [4.0], [9.0]]), np.array([[1.0], [16.0], [81.0]]))
    >>> learner.predict({'x': 3.0}), learner.infer({'a': 60.0})
    ({'a': 16.0}, {'x': 9.0})
    """

    def _predict(self, m: np.ndarray) -> np.ndarray:
        _, idx = self.memory.nearest("m", m, check=False)
        return self.memory.s[idx[:, 0]]

    def _infer(self, s: np.ndarray) -> np.ndarray:
        _, idx = self.memory.nearest("s", s, check=False)
        return self.memory.m[idx[:, 0]]
