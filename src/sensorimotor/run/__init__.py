"""Experiments, evaluation, HDF5 logs, plots and the command line.

The compiled continual-learning loops live in :mod:`sensorimotor.continual`; this layer
runs experiments with them (``sensorimotor.run.sutton1992``) and with the explorers
(``sensorimotor.run.demo``).
"""
