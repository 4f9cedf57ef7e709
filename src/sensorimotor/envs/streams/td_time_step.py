"""One transition of a temporal-difference stream."""

from typing import Any, NamedTuple


class TDTimeStep(NamedTuple):
    """A transition ``x -> next_x`` with its ``reward`` (cumulant) and continuation ``gamma``.

    ``gamma`` is the discount of this transition: 0 when the episode ends with it (then
    ``next_x`` is the first state of the next episode and does not enter the target).

    A TD stream's ``step`` returns one:

    Example:
        >>> import jax
        >>> from sensorimotor.envs.streams import RandomWalkChainStream
        >>> stream = RandomWalkChainStream(num_states=5)
        >>> _, ts = stream.step(stream.init(jax.random.key(0)), jax.random.key(1))
        >>> ts.x.tolist(), float(ts.reward), float(ts.gamma)  # one-hot centre, mid-episode
        ([0.0, 0.0, 1.0, 0.0, 0.0], 0.0, 1.0)
    """

    x: Any
    reward: Any
    next_x: Any
    gamma: Any
