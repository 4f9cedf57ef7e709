"""Save and load learner states: ``.npz`` arrays plus a JSON header, never pickle."""

from __future__ import annotations

import os

import jax
import numpy as np

from sensorimotor.base.non_negative import first_negative
from sensorimotor.base.saved_file import (
    check_arrays,
    make_header,
    read_npz,
    read_npz_header,
    write_npz,
)

FORMAT = "sensorimotor.learner_state"
FORMAT_VERSION = 1
_HEADER_KEYS = ("structure", "leaves")


def _layout(state):
    """The leaves of ``state`` and what the header says of them."""
    leaves, treedef = jax.tree_util.tree_flatten(state)
    specs = [{"shape": list(np.shape(a)), "dtype": str(np.asarray(a).dtype)} for a in leaves]
    return leaves, {"structure": str(treedef), "leaves": specs}


def _check_reachable(path, tree) -> None:
    """Raise ``ValueError`` naming ``path`` and the field if ``tree`` is a state no sequence
    of updates makes (a tampered file): a negative value in a field that its state class
    lists in ``NON_NEGATIVE_FIELDS`` (a count, second moment, step size, variance, trace
    decay: :func:`~sensorimotor.base.non_negative.first_negative`); the learner
    then predicted NaN or rejected every update."""
    bad = first_negative(tree)
    if bad is not None:
        field = bad[1].lstrip(".")
        raise ValueError(f"{path}: field {field!r} is negative, which no update makes")


def save_state(path, state, learner=None) -> None:
    """Write ``state`` (any pytree of arrays, e.g. a ``LinearState``) to ``path`` (.npz).

    The file holds one array per leaf (``leaf_0``, ``leaf_1``, ...) and a header (see
    :mod:`sensorimotor.base.saved_file`) with the format name and version, the tree
    ``structure``, every leaf's shape and dtype, and ``repr(learner)`` (for the reader; it
    is not executed). The write is atomic: a crash never leaves a half-written file.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from sensorimotor.continual import LinearLearner
        >>> from sensorimotor.rules import IDBD
        >>> learner = LinearLearner(IDBD(0.1, 0.01))
        >>> state = learner.update(learner.init(2), np.array([1.0, 2.0]), 3.0).state
        >>> path = os.path.join(tempfile.mkdtemp(), "state.npz")
        >>> save_state(path, state, learner)
        >>> back = load_state(path, like=learner.init(2))
        >>> print(np.allclose(back.weights, state.weights), read_header(path)["format_version"])
        True 1
    """
    path = os.fspath(path)
    if not path.endswith(".npz"):
        raise ValueError(f"path must end with .npz, got {path!r}")
    leaves, layout = _layout(state)
    header = make_header(
        FORMAT, FORMAT_VERSION, **layout, learner=None if learner is None else repr(learner)
    )
    write_npz(path, {f"leaf_{i}": np.asarray(a) for i, a in enumerate(leaves)}, header)


def read_header(path) -> dict:
    """The header of a saved state (raises ``ValueError`` if it is not one); ``version``
    repeats ``format_version`` for code written when the header spelled it so.

    Example:
        >>> import os, tempfile
        >>> from sensorimotor.continual import TDLinearLearner
        >>> learner = TDLinearLearner()
        >>> path = os.path.join(tempfile.mkdtemp(), "td.npz")
        >>> save_state(path, learner.init(2), learner)
        >>> header = read_header(path)
        >>> print(header["format"], header["learner"].startswith("TDLinearLearner("))
        sensorimotor.learner_state True
    """
    header = read_npz_header(path, FORMAT, FORMAT_VERSION, _HEADER_KEYS)
    return {**header, "version": header["format_version"]}


def load_state(path, like):
    """Read a state saved by :func:`save_state`.

    ``like`` is a state of the expected structure (e.g. ``learner.init(feature_dim)``);
    the file must match it leaf by leaf (structure, shapes and dtypes) or ``ValueError``
    names the first difference, as it does for NaN or inf and for a value no update makes
    (a negative count, step size or variance: see ``NON_NEGATIVE_FIELDS`` of the state
    classes). The result has NumPy leaves; pass it through
    ``jax.numpy.asarray`` (``jax.tree_util.tree_map``) for the JAX engine.

    Example:
        >>> import os, tempfile
        >>> from sensorimotor.continual import LinearLearner
        >>> learner = LinearLearner()
        >>> path = os.path.join(tempfile.mkdtemp(), "state.npz")
        >>> save_state(path, learner.init(2), learner)
        >>> load_state(path, like=learner.init(3))
        Traceback (most recent call last):
        ...
        ValueError: .../state.npz: array 'leaf_0' has shape (3,) and dtype float64, expected (4,) and float64
    """
    _, want = _layout(like)
    arrays, header = read_npz(path, FORMAT, FORMAT_VERSION, _HEADER_KEYS)
    if header["structure"] != want["structure"]:
        raise ValueError(
            f"{path}: saved structure {header['structure']} differs from the expected "
            f"{want['structure']}"
        )
    expected = {f"leaf_{i}": (s["shape"], s["dtype"]) for i, s in enumerate(want["leaves"])}
    leaves = check_arrays(path, arrays, expected, finite=True)
    treedef = jax.tree_util.tree_structure(like)
    state = jax.tree_util.tree_unflatten(treedef, leaves)
    _check_reachable(path, state)
    return state
