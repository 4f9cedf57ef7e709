import pathlib
import re
import uuid

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_sum_example_runs_as_written():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README has no python example"
    namespace = {}
    exec(compile(blocks[0], str(README), "exec"), namespace)  # noqa: S102 - our own README
    feedback = namespace["feedback"]
    assert feedback["m_signal"] == {"x": 2.0, "y": 11.0}
    assert feedback["s_signal"] == {"a": 13.0}
    assert isinstance(feedback["uuid"], uuid.UUID)


def test_readme_examples_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    for block in blocks[1:]:
        exec(compile(block, str(README), "exec"), {})  # noqa: S102 - our own README


def test_readme_shows_the_two_command_quick_start():
    text = README.read_text()
    assert "make demo" in text and "make test" in text


def test_a_feedback_without_a_uuid_is_learned_but_not_logged(tmp_path):
    """The README says so: a learner and an explorer take a feedback without a uuid (and
    learn it again if it comes again); an ObservationLog refuses it with FeedbackError."""
    import pytest

    from sensorimotor import KinematicArm2D
    from sensorimotor.explore import RandomMotorExplorer
    from sensorimotor.learners import NNLearner
    from sensorimotor.run import ObservationLog
    from sensorimotor.signals import FeedbackError

    arm = KinematicArm2D.mid7()
    channels = {"m_channels": arm.m_channels, "s_channels": arm.s_channels}
    learner = NNLearner(channels)
    explorer = RandomMotorExplorer(channels | {"learner": learner})
    e = explorer.explore()
    feedback = {k: v for k, v in arm.execute(e["m_signal"]).items() if k != "uuid"}
    explorer.receive(e, feedback)
    assert learner.update(feedback) and len(learner) == 2
    log = ObservationLog(tmp_path / "log.h5", arm.m_channels, arm.s_channels)
    with pytest.raises(FeedbackError, match="no 'uuid'"):
        log.append(feedback)
    log.close()
