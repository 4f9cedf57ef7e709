"""sensorimotor: learning in robots and other sensorimotor systems, one sample at a time.

The names below are imported on first use (PEP 562), so that ``import sensorimotor``
and the command's start-up do not load JAX before they need it: a Ctrl-C or a bad JAX
setting during that load is then the command's to report.

>>> import sensorimotor
>>> sensorimotor.Channel("x", bounds=(0, 1)).name
'x'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_LAZY = {
    "Channel": "sensorimotor.signals",
    "ChannelSet": "sensorimotor.signals",
    "SignalError": "sensorimotor.signals",
    "Environment": "sensorimotor.envs",
    "KinematicArm2D": "sensorimotor.envs",
}

__all__ = ["Channel", "ChannelSet", "Environment", "KinematicArm2D", "SignalError", "__version__"]

if TYPE_CHECKING:
    from sensorimotor.envs import Environment, KinematicArm2D
    from sensorimotor.signals import Channel, ChannelSet, SignalError


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # once: later lookups find it without this function
        return value
    raise AttributeError(f"module 'sensorimotor' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
