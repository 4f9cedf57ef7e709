r"""A fixed-capacity ring buffer of experience as a pytree, for JAX and for NumPy.

Experience replay (Lin 1992, "Self-improving reactive agents based on reinforcement
learning, planning and teaching"; Mnih et al. 2015, DQN): keep the last ``capacity`` items
(transitions, observations) and train on minibatches drawn uniformly from them. The state
is a :class:`ReplayBuffer` (a NamedTuple: a pytree) and the functions are pure, so a buffer
lives in the carry of a ``jax.lax.scan`` and under ``jax.jit``; the same functions run on
NumPy arrays for a Python loop on a robot (no JAX dispatch).

An item is any pytree of arrays (one array, a tuple, a NamedTuple of transition fields);
the buffer stores each leaf in an array with a leading axis of length ``capacity``. With
``capacity`` :math:`C`, insert position :math:`p` and count :math:`n`:

.. math::
    \text{add}:\ \ \text{data}[p] \leftarrow \text{item},\quad
    p \leftarrow (p + 1) \bmod C,\quad n \leftarrow \min(n + 1, C)

so once full, each new item overwrites the oldest. :func:`sample` draws ``batch_size``
indices independently and uniformly from :math:`\{0, \dots, n-1\}` (with replacement): each
stored item has probability :math:`1/n` per draw. :func:`grow` copies a buffer into a
larger one, oldest item first (a learner that keeps every observation grows its buffer
when full instead of overwriting). :func:`add_reservoir` keeps instead a uniform sample of
every item ever offered (reservoir sampling), for a stream whose old items matter as much as
the new ones.

Engines: leaves that are NumPy arrays make a NumPy buffer; :func:`add` then writes into its
arrays in place (O(1) per item, as a donated JAX buffer would: the buffer passed in is
consumed, use the returned one). JAX arrays (or ``jax.ShapeDtypeStruct`` examples) make a
JAX buffer, updated functionally (in place too under ``jit`` with donation). ``sample``
takes a JAX PRNG key or a NumPy ``Generator``; the same JAX key draws the same indices on
both engines.

Example (a NumPy buffer of 3 items, 4 added: the first is overwritten):
    >>> import numpy as np
    >>> buf = init(np.zeros(2), capacity=3)
    >>> for i in range(4):
    ...     buf = add(buf, np.array([i, 10.0 * i]))
    >>> print(buf.data[:, 0], int(buf.position), int(buf.count))
    [3. 1. 2.] 1 3
    >>> batch = sample(buf, np.random.default_rng(0), 5)
    >>> print(batch.shape, sorted(set(batch[:, 0].tolist())) <= [1.0, 2.0, 3.0])
    (5, 2) True

The same under ``jit`` and ``scan``:
    >>> import jax, jax.numpy as jnp
    >>> def body(buf, x):
    ...     return add(buf, x), None
    >>> buf, _ = jax.jit(lambda b, xs: jax.lax.scan(body, b, xs))(
    ...     init(jnp.zeros(2), 3), jnp.arange(8.0).reshape(4, 2))
    >>> print(buf.data[:, 0], int(buf.count))
    [6. 2. 4.] 3
"""

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.base.bounds import is_int

__all__ = ["ReplayBuffer", "add", "add_reservoir", "grow", "init", "sample"]


class ReplayBuffer(NamedTuple):
    """State of a replay buffer (a pytree).

    Attributes:
        data: the items' pytree, each leaf with a leading axis of length ``capacity``; slots
            not yet written hold zeros.
        position: int32 scalar, the slot the next item goes to.
        count: int32 scalar, the number of items stored (at most ``capacity``).

    Example:
        >>> import numpy as np
        >>> from sensorimotor.nets import replay_buffer
        >>> buf = replay_buffer.init({"obs": np.zeros(3), "reward": 0.0}, capacity=100)
        >>> buf = replay_buffer.add(buf, {"obs": np.ones(3), "reward": 1.0})
        >>> print(buf.data["obs"].shape, int(buf.position), int(buf.count))
        (100, 3) 1 1
    """

    data: Any
    position: Any
    count: Any


def _is_numpy(leaf) -> bool:
    return isinstance(leaf, np.ndarray | np.generic | int | float)


def _xp(buffer: ReplayBuffer):
    leaves = jax.tree_util.tree_leaves(buffer.data)
    return np if all(isinstance(leaf, np.ndarray) for leaf in leaves) else jnp


def _capacity(buffer: ReplayBuffer) -> int:
    return jax.tree_util.tree_leaves(buffer.data)[0].shape[0]


def _positive_int(name: str, value) -> int:
    if not is_int(value) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def _concrete(x):
    """``int(x)`` if ``x`` is known outside a trace, else ``None``."""
    try:
        return int(x)
    except (jax.errors.ConcretizationTypeError, jax.errors.TracerIntegerConversionError):
        return None


