"""The demo's figures (matplotlib, Agg backend): learning curves and reached points."""

import numpy as np

from sensorimotor.envs import arm_joint_positions
from sensorimotor.run.plotting import agg_pyplot

COLOURS = {
    "motor babbling": "tab:blue",
    "goal babbling": "tab:orange",
    "interest-driven": "tab:green",
}


def plot_learning_curves(
    results: dict, reachable_cells: int, path: str, switch: int | None = 100
) -> str:
    """Two panels against steps (log scale): mean and p90 reach error on the uniform goals,
    and coverage as a fraction of the reachable cells; a dotted line at ``switch``, the step
    where the goal explorers stop motor babbling. Returns ``path``."""
    plt = agg_pyplot()
    fig, (ax_err, ax_cov) = plt.subplots(1, 2, figsize=(11, 4.2))
    if switch is not None:
        for ax in (ax_err, ax_cov):
            ax.axvline(switch, ls=":", color="0.4", lw=1)
            ax.annotate(
                "goal explorers start",
                (switch, 0.02),
                xycoords=("data", "axes fraction"),
                xytext=(3, 0),
                textcoords="offset points",
                fontsize=7,
                color="0.3",
            )
    for label, curve in results.items():
        steps = sorted(curve)
        colour = COLOURS.get(label)
        mean = [curve[s]["uniform goals"].mean for s in steps]
        p90 = [curve[s]["uniform goals"].p90 for s in steps]
        ax_err.plot(steps, mean, "-o", ms=3, color=colour, label=f"{label}, mean")
        ax_err.plot(steps, p90, "--", color=colour, alpha=0.6, label=f"{label}, 90th percentile")
        cov = [100.0 * curve[s]["coverage"] / reachable_cells for s in steps]
        ax_cov.plot(steps, cov, "-o", ms=3, color=colour, label=label)
    ax_err.set_yscale("log")
    _label_axes(
        ax_err,
        "reach error (arm lengths)",
        "Reaching goals spread uniformly over the reachable space",
        7,
    )
    _label_axes(
        ax_cov,
        "coverage (% of reachable cells)",
        "Coverage of the reachable space (20 x 20 grid)",
        8,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _label_axes(ax, ylabel: str, title: str, legend_size: int):
    """A panel against exploration steps on a log axis, with its grid and legend."""
    ax.set_xscale("log")
    ax.set_xlabel("exploration steps")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=legend_size)


def plot_reached(reached: dict, reachable: np.ndarray, arm, path: str) -> str:
    """One panel per explorer: the points it reached (colour = step) over the estimated
    reachable space (grey), with the arm at rest. Returns ``path``."""
    plt = agg_pyplot()
    n = len(reached)
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 4.6), squeeze=False)
    rest = arm_joint_positions(np.zeros(arm.dim), arm.lengths, arm.origin)
    sub = reachable[:: max(1, len(reachable) // 20000)]
    for ax, (label, points) in zip(axes[0], reached.items(), strict=True):
        ax.scatter(sub[:, 0], sub[:, 1], s=1, color="0.85", rasterized=True, label="reachable")
        sc = ax.scatter(
            points[:, 0], points[:, 1], s=2, c=np.arange(len(points)), cmap="viridis", alpha=0.8
        )
        ax.plot(rest[:, 0], rest[:, 1], "k-o", ms=2, lw=1, label="arm at rest")
        ax.set_aspect("equal")
        ax.set_xlim(-1.05, 1.05)
        ax.set_ylim(-1.05, 1.05)
        ax.set_title(f"{label}: {len(points)} steps")
        ax.legend(loc="center left", fontsize=7, markerscale=3, frameon=False)
    fig.colorbar(sc, ax=axes[0].tolist(), shrink=0.8, label="step")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path
