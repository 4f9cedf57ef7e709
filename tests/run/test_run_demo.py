import numpy as np
import pytest

from sensorimotor import KinematicArm2D
from sensorimotor.run.demo import checkpoints, run_demo
from sensorimotor.run.observation_log import read_log

PAIR = ("motor babbling", "goal babbling")


@pytest.mark.parametrize("seed", [0, 1])
def test_goal_babbling_covers_more_and_reaches_better_after_3000_steps(tmp_path, seed, capsys):
    # acceptance 3, in the demo's own setting (mid7 arm, 3000 steps, 500 uniform goals)
    result = run_demo(tmp_path, steps=3000, seed=seed, progress=False, explorers=PAIR)
    motor = result["results"]["motor babbling"][3000]
    goal = result["results"]["goal babbling"][3000]
    assert goal["coverage"] > 1.1 * motor["coverage"]
    assert goal["uniform goals"].mean < 0.75 * motor["uniform goals"].mean
    assert goal["uniform goals"].p90 < motor["uniform goals"].p90
    # the printed table shows it: the 3000-step rows and the verdict
    out = capsys.readouterr().out
    assert out.startswith(result["table"])
    rows = {
        line.split("  ")[1].strip(): line.split()
        for line in out.splitlines()
        if line.startswith("3000")
    }
    assert float(rows["goal babbling"][3]) == pytest.approx(goal["uniform goals"].mean, abs=1e-4)
    assert int(rows["motor babbling"][-1]) == motor["coverage"]
    assert "goal babbling wins on both." in out


def test_outputs_logs_plots_and_same_seed_same_result(tmp_path):
    a = run_demo(tmp_path / "a", steps=150, seed=3, progress=False, verbose=False, goals=50)
    b = run_demo(tmp_path / "b", steps=150, seed=3, progress=False, verbose=False, goals=50)
    assert a["results"] == b["results"] and a["table"] == b["table"]
    arm = KinematicArm2D.mid7()
    for label, path in a["logs"].items():
        log, other = read_log(path), read_log(b["logs"][label])
        assert len(log) == 150 and np.array_equal(log.m, other.m)
        assert np.allclose(arm.execute_array(log.m), log.s)  # what was executed and reached
        assert [m["step"] for m in log.meta] == list(range(150))
        tags = {m["from"] for m in log.meta}
        assert tags == {"motor"} if label == "motor babbling" else "goal" in tags
    for png in a["plots"]:
        with open(png, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert sorted(a["results"]["motor babbling"]) == checkpoints(150)


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="steps"):
        run_demo(tmp_path, steps=0)
    with pytest.raises(ValueError, match="unknown explorer"):
        run_demo(tmp_path, steps=10, explorers=("dancing",))


def test_checkpoints_include_the_table_steps():
    assert {300, 1000, 3000} <= set(checkpoints(3000))
    assert checkpoints(5) == [5] and checkpoints(120)[-1] == 120


def test_the_table_columns_stay_aligned_past_9999_steps():
    """``demo --steps 20000``: the step column was 4 wide, so the 20000 rows were shifted
    one character right of the header and of the other rows."""
    from types import SimpleNamespace

    from sensorimotor.run.demo import results_table

    error = SimpleNamespace(mean=0.01, median=0.01, p90=0.02)
    row = {"uniform goals": error, "random goals": error, "forward": error, "coverage": 100}
    results = {"motor babbling": dict.fromkeys((300, 1000, 3000, 20000), row)}
    lines = results_table(results, 215, 20000, 500).splitlines()
    header = next(i for i, line in enumerate(lines) if line.lstrip().startswith("step"))
    table = lines[header : header + 5]
    assert len({len(line) for line in table}) == 1, table
    assert {line.index("explorer" if i == 0 else "motor") for i, line in enumerate(table)} == {7}


def test_a_second_demo_into_a_folder_whose_log_is_being_written_is_refused(tmp_path):
    """The demo removed a log's lock with the log: a second demo into the same folder
    overwrote the first one's logs while it ran, and both reported them as their own."""
    import os

    from sensorimotor.run.observation_log import acquire_write_lock, release_write_lock

    run_demo(tmp_path, steps=60, seed=0, progress=False, verbose=False, goals=20)
    logs = sorted(str(p) for p in tmp_path.glob("*.h5"))
    sizes = [os.path.getsize(log) for log in logs]
    fd = acquire_write_lock(logs[-1], "test")  # the first run, still writing its last log
    try:
        with pytest.raises(ValueError, match="being written by another"):
            run_demo(tmp_path, steps=30, seed=5, progress=False, verbose=False, goals=20)
    finally:
        release_write_lock(fd)
    # refused before any log was replaced
    assert [os.path.getsize(log) for log in logs] == sizes
    assert all(len(read_log(log)) == 60 for log in logs)


def test_a_run_too_large_for_memory_makes_no_folder(tmp_path):
    """``--steps 10**12`` failed for memory after the folder and three logs' lock files
    were made: a new folder held only empty ``.lock`` files."""
    out = tmp_path / "new"
    with pytest.raises(MemoryError):
        run_demo(str(out), steps=10**15, progress=False, verbose=False)
    assert not out.exists()
