"""A sweep's summary: mean and 95% confidence interval over seeds per grid point, and plots.

The interval of ``n`` seeds' values with mean ``m`` and sample standard deviation ``s`` is
``m +- t_{0.975, n-1} s / sqrt(n)`` (Student's t); one seed gives no interval.

>>> mean_ci([1.0, 2.0, 3.0])
(2.0, 2.484...)
"""

from __future__ import annotations

import json
import math
import os

import numpy as np

from sensorimotor.base.saved_file import atomic_path

__all__ = ["mean_ci", "write_report"]

MAX_LINES = 12  # lines of one plot; more grid points would make it unreadable


def mean_ci(values) -> tuple[float, float]:
    """``(mean, half-width of the 95% interval)`` of the finite ``values`` (NaN without
    any; half-width NaN with fewer than two).

    Of the ``n`` finite values with mean ``m`` and sample standard deviation ``s``
    (``ddof=1``), the half-width is ``h = t_{0.975, n-1} s / sqrt(n)``.

    >>> mean, half = mean_ci([1.0, 2.0, 3.0, float("nan")])  # the NaN is left out
    >>> round(mean, 3), round(half, 3)
    (2.0, 2.484)
    >>> mean_ci([4.0])
    (4.0, nan)
    """
    from scipy.stats import t

    v = np.asarray([x for x in values if math.isfinite(x)], dtype=np.float64)
    if v.size == 0:
        return math.nan, math.nan
    if v.size == 1:
        return float(v[0]), math.nan
    half = t.ppf(0.975, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size)
    return float(v.mean()), float(half)


def _cell(values) -> str:
    """A metric's cell: ``mean ± half-width`` of the finite values (:func:`mean_ci`), and
    how many were not finite (a diverged run's inf, NaN), which the mean leaves out.

    >>> _cell([1.0, 2.0, 3.0]), _cell([1.0, float("inf")]), _cell([float("inf")] * 2), _cell([])
    ('2 ± 2.5', '1 (1 not finite)', 'not finite (2)', '')
    """
    values = [float(v) for v in values]
    not_finite = sum(not math.isfinite(v) for v in values)
    mean, half = mean_ci(values)
    if math.isnan(mean):  # no finite value: say so, a blank cell read as "not measured"
        return f"not finite ({not_finite})" if not_finite else ""
    cell = f"{mean:.4g}" if math.isnan(half) else f"{mean:.4g} ± {half:.2g}"  # one seed
    return cell + (f" ({not_finite} not finite)" if not_finite else "")


def _value(v) -> str:
    return json.dumps(v, sort_keys=True) if isinstance(v, dict) else str(v)


def _label(point: dict) -> str:
    return ", ".join(f"{k}={_value(v)}" for k, v in point.items()) if point else "all"


def _groups(experiment, trials, results):
    """``[(grid point, [(trial, result)])]`` in the grid's order."""
    groups: dict = {}
    for trial, result in zip(trials, results, strict=True):
        key = json.dumps(trial.grid_point, sort_keys=True)
        groups.setdefault(key, (trial.grid_point, []))[1].append((trial, result))
    return list(groups.values())


def write_report(experiment, trials, results, metrics, curves, out_dir: str) -> list[str]:
    """Write ``summary.md`` and the plots; return their paths. ``metrics`` are the final
    metrics' names, ``curves`` each error-free trial's learning curves by trial id.

    A row of ``summary.md`` holds, per grid point, the seeds that ran, the errors, and
    each metric's :func:`mean_ci` as ``mean ± half-width``:

    >>> import os, tempfile
    >>> from sensorimotor.run.experiment import parse_experiment
    >>> exp = parse_experiment({"task": "continual", "seeds": 3})
    >>> results = [{"error": None, "metrics": {"mse": m}} for m in (1.0, 2.0, 3.0)]
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     files = write_report(exp, exp.trials(), results, ["mse"], {}, tmp)
    ...     table = open(files[0]).read().splitlines()
    >>> [os.path.basename(f) for f in files], table[-1]
    (['summary.md'], '| all | 3 | 0 | 2 ± 2.5 |')
    """
    groups = _groups(experiment, trials, results)
    lines = [
        f"# {experiment.description or os.path.basename(experiment.path) or experiment.task}",
        "",
        f"Task `{experiment.task}`, {len(groups)} grid point(s) x {len(experiment.seeds)} "
        f"seed(s) = {len(trials)} trials. Mean and 95% confidence interval (Student t) over "
        "the seeds that ran without error.",
        "",
        "| grid point | seeds | errors | " + " | ".join(metrics) + " |",
        "|---" * (3 + len(metrics)) + "|",
    ]
    for point, members in groups:
        ok = [r for _, r in members if r["error"] is None]
        cells = []
        for m in metrics:
            values = [r["metrics"][m] for r in ok if m in r["metrics"]]
            cells.append(_cell(values))
        lines.append(
            f"| {_label(point)} | {len(ok)} | {len(members) - len(ok)} | "
            + " | ".join(cells)
            + " |"
        )
    errors = [(t, r) for t, r in zip(trials, results, strict=True) if r["error"]]
    if errors:
        lines += ["", "## Errors", ""]
        lines += [f"- `{t.trial_id}`: {r['error']}" for t, r in errors[:20]]
    files = []
    plt = None
    if any(curves.values()) or (metrics and experiment.grid):
        from sensorimotor.run.plotting import agg_pyplot

        plt = agg_pyplot()
    unplotted = []
    if any(curves.values()):
        plotted, unplotted = _plot_curves(plt, groups, curves, out_dir)
        files += plotted
    if metrics and experiment.grid:
        files += _plot_finals(plt, experiment, groups, metrics, out_dir)
    if files:
        lines += ["", "## Plots", ""] + [
            f"![{os.path.basename(f)}]({os.path.basename(f)})" for f in files
        ]
    if unplotted:
        lines += ["", "## Curves not plotted", ""] + [
            f"- `{name}`: not plotted: no grid point has curves of one length over its seeds"
            for name in unplotted
        ]
    path = os.path.join(out_dir, "summary.md")
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return [path, *files]


