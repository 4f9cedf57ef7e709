"""Behaviour of each explorer, beyond the shared conformance checks."""

import json
import math

import numpy as np
import pytest

from sensorimotor import Channel, Environment, KinematicArm2D
from sensorimotor.explore import (
    Explorer,
    LearningProgressExplorer,
    MetaExplorer,
    RandomGoalExplorer,
    RandomMotorExplorer,
)
from sensorimotor.learners import NNLearner


def arm_and_learner(dim=3, seed=0):
    arm = KinematicArm2D({"dim": dim})
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels, "seed": seed})
    return arm, learner


def run(explorer, env, steps):
    out = []
    for _ in range(steps):
        e = explorer.explore()
        explorer.receive(e, env.execute(e["m_signal"]))
        out.append(e)
    return out


def test_motor_babbling_is_uniform_in_the_bounds():
    arm, learner = arm_and_learner()
    explorer = RandomMotorExplorer({"learner": learner, "seed": 0})
    m = np.array([arm.m_set.to_array(e["m_signal"]) for e in run(explorer, arm, 2000)])
    assert np.all(m >= -150) and np.all(m <= 150)
    # mean and variance of U(-150, 150): 0 and 300**2 / 12
    assert np.allclose(m.mean(axis=0), 0, atol=3 * 300 / np.sqrt(12 * 2000))
    assert np.allclose(m.var(axis=0), 300**2 / 12, rtol=0.1)


