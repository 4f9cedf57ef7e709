"""bench/arm7_network.py runs end to end with a tiny budget (smoke test of the script)."""

import importlib.util
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parents[2] / "bench" / "arm7_network.py"


def test_arm7_network_bench_runs_with_a_tiny_budget(capsys):
    spec = importlib.util.spec_from_file_location("bench_arm7_network", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    argv = ["--train", "300", "--tests", "50", "--goals", "5", "--set", "hidden=(32,32)"]
    rows = module.main([*argv, "batch_size=32", "capacity=512"])  # no memory growth
    out = capsys.readouterr().out
    assert "seed 0: forward mean" in out and len(rows) == 1
    r = rows[0]
    assert all(np.isfinite(v) for v in r.values())
    # even 300 observations of the 7-joint arm give a forward model better than 0.1
    assert r["forward_mean"] < 0.1 and r["reach_mean"] <= r["forward_mean"]
