"""Motor babbling: uniform random commands."""

from sensorimotor.explore.explorer import Explorer, unbounded_error


class RandomMotorExplorer(Explorer):
    """Motor babbling: every command is drawn uniformly within the motor bounds.

    ``m ~ U(low_m, high_m)`` from the explorer's generator, tag ``'motor'``. The learner is
    optional (it is fed if given). Every motor channel must be bounded. Seed:
    ``explorers.RandomMotorExplorer`` (Benureau); the motor-babbling baseline of Moulin-Frier
    & Oudeyer (2013), "Exploration strategies in developmental robotics: a unified
    probabilistic framework".

    >>> from sensorimotor import Channel
    >>> explorer = RandomMotorExplorer({'m_channels': [Channel('x', (0, 10))],
    ...                                 's_channels': [Channel('a', (0, 1))], 'seed': 1})
    >>> e = explorer.explore()
    >>> round(e['m_signal']['x'], 4), e['from']
    (5.1182, 'motor')
    """

    def _setup(self) -> None:
        error = unbounded_error(type(self).__name__, self.m_set)
        if error is not None:
            raise error

    def _explore(self) -> dict:
        return {"m_signal": self.m_set.signal(self.random_motor()), "from": "motor"}
