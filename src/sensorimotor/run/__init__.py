"""Experiments, evaluation, HDF5 logs, plots and the command line.

The compiled continual-learning loops live in :mod:`sensorimotor.continual`; this layer
runs experiments with them (``sensorimotor.run.sutton1992``) and with the explorers
(``sensorimotor.run.demo``), and logs observations: ``ObservationLog`` writes an HDF5 log
that survives a crash, ``read_log`` reads one back; ``EpisodeLog`` writes an actor-critic's
episodes (one HDF5 group each), ``read_episodes`` reads them back.
"""

from sensorimotor.run.episode_log import EpisodeLog, read_episodes
from sensorimotor.run.observation_log import LogRecords, ObservationLog, read_log

__all__ = ["LogRecords", "ObservationLog", "read_log", "EpisodeLog", "read_episodes"]
