"""The ePuck's random-heading baseline: how long episodes last without learning."""

from typing import NamedTuple

import numpy as np

from sensorimotor.envs.epuck.epuck import TWO_PI, Epuck2D, EpuckState, epuck_move

MAX_STEPS = 200


class BaselineResult(NamedTuple):
    """Per episode: ``lengths`` (steps taken, int), ``collided`` (bool: ended at an obstacle,
    not by the step limit) and ``trajectories`` (positions, ``(length + 1, 2)`` each).
    ``median_length`` is the median of ``lengths``, ``collision_rate`` the mean of
    ``collided``.

    >>> result = random_heading_baseline(episodes=3, seed=0, max_steps=20)
    >>> result.lengths.shape, [len(t) for t in result.trajectories] == list(result.lengths + 1)
    ((3,), True)
    >>> bool(result.median_length <= 20), 0.0 <= result.collision_rate <= 1.0
    (True, True)
    """

    lengths: np.ndarray
    collided: np.ndarray
    trajectories: list

    @property
    def median_length(self) -> float:
        return float(np.median(self.lengths))

    @property
    def collision_rate(self) -> float:
        return float(np.mean(self.collided))


def random_heading_baseline(
    episodes: int = 10, seed: int = 0, cfg=None, max_steps: int = MAX_STEPS
) -> BaselineResult:
    """Run ``episodes`` episodes of ``Epuck2D(cfg)`` (or of the robot ``cfg``) under
    uniformly random headings.

    Each episode starts at ``Epuck2D.random_start`` and at every step turns to a heading
    drawn uniformly from ``[0, 2 pi)``, until a collision or ``max_steps`` steps. One
    generator seeded by ``seed`` draws first every episode's start (in order), then the
    headings as an array ``(max_steps, episodes)``; the episodes run side by side through
    the batched ``epuck_move``, which gives what ``Epuck2D.execute`` gives step by step.

    >>> result = random_heading_baseline(episodes=20, seed=0)
    >>> result.lengths.shape, bool(result.lengths.max() <= 200)
    ((20,), True)
    >>> 0.0 <= result.collision_rate <= 1.0
    True
    """
    if isinstance(episodes, bool) or not isinstance(episodes, int | np.integer) or episodes < 1:
        raise ValueError(f"episodes must be a positive int, got {episodes!r}")
    if isinstance(max_steps, bool) or not isinstance(max_steps, int | np.integer) or max_steps < 1:
        raise ValueError(f"max_steps must be a positive int, got {max_steps!r}")
    robot = cfg if isinstance(cfg, Epuck2D) else Epuck2D(cfg)
    rng = np.random.default_rng(seed)
    starts = [robot.random_start(rng) for _ in range(episodes)]
    headings = rng.uniform(0.0, TWO_PI, size=(max_steps, episodes))
    state = EpuckState(
        np.array([s.position for s in starts]), np.array([float(s.pose) for s in starts])
    )
    positions = np.empty((max_steps + 1, episodes, 2))
    positions[0] = state.position
    lengths = np.zeros(episodes, dtype=np.int64)
    collided = np.zeros(episodes, dtype=bool)
    running = np.ones(episodes, dtype=bool)
    for t in range(max_steps):
        moved, hit = epuck_move(state, headings[t], robot.edges, robot.step_length)
        # finished episodes stay where they ended
        position = np.where(running[:, None], moved.position, state.position)
        state = EpuckState(position, np.where(running, moved.pose, state.pose))
        positions[t + 1] = position
        lengths += running
        collided |= running & hit
        running &= ~hit
        if not running.any():
            break
    trajectories = [positions[: n + 1, i].copy() for i, n in enumerate(lengths)]
    return BaselineResult(lengths, collided, trajectories)
