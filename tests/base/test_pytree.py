import dataclasses
from typing import NamedTuple

import numpy as np

from sensorimotor.base.pytree import combine, partition


@dataclasses.dataclass(frozen=True)
class Geometry:
    """Not a pytree: one opaque, hashable leaf."""

    lengths: tuple = (1.0, 2.0)


class Holder(NamedTuple):
    rate: float
    size: int
    geometry: Geometry
    weights: np.ndarray


def test_only_floats_and_arrays_are_dynamic_and_round_trip():
    tree = Holder(0.5, 3, Geometry(), np.ones(2))
    dynamic, static = partition(tree)
    assert len(dynamic) == 2 and dynamic[0] == 0.5  # the float and the array
    hash(static)  # the non-pytree object and the int are part of the cache key
    back = combine(dynamic, static)
    assert back.geometry is tree.geometry and back.size == 3 and back.rate == 0.5
    # a bool is structure, not data
    assert partition((True, 1.0))[0] == [1.0]
