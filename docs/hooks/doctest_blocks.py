"""A griffe extension for the API pages: the docstrings' doctests (``>>>`` lines and the
output under them, up to a blank line) become ``pycon`` code blocks.

The docstrings are written in a plain style, their examples as doctests in the text, and
Markdown would otherwise read a doctest's output (``[0.1 0.1]``, say) as a link.
"""

from __future__ import annotations

import griffe


def fence(text: str) -> str:
    """``text`` with each doctest block inside a fenced ``pycon`` block."""
    out, inside, indent = [], False, ""
    for line in text.splitlines():
        stripped = line.lstrip()
        if not inside and stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            out.append(f"{indent}```pycon")
            inside = True
        elif inside and not stripped:
            out.append(f"{indent}```")
            inside = False
        out.append(line)
    if inside:
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence(obj.docstring.value)
