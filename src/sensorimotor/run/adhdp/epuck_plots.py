"""A figure of the ePuck's arena and trajectories (PNG, matplotlib's Agg backend)."""

import numpy as np

from sensorimotor.envs import Epuck2D
from sensorimotor.run.plotting import agg_pyplot


def plot_epuck_trajectories(
    path: str, robot: Epuck2D | None = None, trajectories=(), collided=None, title: str = ""
) -> str:
    """Draw ``robot``'s arena (walls as lines, obstacles filled) and ``trajectories``.

    ``trajectories``: arrays of positions ``(T, 2)`` (e.g. ``BaselineResult.trajectories``);
    each starts with a dot and, where ``collided[i]`` is true, ends with a cross. Writes
    a PNG to ``path`` and returns it.

    >>> import os, tempfile
    >>> from sensorimotor.envs import random_heading_baseline
    >>> runs = random_heading_baseline(episodes=3, seed=0)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     png = plot_epuck_trajectories(os.path.join(tmp, 'a.png'), None, runs.trajectories, runs.collided)
    ...     os.path.getsize(png) > 1000
    True
    """
    robot = Epuck2D() if robot is None else robot
    plt = agg_pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    for polygon in robot.polygons:
        ax.fill(polygon[:, 0], polygon[:, 1], color="0.75", edgecolor="0.2", lw=1)
    for (x0, y0), (x1, y1) in robot.edges:
        ax.plot((x0, x1), (y0, y1), color="0.2", lw=1)
    collided = np.zeros(len(trajectories), bool) if collided is None else np.asarray(collided)
    colours = plt.get_cmap("tab10")
    for i, path_xy in enumerate(trajectories):
        xy = np.asarray(path_xy)
        colour = colours(i % 10)
        ax.plot(xy[:, 0], xy[:, 1], "-", color=colour, lw=1)
        ax.plot(xy[0, 0], xy[0, 1], "o", color=colour, ms=4)
        if collided[i]:
            ax.plot(xy[-1, 0], xy[-1, 1], "x", color=colour, ms=7, mew=2)
    ax.set_aspect("equal")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(title or f"ePuck arena, {len(trajectories)} trajectories (x: collision)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
