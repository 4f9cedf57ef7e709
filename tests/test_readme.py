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
