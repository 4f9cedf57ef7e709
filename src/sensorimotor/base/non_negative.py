"""The parts of a learner's or agent's state that no update makes negative.

A loader refuses a file whose state holds a negative count, second moment, step size or
variance: no sequence of updates makes one, and a learner loaded with it predicts NaN or
rejects every update for ever. Each state class lists such fields in its
``NON_NEGATIVE_FIELDS``; optax's Adam state, which is not ours to annotate, is listed
here. The loaders of learner states (:mod:`sensorimotor.continual`), MLP learners and
agents all ask :func:`first_negative`.
"""

from __future__ import annotations

import jax
import numpy as np
import optax

__all__ = ["first_negative", "must_not_be_negative"]

#: optax's states: Adam's step count and second moment (its bias correction and square
#: root turn NaN below zero)
_OPTAX_NON_NEGATIVE = {optax.ScaleByAdamState: ("count", "nu")}


def _fields(node) -> tuple:
    listed = getattr(type(node), "NON_NEGATIVE_FIELDS", None)
    return listed if listed is not None else _OPTAX_NON_NEGATIVE.get(type(node), ())


def must_not_be_negative(tree) -> list[bool]:
    """For each leaf of ``tree`` (in :func:`jax.tree_util.tree_leaves` order), whether it
    lies in a field that its state class lists in ``NON_NEGATIVE_FIELDS`` (or in optax's
    Adam count and second moment), at any depth. ``tree`` may hold arrays or shapes
    (:func:`jax.eval_shape`): only its structure is read.

    Example:
        >>> import numpy as np
        >>> from sensorimotor.rules import WelfordNormalizer
        >>> state = WelfordNormalizer().init(2)  # (count, mean, m2)
        >>> must_not_be_negative(state)
        [True, False, True]
        >>> must_not_be_negative({"stats": state, "weights": np.zeros(2)})
        [True, False, True, False]
    """
    marks = []
    for key_path, _ in jax.tree_util.tree_flatten_with_path(tree)[0]:
        node, mark = tree, False
        for key in key_path:
            if isinstance(key, jax.tree_util.GetAttrKey):
                mark = mark or key.name in _fields(node)
                node = getattr(node, key.name)
            elif isinstance(key, jax.tree_util.SequenceKey):
                node = node[key.idx]
            elif isinstance(key, jax.tree_util.DictKey):
                node = node[key.key]
            else:  # a custom pytree's flattened index: no field names below it
                break
        marks.append(mark)
    return marks


def first_negative(like, leaves=None) -> tuple[int, str] | None:
    """``(index, path)`` of the first leaf below zero in a field that no update makes
    negative (:func:`must_not_be_negative`; ``path`` as ``jax.tree_util.keystr`` gives
    it), or ``None``. ``leaves`` are the values to check, in ``like``'s leaf order (a
    loader's arrays before they become a state); by default ``like``'s own leaves.

    Example:
        >>> import numpy as np
        >>> from sensorimotor.rules import WelfordNormalizer
        >>> state = WelfordNormalizer().init(2)
        >>> first_negative(state) is None
        True
        >>> first_negative(state, [np.array(3.0), np.zeros(2), np.array([0.5, -1.0])])
        (2, '.m2')
    """
    paths = [p for p, _ in jax.tree_util.tree_flatten_with_path(like)[0]]
    values = jax.tree_util.tree_leaves(like) if leaves is None else leaves
    marks = must_not_be_negative(like)
    for i, (key_path, value, mark) in enumerate(zip(paths, values, marks, strict=True)):
        if mark and np.any(np.asarray(value) < 0):
            return i, jax.tree_util.keystr(key_path)
    return None
