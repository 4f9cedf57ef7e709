"""sensorimotor: learning in robots and other sensorimotor systems, one sample at a time."""

from sensorimotor.envs import Environment, KinematicArm2D
from sensorimotor.signals import Channel, ChannelSet, SignalError

__version__ = "0.1.0"

__all__ = ["Channel", "ChannelSet", "Environment", "KinematicArm2D", "SignalError", "__version__"]
