"""The replay buffer: ring wrap-around, uniform sampling, JAX == NumPy, jit/scan, bad input."""

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.nets import ReplayBuffer, replay_buffer


class Transition(NamedTuple):
    obs: object
    reward: object


def _item(i, xp=np):
    return Transition(xp.asarray([i, -i], xp.float32), xp.asarray(10.0 * i, xp.float32))


def test_ring_wraps_around_overwriting_the_oldest():
    buf = replay_buffer.init(_item(0), capacity=3)
    assert isinstance(buf, ReplayBuffer) and int(buf.count) == 0 and int(buf.position) == 0
    seen = []
    for i in range(1, 6):
        buf = replay_buffer.add(buf, _item(i))
        seen.append((int(buf.position), int(buf.count)))
    assert seen == [(1, 1), (2, 2), (0, 3), (1, 3), (2, 3)]
    # items 1..5 into 3 slots: slot 0 had 1 then 4, slot 1 had 2 then 5, slot 2 has 3
    np.testing.assert_array_equal(buf.data.obs[:, 0], [4, 5, 3])
    np.testing.assert_array_equal(buf.data.reward, [40, 50, 30])
    # growing a wrapped buffer puts the items oldest first; the next one goes after them
    big = replay_buffer.grow(buf, 5)
    np.testing.assert_array_equal(big.data.obs[:, 0], [3, 4, 5, 0, 0])
    assert (int(big.position), int(big.count)) == (3, 3)
    big = replay_buffer.add(big, _item(6))
    np.testing.assert_array_equal(big.data.obs[:, 0], [3, 4, 5, 6, 0])


def test_grow_of_a_buffer_that_has_not_wrapped_pads_it():
    buf = replay_buffer.init(np.zeros(2), 4)
    for i in range(4):  # exactly full: position back at 0, nothing overwritten
        buf = replay_buffer.add(buf, np.full(2, i))
    assert int(buf.position) == 0
    big = replay_buffer.grow(buf, 8)
    np.testing.assert_array_equal(big.data[:, 0], [0, 1, 2, 3, 0, 0, 0, 0])
    assert (int(big.position), int(big.count)) == (4, 4)
    same = replay_buffer.grow(buf, 4)  # to the same capacity: the same buffer
    assert (int(same.position), int(same.count)) == (0, 4)


@pytest.mark.parametrize("engine", ["numpy", "jax"])
def test_sampling_is_uniform_over_the_stored_items(engine):
    n, capacity, draws = 6, 10, 60_000
    buf = replay_buffer.init(np.zeros((), np.int32), capacity)
    for i in range(n):  # 6 of 10 slots: only these may be drawn
        buf = replay_buffer.add(buf, np.int32(i))
    if engine == "numpy":
        key = np.random.default_rng(0)
    else:
        buf = jax.tree_util.tree_map(jnp.asarray, buf)
        key = jax.random.key(0)
    batch = np.asarray(replay_buffer.sample(buf, key, draws))
    assert batch.shape == (draws,) and batch.min() >= 0 and batch.max() < n
    counts = np.bincount(batch, minlength=n)
    # Pearson chi-square with 5 degrees of freedom: 20.5 is its 0.999 quantile
    expected = draws / n
    assert ((counts - expected) ** 2 / expected).sum() < 20.5, counts


def test_jax_buffer_equals_numpy_buffer_and_same_key_draws_the_same():
    np_buf = replay_buffer.init(_item(0), 4)
    jx_buf = replay_buffer.init(_item(0, jnp), 4)
    assert isinstance(jx_buf.data.obs, jax.Array) and isinstance(np_buf.data.obs, np.ndarray)
    for i in range(1, 7):
        np_buf = replay_buffer.add(np_buf, _item(i))
        jx_buf = replay_buffer.add(jx_buf, _item(i, jnp))
    for a, b in zip(jax.tree_util.tree_leaves(np_buf), jax.tree_util.tree_leaves(jx_buf)):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype
    key = jax.random.key(3)
    for a, b in zip(
        jax.tree_util.tree_leaves(replay_buffer.sample(np_buf, key, 9)),
        jax.tree_util.tree_leaves(replay_buffer.sample(jx_buf, key, 9)),
    ):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(
        jax.tree_util.tree_leaves(replay_buffer.grow(np_buf, 6)),
        jax.tree_util.tree_leaves(replay_buffer.grow(jx_buf, 6)),
    ):
        np.testing.assert_array_equal(a, b)


