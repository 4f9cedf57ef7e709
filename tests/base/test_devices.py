"""vmap_over_devices: jax.jit(jax.vmap(fn)) bit for bit on one device; on several, each
element's result, the batch padded and cut back, a batch smaller than the device count on
as many devices as it has elements; cpu_devices_per_core: a device per core
unless the user chose a count or JAX already runs."""

import json
import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.base.devices import cpu_devices_per_core, vmap_over_devices


def _step(x):
    """A small program whose batched products round as jit(vmap) rounds them."""
    w = jnp.linspace(-1.0, 1.0, 12).reshape(3, 4)
    h = jnp.tanh(x @ w)
    return {"out": h.sum(), "hidden": h}


def test_one_device_is_jit_of_vmap_bit_for_bit():
    xs = jax.random.normal(jax.random.key(0), (5, 3))
    got = vmap_over_devices(_step)(xs)
    want = jax.jit(jax.vmap(_step))(xs)
    for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_a_batch_of_prng_keys_trains_as_jit_of_vmap():
    def draw(key):
        return jax.random.normal(key, (4,)).sum()

    keys = jax.random.split(jax.random.key(3), 3)
    np.testing.assert_array_equal(
        np.asarray(vmap_over_devices(draw)(keys)), np.asarray(jax.jit(jax.vmap(draw))(keys))
    )


def test_lower_compiles_the_program_that_the_call_runs():
    xs = jnp.arange(6.0).reshape(2, 3)
    run = vmap_over_devices(lambda x: x * 2.0)
    compiled = run.lower(xs).compile()
    np.testing.assert_array_equal(np.asarray(compiled(xs)), np.asarray(run(xs)))


def test_a_leaf_without_a_batch_axis_and_no_devices_are_refused():
    with pytest.raises(ValueError, match="leading batch axis"):
        vmap_over_devices(lambda x: x)(jnp.float32(1.0))
    with pytest.raises(ValueError, match="at least one device"):
        vmap_over_devices(lambda x: x, devices=[])


def test_cpu_devices_per_core_keeps_the_devices_of_a_running_jax():
    jnp.zeros(())  # JAX runs in this process
    before = len(jax.devices("cpu"))
    assert cpu_devices_per_core() == before == len(jax.devices("cpu"))


# a fresh process: JAX not yet running, so the device count can still be chosen
_CHILD = r"""
import json, os, sys
import jax, jax.numpy as jnp, numpy as np
from sensorimotor.base.devices import cpu_devices_per_core, vmap_over_devices
count = cpu_devices_per_core()
report = {"count": count, "devices": len(jax.devices("cpu"))}
if sys.argv[1] == "split":
    xs = jnp.arange(10.0).reshape(5, 2)  # 5 rows on 2 devices: padded to 6, cut to 5
    batched = vmap_over_devices(lambda x: {"sum": x.sum(), "twice": 2.0 * x})
    out = batched(xs)
    report["sum"] = np.asarray(out["sum"]).tolist()
    report["twice"] = np.asarray(out["twice"]).tolist()
    report["spread"] = len(batched.lower(xs).compile().input_shardings[0][0].device_set)
    one = xs[:1]  # fewer rows than devices: no padding, one device
    report["one"] = np.asarray(batched(one)["sum"]).tolist()
    report["one_spread"] = len(batched.lower(one).compile().input_shardings[0][0].device_set)
print(json.dumps(report))
"""


def _child(mode, **env):
    clean = {k: v for k, v in os.environ.items() if k not in ("JAX_NUM_CPU_DEVICES", "XLA_FLAGS")}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, mode],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("given", ["0", "abc", "-2", ""])
def test_a_device_count_that_is_not_a_positive_int_is_named(monkeypatch, given):
    """JAX_NUM_CPU_DEVICES=0 (or abc) ended in JAX's own traceback when it first ran."""
    monkeypatch.setenv("JAX_NUM_CPU_DEVICES", given)
    with pytest.raises(
        ValueError, match=f"JAX_NUM_CPU_DEVICES must be a positive int, got '{given}'"
    ):
        cpu_devices_per_core()


def test_a_device_per_core_then_the_batch_split_across_two_devices():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert _child("count") == {"count": cores, "devices": cores}
    # the user's count is kept: two devices, whatever the cores
    report = _child("split", JAX_NUM_CPU_DEVICES="2")
    assert report["count"] == report["devices"] == 2
    assert report["spread"] == 2
    assert report["sum"] == [1.0, 5.0, 9.0, 13.0, 17.0]
    assert report["twice"] == (2.0 * np.arange(10.0).reshape(5, 2)).tolist()
    assert report["one"] == [1.0] and report["one_spread"] == 1
