"""A sweep's summary and plots, written from results and curves without running a sweep."""

from types import SimpleNamespace

import numpy as np
import pytest

from sensorimotor.run.sweep_report import write_report


def _sweep(curves_of):
    """Two grid points x two seeds; ``curves_of(point, seed)`` gives a trial's curves."""
    experiment = SimpleNamespace(
        description="test", path="", task="t", seeds=[0, 1], grid={"a": [1, 2]}
    )
    trials, results, curves = [], [], {}
    for a in (1, 2):
        for seed in (0, 1):
            trial = SimpleNamespace(trial_id=f"a{a}-s{seed}", grid_point={"a": a}, seed=seed)
            trials.append(trial)
            results.append({"error": None, "metrics": {"m": float(a + seed)}})
            curves[trial.trial_id] = curves_of(a, seed)
    return experiment, trials, results, curves


@pytest.mark.parametrize("order", ["ragged first", "ragged last"])
def test_a_curve_no_grid_point_can_plot_is_skipped_and_said_so(tmp_path, order):
    """A curve whose seeds differ in length in every grid point left ``x`` unbound (an
    UnboundLocalError when it came first) or took the previous curve's ``x`` and wrote an
    empty plot."""

    def curves_of(a, seed):
        ragged = {"ragged": np.ones(3 + seed)}  # seed 0: 3 points, seed 1: 4
        even = {"step": np.array([10.0, 20.0, 30.0]), "error": np.full(3, a + seed)}
        return {**ragged, **even} if order == "ragged first" else {**even, **ragged}

    experiment, trials, results, curves = _sweep(curves_of)
    files = write_report(experiment, trials, results, ["m"], curves, str(tmp_path))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "curve_error.png" in names and "curve_ragged.png" not in names
    assert str(tmp_path / "curve_ragged.png") not in files
    summary = (tmp_path / "summary.md").read_text()
    assert "- `ragged`: not plotted: no grid point has curves of one length" in summary


def test_one_seed_shows_the_value_without_an_interval(tmp_path):
    experiment = SimpleNamespace(description="one", path="", task="t", seeds=[0], grid={})
    trial = SimpleNamespace(trial_id="s0", grid_point={}, seed=0)
    result = {"error": None, "metrics": {"m": 0.25}}
    write_report(experiment, [trial], [result], ["m"], {"s0": {}}, str(tmp_path))
    summary = (tmp_path / "summary.md").read_text()
    assert "| all | 1 | 0 | 0.25 |" in summary
    assert "nan" not in summary