def test_inside_jit_and_scan_equals_the_eager_numpy_loop():
    items = Transition(
        np.arange(14, dtype=np.float32).reshape(7, 2), np.arange(7, dtype=np.float32)
    )

    @jax.jit
    def run(buf, items, key):
        def body(b, item):
            b = replay_buffer.add(b, item)
            return b, replay_buffer.sample(b, jax.random.fold_in(key, b.count), 2)

        buf, batches = jax.lax.scan(body, buf, items)
        return replay_buffer.grow(buf, 8), batches

    key = jax.random.key(1)
    out, batches = run(replay_buffer.init(_item(0, jnp), 5), items, key)
    buf = replay_buffer.init(_item(0), 5)
    for t in range(7):
        buf = replay_buffer.add(buf, Transition(items.obs[t], items.reward[t]))
        got = replay_buffer.sample(buf, jax.random.fold_in(key, buf.count), 2)
        np.testing.assert_array_equal(batches.obs[t], got.obs)
    eager = replay_buffer.grow(buf, 8)
    for a, b in zip(jax.tree_util.tree_leaves(out), jax.tree_util.tree_leaves(eager)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(out.data.reward, [2, 3, 4, 5, 6, 0, 0, 0])


def test_bad_arguments_raise_naming_them():
    item = np.zeros(2)
    for capacity in (0, -1, 2.5, True, "3"):
        with pytest.raises(ValueError, match="capacity"):
            replay_buffer.init(item, capacity)
    with pytest.raises(ValueError, match="item"):
        replay_buffer.init({}, 3)
    buf = replay_buffer.init(item, 3)
    with pytest.raises(ValueError, match="empty"):
        replay_buffer.sample(buf, np.random.default_rng(0), 2)
    with pytest.raises(ValueError, match="item"):
        replay_buffer.add(buf, np.zeros(3))
    with pytest.raises(ValueError, match="item"):
        replay_buffer.add(buf, (np.zeros(2), np.zeros(2)))
    buf = replay_buffer.add(buf, np.ones(2))
    for batch_size in (0, 1.5, None):
        with pytest.raises(ValueError, match="batch_size"):
            replay_buffer.sample(buf, np.random.default_rng(0), batch_size)
    with pytest.raises(ValueError, match="capacity"):
        replay_buffer.grow(buf, 2)
    with pytest.raises(TypeError, match="key"):
        replay_buffer.sample(jax.tree_util.tree_map(jnp.asarray, buf), np.random.default_rng(0), 2)


def test_an_item_that_cannot_be_stored_leaves_the_numpy_buffer_as_it_was():
    buf = replay_buffer.init(_item(0), 2)
    for i in (1, 2):  # full: the next item goes over the oldest, item 1
        buf = replay_buffer.add(buf, _item(i))
    before = jax.tree_util.tree_map(np.copy, buf)
    with pytest.raises(TypeError, match="item"):  # the obs was written, then the reward failed
        replay_buffer.add(buf, Transition(np.array([9.0, 9.0]), "not a number"))
    for a, b in zip(jax.tree_util.tree_leaves(buf), jax.tree_util.tree_leaves(before)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("engine", ["numpy", "jax"])
def test_reservoir_keeps_a_uniform_sample_of_the_stream(engine):
    capacity, offered = 200, 4000
    if engine == "numpy":
        buf = replay_buffer.init(np.zeros((), np.int32), capacity)
        rng = np.random.default_rng(0)
        for i in range(offered):
            buf = replay_buffer.add_reservoir(buf, np.int32(i), i, rng)
    else:

        def body(b, x):
            i, key = x
            return replay_buffer.add_reservoir(b, i, i, key), None

        keys = jax.random.split(jax.random.key(0), offered)
        buf, _ = jax.jit(lambda b: jax.lax.scan(body, b, (jnp.arange(offered), keys)))(
            replay_buffer.init(jnp.zeros((), jnp.int32), capacity)
        )
    kept = np.asarray(buf.data)
    assert int(buf.count) == capacity and len(set(kept.tolist())) == capacity
    # a uniform sample of 0..3999: mean 2000 (standard error ~80); a ring would keep 3800..3999
    assert abs(kept.mean() - (offered - 1) / 2) < 400
    assert (kept < offered // 2).sum() > capacity // 4


@pytest.mark.parametrize("bad", [-1, -5, 2.0, 2.5, True, "3", None, np.float64(2), np.array([2])])
def test_reservoir_refuses_a_negative_or_non_integer_seen(bad):
    buf = replay_buffer.init(np.zeros(()), 3)
    rng = np.random.default_rng(0)
    for i in range(5):
        buf = replay_buffer.add_reservoir(buf, float(i), i, rng)
    before = jax.tree_util.tree_map(np.copy, buf)
    rng_state = rng.bit_generator.state
    with pytest.raises((TypeError, ValueError), match="seen"):  # -1 wrote the last slot
        replay_buffer.add_reservoir(buf, 99.0, bad, rng)
    for a, b in zip(jax.tree_util.tree_leaves(buf), jax.tree_util.tree_leaves(before)):
        np.testing.assert_array_equal(a, b)
    assert rng.bit_generator.state == rng_state
    jbuf = replay_buffer.init(jnp.zeros(()), 3)
    with pytest.raises((TypeError, ValueError), match="seen"):  # concrete: checked on JAX too
        replay_buffer.add_reservoir(jbuf, 1.0, bad, jax.random.key(0))


def test_reservoir_seen_as_an_integer_scalar_array_is_accepted():
    buf = replay_buffer.init(np.zeros(()), 3)
    buf = replay_buffer.add_reservoir(buf, 1.0, np.int64(0), np.random.default_rng(0))
    buf = replay_buffer.add_reservoir(buf, 2.0, np.array(1), np.random.default_rng(0))
    jbuf = replay_buffer.init(jnp.zeros(()), 3)
    jbuf = replay_buffer.add_reservoir(jbuf, 1.0, jnp.asarray(0), jax.random.key(0))
    assert buf.data.tolist() == [1.0, 2.0, 0.0] and int(jbuf.count) == 1


def test_reservoir_fills_like_add_until_full():
    a = replay_buffer.init(np.zeros(2), 4)
    b = replay_buffer.init(np.zeros(2), 4)
    for i in range(4):
        a = replay_buffer.add(a, np.full(2, i))
        b = replay_buffer.add_reservoir(b, np.full(2, i), i, np.random.default_rng(i))
    np.testing.assert_array_equal(a.data, b.data)
    assert int(a.count) == int(b.count) == 4


def test_a_reservoir_on_numpy_takes_a_jax_key_and_draws_as_the_jax_buffer():
    """The NumPy buffer raised "'numpy.ndarray' object has no attribute 'at'"."""
    import jax
    import numpy as np

    from sensorimotor.nets import replay_buffer as rb

    host, device = rb.init(np.zeros(()), 2), rb.init(jax.numpy.zeros(()), 2)
    key = jax.random.key(0)
    for i in range(40):
        key, draw = jax.random.split(key)
        host = rb.add_reservoir(host, float(i), i, draw)
        device = rb.add_reservoir(device, float(i), i, draw)
    assert type(host.data) is np.ndarray
    assert host.data.tolist() == np.asarray(device.data).tolist()
