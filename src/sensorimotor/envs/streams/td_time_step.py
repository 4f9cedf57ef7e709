"""One transition of a temporal-difference stream."""

from typing import Any, NamedTuple


class TDTimeStep(NamedTuple):
    """A transition ``x -> next_x`` with its ``reward`` (cumulant) and continuation ``gamma``.

    ``gamma`` is the discount of this transition: 0 when the episode ends with it (then
    ``next_x`` is the first state of the next episode and does not enter the target).
    """

    x: Any
    reward: Any
    next_x: Any
    gamma: Any
