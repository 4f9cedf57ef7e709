"""Reservoir computing (echo state networks) under HDPy's names.

The reservoir (:class:`ReservoirNode`, its topologies, its memory), its step as pure
functions for the compiled engine (:func:`reservoir_step`, :func:`reservoir_run`,
:func:`reservoir_input_jacobian`) and the online readouts (:class:`PlainRLS`,
:class:`StabilizedRLS`, :class:`LMSReadout`, on ``rules.RLS`` and ``rules.LMS``) live in
:mod:`sensorimotor.nets`; the NARMA and Mackey-Glass series in
:mod:`sensorimotor.envs.streams`; the one-step prediction examples in
:mod:`sensorimotor.reservoir.tasks`. This facade re-exports them.

Example:
    >>> import numpy as np
    >>> from sensorimotor.reservoir import PlainRLS, ReservoirNode
    >>> node = ReservoirNode(input_dim=1, output_dim=100, spectral_radius=0.9, seed=0)
    >>> readout = PlainRLS(input_dim=100, output_dim=1)
    >>> u = np.sin(np.arange(600) / 5.0)
    >>> for t in range(500):
    ...     x = node.execute(u[t : t + 1])
    ...     readout.train(x, target=u[t + 1 : t + 2])
    >>> x = node.execute(u[500:501])
    >>> print(round(float(readout(x)[0]), 3), round(float(u[501]), 3))  # prediction, truth
    -0.324 -0.325
"""

from sensorimotor.envs.streams.mackey_glass import mackey_glass_series
from sensorimotor.envs.streams.narma import narma_series
from sensorimotor.nets import readout as _readout
from sensorimotor.nets import readout_step as _readout_step
from sensorimotor.nets import reservoir_memory as _memory
from sensorimotor.nets import reservoir_step as _step
from sensorimotor.nets import reservoir_topology as _topology
from sensorimotor.nets.readout import *  # noqa: F403 - the facade re-exports the readouts
from sensorimotor.nets.readout_step import *  # noqa: F403 - and their pure step
from sensorimotor.nets.reservoir import ReservoirNode
from sensorimotor.nets.reservoir_memory import *  # noqa: F403 - the memory measures
from sensorimotor.nets.reservoir_step import *  # noqa: F403 - the pure step
from sensorimotor.nets.reservoir_topology import *  # noqa: F403 - the topologies
from sensorimotor.reservoir import tasks as _tasks
from sensorimotor.reservoir.tasks import *  # noqa: F403 - the examples

__all__ = [
    "ReservoirNode",
    "narma_series",
    "mackey_glass_series",
    *_step.__all__,
    *_topology.__all__,
    *_memory.__all__,
    *_readout.__all__,
    *_readout_step.__all__,
    *_tasks.__all__,
]
