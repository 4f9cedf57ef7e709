"""The progress bar (tqdm): a few lines in a log, a live bar on a terminal."""

import io
import subprocess
import sys

import pytest

from sensorimotor.agents.training_stats import Progress
from sensorimotor.base.progress_bar import progress_bar
from sensorimotor.run.progress import progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def percentages(text):
    return [line.split(":")[1].split()[0] for line in text.splitlines()]


@pytest.mark.parametrize("total", [1, 3, 4, 7, 100, 1001])
def test_a_log_gets_at_most_one_line_per_quarter_and_ends_at_100(total):
    out = io.StringIO()
    assert list(progress(range(total), desc="run", file=out)) == list(range(total))
    assert "\r" not in out.getvalue()
    shown = percentages(out.getvalue())
    assert 1 <= len(shown) <= 4
    assert shown[-1] == "100%"
    assert len(set(shown)) == len(shown)


def test_a_pipe_gets_four_lines():
    code = "from sensorimotor.run.progress import progress\nfor _ in progress(range(1000), desc='piped'): pass"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert percentages(run.stderr) == ["25%", "50%", "75%", "100%"]
    assert run.stdout == ""


def test_a_bar_inside_another_writes_plain_lines_to_a_log():
    """``sensorimotor rl --seeds 2`` into a log: each seed's training bar, inside the
    seeds' bar, wrote a line of tqdm's cursor-up escape ("\\x1b[A") after each of its
    own lines."""
    out = io.StringIO()
    with progress_bar(2, desc="seeds", file=out) as seeds:
        for _ in range(2):
            with progress_bar(4, desc="learn", file=out) as learn:
                for _ in range(4):
                    learn.update(1)
            seeds.update(1)
    assert "\x1b" not in out.getvalue()
    assert [line.split(":")[0] for line in out.getvalue().splitlines()] == [
        *["learn"] * 4,
        "seeds",
        *["learn"] * 4,
        "seeds",
    ]


def test_a_terminal_gets_a_bar_redrawn_in_place():
    out = Terminal()
    for _ in progress(range(50), desc="live", file=out):
        pass
    text = out.getvalue()
    assert text.count("\r") >= 2 and text.rstrip("\n").count("\n") == 0
    assert "live: 100%" in text and "50/50" in text


def test_disabled_or_unknown_length_prints_nothing_and_yields_everything():
    out = io.StringIO()
    assert sum(progress(range(10), file=out, disable=True)) == 45
    assert sum(progress(iter(range(10)), file=out)) == 45
    assert out.getvalue() == ""


def test_a_run_stopped_early_prints_what_it_reached():
    out = io.StringIO()
    with progress_bar(100, desc="cut", file=out) as bar:
        bar.update(30)
    assert percentages(out.getvalue()) == ["30%"]


def test_the_agents_bar_gives_ten_lines_with_the_value_it_shows():
    out = io.StringIO()
    bar = Progress(1000, "DQN", True, file=out)
    for done in range(10, 1001, 10):
        bar.update(done, 12.5)
    lines = out.getvalue().splitlines()
    assert percentages(out.getvalue()) == [f"{p}%" for p in range(10, 101, 10)]
    assert lines[-1].startswith("DQN: 100% 1000/1000") and "mean return 12.5" in lines[-1]
    bar.update(2000, 1.0)  # after the end: nothing more
    assert out.getvalue().splitlines() == lines


def test_the_agents_bar_ends_once_at_100_when_its_chunks_overshoot():
    out = io.StringIO()
    bar = Progress(1000, "DQN", True, file=out)
    for done in range(64, 1000 + 64, 64):
        bar.update(done, 1.0)
    shown = percentages(out.getvalue())
    assert len(shown) <= 10 and shown[-1] == "100%" and shown.count("100%") == 1


def test_the_agents_bar_is_silent_when_off():
    out = io.StringIO()
    bar = Progress(10, "DQN", False, file=out)
    bar.update(10, 1.0)
    assert out.getvalue() == ""


@pytest.mark.parametrize("total", [-1, -5])
def test_a_negative_total_is_refused(total):
    """A negative total printed "0% 1/?" lines as if the length were unknown."""
    out = io.StringIO()
    with pytest.raises(ValueError, match=f"total must be a non-negative int or None, got {total}"):
        progress_bar(total, file=out)
    with pytest.raises(ValueError, match="total must be"):
        progress_bar(total, file=Terminal())
    assert out.getvalue() == ""


@pytest.mark.parametrize("total", [True, 2.5, float("nan"), float("inf"), "10"])
def test_a_total_that_is_not_an_int_is_refused(total):
    """A bool showed "1/True", 2.5 a fraction of a step; NaN, inf and a string failed inside
    tqdm's arithmetic, naming nothing."""
    with pytest.raises(TypeError, match="total must be a non-negative int or None"):
        progress_bar(total, file=io.StringIO())
