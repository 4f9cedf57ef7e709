"""Output paths of the command line, checked before any work: a folder to write into, a
file to write."""

import os

__all__ = ["image_file", "output_file", "output_folder"]


def output_folder(option: str, path: str) -> str:
    """Create the folder ``path`` (and its parents) now, before any work; a path that cannot
    be a folder (under an existing file, no permission) is a ``ValueError`` naming ``option``.

    >>> output_folder("--out", "/dev/null/sub")
    Traceback (most recent call last):
    ...
    ValueError: --out: cannot create the folder '/dev/null/sub' (Not a directory)
    """
    if not path:
        raise ValueError(f"{option}: the folder name is empty")
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
    if not path:  # '' would be written next to nothing: named, not failed late
        raise ValueError(f"{option}: the file name is empty")
    folder = os.path.dirname(path) or "."
    if os.path.isdir(path):
        raise ValueError(f"{option}: {path!r} is a folder, expected a file name")
    if not os.path.isdir(folder):
        what = "is not a folder" if os.path.exists(folder) else "does not exist"
        raise ValueError(f"{option}: cannot write {path!r}: {folder!r} {what}")
    if not os.access(folder, os.W_OK):
        raise ValueError(f"{option}: cannot write {path!r}: {folder!r} is not writable")
    return path


def image_file(option: str, path: str) -> str:
    """:func:`output_file` for a plot: also, before any work, its name must end in a
    format matplotlib writes (``.png``, ``.pdf``, ``.svg``, ...). Else matplotlib refused
    ``exp2.txt`` only once the figure was drawn, after the whole run, and saved ``exp2``
    (no extension) as ``exp2.png`` while the command reported ``wrote exp2``.

    >>> image_file("--plot", "exp2.txt")
    Traceback (most recent call last):
    ...
    ValueError: --plot: cannot write 'exp2.txt': '.txt' is not an image format (use .png, .pdf or .svg, among others)
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    output_file(option, path)
    suffix = os.path.splitext(path)[1]
    if suffix.lower() == ".pgf":  # matplotlib writes it through LaTeX, after the whole run
        raise ValueError(
            f"{option}: cannot write {path!r}: .pgf needs a LaTeX install (use .pdf or .svg)"
        )
    if suffix.lstrip(".").lower() not in FigureCanvasAgg.get_supported_filetypes():
        what = f"{suffix!r} is not an image format" if suffix else "the name has no extension"
        raise ValueError(
            f"{option}: cannot write {path!r}: {what} (use .png, .pdf or .svg, among others)"
        )
    return path
