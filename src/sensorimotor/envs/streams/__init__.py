"""Streams of samples for continual learning, usable inside compiled loops.

A stream is a frozen (hashable) object with ``feature_dim`` and two pure functions:
``init(key) -> state`` and ``step(state, key) -> (state, TimeStep)``.
"""

from sensorimotor.envs.streams.time_step import TimeStep

__all__ = ["TimeStep"]
