"""``sensorimotor adhdp ant`` (the mujoco extra): the JSON object last, logs and plot, on
tiny budgets."""

import json

import numpy as np
import pytest

pytest.importorskip("mujoco")

from sensorimotor.run.adhdp import adhdp_ant  # noqa: E402
from sensorimotor.run.cli import main  # noqa: E402
from sensorimotor.run.episode_log import read_episodes  # noqa: E402


@pytest.fixture
def tiny(monkeypatch):
    original = adhdp_ant.AntSettings

    def settings(**kw):
        return original(**kw, periods=2, eval_episodes=2, random_draws=3, period=0.5)

    monkeypatch.setattr(adhdp_ant, "AntSettings", settings)


@pytest.mark.parametrize("actor", ["bruteforce", "gradient"])
def test_ant_json_logs_and_plot(tiny, tmp_path, capsys, actor):
    out = tmp_path / "out"
    argv = ["adhdp", "ant", "--runs", "2", "--episodes", "2", "--seed", "3", "--json"]
    code = main([*argv, "--out", str(out), "--actor", actor])
    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    for name in ("learned", "initial", "random"):
        distances = result[f"{name}_distance"]
        assert len(distances) == 2 and all(np.isfinite(distances))
    assert 0 <= result["learned_beats_both"] <= 2 and result["actor"] == actor
    assert "beats the initial and random gaits in" in "\n".join(lines)
    assert len(read_episodes(out / "ant_seed3.h5")) == 2
    assert (out / "ant_learning.png").stat().st_size > 1000


def test_same_seed_same_result(tiny, capsys):
    main(["adhdp", "ant", "--runs", "1", "--episodes", "1", "--json", "--seed", "2"])
    a = capsys.readouterr().out.strip().splitlines()[-1]
    main(["adhdp", "ant", "--runs", "1", "--episodes", "1", "--json", "--seed", "2"])
    b = capsys.readouterr().out.strip().splitlines()[-1]
    assert a == b


def test_the_initial_gait_is_held_in_its_evaluation():
    robot = adhdp_ant.AntGait()
    a = adhdp_ant.run_fixed_gait(adhdp_ant.INITIAL_GAIT, robot, 5, 3, period=0.5)
    b = adhdp_ant.run_fixed_gait(adhdp_ant.INITIAL_GAIT, robot, 5, 3, period=0.5)
    assert a == b and a > 0.0  # the initial gait walks forward, slowly


def test_an_unknown_actor_is_refused():
    with pytest.raises(ValueError, match="actor"):
        adhdp_ant.make_ant_agent(0, adhdp_ant.AntSettings(actor="greedy"))


@pytest.mark.parametrize(
    "bad", [{"periods": 0}, {"exploration": 1.5}, {"period": 0.0}, {"random_draws": 2.5}]
)
def test_bad_settings_are_refused_by_name(bad):
    with pytest.raises((ValueError, TypeError), match=f"AntSettings.{next(iter(bad))}"):
        adhdp_ant.ant_run(0, 1, adhdp_ant.AntSettings(**bad))


def test_random_gaits_are_drawn_random_draws_times_cycling_the_evaluation_starts():
    """``random_draws`` was checked but unused: the baseline drew one gait per evaluation
    episode (5) where the settings and BENCHMARKS say 10."""
    settings = adhdp_ant.AntSettings(periods=2, period=0.5, eval_episodes=2, random_draws=3)
    run = adhdp_ant.ant_run(0, episodes=1, settings=settings)
    assert run.learned.shape == (2,) and run.random.shape == (3,)
    gaits = adhdp_ant.random_gaits(np.random.default_rng([0, 13]), 3)
    starts = np.random.default_rng([0, 11]).integers(2**31, size=1 + 2)
    robot = adhdp_ant.AntGait({"seed": 0})
    third = adhdp_ant.run_fixed_gait(gaits[2], robot, int(starts[1]), 2, 0.5)
    assert run.random[2] == third  # the third draw walks from the first evaluation start