def _plot_curves(plt, groups, curves, out_dir) -> tuple[list[str], list[str]]:
    """``(files, names)``: the plots written and the curves no grid point could plot."""
    names = []
    for c in curves.values():
        names += [n for n in c if n != "step" and n not in names]
    files, unplotted = [], []
    for name in names:
        fig, ax = plt.subplots(figsize=(6.5, 4.2))
        x = None  # the steps of this curve's last plotted group, never a previous curve's
        for i, (point, members) in enumerate(groups[:MAX_LINES]):
            rows = [curves[t.trial_id] for t, _ in members if name in curves.get(t.trial_id, {})]
            if not rows or len({len(r[name]) for r in rows}) != 1:
                continue
            y = np.stack([r[name] for r in rows])
            x = rows[0].get("step", np.arange(1, y.shape[1] + 1))
            stats = [mean_ci(col) for col in y.T]
            mean = np.array([s[0] for s in stats])
            half = np.nan_to_num(np.array([s[1] for s in stats]))
            colour = f"C{i % 10}"
            ax.plot(x, mean, color=colour, label=_label(point))
            ax.fill_between(x, mean - half, mean + half, color=colour, alpha=0.2, lw=0)
        if x is None:  # every group's seeds differ in length: nothing to draw
            plt.close(fig)
            unplotted.append(name)
            continue
        ax.set_xlabel("step")
        ax.set_ylabel(name)
        if x[0] > 0 and x[-1] / x[0] > 50:  # log-spaced checkpoints
            ax.set_xscale("log")
        ax.set_title(f"{name}: mean and 95% CI over seeds", fontsize=10)
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = os.path.join(out_dir, f"curve_{name}.png")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        files.append(path)
    return files, unplotted


def _plot_finals(plt, experiment, groups, metrics, out_dir) -> list[str]:
    files = []
    keys = list(experiment.grid)
    for metric in metrics:
        fig, axes = plt.subplots(1, len(keys), figsize=(5 * len(keys), 4), squeeze=False)
        for ax, key in zip(axes[0], keys, strict=True):
            values = experiment.grid[key]
            numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
            xs = values if numeric else list(range(len(values)))
            others: dict = {}
            for point, members in groups:
                rest = {k: v for k, v in point.items() if k != key}
                label = _label(rest) if rest else metric
                ok = [
                    r["metrics"][metric]
                    for _, r in members
                    if r["error"] is None and metric in r["metrics"]
                ]
                others.setdefault(label, {})[json.dumps(point[key], sort_keys=True)] = mean_ci(ok)
            for i, (label, by_value) in enumerate(list(others.items())[:MAX_LINES]):
                stats = [
                    by_value.get(json.dumps(v, sort_keys=True), (math.nan, math.nan))
                    for v in values
                ]
                ax.errorbar(
                    xs,
                    [s[0] for s in stats],
                    yerr=np.nan_to_num([s[1] for s in stats]),
                    marker="o",
                    capsize=3,
                    color=f"C{i % 10}",
                    label=label,
                )
            if not numeric:
                ax.set_xticks(xs, [_value(v) for v in values], rotation=20, fontsize=8)
            ax.set_xlabel(key)
            ax.set_ylabel(metric)
            if len(others) > 1:
                ax.legend(fontsize=7)
        fig.suptitle(f"final {metric}: mean and 95% CI over seeds", fontsize=10)
        fig.tight_layout()
        path = os.path.join(out_dir, f"final_{metric}.png")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        files.append(path)
    return files
