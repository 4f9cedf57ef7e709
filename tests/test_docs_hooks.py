"""The documentation site's build hooks (docs/hooks): README sections and doctests."""

import importlib.util
import pathlib

import pytest

HOOKS = pathlib.Path(__file__).resolve().parents[1] / "docs" / "hooks"


def load(name):
    spec = importlib.util.spec_from_file_location(f"docs_hooks_{name}", HOOKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


include = load("include")
doctest_blocks = load("doctest_blocks")  # needs griffe: the docs extra, in dev

TEXT = """# Title

## First
one
```python
## not a heading: inside code
```

## Second
two, [a page](docs/saved-files.md)
"""


def test_a_section_ends_at_the_next_heading_outside_code():
    first = include.section(TEXT, "First", "X.md")
    assert first.startswith("one\n") and "## not a heading" in first and "two" not in first
    assert include.section(TEXT, "Second", "X.md").startswith("two")


def test_a_missing_section_or_file_fails_naming_it():
    with pytest.raises(ValueError, match="X.md: no section '## Third'"):
        include.section(TEXT, "Third", "X.md")
    with pytest.raises(ValueError, match="no file 'NOPE.md'"):
        include.on_page_markdown("<!-- include NOPE.md -->", None, None, None)


def test_the_readme_sections_the_pages_name_are_there():
    pages = (HOOKS.parent).glob("*.md")
    for page in pages:
        text = include.on_page_markdown(page.read_text(), None, None, None)
        assert "<!-- include" not in text
        assert "](docs/" not in text  # links made relative to the page


def test_doctests_become_code_blocks_and_roles_plain_code():
    doc = "See :class:`~a.B`.\n\n    >>> print([1, 2])\n    [1, 2]\n\nAfter."
    fenced = doctest_blocks.fence(doc)
    assert fenced == (
        "See `a.B`.\n\n    ```pycon\n    >>> print([1, 2])\n    [1, 2]\n    ```\n\nAfter."
    )
    assert doctest_blocks.fence(">>> 1\n1") == "```pycon\n>>> 1\n1\n```"
