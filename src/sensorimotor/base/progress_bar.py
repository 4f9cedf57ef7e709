"""One progress bar for long work (tqdm): live on a terminal, a few lines in a log."""

from __future__ import annotations

import math
import sys

from tqdm import tqdm

from sensorimotor.base.bounds import is_int

__all__ = ["progress_bar"]

#: what a log line shows (no bar: in a log it would only be noise)
LOG_FORMAT = "{percentage:3.0f}% {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}{postfix}]"


def progress_bar(
    total: int | None, desc: str = "", file=None, disable: bool = False, lines: int = 4
) -> tqdm:
    """A ``tqdm`` bar of ``total`` steps on ``file`` (stderr by default); advance it with
    ``bar.update(n)``, end it with ``bar.close()`` (or use it in a ``with`` block).

    On a terminal it redraws in place at most ten times a second. Elsewhere (a CI log, a
    pipe, a file) it prints one line each time another ``1 / lines`` of the run is done
    (``lines`` lines in all, the last at 100%), so a log stays short. ``disable``, or an
    unknown ``total`` off a terminal, gives a bar that prints nothing.

    >>> import io
    >>> out = io.StringIO()
    >>> with progress_bar(10, desc="demo", file=out) as bar:
    ...     for _ in range(10):
    ...         _ = bar.update(1)
    >>> [line.split()[:3] for line in out.getvalue().splitlines()]
    [['demo:', '30%', '3/10'], ['demo:', '60%', '6/10'], ['demo:', '90%', '9/10'], ['demo:', '100%', '10/10']]
    """
    # tqdm shows a negative total as an unknown length, a bool as "1/True"; NaN fails inside
    if total is not None and not is_int(total):
        raise TypeError(f"progress_bar: total must be a non-negative int or None, got {total!r}")
    if total is not None and total < 0:
        raise ValueError(f"progress_bar: total must be a non-negative int or None, got {total}")
    file = sys.stderr if file is None else file
    if getattr(file, "isatty", lambda: False)():
        return tqdm(total=total, desc=desc, file=file, disable=disable, dynamic_ncols=True)
    return _LogBar(
        total=total,
        desc=desc,
        file=_Lines(file),
        disable=disable or not total,
        # a line at every 1/lines of the run and never in between: no time limit, and no
        # line at 0% (a tiny delay skips tqdm's opening display)
        mininterval=0,
        maxinterval=math.inf,
        miniters=math.ceil(total / lines) if total else 1,
        delay=1e-9,
        leave=False,
        # a log has no lines to move between: a bar inside another (a seed's training in
        # the seeds' bar) kept tqdm's place below it, and wrote a cursor-up escape after
        # each of its lines, a line of "\x1b[A" in the log
        position=0,
        smoothing=0,  # in a log, the average rate over the run so far
        bar_format=("{desc}: " if desc else "") + LOG_FORMAT,
    )


class _LogBar(tqdm):
    """tqdm that, off a terminal, ends on a line at 100% (once): its last step may fall
    between two of its ``miniters`` marks."""

    # no monitor thread: it only shortens the time between redraws, and a log has none
    monitor_interval = 0

    def close(self):
        if not self.disable and self.n > self.last_print_n:
            self.refresh()
        super().close()


class _Lines:
    """A file for tqdm that turns each in-place redraw (``'\\r' + status``) into a line."""

    def __init__(self, file):
        self.file = file

    def write(self, text: str) -> None:
        for part in text.split("\r"):
            if part.strip():
                self.file.write(part.rstrip() + "\n")

    def flush(self) -> None:
        self.file.flush()
