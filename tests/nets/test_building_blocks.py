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


def test_a_scalar_error_trains_a_one_output_readout_and_another_shape_is_refused():
    """readout_train with a 0-d error turned beta from (4, 1) into (4, 4), silently."""
    import numpy as np

    from sensorimotor.nets.readout_step import readout_features, readout_init, readout_train
    from sensorimotor.rules import LMS, RLS

    z = readout_features(np.ones(3))
    for rule in (RLS(), LMS(0.1)):
        scalar = readout_train(rule, readout_init(rule, 3, 1), z, 0.5)
        vector = readout_train(rule, readout_init(rule, 3, 1), z, np.array([0.5]))
        assert scalar.beta.shape == (4, 1)
        np.testing.assert_array_equal(scalar.beta, vector.beta)
        with pytest.raises(ValueError, match=r"error must have shape \(2,\)"):
            readout_train(rule, readout_init(rule, 3, 2), z, 0.5)


def test_a_python_float_target_whose_square_overflows_is_refused_as_an_array_is():
    import numpy as np

    from sensorimotor.nets.readout import PlainRLS

    for target in (1e200, np.float64(1e200), np.array([1e200])):
        readout = PlainRLS(3, 1)
        with pytest.raises(ValueError, match="target is too large"):
            readout.train(np.ones(3), target=target)
        assert readout.count == 0


def test_mlp_apply_refuses_a_batch_with_layer_norm_and_a_wrong_width():
    """Over a batch LayerNorm mixed the rows' statistics: wrong outputs, no error."""
    import jax
    import jax.numpy as jnp

    from sensorimotor.nets import init_mlp, mlp_apply

    params = init_mlp(jax.random.key(0), 3, (16,), 2, init="lecun")
    batch = jnp.ones((5, 3))
    with pytest.raises(ValueError, match="x must be one sample of shape"):
        mlp_apply(params, batch)
    with pytest.raises(ValueError, match=r"x must have shape \(3,\)"):
        mlp_apply(params, jnp.ones(4))
    rows = jax.vmap(lambda x: mlp_apply(params, x, layer_norm=False))(batch)
    assert jnp.allclose(mlp_apply(params, batch, layer_norm=False), rows)
