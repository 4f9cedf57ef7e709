"""Tiny network pytrees: sparse init, parameter-free LayerNorm, fused value-and-grad."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.nets import init_mlp, layer_norm, mlp_apply, mlp_value_and_grad, sparse_init
from sensorimotor.rules.obgd import tree_l1_norm


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


def test_init_mlp_shapes_zero_biases_sparse_weights():
    params = init_mlp(jax.random.key(0), 10, (128, 128), 1)
    assert [p.w.shape for p in params] == [(10, 128), (128, 128), (128, 1)]
    assert all(float(jnp.abs(p.b).sum()) == 0.0 for p in params)
    assert int((params[1].w != 0).sum(axis=0)[0]) == 128 - math.ceil(0.9 * 128)


@pytest.mark.parametrize(("hidden", "layer_norm_on"), [((7, 6), False), ((5, 4, 3), True)])
def test_fused_value_and_grad_equals_autodiff(hidden, layer_norm_on):
    key_p, key_x = jax.random.split(jax.random.key(len(hidden)))
    params = init_mlp(key_p, 4, hidden, 1, sparsity=0.5)
    # non-zero biases so that every branch of the backward pass is exercised
    params = jax.tree_util.tree_map(lambda p: p + 0.1, params)
    xs = jax.random.normal(key_x, (5, 4)) * 2

    @jax.jit
    def both(xs):
        ours = jax.vmap(lambda x: mlp_value_and_grad(params, x, layer_norm=layer_norm_on))(xs)
        ref = jax.vmap(
            lambda x: jax.value_and_grad(lambda p: mlp_apply(p, x, layer_norm=layer_norm_on)[0])(
                params
            )
        )(xs)
        return ours, ref

    (value, grads, l1), (v_ref, g_ref) = both(xs)
    np.testing.assert_allclose(value, v_ref, rtol=1e-5, atol=1e-6)
    for a, b in zip(
        jax.tree_util.tree_leaves(grads), jax.tree_util.tree_leaves(g_ref), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    ref_l1 = jax.vmap(tree_l1_norm)(g_ref)
    np.testing.assert_allclose(l1, ref_l1, rtol=1e-5)


def test_mlp_apply_vmaps_over_a_batch_and_refuses_vector_output_grad():
    params = init_mlp(jax.random.key(0), 3, (8,), 2)
    xs = jax.random.normal(jax.random.key(1), (6, 3))
    batched = jax.jit(jax.vmap(lambda x: mlp_apply(params, x)))(xs)
    assert batched.shape == (6, 2)
    np.testing.assert_allclose(batched[2], mlp_apply(params, xs[2]), rtol=1e-6)
    with pytest.raises(ValueError, match="scalar output"):
        mlp_value_and_grad(params, xs[0])
