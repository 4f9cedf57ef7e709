"""Named, bounded channels and dict signals: the robot-facing edge of the library."""

from sensorimotor.signals.channel import Channel
from sensorimotor.signals.channel_set import ChannelSet
from sensorimotor.signals.errors import SignalError

__all__ = ["Channel", "ChannelSet", "SignalError"]
