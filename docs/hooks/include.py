"""A mkdocs hook: a page line ``<!-- include FILE -->`` becomes that file of the repository
(without its ``# `` title, the page has its own), and ``<!-- include FILE#Heading -->`` the section of FILE under ``## Heading`` (its text,
without the heading line, up to the next ``## `` heading).

So the README's examples (which the tests run) and BENCHMARKS.md (which the benchmarks'
runs fill) appear in the site without a second, hand-kept copy. A file or heading that
is not there fails the build, naming it. A link into ``docs/`` in the included text is
made relative to the page (the pages that include sit at the top of ``docs/``).
"""

from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
DIRECTIVE = re.compile(r"^<!-- include (?P<file>[^#\s]+)(?:#(?P<heading>[^>]+?))? -->$", re.M)


def section(text: str, heading: str, where: str) -> str:
    """The lines under ``## heading`` up to the next ``## `` heading (code blocks skipped
    when looking for headings)."""
    lines, out, inside, fence = text.splitlines(), [], False, False
    for line in lines:
        if line.startswith("```"):
            fence = not fence
        if not fence and line.startswith("## "):
            if inside:
                break
            inside = line[3:].strip() == heading
            continue
        if inside:
            out.append(line)
    if not out:
        raise ValueError(f"{where}: no section '## {heading}'")
    return "\n".join(out).strip("\n") + "\n"


def include(match: re.Match) -> str:
    path = ROOT / match["file"]
    if not path.is_file():
        raise ValueError(f"include: no file {match['file']!r} in {ROOT}")
    text = re.sub(r"\]\(docs/", "](", path.read_text(encoding="utf-8"))
    if match["heading"]:
        return section(text, match["heading"].strip(), match["file"])
    return re.sub(r"\A# .*\n", "", text)


def on_page_markdown(markdown: str, page, config, files) -> str:
    return DIRECTIVE.sub(include, markdown)
