"""The command line's progress bar over an iterable (tqdm, through ``base.progress_bar``)."""

from collections.abc import Iterable, Iterator

from sensorimotor.base.progress_bar import progress_bar


def progress(
    iterable: Iterable, total: int | None = None, desc: str = "", file=None, disable: bool = False
) -> Iterator:
    """Yield from ``iterable`` while a tqdm bar on ``file`` (stderr by default) counts the
    items; ``total`` defaults to ``len(iterable)``.

    On a terminal the bar redraws in place at most ten times a second; elsewhere (a CI log,
    a pipe) it prints one line at each quarter of the run, so logs stay short.

    >>> import io
    >>> out = io.StringIO()
    >>> sum(progress(range(100), desc="demo", file=out))
    4950
    >>> [line.split()[1] for line in out.getvalue().splitlines()]
    ['25%', '50%', '75%', '100%']
    """
    if total is None:
        total = len(iterable) if hasattr(iterable, "__len__") else None
    with progress_bar(total, desc=desc, file=file, disable=disable) as bar:
        for item in iterable:
            yield item
            bar.update(1)
