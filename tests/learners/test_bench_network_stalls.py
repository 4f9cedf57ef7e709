"""bench/network_stalls.py and bench/network_noise.py run end to end with tiny budgets."""

import importlib.util
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parents[2] / "bench"
# the configuration of test_bench_arm7_network's run: its compilations serve these too
CFG = ["hidden=(32,32)", "batch_size=32", "capacity=512"]


def _load(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stalls_bench_counts_no_compilation_after_warmup(capsys):
    out = _load("network_stalls").main(["--steps", "700", "--set", *CFG, "capacity=256"])
    printed = capsys.readouterr().out
    assert "compilations during the run: 0" in printed
    assert out["compilations"] == 0 and out["traces"] == 0  # past the capacity (256)
    assert 0 < out["cpu"]["median"] <= out["cpu"]["max"] and np.isfinite(out["wall"]["ratio"])


def test_noise_bench_runs_with_a_tiny_budget(capsys):
    means = _load("network_noise").main(["--steps", "300", "--seeds", "0", "--set", *CFG])
    assert "seed 0: reach@300" in capsys.readouterr().out
    assert 0 < means[300] < 0.5