def test_motor_explorer_without_learner_needs_channels():
    arm = KinematicArm2D({"dim": 2})
    explorer = RandomMotorExplorer({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    assert len(run(explorer, arm, 5)) == 5 and len(explorer) == 5
    with pytest.raises(ValueError, match="m_channels"):
        RandomMotorExplorer({"seed": 1})


def test_config_errors_name_the_key():
    arm, learner = arm_and_learner()
    with pytest.raises(KeyError, match="sigmaa"):
        RandomGoalExplorer({"learner": learner, "sigmaa": 0.1})
    with pytest.raises(ValueError, match="learner"):
        RandomGoalExplorer({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    with pytest.raises(TypeError, match="Learner"):
        RandomGoalExplorer({"learner": "nn"})
    with pytest.raises(ValueError, match="differs from the learner"):
        RandomGoalExplorer({"learner": learner, "s_channels": [Channel("x", (0, 1))]})
    # the message says which channel differs, and how (a mistyped bound, another order)
    moved = [
        Channel(ch.name, (ch.low, ch.high + 1)) if ch.name == "j1" else ch for ch in arm.m_channels
    ]
    with pytest.raises(ValueError, match=r"channel 'j1' has bounds .* in the learner"):
        RandomGoalExplorer({"learner": learner, "m_channels": moved})
    with pytest.raises(ValueError, match=r"\['y', 'x'\] here, \['x', 'y'\] in the learner"):
        RandomGoalExplorer({"learner": learner, "s_channels": arm.s_channels[::-1]})
    with pytest.raises(ValueError, match="sigma"):
        RandomGoalExplorer({"learner": learner, "sigma": -1.0})
    with pytest.raises(ValueError, match="seed"):
        RandomGoalExplorer({"learner": learner, "seed": -1})
    with pytest.raises(ValueError, match="s_bounds"):
        RandomGoalExplorer({"learner": learner, "s_bounds": [(0, 1)]})
    # a timedelta64 is a NumPy integer: int() or float() of it failed, not naming the key
    for key in ("seed", "sigma"):
        with pytest.raises(ValueError, match=key):
            RandomGoalExplorer({"learner": learner, key: np.timedelta64(1, "s")})
    # were a conversion error, a complex TypeError and an OverflowError not naming it
    for bounds in ("1,2", [(1j, 2), (0, 1)], [(-(10**400), 1), (0, 1)]):
        with pytest.raises(ValueError, match="s_bounds"):
            RandomGoalExplorer({"learner": learner, "s_bounds": bounds})


def test_goal_explorer_falls_back_then_follows_the_inverse_model():
    arm, learner = arm_and_learner()
    explorer = RandomGoalExplorer({"learner": learner, "sigma": 0.0, "seed": 0})
    first = explorer.explore()
    assert first["from"] == "goal.fallback" and "s_goal" not in first
    explorer.receive(first, arm.execute(first["m_signal"]))
    for _ in range(30):
        e = explorer.explore()
        assert e["from"] == "goal"
        # sigma = 0: exactly the learner's exploit answer for the goal
        assert e["m_signal"] == learner.infer(e["s_goal"])
        explorer.receive(e, arm.execute(e["m_signal"]))


def test_goal_noise_is_sigma_in_scaled_units():
    arm, learner = arm_and_learner(dim=2)
    learner.update_array(np.zeros((1, 2)), arm.execute_array(np.zeros((1, 2))))
    explorer = RandomGoalExplorer({"learner": learner, "sigma": 0.01, "seed": 0})
    u = np.array(
        [arm.m_set.scale(arm.m_set.to_array(explorer.explore()["m_signal"])) for _ in range(3000)]
    )
    # the only observation is the zero posture (scaled 0.5): the noise is N(0.5, 0.01**2)
    assert np.allclose(u.mean(axis=0), 0.5, atol=0.001)
    assert np.allclose(u.std(axis=0), 0.01, rtol=0.05)


def test_goals_are_drawn_in_s_bounds():
    arm, learner = arm_and_learner()
    explorer = RandomGoalExplorer({"learner": learner, "s_bounds": [(0.2, 0.3), (-0.1, 0.0)]})
    g = np.array([arm.s_set.to_array(e["s_goal"]) for e in run(explorer, arm, 200)[1:]])
    assert np.all((g[:, 0] >= 0.2) & (g[:, 0] <= 0.3) & (g[:, 1] >= -0.1) & (g[:, 1] <= 0.0))


def test_progress_is_the_difference_of_half_window_means():
    lp = LearningProgressExplorer.progress
    assert lp([]) == 0.0 and lp([-1.0]) == 0.0
    assert lp([-1.0, -0.5]) == pytest.approx(0.5)
    # odd length: the oldest value is left out, halves of 2
    assert lp([-9.0, -1.0, -0.8, -0.4, -0.2]) == pytest.approx(abs(-0.9 - -0.3))


def test_interest_is_the_progress_of_the_last_window_of_the_goal_region():
    arm, learner = arm_and_learner()
    explorer = LearningProgressExplorer(
        {"learner": learner, "cells": 2, "window": 4, "measure": "progress", "dist_max": 1.0}
    )
    m = {"j0": 0.0, "j1": 0.0, "j2": 0.0}
    s = arm.execute(m)["s_signal"]  # (1, 0): cell (1, 1) of a 2x2 grid over [-1, 1]^2
    gammas = []
    for i, dx in enumerate([0.5, 0.4, 0.3, 0.2, 0.1, 0.05]):
        goal = {"x": s["x"] - dx, "y": s["y"] + 0.0}
        explorer.receive({"m_signal": m, "s_goal": goal, "from": "goal"}, {**arm.execute(m)})
        gammas.append(-dx / 2)  # the scaled distance: bounds [-1, 1] have width 2
        assert len(explorer) == i + 1
    expected = abs(np.mean(gammas[-4:-2]) - np.mean(gammas[-2:]))
    interest = explorer.interest()
    assert explorer.region_of([0.9, 0.0]) == 3 and len(interest) == 4
    assert interest[3] == pytest.approx(expected)
    assert interest.sum() == pytest.approx(expected)


def test_competence_is_floored_at_dist_max_so_far_goals_show_no_progress():
    arm, learner = arm_and_learner()
    explorer = LearningProgressExplorer(
        {"learner": learner, "window": 4, "measure": "progress", "dist_max": 0.1}
    )
    m = {"j0": 0.0, "j1": 0.0, "j2": 0.0}
    for dx in [0.9, 0.7, 0.5, 0.3]:  # scaled distances 0.45 .. 0.15: all beyond dist_max
        goal = {"x": 1.0 - dx, "y": 0.0}
        explorer.receive({"m_signal": m, "s_goal": goal, "from": "goal"}, {**arm.execute(m)})
    assert explorer.interest().sum() == 0.0
    assert explorer.regions.values[0] == [-0.1] * 4


def test_goals_go_to_the_regions_of_highest_interest():
    # a state of the fixed-grid explorer (before regions): each cell became a region
    arm, learner = arm_and_learner()
    learner.update_array(np.zeros((1, 3)), arm.execute_array(np.zeros((1, 3))))
    explorer = LearningProgressExplorer(
        {"learner": learner, "cells": 4, "p_random": 0.0, "measure": "progress"}
    )
    explorer._set_state(
        {"history": {"0": [-1.0, -0.7], "5": [-1.0, -0.9], "7": [-0.5, -0.5]}, "pending": []}
    )
    cells = [
        explorer.region_of(arm.s_set.to_array(explorer.explore()["s_goal"])) for _ in range(2000)
    ]
    counts = np.bincount(cells, minlength=16)
    assert counts[[0, 5]].sum() == 2000 and counts[7] == 0
    assert counts[0] / 2000 == pytest.approx(0.75, abs=0.04)  # interest 0.3 vs 0.1


# the improvement measure with a small perturbation: under the default one it reads little
@pytest.mark.parametrize(
    "cfg", [{"measure": "progress"}, {"measure": "improvement", "sigma": 0.05}]
)
def test_interest_explorer_mixes_random_goals_at_p_random(cfg):
    arm, learner = arm_and_learner()
    explorer = LearningProgressExplorer({"learner": learner, "cells": 5, "seed": 0, **cfg})
    run(explorer, arm, 300)
    tags = [e["from"] for e in run(explorer, arm, 1000)]
    assert tags.count("goal") + tags.count("goal.random") == 1000
    share = tags.count("goal.random") / 1000
    # p_random, plus uniform goals whenever no region shows interest
    assert 0.16 < share < 0.9
    # while some region is interesting: exactly p_random = 0.2
    explorer.regions.values[7] = [0.05, 0.1]
    explorer.regions.changed(7)
    tags = [explorer.explore()["from"] for _ in range(1000)]
    assert 0.16 < tags.count("goal.random") / 1000 < 0.24


def test_improvement_is_how_much_closer_than_predicted():
    arm, learner = arm_and_learner()
    learner.update_array(np.zeros((1, 3)), arm.execute_array(np.zeros((1, 3))))  # s0 = (1, 0)
    cfg = {"learner": learner, "cells": 4, "seed": 0, "dist_max": 2.0, "measure": "improvement"}
    explorer = LearningProgressExplorer(cfg)
    floored = LearningProgressExplorer({**cfg, "dist_max": 0.1})
    e = explorer.explore()
    assert floored.explore() == e
    g = arm.s_set.to_array(e["s_goal"])
    predicted = np.linalg.norm((g - np.array([1.0, 0.0])) / 2)  # scaled: width 2
    # the goal reached exactly: the value is the whole predicted distance
    explorer.receive(e, {"m_signal": e["m_signal"], "s_signal": e["s_goal"], "uuid": "a"})
    assert explorer.interest()[explorer.region_of(g)] == pytest.approx(predicted)
    # reached no closer than predicted (s0 again): value 0; the interest is the window's mean
    explorer._inferred(g, np.zeros(3))  # as explore() does: predicts s0 for the zero posture
    explorer.receive(e, {"m_signal": e["m_signal"], "s_signal": {"x": 1.0, "y": 0.0}})
    assert explorer.interest().sum() == pytest.approx(predicted / 2)
    # an exploration this explorer did not make (no prediction) adds nothing
    other = {"m_signal": e["m_signal"], "s_goal": {"x": 0.1, "y": 0.2}, "from": "goal"}
    explorer.receive(other, {"m_signal": e["m_signal"], "s_signal": {"x": 0.1, "y": 0.2}})
    assert explorer.interest().sum() == pytest.approx(predicted / 2) and len(explorer) == 3
    # with distances floored at dist_max, the goal reached gains at most dist_max
    assert predicted > 0.1
    floored.receive(e, {"m_signal": e["m_signal"], "s_signal": e["s_goal"], "uuid": "b"})
    assert floored.interest()[floored.region_of(g)] == pytest.approx(0.1)


class Quadrant(Environment):
    """Reaches only the lower-left quarter of its sensory box."""

    def __init__(self, cfg=None):
        self.m_channels = [Channel("a", (0, 0.5)), Channel("b", (0, 0.5))]
        self.s_channels = [Channel("x", (0, 1)), Channel("y", (0, 1))]

    def _execute(self, m_signal, meta=None):
        return {"x": 2 * m_signal["a"] ** 2, "y": m_signal["b"]}


# the improvement measure needs a perturbation small beside the gaps between effects
@pytest.mark.parametrize("cfg", [{}, {"measure": "improvement", "sigma": 0.05}])
def test_interest_sends_goals_where_the_agent_can_get_closer(cfg):
    env = Quadrant()
    learner = NNLearner({"m_channels": env.m_channels, "s_channels": env.s_channels})
    explorer = LearningProgressExplorer(
        {"learner": learner, "cells": 4, "seed": 0, "s_bounds": [(0, 1), (0, 1)], **cfg}
    )
    goals = [e["s_goal"] for e in run(explorer, env, 2000)[500:] if e["from"] == "goal"]
    g = np.array([[d["x"], d["y"]] for d in goals])
    # the reachable quarter holds 1/4 of the goal space but most goals chosen by interest
    assert len(g) > 300 and np.mean((g[:, 0] <= 0.5) & (g[:, 1] <= 0.5)) > 0.5


def test_meta_explorer_follows_eras_and_weights():
    arm, learner = arm_and_learner()
    motor = RandomMotorExplorer({"learner": learner, "seed": 1})
    goal = RandomGoalExplorer({"learner": learner, "seed": 2})
    meta = MetaExplorer(
        {
            "learner": learner,
            "explorers": [motor, goal],
            "eras": (50, None),
            "weights": ((1, 0), (0.25, 0.75)),
        }
    )
    es = run(meta, arm, 1050)
    assert all(e["explorer"] == 0 for e in es[:50])
    share = np.mean([e["explorer"] == 1 for e in es[50:]])
    assert share == pytest.approx(0.75, abs=0.05)
    assert len(learner) == 1050 and len(meta) == 1050
    assert len(motor) + len(goal) == 1050 and len(goal) == sum(e["explorer"] for e in es)


def test_meta_explorer_feeds_an_interest_model():
    arm, learner = arm_and_learner()
    lp = LearningProgressExplorer({"learner": learner, "cells": 3, "seed": 1})
    meta = MetaExplorer(
        {
            "learner": learner,
            "explorers": [RandomMotorExplorer({"learner": learner}), lp],
            "eras": (20, None),
        }
    )
    run(meta, arm, 200)
    assert lp.interest().max() > 0


def test_meta_explorer_config_errors():
    _, learner = arm_and_learner()
    _, other = arm_and_learner()
    with pytest.raises(ValueError, match=r"share the learner: give it cfg\['learner'\]"):
        MetaExplorer({"learner": learner, "explorers": [RandomMotorExplorer({"learner": other})]})
    # a flat row of weights, a user's first guess: the message says one row per era
    with pytest.raises(ValueError, match=r"one per era of cfg\['eras'\] \(\(100, None\)\)"):
        MetaExplorer({"learner": learner, "weights": [0.2, 0.8]})
    with pytest.raises(ValueError, match="end with None"):
        MetaExplorer({"learner": learner, "eras": (100, 200)})
    with pytest.raises(ValueError, match="weights"):
        MetaExplorer({"learner": learner, "weights": ((1, 0), (0, 0))})
    with pytest.raises(ValueError, match="explorer"):
        meta = MetaExplorer({"learner": learner})
        e = meta.explore()
        meta.receive(
            {**e, "explorer": 5}, {"m_signal": e["m_signal"], "s_signal": {"x": 0, "y": 0}}
        )
    assert len(meta) == 0 and len(learner) == 0


def test_meta_explorer_takes_era_ends_given_as_numpy_ints(tmp_path):
    """``eras=(*np.cumsum([50, 100]), None)`` was refused with "must be ints >= 0 then
    None" (NumPy ints are ints, and the other settings accept them); and ``2.0`` still is."""
    arm, learner = arm_and_learner()
    weights = ((1, 0), (0, 1), (1, 1))
    meta = MetaExplorer(
        {"learner": learner, "eras": (*np.cumsum([2, 3]), None), "weights": weights, "seed": 1}
    )
    eras = []
    for _ in range(6):
        eras.append(meta.era())
        e = meta.explore()
        meta.receive(e, arm.execute(e["m_signal"]))
    assert eras == [0, 0, 1, 1, 1, 2]
    meta.save(tmp_path / "meta.json")
    assert MetaExplorer.load(tmp_path / "meta.json", learner).state()["cfg"]["eras"] == [2, 5, None]
    for bad in (2.0, np.float64(2), np.bool_(True), -1, np.int64(-1)):
        with pytest.raises(ValueError, match=r"cfg\['eras'\] must be ints >= 0"):
            MetaExplorer({"learner": learner, "eras": (bad, None), "weights": ((1, 0), (0, 1))})


def test_meta_explorer_refuses_weights_beyond_float_range_and_one_explorer_twice():
    _, learner = arm_and_learner()
    subs = [RandomMotorExplorer({"learner": learner, "seed": s}) for s in (1, 2)]
    base = {"learner": learner, "explorers": subs, "eras": (None,)}
    # 1e308 + 1e308 is inf: every probability was 0 (or NaN) and explorer 0 always picked
    for row in [(1e308, 1e308), (math.inf, 1.0)]:
        with pytest.raises(ValueError, match="weights"):
            MetaExplorer({**base, "weights": [row]})
    MetaExplorer({**base, "weights": [(1e-320, 1e-320)]})  # tiny but finite: fine
    # the same object twice would load as two explorers that go on differently
    goal = RandomGoalExplorer({"learner": learner, "seed": 1})
    with pytest.raises(ValueError, match="already in the schedule"):
        MetaExplorer({**base, "explorers": [goal, goal], "weights": [(1, 1)]})
    inner = MetaExplorer({**base, "explorers": [goal], "weights": [(1,)]})
    with pytest.raises(ValueError, match="already in the schedule"):
        MetaExplorer({**base, "explorers": [goal, inner], "weights": [(1, 1)]})
    assert len(goal) == 0 and len(learner) == 0


def test_a_schedule_loaded_with_the_wrong_learner_says_so_not_that_the_file_is_bad(tmp_path):
    """The sound file of a MetaExplorer, loaded with a learner of other channels, was
    refused as "not a valid saved explorer (ValueError: explorer state: ...)", as if the file
    were corrupt; a single explorer said what was wrong. A corrupt sub-explorer is still
    called so, with its place in the schedule."""
    arm, learner = arm_and_learner()
    _, other = arm_and_learner(dim=4)
    path = tmp_path / "meta.json"
    MetaExplorer({"learner": learner, "eras": (5, None)}).save(path)
    with pytest.raises(ValueError) as info:
        MetaExplorer.load(path, other)
    message = str(info.value)
    assert message.startswith(f"{path}: sub-explorer 0: RandomMotorExplorer: cfg['m_channels']")
    assert "differs from the learner's channels" in message and "not a valid" not in message
    state = json.loads(path.read_text())
    state["cfg"]["explorers"][1]["cfg"]["margin"] = "wide"
    path.write_text(json.dumps(state))
    with pytest.raises(ValueError, match=rf"^{path}: sub-explorer 1: RandomGoalExplorer: .*margin"):
        MetaExplorer.load(path, learner)
    state["cfg"]["explorers"][1]["class"] = "NoSuchExplorer"
    path.write_text(json.dumps(state))
    with pytest.raises(ValueError, match=rf"^{path}: sub-explorer 1: not a valid saved explorer"):
        MetaExplorer.load(path, learner)


def test_load_refuses_other_files(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match="not a saved"):
        Explorer.load(path)
    path.write_bytes(b"\x00\xff")
    with pytest.raises(ValueError, match="not a saved"):
        Explorer.load(path)
    arm, learner = arm_and_learner()
    explorer = RandomMotorExplorer({"learner": learner})
    explorer.save(tmp_path / "m.json")
    # a wrong file is a ValueError naming it, as for learners and agents
    with pytest.raises(ValueError, match=r"m\.json: holds a saved RandomMotorExplorer, not the"):
        RandomGoalExplorer.load(tmp_path / "m.json", learner)
    assert isinstance(Explorer.load(tmp_path / "m.json", learner), RandomMotorExplorer)


def test_load_names_the_file_for_wrong_types_a_huge_count_and_unparsable_json(tmp_path):
    arm, learner = arm_and_learner()
    meta = MetaExplorer({"learner": learner, "eras": (3, None), "seed": 0})
    lpe = LearningProgressExplorer({"learner": learner, "seed": 0})
    for _ in range(5):
        e = meta.explore()
        meta.receive(e, arm.execute(e["m_signal"]))
    path = tmp_path / "t.json"

    def refused(explorer, edit):
        state = explorer.state()
        edit(state)
        path.write_text(json.dumps(state))
        with pytest.raises(ValueError, match=str(path)):
            Explorer.load(path, learner)

    # settings of the wrong type were a bare TypeError ("'float' object is not iterable")
    refused(lpe, lambda st: st["cfg"].update(cells=2.0))
    refused(lpe, lambda st: st["cfg"].update(cells=True))
    refused(meta, lambda st: st["cfg"].update(eras=5))
    refused(meta, lambda st: st["cfg"].update(weights=5))
    refused(meta, lambda st: st["cfg"].update(weights=[1, 2]))
    # a count len() cannot answer: it loaded, then len() and explore() overflowed
    refused(meta, lambda st: st.update(count=2**63))
    # JSON too deep for the parser, or an int beyond Python's digit limit
    head = '{"format": "sensorimotor.explorer", "format_version": 1, "count": '
    for text in (head + "[" * 100_000 + "]" * 100_000 + "}", head + "9" * 5000 + "}"):
        path.write_text(text)
        with pytest.raises(ValueError, match=str(path)):
            Explorer.load(path, learner)


NAN = float("nan")


def _shrink_last_region(regions):
    low, high = regions["low"][-1], regions["high"][-1]
    regions["low"][-1] = [(a + b) / 2 for a, b in zip(low, high, strict=True)]


@pytest.mark.parametrize(
    "what, edit",
    [
        ("outside \\[0, 1\\]", lambda st: st["regions"]["high"][0].__setitem__(0, 2.0)),
        ("do not fill", lambda st: _shrink_last_region(st["regions"])),
        ("hold NaN", lambda st: next(v for v in st["regions"]["values"] if v).__setitem__(0, NAN)),
        ("differ in length", lambda st: st["regions"]["depth"].pop()),
        ("pending goal", lambda st: st["pending"].append([[0.1], 0.2])),
        ("KeyError", lambda st: st.pop("regions")),
        ("reached", lambda st: st["reached"].reverse()),  # the learned region's low > high
    ],
)
def test_a_corrupted_interest_history_is_refused_at_load_naming_the_file(tmp_path, what, edit):
    """A history naming cell 999999 loaded, then explore() failed with an IndexError
    (issue 9, defect 10)."""
    import json

    arm = KinematicArm2D({"dim": 3})
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    explorer = LearningProgressExplorer({"learner": learner, "seed": 0})
    for _ in range(150):
        e = explorer.explore()
        explorer.receive(e, arm.execute(e["m_signal"]))
    path = tmp_path / "explorer.json"
    explorer.save(path)
    saved = json.loads(path.read_text())
    edit(saved["state"])
    path.write_text(json.dumps(saved))
    with pytest.raises(ValueError, match=what) as info:
        LearningProgressExplorer.load(path, learner)
    assert str(path) in str(info.value)


def _overlap_with_a_gap(regions):
    # two boxes of volume 1/2 each, the same half of the space: the volumes sum to 1
    regions.update(low=[[0.0, 0.0], [0.0, 0.0]], high=[[0.5, 1.0], [0.5, 1.0]], depth=[1, 1])
    regions.update(goals=[[], []], values=[[], []])


def _first_goals(regions):
    return next(gs for gs in regions["goals"] if gs)


@pytest.mark.parametrize(
    "what, edit",
    [
        ("overlap", lambda st: _overlap_with_a_gap(st["regions"])),
        ("low must be", lambda st: st["regions"].update(low=sum(st["regions"]["low"], []))),
        ("depths", lambda st: st["regions"].update(depth=[2.7] * len(st["regions"]["depth"]))),
        ("depths", lambda st: st["regions"].update(depth=["3"] * len(st["regions"]["depth"]))),
        ("depths", lambda st: st["regions"].update(depth=[True] * len(st["regions"]["depth"]))),
        ("depths", lambda st: st["regions"].update(depth=[11] * len(st["regions"]["depth"]))),
        ("in \\[0, 1\\]", lambda st: _first_goals(st["regions"])[0].__setitem__(0, 5.0)),
        ("goals of region", lambda st: _first_goals(st["regions"])[0].__setitem__(0, "0.1")),
        ("values of region", lambda st: st["regions"]["values"].__setitem__(0, ["0.1"])),
        ("pending distance", lambda st: st.update(pending=[[[0.1, 0.2], NAN]])),
        ("pending distance", lambda st: st.update(pending=[[[0.1, 0.2], "0.1"]])),
        ("pending goal", lambda st: st.update(pending=[[["0.1", 0.2], 0.1]])),
        ("at most", lambda st: st.update(pending=[[[0.1, i], 0.1] for i in range(1000)])),
    ],
)
def test_a_loaded_interest_model_must_be_exactly_what_save_writes(tmp_path, what, edit):
    """Overlapping boxes leaving a gap, reshaped flat bounds, depths taken through int(),
    goals outside [0, 1] and strings or NaN as pending distances all loaded (found by
    review)."""
    arm, learner = arm_and_learner()
    cfg = {"learner": learner, "seed": 4, "measure": "improvement", "sigma": 0.05}
    explorer = LearningProgressExplorer({**cfg, "max_points_per_region": 4})
    run(explorer, arm, 40)
    assert len(explorer.regions) > 1 and max(explorer.regions.depth) <= 10
    path = tmp_path / "explorer.json"
    explorer.save(path)
    assert LearningProgressExplorer.load(path, learner).state() == explorer.state()
    saved = json.loads(path.read_text())
    edit(saved["state"])
    path.write_text(json.dumps(saved))
    with pytest.raises(ValueError, match=what) as info:
        LearningProgressExplorer.load(path, learner)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("key", [" 0 ", "-0", "+0", "00", "0x0", "1.0"])
def test_a_fixed_grid_history_names_cells_by_canonical_ints_only(key):
    arm, learner = arm_and_learner()
    explorer = LearningProgressExplorer({"learner": learner, "cells": 4})
    explorer._set_state({"history": {"0": [-1.0]}, "pending": []})  # the canonical key loads
    before = explorer.state()
    with pytest.raises(ValueError, match="history names cell"):
        explorer._set_state({"history": {key: [-1.0]}, "pending": []})
    with pytest.raises(ValueError, match="history of cell"):
        explorer._set_state({"history": {"0": ["-1.0"]}, "pending": []})
    assert explorer.state() == before


def test_numpy_scalar_settings_are_accepted_and_saved_as_numbers(tmp_path):
    """``sigma=np.float32(0.1)`` was refused while learner configs accepted NumPy scalars
    (issue 9, defect 14); once accepted, it must also save and load."""
    arm = KinematicArm2D({"dim": 3})
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    cfg = {"learner": learner, "sigma": np.float32(0.1), "p_random": np.float64(0.3), "seed": 1}
    explorer = LearningProgressExplorer(cfg)
    for _ in range(30):
        e = explorer.explore()
        explorer.receive(e, arm.execute(e["m_signal"]))
    explorer.save(tmp_path / "explorer.json")
    again = LearningProgressExplorer.load(tmp_path / "explorer.json", learner)
    assert again.cfg.sigma == pytest.approx(0.1) and again.cfg.p_random == 0.3
    for bad in (np.bool_(True), "0.1", np.complex64(0.1)):
        with pytest.raises(ValueError, match="sigma"):
            RandomGoalExplorer({"learner": learner, "sigma": bad})


@pytest.mark.parametrize(
    "edit",
    [
        lambda st: st.update(module=None),  # was: AttributeError ('startswith')
        lambda st: st.update(cfg=None),  # was: TypeError
        lambda st: st["cfg"].update(m_channels=None),  # was: TypeError, not iterable
        lambda st: st["cfg"].update(s_channels=[st["cfg"]["s_channels"][0]] * 2),  # duplicates
        lambda st: st["cfg"].update(m_channels=st["cfg"]["m_channels"][1:]),  # differs
        lambda st: st["cfg"].update(sigma="x"),
        lambda st: st["cfg"].update(unknown=1),  # was: KeyError
        lambda st: st.update(uuids=[None, *st["uuids"]]),  # was: loaded, then save failed
        lambda st: st.update(count=1.5),  # was: loaded as count 1
        lambda st: st.update(count=True),  # was: loaded as count 1
        lambda st: st.update(count=0),  # fewer than the uuids seen
    ],
)
def test_a_corrupted_explorer_cfg_is_refused_at_load_naming_the_file(tmp_path, edit):
    """A corrupted cfg, class or module in a saved explorer gave errors that did not name
    the file, or AttributeError/TypeError (found by the fuzz suite, issue 9)."""
    import json

    arm, learner = arm_and_learner()
    path = tmp_path / "explorer.json"
    explorer = RandomGoalExplorer({"learner": learner, "seed": 0})
    for _ in range(3):
        e = explorer.explore()
        explorer.receive(e, arm.execute(e["m_signal"]))
    explorer.save(path)
    saved = json.loads(path.read_text())
    edit(saved)
    path.write_text(json.dumps(saved))
    with pytest.raises(ValueError) as info:
        Explorer.load(path, learner)
    assert str(path) in str(info.value)


def test_an_unbounded_motor_channel_is_named():
    m = [Channel("shoulder", (-1, 1)), Channel("wrist")]  # the wrist's bounds forgotten
    s = [Channel("x", (0, 1))]
    with pytest.raises(ValueError, match=r"must be bounded; unbounded: \['wrist'\]"):
        RandomMotorExplorer({"m_channels": m, "s_channels": s})
    learner = NNLearner({"m_channels": m, "s_channels": s})
    for explorer in (RandomGoalExplorer, LearningProgressExplorer):
        with pytest.raises(ValueError, match=r"unbounded: \['wrist'\]"):
            explorer({"learner": learner})


def test_an_explorer_saved_with_a_learner_will_not_load_without_it(tmp_path):
    """A RandomMotorExplorer saved with a learner loaded without one and went on
    exploring, its receive() returning True while nothing learned. That it had a learner is
    kept in the file now: loading it without one names what to pass; one saved without a
    learner still loads alone."""
    from sensorimotor.explore import Explorer, RandomMotorExplorer

    arm = KinematicArm2D({"dim": 2})
    cfg = {"m_channels": arm.m_channels, "s_channels": arm.s_channels}
    path = tmp_path / "explorer.json"
    RandomMotorExplorer({**cfg, "learner": NNLearner(cfg), "seed": 0}).save(path)
    with pytest.raises(ValueError, match="saved with a learner, which it teaches: pass it"):
        Explorer.load(path)
    assert Explorer.load(path, NNLearner(cfg)).learner is not None
    RandomMotorExplorer({**cfg, "seed": 0}).save(path)
    assert Explorer.load(path).learner is None


@pytest.mark.parametrize(
    "s, word",
    [
        ([math.nan, 0.0], "channel 'x' is NaN"),
        ([0.5], "for channels ['x', 'y']"),  # broadcast over both coordinates
        (None, "got None"),  # np.asarray(None, float) is NaN
        ([[0.5, 0.5]], "got (1, 2)"),  # a batch: find() answered for its first row
        ("ab", "numeric array"),
    ],
)
def test_region_of_refuses_a_point_that_is_not_one_naming_it(s, word):
    """region_of put each of these in region 0, as if it were a point there."""
    arm = KinematicArm2D({"dim": 2})
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    explorer = LearningProgressExplorer({"learner": learner, "cells": 2})
    with pytest.raises(ValueError) as info:
        explorer.region_of(s)
    assert word in str(info.value)
