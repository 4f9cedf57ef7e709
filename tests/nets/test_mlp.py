"""The one MLP's options: activations, LayerNorm on/off, LeCun init, flatten/unflatten."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from sensorimotor.nets import (
    ACTIVATIONS,
    Dense,
    flatten_mlp,
    init_mlp,
    mlp_apply,
    mlp_sizes,
    mlp_value_and_grad,
    param_count,
    unflatten_mlp,
)
from sensorimotor.rules.obgd import tree_l1_norm


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("layer_norm", [True, False])
def test_fused_value_and_grad_equals_autodiff_for_every_activation(activation, layer_norm):
    params = init_mlp(jax.random.key(0), 4, (6, 5), 1, init="lecun")
    params = jax.tree_util.tree_map(lambda p: p + 0.05, params)  # non-zero biases
    xs = jax.random.normal(jax.random.key(1), (4, 4))
    kw = dict(activation=activation, layer_norm=layer_norm, negative_slope=0.1)

    @jax.jit
    def both(xs):
        ours = jax.vmap(lambda x: mlp_value_and_grad(params, x, **kw))(xs)
        ref = jax.vmap(lambda x: jax.value_and_grad(lambda p: mlp_apply(p, x, **kw)[0])(params))(xs)
        return ours, ref

    (value, grads, l1), (v_ref, g_ref) = both(xs)
    np.testing.assert_allclose(value, v_ref, rtol=1e-5, atol=1e-6)
    for a, b in zip(jax.tree_util.tree_leaves(grads), jax.tree_util.tree_leaves(g_ref)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(l1, jax.vmap(tree_l1_norm)(g_ref), rtol=1e-5)


def test_mlp_apply_without_layer_norm_is_the_textbook_network():
    params = init_mlp(jax.random.key(2), 3, (5,), 2, init="lecun")
    x = jnp.array([0.2, -0.4, 0.9])
    w1, b1 = np.asarray(params[0].w, np.float64), np.asarray(params[0].b, np.float64)
    w2, b2 = np.asarray(params[1].w, np.float64), np.asarray(params[1].b, np.float64)
    expected = np.tanh(np.asarray(x, np.float64) @ w1 + b1) @ w2 + b2
    got = mlp_apply(params, x, activation="tanh", layer_norm=False)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_lecun_init_statistics_and_engines():
    sizes = (400, 300, 2)
    params = init_mlp(jax.random.key(0), 400, (300,), 2, init="lecun")
    assert mlp_sizes(params) == sizes
    for layer, fan_in in zip(params, sizes[:-1]):
        assert float(jnp.abs(layer.b).sum()) == 0.0
        assert float(layer.w.std()) * math.sqrt(fan_in) == pytest.approx(1.0, abs=0.05)
    # a NumPy Generator: NumPy arrays, one standard-normal draw for the flat vector
    rng_params = init_mlp(np.random.default_rng(5), 3, (4,), 1, init="lecun", dtype="float64")
    assert all(isinstance(leaf, np.ndarray) for leaf in jax.tree_util.tree_leaves(rng_params))
    draw = np.random.default_rng(5).standard_normal(param_count((3, 4, 1)))
    np.testing.assert_allclose(rng_params[0].w.ravel(), draw[:12] / math.sqrt(3))
    np.testing.assert_allclose(rng_params[1].w.ravel(), draw[16:20] / 2.0)
    a = init_mlp(jax.random.key(7), 3, (4,), 1, init="lecun")
    b = init_mlp(jax.random.key(7), 3, (4,), 1, init="lecun")
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)):
        np.testing.assert_array_equal(x, y)


def test_uniform_init_is_pytorchs_linear_default():
    sizes = (400, 300, 2)
    params = init_mlp(jax.random.key(0), 400, (300,), 2, init="uniform")
    assert mlp_sizes(params) == sizes
    for layer, fan_in in zip(params, sizes[:-1]):
        bound = 1.0 / math.sqrt(fan_in)
        for leaf in (layer.w, layer.b):  # biases drawn too, unlike LeCun's
            assert float(jnp.abs(leaf).max()) <= bound and float(jnp.abs(leaf).max()) > 0.9 * bound
        # U(-a, a) has standard deviation a / sqrt(3)
        assert float(layer.w.std()) == pytest.approx(bound / math.sqrt(3), rel=0.05)
    rng_params = init_mlp(np.random.default_rng(5), 3, (4,), 1, init="uniform", dtype="float64")
    draw = np.random.default_rng(5).uniform(-1.0, 1.0, param_count((3, 4, 1)))
    np.testing.assert_allclose(rng_params[0].w.ravel(), draw[:12] / math.sqrt(3))
    np.testing.assert_allclose(rng_params[0].b, draw[12:16] / math.sqrt(3))
    np.testing.assert_allclose(rng_params[1].w.ravel(), draw[16:20] / 2.0)
    with pytest.raises(ValueError, match="init must be one of"):
        init_mlp(jax.random.key(0), 3, (4,), 1, init="xavier")


@pytest.mark.parametrize("init", ["lecun", "uniform", "sparse"])
@pytest.mark.parametrize("dtype", [int, "int32", bool, jnp.complex64, "not a dtype"])
def test_init_mlp_refuses_a_non_floating_dtype(init, dtype):
    # a Generator's draws cast to int were all zeros: a network that cannot learn
    keys = [jax.random.key(0)] + ([np.random.default_rng(0)] if init != "sparse" else [])
    for key in keys:
        state = key.bit_generator.state if isinstance(key, np.random.Generator) else None
        with pytest.raises(TypeError, match="dtype"):
            init_mlp(key, 3, (4,), 1, init=init, dtype=dtype)
        if state is not None:
            assert key.bit_generator.state == state


def test_flatten_is_ravel_pytree_order_and_unflatten_inverts_it():
    params = init_mlp(jax.random.key(3), 3, (4, 2), 2, sparsity=0.5)  # 0.9 is refused
    flat = flatten_mlp(params)
    np.testing.assert_array_equal(flat, ravel_pytree(params)[0])
    assert flat.shape == (param_count(mlp_sizes(params)),)
    back = unflatten_mlp(flat, mlp_sizes(params))
    assert all(isinstance(layer, Dense) for layer in back)
    for x, y in zip(jax.tree_util.tree_leaves(back), jax.tree_util.tree_leaves(params)):
        np.testing.assert_array_equal(x, y)
    # under jit, static slices
    again = jax.jit(lambda f: unflatten_mlp(f, (3, 4, 2, 2)))(flat)
    np.testing.assert_array_equal(again[1].w, params[1].w)
    numpy_flat = flatten_mlp(jax.tree_util.tree_map(np.asarray, params))
    assert isinstance(numpy_flat, np.ndarray)


def test_bad_options_raise_naming_them():
    with pytest.raises(ValueError, match="activation"):
        mlp_apply(init_mlp(jax.random.key(0), 2, (10,), 1), jnp.ones(2), activation="sigmoid")
    with pytest.raises(ValueError, match="init"):
        init_mlp(jax.random.key(0), 2, (3,), 1, init="xavier")
    with pytest.raises(TypeError, match="key"):
        init_mlp(np.random.default_rng(0), 2, (3,), 1, init="sparse")
    with pytest.raises(ValueError, match="layer sizes"):
        init_mlp(jax.random.key(0), 2, (0,), 1)
    with pytest.raises(ValueError, match="flat"):
        unflatten_mlp(np.zeros(5), (2, 3, 1))


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
    params = init_mlp(jax.random.key(0), 3, (16,), 2)
    xs = jax.random.normal(jax.random.key(1), (6, 3))
    batched = jax.jit(jax.vmap(lambda x: mlp_apply(params, x)))(xs)
    assert batched.shape == (6, 2)
    np.testing.assert_allclose(batched[2], mlp_apply(params, xs[2]), rtol=1e-6)
    with pytest.raises(ValueError, match="scalar output"):
        mlp_value_and_grad(params, xs[0])


def test_a_sparse_start_that_can_never_learn_is_refused_naming_sparsity_and_layers():
    # 3 -> 4 -> 1 at sparsity 0.9: every unit of both layers keeps no weight, so the hidden
    # layer outputs 0 for every input and no gradient reaches either layer
    with pytest.raises(ValueError, match=r"sparsity 0\.9 .*layers 0 and 1 \(3 and 4 inputs"):
        init_mlp(jax.random.key(0), 3, (4,), 1)
    for in_dim, hidden, out_dim in [(3, (10,), 1), (4, (32, 32), 2)]:
        # one empty layer alone is harmless (StreamQ on CartPole: 4 inputs)
        params = init_mlp(jax.random.key(0), in_dim, hidden, out_dim)
        assert mlp_sizes(params) == (in_dim, *hidden, out_dim)
    params = init_mlp(jax.random.key(0), 3, (4,), 1, sparsity=0.5)
    assert all(bool((layer.w != 0).any()) for layer in params)
    # the check runs before sparse_init's own: a NaN sparsity is still named as such
    with pytest.raises(ValueError, match=r"sparsity must be a number in \[0, 1\), got nan"):
        init_mlp(jax.random.key(0), 3, (4,), 1, sparsity=float("nan"))


def test_mlp_learner_init_refuses_a_network_that_can_never_learn():
    from sensorimotor.continual import MLPLearner

    with pytest.raises(ValueError, match=r"sparsity 0\.9 .*layers 0 and 1"):
        MLPLearner(hidden_sizes=(4,)).init(jax.random.key(0), 3)


def test_sparse_init_takes_numpy_ints_and_refuses_bools_and_strings():
    import numpy as np

    from sensorimotor.nets import sparse_init

    assert sparse_init(jax.random.key(0), np.int64(10), np.int32(4), sparsity=0.5).shape == (10, 4)
    with pytest.raises(ValueError, match="fan_in and fan_out must be positive ints"):
        sparse_init(jax.random.key(0), True, 4)
    with pytest.raises(ValueError, match="sparsity must be a number"):
        sparse_init(jax.random.key(0), 10, 4, sparsity="0.5")
