"""Streams of samples for continual learning, usable inside compiled loops.

A stream is a frozen (hashable) object with ``feature_dim`` and two pure functions:
``init(key) -> state`` and ``step(state, key) -> (state, TimeStep)`` (supervised) or
``(state, TDTimeStep)`` (temporal difference). Its class declares the bounds of its
settings in ``BOUNDS``, checked by ``init`` and by a compiled loop before it compiles (see
:mod:`sensorimotor.base.bounds`).

Optionally a stream also has ``noise_dim`` and ``advance(state, z)`` with
``step(state, key) == advance(state, normals(key, noise_dim))`` (see ``noise``); the
compiled loops then draw the noise of a chunk of steps in one vectorised call (the
per-step random draws would otherwise dominate a linear learner's step), with
exactly the same samples.

A stream of finite length (recorded data: :class:`ArrayStream`, :class:`ArrayTDStream`)
has ``check_num_steps(num_steps)``, which a compiled loop calls before it compiles: it
refuses to run past the end of the data.
"""

from sensorimotor.envs.streams.array_stream import ArrayStream, ArrayStreamState, ArrayTDStream
from sensorimotor.envs.streams.mackey_glass import mackey_glass_series
from sensorimotor.envs.streams.narma import narma_series
from sensorimotor.envs.streams.noise import normals
from sensorimotor.envs.streams.random_walk_chain import ChainState, RandomWalkChainStream
from sensorimotor.envs.streams.supervised import (
    AbruptChangeStream,
    CyclicStream,
    RandomWalkStream,
    ScaleDriftStream,
    SuttonExperiment1Stream,
)
from sensorimotor.envs.streams.td_time_step import TDTimeStep
from sensorimotor.envs.streams.time_step import TimeStep

__all__ = [
    "TimeStep",
    "TDTimeStep",
    "RandomWalkStream",
    "AbruptChangeStream",
    "SuttonExperiment1Stream",
    "CyclicStream",
    "ScaleDriftStream",
    "RandomWalkChainStream",
    "ChainState",
    "ArrayStream",
    "ArrayTDStream",
    "ArrayStreamState",
    "normals",
    "narma_series",
    "mackey_glass_series",
]