def _seen(seen):
    """``seen`` as an int, or ``None`` under a trace (only its dtype can be checked there);
    ``ValueError`` for a negative or non-integer one (-1 would write the last slot)."""
    if not is_int(seen) and not (
        isinstance(seen, np.ndarray | jax.Array) and seen.shape == () and seen.dtype.kind in "iu"
    ):
        raise ValueError(f"seen must be a non-negative int, got {seen!r}")
    value = _concrete(seen)
    if value is not None and value < 0:
        raise ValueError(f"seen must be a non-negative int, got {value}")
    return value


def init(item, capacity: int) -> ReplayBuffer:
    """An empty buffer for ``capacity`` items shaped like ``item``.

    Args:
        item: an example item: a pytree of arrays (its values are not stored; its leaves'
            shapes and dtypes are). NumPy leaves (or Python numbers) make a NumPy buffer,
            JAX arrays or ``jax.ShapeDtypeStruct`` a JAX one.
        capacity: the number of items kept, a positive int.

    >>> buf = init({"obs": np.zeros(4, np.float32), "reward": np.float32(0)}, 100)
    >>> print(buf.data["obs"].shape, buf.data["reward"].shape, int(buf.count))
    (100, 4) (100,) 0
    """
    capacity = _positive_int("capacity", capacity)
    leaves = jax.tree_util.tree_leaves(item)
    if not leaves:
        raise ValueError("item must hold at least one array, got an empty pytree")
    xp = np if all(_is_numpy(leaf) for leaf in leaves) else jnp

    def slots(leaf):
        if xp is np:
            leaf = np.asarray(leaf)
        return xp.zeros((capacity, *leaf.shape), leaf.dtype)

    data = jax.tree_util.tree_map(slots, item)
    # two arrays, not one shared: a jitted step may donate (reuse) each buffer separately
    return ReplayBuffer(data, xp.zeros((), xp.int32), xp.zeros((), xp.int32))


def add(buffer: ReplayBuffer, item) -> ReplayBuffer:
    """``buffer`` with ``item`` stored at ``position`` (overwriting the oldest when full).

    ``item`` must have the structure and leaf shapes of the buffer's items (values are cast
    to the stored dtypes). A NumPy buffer is written in place and returned with its new
    position and count.

    >>> buf = add(init(np.zeros(2), 2), np.array([1.0, 2.0]))
    >>> print(buf.data.tolist(), int(buf.position), int(buf.count))
    [[1.0, 2.0], [0.0, 0.0]] 1 1
    """
    xp = _xp(buffer)
    capacity = _capacity(buffer)
    data_leaves, treedef = jax.tree_util.tree_flatten(buffer.data)
    item_leaves, item_def = jax.tree_util.tree_flatten(item)
    if item_def != treedef:
        raise ValueError(f"item has the structure {item_def}, the buffer stores {treedef}")
    for d, x in zip(data_leaves, item_leaves, strict=True):
        if np.shape(x) != d.shape[1:]:
            raise ValueError(
                f"item has a leaf of shape {np.shape(x)}, the buffer stores {d.shape[1:]}"
            )
    pos = buffer.position
    if xp is np:
        # every leaf converted before any is written: a leaf that cannot be stored must not
        # leave the slot (the oldest item, once full) half overwritten
        try:
            item_leaves = [np.asarray(x, d.dtype) for d, x in zip(data_leaves, item_leaves)]
        except (TypeError, ValueError, OverflowError) as err:
            raise TypeError(f"item has a leaf the buffer cannot store ({err})") from None

        def write(d, x):
            d[int(pos)] = x
            return d

    else:

        def write(d, x):
            return d.at[pos].set(jnp.asarray(x, d.dtype))

    data = jax.tree_util.tree_unflatten(treedef, list(map(write, data_leaves, item_leaves)))
    position = (pos + 1) % capacity
    count = xp.minimum(buffer.count + 1, capacity)
    return ReplayBuffer(data, xp.asarray(position, xp.int32), xp.asarray(count, xp.int32))


