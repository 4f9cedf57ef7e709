"""Experiments, evaluation, HDF5 logs, plots and the command line.

The compiled continual-learning loops live in :mod:`sensorimotor.continual`; this layer
runs experiments with them (``sensorimotor.run.sutton1992``) and with the explorers
(``sensorimotor.run.demo``), and logs observations: ``ObservationLog`` writes an HDF5 log
that survives a crash, ``read_log`` reads one back.
"""

from sensorimotor.run.observation_log import LogRecords, ObservationLog, read_log

__all__ = ["LogRecords", "ObservationLog", "read_log"]
