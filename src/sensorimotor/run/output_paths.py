"""Output paths of the command line, checked before any work: a folder to write into, a
file to write."""

import os

__all__ = ["output_file", "output_folder"]


def output_folder(option: str, path: str) -> str:
    """Create the folder ``path`` (and its parents) now, before any work; a path that cannot
    be a folder (under an existing file, no permission) is a ``ValueError`` naming ``option``.

    >>> output_folder("--out", "/dev/null/sub")
    Traceback (most recent call last):
    ...
    ValueError: --out: cannot create the folder '/dev/null/sub' (Not a directory)
    """
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"{option}: cannot create the folder {path!r} ({exc.strerror})") from None
    if not os.access(path, os.W_OK):
        raise ValueError(f"{option}: the folder {path!r} is not writable")
    return path


def output_file(option: str, path: str) -> str:
    """Check, before any work, that a file can be written at ``path``: its folder exists and
    is writable and ``path`` is not a folder; else a ``ValueError`` naming ``option``.

    >>> output_file("--plot", "/dev/null/x.png")
    Traceback (most recent call last):
    ...
    ValueError: --plot: cannot write '/dev/null/x.png': '/dev/null' is not a folder
    """
    folder = os.path.dirname(path) or "."
    if os.path.isdir(path):
        raise ValueError(f"{option}: {path!r} is a folder, expected a file name")
    if not os.path.isdir(folder):
        what = "is not a folder" if os.path.exists(folder) else "does not exist"
        raise ValueError(f"{option}: cannot write {path!r}: {folder!r} {what}")
    if not os.access(folder, os.W_OK):
        raise ValueError(f"{option}: cannot write {path!r}: {folder!r} is not writable")
    return path
