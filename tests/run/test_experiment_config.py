"""Experiment files: every bad config is refused before anything runs (issue 13, item 5)."""

import os

import pytest

from sensorimotor.run.cli import main
from sensorimotor.run.experiment import ExperimentError, load_experiment

GOOD_BABBLING = """
task = "babbling"
seeds = 2
[settings]
steps = 50
[grid]
explorer = ["motor babbling", "goal babbling"]
"""

# (name, file text, the key the message must name)
BAD = [
    ("typo top key", 'task = "babbling"\nseedz = 3\n', "seedz"),
    ("typo setting", 'task = "babbling"\n[settings]\nstesp = 10\n', "settings.stesp"),
    ("typo grid key", 'task = "babbling"\n[grid]\nlerner = ["NNLearner"]\n', "grid.lerner"),
    (
        "typo component field",
        'task = "continual"\n[grid]\n"rule.step_sise" = [0.1]\n',
        'grid."rule.step_sise"',
    ),
    ("steps a string", 'task = "babbling"\n[settings]\nsteps = "many"\n', "settings.steps"),
    ("steps a float", 'task = "babbling"\n[settings]\nsteps = 10.5\n', "settings.steps"),
    ("steps zero", 'task = "babbling"\n[settings]\nsteps = 0\n', "settings.steps"),
    ("seeds a string", 'task = "babbling"\nseeds = "five"\n', "seeds"),
    ("seeds negative", 'task = "babbling"\nseeds = [1, -2]\n', "seeds"),
    ("seeds empty", 'task = "babbling"\nseeds = []\n', "seeds"),
    ("bias not a bool", 'task = "continual"\n[settings]\nbias = 1\n', "settings.bias"),
    (
        "step size NaN",
        'task = "continual"\n[settings]\nrule = {name = "LMS", step_size = nan}\n',
        "settings.rule",
    ),
    (
        "step size negative in the grid",
        'task = "continual"\n[grid]\n"rule.step_size" = [0.1, -0.5]\n',
        'grid."rule.step_size"',
    ),
    ("empty grid list", 'task = "babbling"\n[grid]\nexplorer = []\n', "grid.explorer"),
    ("grid not a list", 'task = "babbling"\n[grid]\nexplorer = "goal babbling"\n', "grid.explorer"),
    ("unknown task", 'task = "babling"\n', "task"),
    (
        "unknown learner",
        'task = "babbling"\n[grid]\nlearner = ["NNLearner", "KNNLearner"]\n',
        "grid.learner",
    ),
    ("unknown explorer", 'task = "babbling"\n[settings]\nexplorer = "goal"\n', "settings.explorer"),
    (
        "unknown stream",
        'task = "continual"\n[settings]\nstream = "SuttonStream"\n',
        "settings.stream",
    ),
    ("unknown rl agent", 'task = "rl"\n[settings]\nagent = "ppo"\n', "settings.agent"),
    (
        "learner setting out of range",
        'task = "babbling"\n[settings]\nlearner = {name = "WNNLearner", k = 0}\n',
        "settings.learner",
    ),
    (
        "blocks not dividing steps",
        'task = "continual"\n[settings]\nsteps = 1000\nblocks = 7\n',
        "settings.blocks",
    ),
    (
        "unknown gymnasium id",
        'task = "rl"\n[settings]\nenvironment = "CartPol-v1"\n',
        "settings.environment",
    ),
    (
        "adhdp setting of the wrong type",
        'task = "adhdp"\n[settings]\nagent = {name = "epuck", reservoir_size = 2.5}\n',
        "settings.agent",
    ),
    (
        "a component and its field both in the grid",
        'task = "continual"\n[grid]\nrule = ["LMS", "NLMS"]\n"rule.step_size" = [0.1]\n',
        'grid."rule.step_size"',
    ),
    (
        # the grid's rules replaced the table whole: its step size was silently lost
        "a component's fields in settings beside the component in the grid",
        'task = "continual"\n[settings]\nrule = {name = "IDBD", initial_step_size = 0.05}\n'
        '[grid]\nrule = ["IDBD", "Autostep"]\n',
        "grid.rule: replaces settings.rule whole, so its fields ['initial_step_size']",
    ),
    (
        # the trial started and recorded the error; rl refused the pair up front
        "an rl agent that cannot act in the environment",
        'task = "rl"\n[settings]\nagent = "streamq"\nenvironment = "Pendulum-v1"\n',
        "settings.agent: streamq needs a Discrete action space",
    ),
    (
        "network learner setting out of range",
        'task = "babbling"\n[settings]\nlearner = {name = "NetworkLearner", hidden = [0]}\n',
        "settings.learner",
    ),
    ("not TOML", 'task = "babbling\n', "TOML"),
    ("missing file", None, "no such file"),
]


