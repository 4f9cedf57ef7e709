"""The MLP's building blocks: sparse init, parameter-free LayerNorm."""

import math

import jax
import numpy as np
import pytest

from sensorimotor.nets import layer_norm, sparse_init


@pytest.mark.parametrize(
    ("fan_in", "fan_out", "sparsity"), [(128, 128, 0.9), (10, 7, 0.9), (16, 3, 0.5)]
)
def test_sparse_init_zeroes_ceil_fraction_of_each_units_inputs(fan_in, fan_out, sparsity):
    w = np.asarray(sparse_init(jax.random.key(1), fan_in, fan_out, sparsity))
    assert w.shape == (fan_in, fan_out)
    zeros_per_unit = (w == 0).sum(axis=0)
    assert (zeros_per_unit == math.ceil(sparsity * fan_in)).all()
    assert np.abs(w).max() <= 1 / math.sqrt(fan_in)
    # the kept inputs differ between units (random per unit, not one shared mask)
    masks = {tuple(col) for col in (w != 0).T}
    assert len(masks) > 1


def test_sparse_init_same_key_same_weights_and_bad_args():
    a = sparse_init(jax.random.key(3), 20, 5)
    b = sparse_init(jax.random.key(3), 20, 5)
    c = sparse_init(jax.random.key(4), 20, 5)
    assert (a == b).all() and not (a == c).all()
    with pytest.raises(ValueError, match="sparsity"):
        sparse_init(jax.random.key(0), 4, 4, sparsity=1.0)
    with pytest.raises(ValueError, match="fan_in"):
        sparse_init(jax.random.key(0), 0, 4)


def test_layer_norm_matches_definition():
    h = jax.random.normal(jax.random.key(0), (50,)) * 3 + 2
    n = np.asarray(layer_norm(h))
    hn = np.asarray(h, np.float64)
    expected = (hn - hn.mean()) / np.sqrt(hn.var() + 1e-5)
    np.testing.assert_allclose(n, expected, rtol=1e-5, atol=1e-5)
