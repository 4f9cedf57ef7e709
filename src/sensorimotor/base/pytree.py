"""Pytree helpers shared by every compiled loop: split a pytree into data and structure,
and stack or index a batch of pytrees."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["combine", "partition", "stack", "take"]


def _is_static(leaf) -> bool:
    """Everything but float and array leaves: ints, bools, strings, ``None`` and objects
    that are not pytrees (e.g. a frozen dataclass held by a stream)."""
    is_data = isinstance(leaf, (float, np.floating, np.ndarray, jax.Array))
    return not is_data or isinstance(leaf, (bool, np.bool_))


def partition(tree):
    """Return ``(dynamic_leaves, static)``.

    Float and array leaves are dynamic (they become traced arguments of a compiled
    function, so changing them does not recompile); bools, ints and strings, together
    with the tree structure, form ``static``, a hashable key of the compilation cache.
    Objects that are not pytrees (e.g. a frozen dataclass) are one static leaf.

    >>> from sensorimotor.rules import IDBD
    >>> dyn, static = partition((IDBD(0.1, 0.01), 3))
    >>> print(dyn)
    [0.1, 0.01]
    """
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    dynamic, fixed = [], []
    for i, leaf in enumerate(leaves):
        if _is_static(leaf):
            fixed.append((i, leaf))
        else:
            dynamic.append(leaf)
    static = (treedef, tuple(fixed), len(leaves))
    hash(static)  # fail early, with a clear error, if a static leaf is unhashable
    return dynamic, static


def combine(dynamic, static):
    """Inverse of :func:`partition`.

    >>> from sensorimotor.rules import IDBD
    >>> dyn, static = partition((IDBD(0.1, 0.01), 3))
    >>> print(combine(dyn, static) == (IDBD(0.1, 0.01), 3))
    True
    >>> tree = combine([0.5, 0.0], static)  # new float leaves, the same structure and ints
    >>> print(tree[0].initial_step_size, tree[1])
    0.5 3
    """
    treedef, fixed, n = static
    leaves = [None] * n
    fixed_idx = {i for i, _ in fixed}
    for i, leaf in fixed:
        leaves[i] = leaf
    it = iter(dynamic)
    for i in range(n):
        if i not in fixed_idx:
            leaves[i] = next(it)
    return jax.tree_util.tree_unflatten(treedef, leaves)


def stack(trees):
    """One pytree whose leaves are the leaves of ``trees`` stacked on a new leading axis.

    >>> import jax.numpy as jnp
    >>> print(stack([(jnp.zeros(2), 1.0), (jnp.ones(2), 2.0)])[0].shape)
    (2, 2)
    """
    trees = list(trees)
    if not trees:
        raise ValueError("stack needs at least one pytree")
    return jax.tree_util.tree_map(
        lambda *leaves: jnp.stack([jnp.asarray(v) for v in leaves]), *trees
    )


def take(tree, index):
    """Entry ``index`` of a pytree stacked on its leading axis (the inverse of :func:`stack`).

    >>> import jax.numpy as jnp
    >>> print(take(stack([(jnp.zeros(2),), (jnp.ones(2),)]), 1)[0])
    [1. 1.]
    """
    return jax.tree_util.tree_map(lambda leaf: leaf[index], tree)