def add_reservoir(buffer: ReplayBuffer, item, seen, key) -> ReplayBuffer:
    r"""``buffer`` with ``item`` offered to a reservoir: a uniform sample of all items offered.

    Vitter's (1985) Algorithm R, "Random sampling with a reservoir": the item offered after
    ``seen`` others (``seen`` counts every item offered before, kept or not) goes to slot
    ``seen`` while the buffer fills; once full, a slot :math:`j` is drawn uniformly from
    :math:`\{0, \dots, \text{seen}\}` and the item replaces slot :math:`j` if
    :math:`j < C`, else it is dropped. After :math:`t` offers each of them is stored with
    probability :math:`C / t`, so the buffer is a uniform sample of the whole stream (where
    :func:`add` keeps the last :math:`C`). The shapes never change: one compilation serves
    any length of stream. ``position`` stops moving once the buffer is full.

    Args:
        buffer: the reservoir (a buffer filled only by ``add_reservoir``).
        item: as for :func:`add`.
        seen: the number of items offered before this one (the caller counts; a
            non-negative int, or an int32 scalar under ``jit``, where its value cannot be
            checked).
        key: a JAX PRNG key or a NumPy ``Generator`` for the draw (used only once full).

    >>> buf = init(np.zeros(()), capacity=2)
    >>> rng = np.random.default_rng(0)
    >>> for i in range(100):
    ...     buf = add_reservoir(buf, float(i), i, rng)
    >>> print(int(buf.count), int(buf.position), buf.data.tolist())
    2 0 [46.0, 43.0]
    """
    xp = _xp(buffer)
    capacity = _capacity(buffer)
    concrete_seen = _seen(seen)
    if isinstance(key, np.random.Generator) and xp is not np:
        raise TypeError("key: a NumPy Generator draws for a NumPy buffer; give a JAX key")
    if xp is np:  # a Generator, or a JAX key (its draw as the JAX buffer's below)
        seen = concrete_seen
        if seen < capacity:
            slot = seen
        elif isinstance(key, np.random.Generator):
            slot = int(key.integers(0, seen + 1))
        else:
            slot = int(jax.random.randint(key, (), 0, jnp.asarray(seen, jnp.int32) + 1))
        if slot >= capacity:
            return buffer
        position = buffer.position
        kept = add(buffer._replace(position=np.asarray(slot, np.int32)), item)
        if seen >= capacity:
            kept = kept._replace(position=position)
        return kept
    seen = jnp.asarray(seen, jnp.int32)
    draw = jax.random.randint(key, (), 0, jnp.maximum(seen, 0) + 1)
    full = seen >= capacity
    slot = jnp.where(full, draw, seen)
    keep = slot < capacity
    slot = jnp.minimum(slot, capacity - 1)
    data_leaves, treedef = jax.tree_util.tree_flatten(buffer.data)
    item_leaves, item_def = jax.tree_util.tree_flatten(item)
    if item_def != treedef:
        raise ValueError(f"item has the structure {item_def}, the buffer stores {treedef}")

    def write(d, x):
        if np.shape(x) != d.shape[1:]:
            raise ValueError(
                f"item has a leaf of shape {np.shape(x)}, the buffer stores {d.shape[1:]}"
            )
        x = jnp.asarray(x, d.dtype)
        return d.at[slot].set(jnp.where(keep, x, d[slot]))

    data = jax.tree_util.tree_unflatten(treedef, list(map(write, data_leaves, item_leaves)))
    position = jnp.where(full, buffer.position, (buffer.position + 1) % capacity)
    count = jnp.minimum(buffer.count + 1, capacity)
    return ReplayBuffer(data, position.astype(jnp.int32), count.astype(jnp.int32))


def sample(buffer: ReplayBuffer, key, batch_size: int):
    """``batch_size`` items drawn uniformly, with replacement, from the ``count`` stored.

    Args:
        buffer: a non-empty buffer (under ``jit`` an empty one cannot be refused: it yields
            its zero slots).
        key: a JAX PRNG key (indices ``jax.random.randint(key, (batch_size,), 0, count)``, on
            either engine) or a NumPy ``Generator`` (NumPy buffers: no JAX dispatch).
        batch_size: a positive int (a static shape under ``jit``).

    Returns:
        the items' pytree, each leaf with a leading axis of length ``batch_size``.

    >>> buf = init(np.zeros(()), 10)
    >>> for i in range(10):
    ...     buf = add(buf, float(i))
    >>> print(sample(buf, jax.random.key(0), 4).shape)
    (4,)
    """
    batch_size = _positive_int("batch_size", batch_size)
    count = _concrete(buffer.count)
    if count == 0:
        raise ValueError("buffer is empty (count 0): nothing to sample")
    xp = _xp(buffer)
    if isinstance(key, np.random.Generator):
        if xp is not np:
            raise TypeError("key: a NumPy Generator samples a NumPy buffer; give a JAX key")
        idx = key.integers(0, count, size=batch_size)
    else:
        idx = jax.random.randint(key, (batch_size,), 0, buffer.count)
        if xp is np:
            idx = np.asarray(idx)
    return jax.tree_util.tree_map(lambda d: d[idx], buffer.data)


def grow(buffer: ReplayBuffer, capacity: int) -> ReplayBuffer:
    """The same items in a buffer of ``capacity`` slots (at least the current), oldest first.

    The stored items keep their order of insertion; the next item goes after the newest.
    (Under ``jit`` the new capacity is a static shape.)

    >>> buf = init(np.zeros(()), 3)
    >>> for i in range(4):
    ...     buf = add(buf, float(i))
    >>> big = grow(buf, 5)
    >>> print(big.data.tolist(), int(big.position), int(big.count))
    [1.0, 2.0, 3.0, 0.0, 0.0] 3 3
    """
    capacity = _positive_int("capacity", capacity)
    old = _capacity(buffer)
    if capacity < old:
        raise ValueError(f"capacity must be at least the current {old}, got {capacity}")
    xp = _xp(buffer)
    # the oldest item's slot: 0 until the buffer has wrapped around
    shift = (buffer.position - buffer.count) % old
    rolled = _concrete(shift) != 0

    def move(d):
        if rolled:
            d = xp.roll(d, -shift, axis=0)
        return xp.concatenate([d, xp.zeros((capacity - old, *d.shape[1:]), d.dtype)])

    data = jax.tree_util.tree_map(move, buffer.data)
    return ReplayBuffer(data, xp.asarray(buffer.count % capacity, xp.int32), buffer.count)
