"""The random-walk Markov chain of Sutton & Barto, as a TD stream with known values."""

from __future__ import annotations

from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

from sensorimotor.base.bounds import COUNT, FINITE, UNIT, check_settings
from sensorimotor.envs.streams.noise import normals
from sensorimotor.envs.streams.td_time_step import TDTimeStep


class ChainState(NamedTuple):
    """Index of the current (non-terminal) state.

    Example:
        >>> import jax
        >>> stream = RandomWalkChainStream(num_states=5)
        >>> state = stream.init(jax.random.key(0))  # the centre state
        >>> int(state.position)
        2
        >>> state, _ = stream.step(state, jax.random.key(1))
        >>> int(state.position) in (1, 3)
        True
    """

    position: Any


class RandomWalkChainStream(NamedTuple):
    r"""Random walk over ``num_states`` non-terminal states (Sutton & Barto 2018, Ex. 6.2
    with 5 states, Ex. 7.1 with 19), as a continuing stream of TD transitions.

    Episodes start in the centre state; each step moves left or right with probability
    1/2; stepping off the left end gives ``left_reward`` and off the right end
    ``right_reward`` (0 otherwise) and ends the episode: that transition has
    ``gamma = 0`` and ``next_x`` is the centre state of the next episode. Features are
    one-hot (tabular). Inside an episode ``gamma`` is ``discount``.

    ``true_values()`` solves the Bellman equations; for ``discount = 1`` they are
    :math:`v(i) = l + (r - l)\,(i+1)/(N+1)` (e.g. :math:`1/6, \dots, 5/6` for 5 states,
    :math:`-0.9, \dots, 0.9` for 19 states with rewards -1 and +1).

    Example:
        >>> stream = RandomWalkChainStream(num_states=5, left_reward=0.0)
        >>> print(stream.true_values())
        [0.16666667 0.33333333 0.5        0.66666667 0.83333333]
    """

    num_states: int = 19
    left_reward: float = -1.0
    right_reward: float = 1.0
    discount: float = 1.0

    BOUNDS = dict(num_states=COUNT, left_reward=FINITE, right_reward=FINITE, discount=UNIT)

    @property
    def feature_dim(self) -> int:
        """One feature per non-terminal state."""
        return self.num_states

    def init(self, key) -> ChainState:
        """Start in the centre state."""
        check_settings(self)
        return ChainState(jnp.asarray(self.num_states // 2, jnp.int32))

    @property
    def noise_dim(self) -> int:
        """One standard normal per step: its sign picks the move."""
        return 1

    def step(self, state: ChainState, key):
        """One transition: ``(state, TDTimeStep(x, reward, next_x, gamma))``."""
        return self.advance(state, normals(key, 1))

    def advance(self, state: ChainState, z):
        """:meth:`step` given one standard normal ``z`` (shape ``(1,)``)."""
        n = self.num_states
        move = jnp.where(z[0] > 0, 1, -1)
        nxt = state.position + move
        off_left, off_right = nxt < 0, nxt >= n
        done = off_left | off_right
        reward = jnp.where(off_left, self.left_reward, jnp.where(off_right, self.right_reward, 0.0))
        nxt = jnp.where(done, n // 2, nxt)
        gamma = jnp.where(done, 0.0, self.discount)
        eye = jnp.eye(n)
        return ChainState(nxt), TDTimeStep(eye[state.position], reward, eye[nxt], gamma)

    def true_values(self) -> np.ndarray:
        """Exact state values (float64), from the Bellman equations; settings out of their
        bounds raise ``ValueError`` naming one (a ``discount`` of 1.5 gave values).

        >>> RandomWalkChainStream(5, discount=1.5).true_values()
        Traceback (most recent call last):
        ...
        ValueError: RandomWalkChainStream.discount must be a finite number in [0, 1], got 1.5
        """
        check_settings(self)
        n = self.num_states
        P = np.zeros((n, n))
        r = np.zeros(n)
        for i in range(n):
            for j in (i - 1, i + 1):
                if 0 <= j < n:
                    P[i, j] += 0.5 * self.discount
            r[i] = 0.5 * (self.left_reward if i == 0 else 0.0) + 0.5 * (
                self.right_reward if i == n - 1 else 0.0
            )
        return np.linalg.solve(np.eye(n) - P, r)
