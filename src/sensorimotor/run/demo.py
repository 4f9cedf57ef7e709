"""The demo: motor babbling on the 7-joint arm (the showcase grows with the library)."""

import os
import time

import numpy as np

from sensorimotor.envs import KinematicArm2D
from sensorimotor.run.observation_log import ObservationLog
from sensorimotor.run.progress import progress


def run_demo(
    out_dir: str = "runs/demo", steps: int = 3000, seed: int = 0, progress_bar: bool = True
) -> dict:
    """Motor babbling on ``KinematicArm2D.mid7()``: log every observation, plot the reached points.

    Writes ``motor_babbling.h5`` (the observation log) and ``reached.png`` in ``out_dir`` and
    returns a summary dict.

    >>> import tempfile
    >>> summary = run_demo(tempfile.mkdtemp(), steps=50, progress_bar=False)
    >>> summary['steps'], summary['coverage'] > 0
    (50, True)
    """
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(seed)
    arm = KinematicArm2D.mid7()
    log_path = os.path.join(out_dir, "motor_babbling.h5")
    if os.path.exists(log_path):
        os.remove(log_path)
    reached = np.empty((steps, 2))
    start = time.perf_counter()
    with ObservationLog(log_path, arm.m_channels, arm.s_channels) as log:
        for t in progress(range(steps), desc="motor babbling", disable=not progress_bar):
            feedback = arm.execute(arm.m_set.random_signal(rng))
            log.append(feedback, meta={"step": t, "from": "motor babbling"})
            reached[t] = arm.s_set.to_array(feedback["s_signal"])
    elapsed = time.perf_counter() - start
    coverage = _coverage(reached, arm.s_set.low, arm.s_set.high, cells=20)
    png = os.path.join(out_dir, "reached.png")
    _plot(reached, arm, png)
    return {"steps": steps, "coverage": coverage, "seconds": elapsed, "log": log_path, "plot": png}


def _coverage(points: np.ndarray, low: np.ndarray, high: np.ndarray, cells: int) -> int:
    idx = np.clip(((points - low) / (high - low) * cells).astype(int), 0, cells - 1)
    return len({tuple(i) for i in idx})


def _plot(points: np.ndarray, arm: KinematicArm2D, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sensorimotor.envs import arm_joint_positions

    fig, ax = plt.subplots(figsize=(5, 5))
    ax.scatter(points[:, 0], points[:, 1], s=2, alpha=0.5, label="reached by motor babbling")
    posture = arm_joint_positions(np.zeros(arm.dim), arm.lengths, arm.origin)
    ax.plot(posture[:, 0], posture[:, 1], "k-o", ms=3, label="arm at rest")
    ax.set_aspect("equal")
    ax.set_xlim(-1.05, 1.05)
    ax.set_ylim(-1.05, 1.05)
    ax.set_title(f"{len(points)} random commands, 7-joint arm")
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
