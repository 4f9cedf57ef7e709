"""The one exception type for bad signals."""


class SignalError(ValueError):
    """A signal was refused: a channel is missing, unknown, not a finite number, or out of bounds.

    ``channel`` names the offending channel (``None`` when the problem is not one channel's,
    e.g. a wrong array shape).

    >>> err = SignalError("channel 'x' is NaN", channel="x")
    >>> err.channel, isinstance(err, ValueError)
    ('x', True)
    """

    def __init__(self, message: str, channel: str | None = None):
        super().__init__(message)
        self.channel = channel
