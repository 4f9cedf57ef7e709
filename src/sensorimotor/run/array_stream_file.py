"""An experiment file's ``ArrayStream``: a user's recorded arrays, named in a ``.npz`` file.

::

    [settings]
    stream = {name = "ArrayStream", file = "recorded.npz", x = "x", y = "y"}
    steps = 4000                        # at most the rows of the file, unless cycle = true

``file`` is read with ``numpy.load(..., allow_pickle=False)`` (no code runs from it); a
relative path is taken from the experiment file's folder (``Experiment.trials``).
"""

from __future__ import annotations

import os
from typing import NamedTuple

from sensorimotor.base.saved_file import read_npz_arrays

__all__ = ["ArrayStreamFile"]


class ArrayStreamFile(NamedTuple):
    """The arrays ``x`` (inputs, ``(T, feature_dim)``) and ``y`` (targets, ``(T,)``) of the
    ``.npz`` file ``file`` as an :class:`~sensorimotor.envs.streams.ArrayStream` (``cycle``:
    go round the rows again after the last). Every seed of a sweep sees the same rows.

    A file that is missing, not an ``.npz`` (or a broken one), holds objects that would
    need pickle, or lacks an array is a ``ValueError`` naming it (and the arrays it has:
    :func:`~sensorimotor.base.saved_file.read_npz_arrays`); the arrays are then checked as
    ``ArrayStream`` checks them, the error naming the file too.

    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "recorded.npz")
    >>> np.savez(path, inputs=np.eye(3), targets=np.arange(3.0))
    >>> stream = ArrayStreamFile(path, x="inputs", y="targets").stream()
    >>> len(stream), stream.feature_dim
    (3, 3)
    >>> ArrayStreamFile(path).stream()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: ArrayStream.file: .../recorded.npz: no array 'x' (it has: inputs, targets)
    """

    file: str = ""
    x: str = "x"
    y: str = "y"
    cycle: bool = False

    def stream(self):
        """The :class:`~sensorimotor.envs.streams.ArrayStream` of the file's arrays."""
        from sensorimotor.envs.streams import ArrayStream

        x, y = self._arrays()
        try:
            return ArrayStream(x, y, cycle=self.cycle)
        except (TypeError, ValueError) as err:  # the arrays' checks: name the file too
            raise ValueError(f"{err} (in {os.path.basename(self.file)})") from None

    def _arrays(self) -> tuple:
        if not self.file:
            raise ValueError("ArrayStream.file: the .npz file of the recorded arrays is missing")
        if os.path.isdir(self.file):
            raise ValueError(f"ArrayStream.file: {self.file!r} is a folder")
        try:
            return read_npz_arrays(self.file, (self.x, self.y))
        except FileNotFoundError:
            raise ValueError(f"ArrayStream.file: no such file {self.file!r}") from None
        except ValueError as err:
            raise ValueError(f"ArrayStream.file: {err}") from None
