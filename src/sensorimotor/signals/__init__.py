"""Named, bounded channels and dict signals: the robot-facing edge of the library.

A signal is validated and converted to an array once, where it comes in
(``ChannelSet.to_signal``, ``check_feedback``); the ``Signal`` and ``Feedback`` that result
read as the seeds' plain dicts and carry their arrays on, so that nothing converts twice.
"""

from sensorimotor.signals.channel import Channel
from sensorimotor.signals.channel_set import ChannelSet, channel_value
from sensorimotor.signals.errors import FeedbackError, SignalError
from sensorimotor.signals.feedback import FEEDBACK_KEYS, Feedback, check_feedback, uuid_key
from sensorimotor.signals.signal import Signal

__all__ = [
    "channel_value",
    "FEEDBACK_KEYS",
    "Channel",
    "ChannelSet",
    "Feedback",
    "FeedbackError",
    "Signal",
    "SignalError",
    "check_feedback",
    "uuid_key",
]
