"""Save and load learner states: ``.npz`` arrays plus a JSON header, never pickle."""

from __future__ import annotations

import json
import os

import jax
import numpy as np

FORMAT = "sensorimotor.learner_state"
VERSION = 1


def _header(state, learner):
    leaves, treedef = jax.tree_util.tree_flatten(state)
    return leaves, {
        "format": FORMAT,
        "version": VERSION,
        "structure": str(treedef),
        "leaves": [{"shape": list(np.shape(a)), "dtype": str(np.asarray(a).dtype)} for a in leaves],
        "learner": None if learner is None else repr(learner),
    }


def save_state(path, state, learner=None) -> None:
    """Write ``state`` (any pytree of arrays, e.g. a ``LinearState``) to ``path`` (.npz).

    The file holds one array per leaf (``leaf_0``, ``leaf_1``, ...) and ``header``, a
    JSON string with ``format``, ``version``, the tree ``structure``, every leaf's shape
    and dtype, and ``repr(learner)`` (for the reader; it is not executed). The write goes
    through a temporary file and a rename, so a crash never leaves a half-written file.

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
        >>> print(np.allclose(back.weights, state.weights), read_header(path)["version"])
        True 1
    """
    leaves, header = _header(state, learner)
    arrays = {f"leaf_{i}": np.asarray(a) for i, a in enumerate(leaves)}
    arrays["header"] = np.array(json.dumps(header))
    path = os.fspath(path)
    if not path.endswith(".npz"):
        raise ValueError(f"path must end with .npz, got {path!r}")
    tmp = path[:-4] + ".tmp.npz"
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_header(path) -> dict:
    """The JSON header of a saved state (raises ``ValueError`` if it is not one)."""
    with np.load(os.fspath(path), allow_pickle=False) as data:
        if "header" not in data.files:
            raise ValueError(f"{path} is not a saved learner state (no header)")
        header = json.loads(str(data["header"]))
    if header.get("format") != FORMAT:
        raise ValueError(f"{path}: format {header.get('format')!r} is not {FORMAT!r}")
    if header.get("version") != VERSION:
        raise ValueError(f"{path}: format version {header.get('version')} is not {VERSION}")
    return header


def load_state(path, like):
    """Read a state saved by :func:`save_state`.

    ``like`` is a state of the expected structure (e.g. ``learner.init(feature_dim)``);
    the file must match it leaf by leaf (structure, shapes and dtypes) or ``ValueError``
    names the first difference. The result has NumPy leaves; pass it through
    ``jax.numpy.asarray`` (``jax.tree_util.tree_map``) for the JAX engine.
    """
    header = read_header(path)
    want_leaves, want = _header(like, None)
    if header["structure"] != want["structure"]:
        raise ValueError(
            f"{path}: saved structure {header['structure']} differs from the expected "
            f"{want['structure']}"
        )
    with np.load(os.fspath(path), allow_pickle=False) as data:
        leaves = [np.array(data[f"leaf_{i}"]) for i in range(len(want_leaves))]
    for i, (got, exp) in enumerate(zip(leaves, want["leaves"], strict=True)):
        if list(got.shape) != exp["shape"] or str(got.dtype) != exp["dtype"]:
            raise ValueError(
                f"{path}: leaf {i} has shape {got.shape} and dtype {got.dtype}, expected "
                f"{tuple(exp['shape'])} and {exp['dtype']}"
            )
    treedef = jax.tree_util.tree_structure(like)
    return jax.tree_util.tree_unflatten(treedef, leaves)
