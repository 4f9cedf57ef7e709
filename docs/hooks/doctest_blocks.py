"""A griffe extension for the API pages: the docstrings' doctests (``>>>`` lines and the
output under them, up to a blank line) become ``pycon`` code blocks, and Sphinx roles
(``:class:`X```, ``:func:`~a.b```) plain code.

The docstrings are written in a plain style, their examples as doctests in the text, and
Markdown would otherwise read a doctest's output (``[0.1 0.1]``, say) as a link; a role
would show its ``:class:`` prefix.
"""

from __future__ import annotations

import re

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|obj|exc|const|math):`~?")


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
    return ROLE.sub("`", "\n".join(out))


class DoctestBlocks(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence(obj.docstring.value)
