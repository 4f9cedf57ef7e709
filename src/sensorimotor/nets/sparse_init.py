"""Sparse initialisation of a dense layer (Elsayed, Vasan & Mahmood 2024, Algorithm 1)."""

import math

import jax
import jax.numpy as jnp

from sensorimotor.base.bounds import is_int, is_real

__all__ = ["sparse_init"]


def sparse_init(key, fan_in: int, fan_out: int, sparsity: float = 0.9, dtype=jnp.float32):
    r"""Weights of shape ``(fan_in, fan_out)``, each output unit keeping few of its inputs.

    Every weight is drawn from :math:`U(-1/\sqrt{n_{in}}, 1/\sqrt{n_{in}})` (the LeCun-scaled
    uniform of the stream-x reference code), then, independently for each output unit
    (column), :math:`\lceil s\, n_{in}\rceil` of its ``fan_in`` incoming weights, chosen at
    random, are set to zero. Biases are not drawn here: the paper starts them at zero.

    Elsayed, Vasan & Mahmood (2024), "Streaming Deep Reinforcement Learning Finally Works",
    Algorithm 1 (SparseInit). The count of zeros is rounded up, as in the authors' code.

    Args:
        key: a JAX PRNG key.
        fan_in, fan_out: layer sizes; the layer computes ``x @ w`` for ``x`` of shape
            ``(fan_in,)``.
        sparsity: fraction ``s`` in ``[0, 1)`` of each unit's inputs that start at zero.
        dtype: floating dtype of the weights.

    Returns:
        array of shape ``(fan_in, fan_out)``.

    Example:
        >>> import jax
        >>> w = sparse_init(jax.random.key(0), 10, 4, sparsity=0.9)
        >>> print(w.shape, int((w != 0).sum(axis=0)[0]))
        (10, 4) 1
    """
    # NumPy ints as init_mlp takes them; True is not a width
    if not (is_int(fan_in) and is_int(fan_out)) or fan_in < 1 or fan_out < 1:
        raise ValueError(f"fan_in and fan_out must be positive ints, got {fan_in!r}, {fan_out!r}")
    fan_in, fan_out = int(fan_in), int(fan_out)
    if not is_real(sparsity) or not 0.0 <= float(sparsity) < 1.0:  # not "0.5"
        raise ValueError(f"sparsity must be a number in [0, 1), got {sparsity!r}")
    k_w, k_mask = jax.random.split(key)
    bound = math.sqrt(1.0 / fan_in)
    w = jax.random.uniform(k_w, (fan_in, fan_out), dtype=dtype, minval=-bound, maxval=bound)
    num_zeros = math.ceil(float(sparsity) * fan_in)
    if num_zeros == 0:
        return w
    # rank of each input within its column under a random order; the lowest ranks are cut
    scores = jax.random.uniform(k_mask, (fan_in, fan_out))
    ranks = jnp.argsort(jnp.argsort(scores, axis=0), axis=0)
    return jnp.where(ranks >= num_zeros, w, jnp.zeros((), dtype))
