"""bench/interest_explore.py runs end to end with a tiny budget (smoke test of the script)."""

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "interest_explore.py"


def test_interest_bench_runs_with_a_tiny_budget(capsys):
    spec = importlib.util.spec_from_file_location("bench_interest_explore", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--seeds", "1", "--tie-seeds", "1", "--steps", "150", "--learners", "NNLearner"])
    out = capsys.readouterr().out
    rows = [line.split(" | ") for line in out.splitlines() if line.startswith("| ")]
    envs = {r[0].strip("| ") for r in rows if r[1] == "interest-driven"}
    assert envs == {"plain arm", "arm, 4x box", "arm + distractor", "NNLearner"}
    assert "seeds where interest is better" in out
    for r in rows[1:]:
        if r[0] not in ("|---", "| environment", "| learner"):
            assert float(r[2].split()[0]) >= 0 and float(r[3].split()[0]) > 0
            share = r[4].strip(" |")
            if r[1] == "motor babbling":  # no goals: no share
                assert share == "-"
            else:
                assert 0.0 <= float(share.split()[0]) <= 1.0
