"""Saved files: atomic writes, a format name + version header, strict reading, class lookup.

Every file the library writes (a learner, an explorer, a streaming learner's state, an
MLP learner, an observation log, later an agent) carries a header, a JSON object with

* ``format``: the format's name, e.g. ``"sensorimotor.learner"``;
* ``format_version``: a positive int, raised when the layout changes (a reader reads every
  version up to its own and refuses a newer one);
* whatever metadata the format needs (a class name, a config, ...).

``.npz`` files keep the header, as a JSON string, in the entry ``header`` beside the
arrays; JSON files are the header; HDF5 files keep ``format`` and ``format_version`` as
root attributes. A file is written to a temporary file in the same folder, flushed to
disk and renamed over its target, so a crash or an exception never leaves a partial file
(the old file, if any, stays whole). Reading never unpickles: a file that is not what the
caller expects raises ``ValueError`` naming the file and what is wrong.

>>> import os, tempfile
>>> import numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "counts.npz")
>>> write_npz(path, {"counts": np.arange(3)}, make_header("example.counts", 1, unit="hits"))
>>> arrays, header = read_npz(path, "example.counts", 1, header_keys=["unit"])
>>> arrays["counts"], header["unit"]
(array([0, 1, 2]), 'hits')
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import json
import os
import secrets
import sys
import tokenize
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping

import numpy as np

from sensorimotor.base.bounds import is_int

HEADER = "header"  # the .npz entry that holds the JSON header
# Files written before this module named the header entry of MLP learner files
# ``__meta__`` and the version of learner-state files ``version``; both still read.
_OLD_HEADER_ENTRIES = ("__meta__",)
_OLD_VERSION_KEYS = ("version",)
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a zip archive, with entries or empty


# -- headers --------------------------------------------------------------------------
def make_header(format_name: str, format_version: int, **fields) -> dict:
    """A header: ``{'format': format_name, 'format_version': format_version, **fields}``.

    >>> make_header("sensorimotor.learner", 1, cls="NNLearner")
    {'format': 'sensorimotor.learner', 'format_version': 1, 'cls': 'NNLearner'}
    """
    if not isinstance(format_name, str) or not format_name:
        raise ValueError(f"format_name must be a non-empty str, got {format_name!r}")
    if not _is_version(format_version):
        raise ValueError(f"format_version must be a positive int, got {format_version!r}")
    clash = {"format", "format_version"} & set(fields)
    if clash:
        raise ValueError(f"header fields {sorted(clash)} are set by make_header itself")
    return {"format": format_name, "format_version": int(format_version), **fields}


def check_header(
    where, header, format_name: str, max_version: int, header_keys: Iterable[str] = ()
) -> dict:
    """Return ``header`` if it is a header of ``format_name`` at a version from 1 to
    ``max_version`` holding every key of ``header_keys``; else raise ``ValueError``
    starting with ``where`` (the file's path) and saying what is wrong.

    >>> check_header("a.npz", {"format": "x", "format_version": 2}, "x", 1)
    Traceback (most recent call last):
    ...
    ValueError: a.npz: format version 2 of 'x' is newer than this library reads (up to 1); update sensorimotor to read it
    """
    if not isinstance(header, Mapping):
        raise ValueError(f"{where}: the header is not a JSON object, got {type(header).__name__}")
    got = header.get("format")
    if got != format_name:
        what = "has no format name" if got is None else f"holds format {got!r}"
        raise ValueError(f"{where}: not a saved {format_name!r} file ({what})")
    version = header.get("format_version")
    if not _is_version(version):
        raise ValueError(
            f"{where}: format version {version!r} of {format_name!r} is not a positive int"
        )
    if version > max_version:
        raise ValueError(
            f"{where}: format version {version} of {format_name!r} is newer than this "
            f"library reads (up to {max_version}); update sensorimotor to read it"
        )
    missing = [key for key in header_keys if key not in header]
    if missing:
        raise ValueError(f"{where}: the header of {format_name!r} has no {missing}")
    return header


def _is_version(value) -> bool:
    return is_int(value) and value >= 1


def numpy_scalar(value):
    """``json.dumps``'s ``default``: a NumPy scalar (a setting given as ``np.float32(0.1)``)
    is written as the Python number it holds; anything else is not JSON.

    >>> json.dumps({"sigma": np.float32(0.5), "cells": np.int64(4)}, default=numpy_scalar)
    '{"sigma": 0.5, "cells": 4}'
    """
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _header_json(header: Mapping) -> str:
    if not isinstance(header, Mapping) or "format" not in header or "format_version" not in header:
        raise ValueError("a header needs 'format' and 'format_version' (see make_header)")
    try:
        return json.dumps(dict(header), allow_nan=False, default=numpy_scalar)
    except (TypeError, ValueError) as err:
        raise ValueError(f"the header cannot be saved as strict JSON: {err}") from None


# -- atomic writes --------------------------------------------------------------------
def check_file_path(path) -> None:
    """An ``OSError`` naming ``path`` unless a file can be made there: ``path`` is a folder,
    or its folder does not exist. Checked before a temporary or lock file is made beside
    it, whose own error would name that file instead of the caller's path.

    >>> check_file_path("/no/such/folder/log.h5")
    Traceback (most recent call last):
    ...
    FileNotFoundError: [Errno 2] No folder '/no/such/folder' to write the file in: '/no/such/folder/log.h5'
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "Is a folder, expected a file name", path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, f"No folder {folder!r} to write the file in", path)


