"""bench/arm7.py runs end to end with a tiny budget (smoke test of the benchmark script)."""

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "arm7.py"


def test_arm7_bench_runs_with_a_tiny_budget(capsys):
    spec = importlib.util.spec_from_file_location("bench_arm7", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(
        [
            "--train",
            "200",
            "--tests",
            "100",
            "--goals",
            "10",
            "--only",
            "NNLearner",
            "--only",
            "LWLRLearner",
        ]
    )
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in out.splitlines()[2:]}
    assert set(rows) == {"NNLearner", "LWLRLearner"}
    # forward error of LWLR below NN's, on the same 200 observations
    assert float(rows["LWLRLearner"][1]) < float(rows["NNLearner"][1])
