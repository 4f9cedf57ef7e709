"""Learners: linear, TD, streaming MLP, forward and inverse models."""

from sensorimotor.learners.update_result import UpdateResult

__all__ = ["UpdateResult"]