@contextlib.contextmanager
def atomic_path(path) -> Iterator[str]:
    """Yield a temporary path beside ``path``; write the file there.

    When the block ends normally the temporary file is flushed to disk and renamed over
    ``path`` (atomic: a reader sees the old file or the new one, never a part); when it
    raises, the temporary file is removed and ``path`` is untouched. The file gets the
    permissions of a new file (``0o666`` less the umask).

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
    >>> with atomic_path(path) as tmp:
    ...     with open(tmp, "w") as f:
    ...         _ = f.write("hello")
    >>> open(path).read(), os.listdir(os.path.dirname(path))
    ('hello', ['notes.txt'])
    """
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    # checked first: the temporary file's own error would name it, not the caller's path
    check_file_path(path)
    while True:
        tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:  # pragma: no cover - a 32-bit name collision
            continue
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
    _sync_folder(folder)


def _sync_folder(folder: str) -> None:
    """Make the rename durable (where the platform allows a folder to be synced)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - file systems that refuse
        pass
    finally:
        os.close(fd)


def write_npz(path, arrays: Mapping[str, np.ndarray], header: Mapping) -> None:
    """Write ``arrays`` (name -> array) and ``header`` (see :func:`make_header`) to the
    ``.npz`` file ``path``, atomically (see :func:`atomic_path`).

    The file is written at ``path`` exactly (no suffix is added). Arrays of Python
    objects are refused: they would need pickle to be read back.
    """
    text = _header_json(header)
    out = {}
    for name, value in arrays.items():
        if name == HEADER:
            raise ValueError(f"an array may not be called {HEADER!r}: the header's entry")
        arr = np.asarray(value)
        if arr.dtype.hasobject:
            raise ValueError(f"array {name!r} holds Python objects; saved files hold numbers")
        out[name] = arr
    out[HEADER] = np.array(text)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, **out)


def write_json(path, header: Mapping) -> None:
    """Write ``header`` (see :func:`make_header`; all the file holds) to ``path`` as
    strict JSON, atomically (see :func:`atomic_path`)."""
    text = _header_json(header)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write(text)


# -- strict reading -------------------------------------------------------------------
def _open_npz(path):
    """``np.load`` of an ``.npz`` file, without pickle, or a ``ValueError`` naming ``path``."""
    with open(path, "rb") as f:
        magic = f.read(4)
    if not magic:
        raise ValueError(f"{path}: the file is empty, not an .npz file")
    if magic not in _ZIP_MAGICS:
        raise ValueError(f"{path}: not an .npz file")
    try:
        return np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as err:
        raise ValueError(f"{path}: not a readable .npz file ({_reason(err)})") from None


def _reason(err: BaseException) -> str:
    text = str(err)
    if "pickle" in text or "bject arrays" in text:
        return "it holds Python objects, which saved files never do"
    return text or type(err).__name__


def _entry(data, name: str, path) -> np.ndarray:
    try:
        value = data[name]
    except (
        zipfile.BadZipFile,
        EOFError,
        OSError,
        ValueError,
        KeyError,
        zlib.error,
        NotImplementedError,  # a compression method or zip version zipfile cannot read
        RuntimeError,  # "is encrypted, password required": a flipped flag bit
        tokenize.TokenError,  # NumPy tokenizes a header it cannot parse: '{' never closed
    ) as err:
        raise ValueError(f"{path}: entry {name!r} cannot be read ({_reason(err)})") from None
    if not isinstance(value, np.ndarray):  # a zip member that is not a .npy array
        raise ValueError(f"{path}: entry {name!r} is not an array")
    return value


def _npz_header(data, path) -> dict:
    names = [n for n in (HEADER, *_OLD_HEADER_ENTRIES) if n in data.files]
    if not names:
        raise ValueError(f"{path}: not a saved sensorimotor file (no {HEADER!r} entry)")
    raw = _entry(data, names[0], path)
    if raw.dtype.kind != "U" or raw.ndim != 0:
        raise ValueError(f"{path}: the {names[0]!r} entry is not a JSON string")
    try:
        header = json.loads(str(raw))
    # RecursionError: arrays nested beyond the parser's depth (as in read_json)
    except (ValueError, RecursionError) as err:
        raise ValueError(f"{path}: the header is not valid JSON ({err})") from None
    if isinstance(header, dict) and "format_version" not in header:
        for key in _OLD_VERSION_KEYS:
            if key in header:
                header["format_version"] = header.pop(key)
    return header


def read_npz_header(path, format_name: str, max_version: int, header_keys=()) -> dict:
    """The header of the ``.npz`` file ``path`` (its arrays are not read); the checks of
    :func:`read_npz`."""
    with _open_npz(os.fspath(path)) as data:
        return check_header(path, _npz_header(data, path), format_name, max_version, header_keys)


def read_npz_arrays(path, names) -> tuple:
    """The arrays ``names`` of the ``.npz`` file ``path`` that has no header (a user's own
    data, saved with ``numpy.savez``), read with :func:`read_npz`'s checks: a
    ``ValueError`` naming ``path`` for a file that is empty, truncated, not an ``.npz``,
    holds Python objects (never unpickled) or lacks one of ``names`` (the arrays it has
    listed); ``FileNotFoundError`` when there is no file.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "data.npz")
    >>> np.savez(path, inputs=np.eye(2), targets=np.ones(2))
    >>> [a.shape for a in read_npz_arrays(path, ["inputs", "targets"])]
    [(2, 2), (2,)]
    >>> read_npz_arrays(path, ["x"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: .../data.npz: no array 'x' (it has: inputs, targets)
    """
    path = os.fspath(path)
    with _open_npz(path) as data:
        for name in names:
            if name not in data.files:
                have = ", ".join(data.files) or "none"
                raise ValueError(f"{path}: no array {name!r} (it has: {have})")
        return tuple(_entry(data, name, path) for name in names)


def read_npz(
    path, format_name: str, max_version: int, header_keys=(), array_names=()
) -> tuple[dict, dict]:
    """Read an ``.npz`` file written by :func:`write_npz`: ``(arrays, header)``.

    ``ValueError`` naming ``path`` and what is wrong when the file is empty, truncated or
    not an ``.npz`` file, holds Python objects (never unpickled), has no header or one of
    another format, a version above ``max_version``, no key of ``header_keys``, or no
    array of ``array_names``. ``FileNotFoundError`` when there is no file.
    """
    with _open_npz(os.fspath(path)) as data:
        header = check_header(path, _npz_header(data, path), format_name, max_version, header_keys)
        skip = {HEADER, *_OLD_HEADER_ENTRIES}
        arrays = {name: _entry(data, name, path) for name in data.files if name not in skip}
    missing = [name for name in array_names if name not in arrays]
    if missing:
        raise ValueError(f"{path}: the saved {format_name!r} has no array {missing}")
    return arrays, header


def check_arrays(
    path, arrays: Mapping[str, np.ndarray], expected: Mapping, finite: bool = False
) -> list[np.ndarray]:
    """The arrays named in ``expected`` (name -> ``(shape, dtype)``), in its order; a
    ``ValueError`` naming ``path`` for a missing, unexpected or misshapen array (and, with
    ``finite``, for NaN or inf in a float array).

    >>> check_arrays("a.npz", {"w": np.zeros(2)}, {"w": ((3,), "float64")})
    Traceback (most recent call last):
    ...
    ValueError: a.npz: array 'w' has shape (2,) and dtype float64, expected (3,) and float64
    """
    extra = sorted(set(arrays) - set(expected))
    if extra:
        raise ValueError(f"{path}: unexpected arrays {extra}")
    out = []
    for name, (shape, dtype) in expected.items():
        if name not in arrays:
            raise ValueError(f"{path}: missing array {name!r}")
        arr = arrays[name]
        if arr.shape != tuple(shape) or arr.dtype != np.dtype(dtype):
            raise ValueError(
                f"{path}: array {name!r} has shape {arr.shape} and dtype {arr.dtype}, "
                f"expected {tuple(shape)} and {np.dtype(dtype)}"
            )
        if finite and arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
            raise ValueError(f"{path}: array {name!r} holds NaN or inf")
        out.append(arr)
    return out


def read_json(path, format_name: str, max_version: int, header_keys=()) -> dict:
    """Read a file written by :func:`write_json`: its header, checked as in
    :func:`read_npz` (``ValueError`` naming ``path`` for anything else, also for JSON
    nested too deep to parse or an integer of more digits than Python converts)."""
    try:
        with open(os.fspath(path), encoding="utf-8") as f:
            header = json.load(f)
    # ValueError covers JSONDecodeError, UnicodeDecodeError and an int beyond
    # sys.get_int_max_str_digits(); RecursionError, arrays nested beyond the parser's depth
    except (ValueError, RecursionError) as err:
        raise ValueError(f"{path}: not a saved {format_name!r} file, not JSON ({err})") from None
    return check_header(path, header, format_name, max_version, header_keys)


# -- the class a file names -----------------------------------------------------------
def subclasses(cls):
    """Every subclass of ``cls`` imported so far, at any depth (the classes a saved file may
    name).

    >>> class A: pass
    >>> class B(A): pass
    >>> class C(B): pass
    >>> [c.__name__ for c in subclasses(A)]
    ['B', 'C']
    """
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def find_saved_class(base: type, name: str, module: str, asked: type | None = None) -> type:
    """The subclass of ``base`` called ``name`` defined in ``module``.

    A saved learner or explorer names its class; loading looks it up among the subclasses
    already imported and, for a ``sensorimotor`` module only, imports that module first.
    Nothing else a file names is imported, so loading a file never runs code from outside
    the library (a user's own subclass loads once its module is imported).

    A class defined again (a notebook cell run twice, or a class made inside a function
    called twice) leaves several classes of one name and module until the old ones are
    collected. Then the answer is ``asked`` (the class whose ``load`` was called) if it is
    one of them, else the one ``module`` now binds to ``name``, else the newest.

    >>> from sensorimotor.learners import Learner
    >>> find_saved_class(Learner, 'NNLearner', 'sensorimotor.learners.nearest_neighbour').__name__
    'NNLearner'
    """
    kind = base.__name__.lower()
    for what, value in (("class", name), ("module", module)):
        # a tampered file can name anything; the loaders add the file's path to the message
        if not isinstance(value, str):
            raise ValueError(
                f"the class and module a saved {kind} names must be strings, "
                f"got {what} of type {type(value).__name__}"
            )
    for attempt in range(2):
        found = [
            sub for sub in subclasses(base) if sub.__name__ == name and sub.__module__ == module
        ]
        if found:
            if asked in found:
                return asked
            bound = getattr(sys.modules.get(module), name, None)
            return bound if any(bound is sub for sub in found) else found[-1]
        if attempt == 0 and (module == "sensorimotor" or module.startswith("sensorimotor.")):
            try:
                importlib.import_module(module)
            except ImportError:
                break
    raise ValueError(f"unknown {kind} class {module}.{name} (import its module before loading)")