@pytest.mark.parametrize("name, text, key", BAD, ids=[b[0] for b in BAD])
def test_a_bad_config_is_refused_with_exit_2_naming_the_key_and_nothing_written(
    name, text, key, tmp_path, capsys
):
    path = tmp_path / "bad.toml"
    if text is not None:
        path.write_text(text)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert key in err, err
    assert str(path) in err, err
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == ([] if text is None else ["bad.toml"])


def test_there_are_at_least_twenty_distinct_bad_configs():
    assert len({text for _, text, _ in BAD}) >= 20


def test_an_unknown_name_suggests_the_nearest(tmp_path):
    path = tmp_path / "e.toml"
    path.write_text('task = "babbling"\n[settings]\nlerner = "NNLearner"\n')
    with pytest.raises(ExperimentError, match="did you mean 'learner'"):
        load_experiment(path)


def test_a_good_config_gives_grid_times_seeds_trials_with_stable_ids(tmp_path):
    path = tmp_path / "e.toml"
    path.write_text(GOOD_BABBLING)
    first = load_experiment(path).trials()
    # stable: spelled from the grid point and seed (not drawn, nor hashed per process,
    # which two loads in one process compared with each other did not catch)
    assert [t.trial_id for t in first] == [
        "explorer=motor-babbling_seed=0",
        "explorer=motor-babbling_seed=1",
        "explorer=goal-babbling_seed=0",
        "explorer=goal-babbling_seed=1",
    ]
    assert [(t.grid_point["explorer"], t.seed) for t in first] == [
        ("motor babbling", 0),
        ("motor babbling", 1),
        ("goal babbling", 0),
        ("goal babbling", 1),
    ]
    assert first[0].settings["learner"] == {"name": "NNLearner"}
    assert first[0].settings["steps"] == 50


def test_a_component_grid_key_resolves_into_its_table(tmp_path):
    path = tmp_path / "e.toml"
    path.write_text(
        'task = "continual"\nseeds = [7]\n[settings]\nrule = {name = "IDBD", '
        'meta_step_size = 0.01}\n[grid]\n"rule.initial_step_size" = [0.05, 0.1]\n'
    )
    trials = load_experiment(path).trials()
    assert [t.settings["rule"] for t in trials] == [
        {"name": "IDBD", "meta_step_size": 0.01, "initial_step_size": 0.05},
        {"name": "IDBD", "meta_step_size": 0.01, "initial_step_size": 0.1},
    ]
    assert [t.seed for t in trials] == [7, 7]


def test_the_shipped_examples_are_valid():
    folder = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
    sizes = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".toml"):
            sizes[name] = len(load_experiment(os.path.join(folder, name)).trials())
    assert sizes["babbling_arm7.toml"] == 3 * 3 * 5
    assert sizes["sutton1992_lms.toml"] == 8 * 30


def test_the_babbling_task_takes_every_learner_of_the_readme(tmp_path):
    # NetworkLearner was missing: "unknown name 'NetworkLearner'" for a learner the README
    # lists beside the others (a trial compiles it, so only the file is checked here)
    path = tmp_path / "e.toml"
    path.write_text(
        'task = "babbling"\n[settings]\nlearner = {name = "NetworkLearner", hidden = [16]}\n'
        '[grid]\n"learner.capacity" = [512, 1024]\n'
    )
    trials = load_experiment(path).trials()
    assert [t.settings["learner"] for t in trials] == [
        {"name": "NetworkLearner", "hidden": [16], "capacity": c} for c in (512, 1024)
    ]
    path.write_text(
        'task = "babbling"\n[grid]\nlearner = ["NNLearner", "WNNLearner", '
        '"LWLRLearner", "NetworkLearner", "RandomLearner"]\n'
    )
    assert len(load_experiment(path).trials()) == 5


@pytest.mark.parametrize(
    "text",
    [
        'task = "babbling"\n[grid]\nseed = [0, 1]\n',
        'task = "babbling"\n[settings]\nseeds = 3\n',
    ],
)
def test_seeds_among_settings_or_grid_point_to_the_top_level_list(tmp_path, text):
    path = tmp_path / "e.toml"
    path.write_text(text)
    with pytest.raises(ExperimentError, match=r"top-level list, seeds = \[0, 1, 2\]"):
        load_experiment(path)
