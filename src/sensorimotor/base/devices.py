"""Seeds side by side on every local device: ``jax.vmap`` whose batch is split across
devices, and a CPU device per core for the programs that train them."""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

__all__ = ["cpu_devices_per_core", "vmap_over_devices"]


def vmap_over_devices(fn, devices=None):
    r"""``jax.jit(jax.vmap(fn))`` with the batch split evenly across ``devices``.

    A compiled run of ``B`` seeds gives each of the ``D`` devices (default
    ``jax.local_devices()``) :math:`\lceil B / D \rceil` of them; a batch that does not
    divide is padded with copies of its last element, whose results are dropped. A batch
    smaller than ``D`` runs on its first ``B`` devices, one element each, rather than keep
    the others busy with padding. Each device runs its elements as a vmapped program of
    its own (``jax.shard_map``), so a ``while_loop`` until every seed is done ends on each
    device when its own seeds are. With one device this is ``jax.jit(jax.vmap(fn))``, bit
    for bit. On a CPU, JAX has one device unless asked for more
    (:func:`cpu_devices_per_core`), and one device runs a vmapped program on about one
    core: two devices on two cores halve a DQN's ten seeds.

    Each seed's result depends on the products' batch shape, so it is repeatable for the
    same seeds, device count and library versions, not across device counts (the last
    bits of a batched product differ, and training amplifies them).

    Args:
        fn: a function of one pytree (e.g. the ``train(key)`` of ``Agent.make_train``),
            vmapped over the leading axis of every leaf.
        devices: the devices to split across (default: every local device).

    Returns:
        a function of the batched pytree (leading axis ``B``) returning ``fn``'s outputs
        stacked along a leading axis of ``B``; its ``lower(xs)`` is ``jax.jit``'s, for the
        batch padded as a call pads it (to time a compilation on its own).

    Example:
        >>> import jax, jax.numpy as jnp
        >>> square_sum = vmap_over_devices(lambda x: (x * x).sum())
        >>> print(square_sum(jnp.arange(6.0).reshape(3, 2)))
        [ 1. 13. 41.]
    """
    devices = list(jax.local_devices() if devices is None else devices)
    if not devices:
        raise ValueError("devices: expected at least one device, got none")
    vmapped = jax.vmap(fn)
    programs = {}  # devices used -> the program split across them

    def program(count):
        if count not in programs:
            mesh = Mesh(np.array(devices[:count]), ("batch",))
            # each device runs its own elements as a vmapped program of its own
            # (shard_map), not one program partitioned across them: a loop whose condition
            # reads the batch (a while_loop until every seed is done) would otherwise
            # synchronise the devices at every iteration (10x slower on 2 CPU devices)
            local = jax.shard_map(
                vmapped,
                mesh=mesh,
                in_specs=PartitionSpec("batch"),
                out_specs=PartitionSpec("batch"),
                check_vma=False,
            )
            programs[count] = jax.jit(
                local, in_shardings=NamedSharding(mesh, PartitionSpec("batch"))
            )
        return programs[count]

    def padded(xs):
        leaves = jax.tree_util.tree_leaves(xs)
        if not leaves or any(jnp.ndim(leaf) == 0 for leaf in leaves):
            raise ValueError("vmap_over_devices: every leaf needs a leading batch axis")
        size = jnp.shape(leaves[0])[0]
        count = max(1, min(len(devices), size))
        pad = -size % count
        if pad:
            xs = jax.tree_util.tree_map(
                lambda x: jnp.concatenate([x, jnp.repeat(x[-1:], pad, axis=0)]), xs
            )
        return xs, size, pad, count

    def run(xs):
        xs, size, pad, count = padded(xs)
        out = program(count)(xs)
        return jax.tree_util.tree_map(lambda y: y[:size], out) if pad else out

    def lower(xs):
        xs, _, _, count = padded(xs)
        return program(count).lower(xs)

    # jax.jit's ahead-of-time lowering, to time a compilation apart from the run; the
    # compiled program takes (and returns) the batch padded as the call pads it
    run.lower = lower
    return run


def cpu_devices_per_core() -> int:
    """Ask JAX for one CPU device per core this process may use, for a program (a command,
    a benchmark) that runs compiled seeds with :func:`vmap_over_devices`; returns the CPU
    device count JAX will have.

    A library never flips a global JAX setting, so only a program's entry point calls
    this, before anything runs on JAX. A count the user chose (``JAX_NUM_CPU_DEVICES``,
    or ``--xla_force_host_platform_device_count`` in ``XLA_FLAGS``) is kept, and so are
    the devices of a process whose JAX is already running. A ``JAX_NUM_CPU_DEVICES`` that
    is not a positive int is a ``ValueError`` naming it.

    >>> import jax.numpy as jnp
    >>> _ = jnp.zeros(())  # JAX is running here: the devices it has stay
    >>> cpu_devices_per_core() == len(jax.devices("cpu"))
    True
    """
    given = os.environ.get("JAX_NUM_CPU_DEVICES")
    if given is not None and not (given.strip().isdigit() and int(given) >= 1):
        # JAX would fail later, in a traceback of its own, when it first runs
        raise ValueError(f"JAX_NUM_CPU_DEVICES must be a positive int, got {given!r}")
    chosen = given is not None or (
        "xla_force_host_platform_device_count" in os.environ.get("XLA_FLAGS", "")
    )
    if not chosen:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        try:
            jax.config.update("jax_num_cpu_devices", cores or os.cpu_count() or 1)
        except RuntimeError:  # JAX already ran in this process: its devices stay
            pass
    return len(jax.devices("cpu"))
