"""Save and load an :class:`MLPLearner` and its state: one ``.npz`` file, no pickle.

The file holds every array of the state under its pytree path (``params/0/w``,
``opt_state/v/1/b``, ``step``, ...) and a header (see :mod:`sensorimotor.base.saved_file`)
with the format name and version, the learner's :meth:`~MLPLearner.to_config` and
``feature_dim``. Loading rebuilds the learner from its config, derives the expected state
layout from it, and checks that every array is there with the right shape and dtype.
"""

import dataclasses
import os

import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.base.non_negative import first_negative
from sensorimotor.base.saved_file import check_arrays, make_header, read_npz, write_npz
from sensorimotor.continual.mlp import MLPLearner, MLPState

__all__ = ["FORMAT_VERSION", "load_mlp_learner", "save_mlp_learner"]

FORMAT = "sensorimotor.MLPLearner"
FORMAT_VERSION = 2  # 2: AdaptiveObGD's optimiser state keeps its step_size (issue 8)


def _path_name(path) -> str:
    parts = []
    for entry in path:
        for attr in ("name", "key", "idx"):
            if hasattr(entry, attr):
                parts.append(str(getattr(entry, attr)))
                break
        else:  # pragma: no cover - other key kinds do not occur in MLPState
            parts.append(str(entry))
    return "/".join(parts)


def _named_leaves(tree):
    return [(_path_name(p), leaf) for p, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]]


def _check_reachable(path, template, named) -> None:
    """Raise ``ValueError`` naming ``path`` and the array if the state is one no sequence
    of updates makes (a tampered file): a negative count, second moment, step size or
    variance (:func:`~sensorimotor.base.non_negative.first_negative`; the learner
    then rejected every update, or predicted NaN), or an EMANormalizer weight above 1."""
    bad = first_negative(template, list(named.values()))
    if bad is not None:
        name = list(named)[bad[0]]
        raise ValueError(f"{path}: array {name!r} is negative, which no update makes")
    if "normalizer/w" in named and np.any(named["normalizer/w"] > 1):
        raise ValueError(f"{path}: array 'normalizer/w' is above 1, which no update makes")


def save_mlp_learner(path, learner: MLPLearner, state: MLPState) -> None:
    """Write ``learner`` and ``state`` to ``path`` (must end in ``.npz``), atomically.

    Example:
        >>> import jax, tempfile, os
        >>> learner = MLPLearner(hidden_sizes=(16,))
        >>> state = learner.init(jax.random.key(0), 2)
        >>> path = os.path.join(tempfile.mkdtemp(), "mlp.npz")
        >>> save_mlp_learner(path, learner, state)
        >>> learner2, state2 = load_mlp_learner(path)
        >>> print(learner2 == learner, bool((state2.params[0].w == state.params[0].w).all()))
        True True
    """
    if not isinstance(learner, MLPLearner):
        raise TypeError(f"learner must be an MLPLearner, got {type(learner).__name__}")
    path = os.fspath(path)
    if not path.endswith(".npz"):
        raise ValueError(f"path must end with .npz, got {path!r}")
    header = make_header(
        FORMAT,
        FORMAT_VERSION,
        learner=learner.to_config(),
        feature_dim=int(state.params[0].w.shape[0]),
    )
    write_npz(path, {name: np.asarray(leaf) for name, leaf in _named_leaves(state)}, header)


def load_mlp_learner(path) -> tuple[MLPLearner, MLPState]:
    """Read a file written by :func:`save_mlp_learner`: returns ``(learner, state)``.

    Raises ``ValueError`` naming what is wrong (unknown format or version, a missing, extra
    or misshapen array). A version-1 file (before AdaptiveObGD kept its last effective step
    in its state) loads with that step at 0: it is a report, not used by the next update.

    Example (a learner state file is not an MLP learner file):
        >>> import os, tempfile
        >>> from sensorimotor.continual import LinearLearner, save_state
        >>> path = os.path.join(tempfile.mkdtemp(), "linear.npz")
        >>> save_state(path, LinearLearner().init(2))
        >>> load_mlp_learner(path)
        Traceback (most recent call last):
        ...
        ValueError: .../linear.npz: ...
    """
    arrays, header = read_npz(path, FORMAT, FORMAT_VERSION, ("learner", "feature_dim"))
    try:  # a config or feature_dim that save did not write: name the file
        learner = MLPLearner.from_config(header["learner"])
        # shapes only: the file's values replace it. At sparsity 0 (same shapes), as a
        # network the library now refuses to start fresh (a sparse one that can never learn)
        # loads as it was saved; its own learner's compiled init stays untraced (refusing)
        shaper = dataclasses.replace(learner, sparsity=0.0)
        template = jax.eval_shape(
            lambda k: shaper.init(k, header["feature_dim"]), jax.random.key(0)
        )
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"{path}: not a valid saved MLPLearner ({exc})") from None
    expected = {name: (spec.shape, spec.dtype) for name, spec in _named_leaves(template)}
    reported = "opt_state/step_size"
    if header["format_version"] == 1 and reported in expected and reported not in arrays:
        arrays = {**arrays, reported: np.zeros(*expected[reported])}
    checked = check_arrays(path, arrays, expected, finite=True)
    _check_reachable(path, template, dict(zip(expected, checked, strict=True)))
    leaves = [jnp.asarray(a) for a in checked]
    treedef = jax.tree_util.tree_structure(template)
    return learner, jax.tree_util.tree_unflatten(treedef, leaves)
