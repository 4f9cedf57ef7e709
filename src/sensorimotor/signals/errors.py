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


class FeedbackError(SignalError):
    """A feedback was refused as a whole: not a mapping, a missing key, a signal that is not a
    dict, or a uuid that is not one. Bad channel values raise a plain ``SignalError``.

    >>> from sensorimotor.signals import ChannelSet, check_feedback
    >>> check_feedback({'s_signal': {}}, ChannelSet([]), ChannelSet([]))
    Traceback (most recent call last):
    ...
    sensorimotor.signals.errors.FeedbackError: feedback has no 'm_signal'
    """
