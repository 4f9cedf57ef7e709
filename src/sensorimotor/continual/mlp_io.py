"""Save and load an :class:`MLPLearner` and its state: one ``.npz`` file, no pickle.

The file holds every array of the state under its pytree path (``params/0/w``,
``opt_state/v/1/b``, ``step``, ...) and, under ``__meta__``, a JSON string with the format
name, ``format_version``, the learner's :meth:`~MLPLearner.to_config` and ``feature_dim``.
Loading rebuilds the learner from its config, derives the expected state layout from it,
and checks that every array is there with the right shape and dtype (``np.load`` with
``allow_pickle=False``).
"""

import json
import os

import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.continual.mlp import MLPLearner, MLPState

__all__ = ["FORMAT_VERSION", "load_mlp_learner", "save_mlp_learner"]

FORMAT = "sensorimotor.MLPLearner"
FORMAT_VERSION = 2  # 2: AdaptiveObGD's optimiser state keeps its step_size (issue 8)
_META = "__meta__"


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


def save_mlp_learner(path, learner: MLPLearner, state: MLPState) -> None:
    """Write ``learner`` and ``state`` to ``path`` (must end in ``.npz``), atomically.

    Example:
        >>> import jax, tempfile, os
        >>> learner = MLPLearner(hidden_sizes=(4,))
        >>> state = learner.init(jax.random.key(0), 2)
        >>> path = os.path.join(tempfile.mkdtemp(), "mlp.npz")
        >>> save_mlp_learner(path, learner, state)
        >>> learner2, state2 = load_mlp_learner(path)
        >>> print(learner2 == learner, bool((state2.params[0].w == state.params[0].w).all()))
        True True
    """
    if not isinstance(learner, MLPLearner):
        raise TypeError(f"learner must be an MLPLearner, got {type(learner).__name__}")
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "learner": learner.to_config(),
        "feature_dim": int(state.params[0].w.shape[0]),
    }
    arrays = {name: np.asarray(leaf) for name, leaf in _named_leaves(state)}
    arrays[_META] = np.array(json.dumps(meta))
    path = os.fspath(path)
    if not path.endswith(".npz"):
        raise ValueError(f"path must end with .npz, got {path!r}")
    tmp = path[:-4] + ".tmp.npz"
    with open(tmp, "wb") as f:  # write aside, then rename: a crash never leaves half a file
        np.savez(f, **arrays)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_mlp_learner(path) -> tuple[MLPLearner, MLPState]:
    """Read a file written by :func:`save_mlp_learner`: returns ``(learner, state)``.

    Raises ``ValueError`` naming what is wrong (unknown format or version, a missing, extra
    or misshapen array).
    """
    with np.load(os.fspath(path), allow_pickle=False) as data:
        if _META not in data.files:
            raise ValueError(f"{path}: not an MLPLearner file (no {_META!r} entry)")
        meta = json.loads(str(data[_META]))
        if meta.get("format") != FORMAT:
            raise ValueError(f"{path}: format {meta.get('format')!r}, expected {FORMAT!r}")
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"{path}: format_version {meta.get('format_version')!r} is not supported "
                f"(this version reads {FORMAT_VERSION})"
            )
        learner = MLPLearner.from_config(meta["learner"])
        template = jax.eval_shape(lambda k: learner.init(k, meta["feature_dim"]), jax.random.key(0))
        expected = _named_leaves(template)
        names = {name for name, _ in expected}
        extra = set(data.files) - names - {_META}
        if extra:
            raise ValueError(f"{path}: unexpected arrays {sorted(extra)}")
        leaves = []
        for name, spec in expected:
            if name not in data.files:
                raise ValueError(f"{path}: missing array {name!r}")
            arr = data[name]
            if arr.shape != spec.shape or arr.dtype != spec.dtype:
                raise ValueError(
                    f"{path}: array {name!r} has shape {arr.shape} dtype {arr.dtype}, "
                    f"expected {spec.shape} {spec.dtype}"
                )
            leaves.append(jnp.asarray(arr))
    treedef = jax.tree_util.tree_structure(template)
    return learner, jax.tree_util.tree_unflatten(treedef, leaves)
