"""A dependency-free progress bar for long work on the command line."""

import sys
import time
from collections.abc import Iterable, Iterator


def progress(
    iterable: Iterable, total: int | None = None, desc: str = "", file=None, disable: bool = False
) -> Iterator:
    """Yield from ``iterable`` while drawing a progress bar on ``file`` (stderr by default).

    On a terminal the bar redraws in place at most ten times a second; elsewhere (a CI log,
    a pipe) it prints one line at each quarter, so logs stay short.

    >>> import io
    >>> out = io.StringIO()
    >>> sum(progress(range(100), desc="demo", file=out))
    4950
    >>> out.getvalue().splitlines()[-1].split()[:3]
    ['demo', '100%', '100/100']
    """
    file = sys.stderr if file is None else file
    if total is None:
        total = len(iterable) if hasattr(iterable, "__len__") else None
    if disable or not total:
        yield from iterable
        return
    tty = hasattr(file, "isatty") and file.isatty()
    start = last = time.perf_counter()
    next_quarter = 1
    done = 0
    for item in iterable:
        yield item
        done += 1
        now = time.perf_counter()
        if tty and (now - last >= 0.1 or done == total):
            last = now
            file.write("\r" + _line(desc, done, total, now - start, bar=True))
            file.flush()
        elif not tty and done * 4 >= next_quarter * total:
            next_quarter = done * 4 // total + 1
            file.write(_line(desc, done, total, now - start, bar=False) + "\n")
    if tty:
        file.write("\n")
    file.flush()


def _line(desc: str, done: int, total: int, elapsed: float, bar: bool) -> str:
    frac = done / total
    rate = done / elapsed if elapsed > 0 else float("inf")
    eta = (total - done) / rate if rate > 0 else 0.0
    drawn = f" [{'#' * int(30 * frac):<30}]" if bar else ""
    return f"{desc} {frac:4.0%} {done}/{total}{drawn} {rate:,.0f} it/s, {elapsed:.1f}s elapsed, eta {eta:.1f}s"
