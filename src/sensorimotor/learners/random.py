"""The chance baseline: answers drawn uniformly at random."""

import numpy as np

from sensorimotor.learners.learner import Learner, NotReadyError


class RandomLearner(Learner):
    """Answers uniformly at random within the channels' bounds, learning nothing.

    ``predict(m)`` draws ``s ~ U(low_s, high_s)`` and ``infer(s)`` draws ``m ~ U(low_m, high_m)``
    from the learner's generator (seeded by ``cfg['seed']``), before and after observations:
    the baseline every other learner must beat. An unbounded channel is drawn within the
    range of its observed values (``NotReadyError`` while there are none).
    Seed: ``learners.RandomLearner`` (Benureau).

    >>> from sensorimotor import Channel
    >>> cfg = {'m_channels': [Channel('x', (0, 10)), Channel('y', (5, 15))],
    ...        's_channels': [Channel('a', (5, 25))], 'seed': 1}
    >>> learner = RandomLearner(cfg)
    >>> a = learner.predict({'x': 3, 'y': 4})['a']
    >>> 5 <= a <= 25, round(a, 3)
    (True, 15.236)
    """

    needs_data = False

    def _draw(self, space: str, count: int) -> np.ndarray:
        cs = self.m_set if space == "m" else self.s_set
        lo = np.zeros(len(cs))
        # a channel of zero width scales with width 1 (ChannelSet): its one value is u = 0
        hi = np.where(cs.high > cs.low, 1.0, 0.0)
        if not cs.bounded.all():
            data = self.memory.space(space)
            if data.shape[0] == 0:
                raise NotReadyError(
                    f"RandomLearner: channels {list(cs.unbounded)} "
                    "are unbounded and nothing was observed yet"
                )
            lo = np.where(cs.bounded, lo, data.min(axis=0))
            hi = np.where(cs.bounded, hi, data.max(axis=0))
        return self.rng.uniform(lo, hi, size=(count, len(cs)))

    def _predict(self, m: np.ndarray) -> np.ndarray:
        return self._draw("s", m.shape[0])

    def _infer(self, s: np.ndarray) -> np.ndarray:
        return self._draw("m", s.shape[0])
