r"""Fast standard normals for synthetic streams, drawn from a JAX key.

The threefry generator behind ``jax.random.normal`` costs tens of nanoseconds per number
on a CPU, which dominates the step of a linear learner on a synthetic stream (about 20
numbers per step). The streams therefore expand each per-step key (one threefry hash,
``fold_in``) into their normals with a cheap counter-based hash and the inverse normal
CDF:

.. math::
    a_i = H(k_0 \oplus H(k_1 + i)), \quad
    v_i = (2 \lfloor a_i / 2^8 \rfloor + 1 - 2^{24})\, 2^{-24} \in (-1, 1), \quad
    z_i = \sqrt 2\, \mathrm{erf}^{-1}(v_i)

where :math:`(k_0, k_1)` are the key's first two 32-bit words and :math:`H` is the
``lowbias32`` integer hash (C. Wellons, "Hash function prospector", 2018), a bijection of
32-bit integers with near-ideal avalanche. :math:`v_i` is exact in float32 and never
reaches :math:`\pm 1`, so the normals are finite, bounded by about :math:`\pm 5.5`.
Good enough for simulated data (tested for moments, tails and independence), not for
cryptography.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def _lowbias32(x):
    x = x ^ (x >> 16)
    x = x * jnp.uint32(0x7FEB352D)
    x = x ^ (x >> 15)
    x = x * jnp.uint32(0x846CA68B)
    return x ^ (x >> 16)


def normals(key, n: int, dtype=jnp.float32):
    """``n`` standard normals (shape ``(n,)``) from a JAX PRNG key.

    Example:
        >>> import jax
        >>> z = normals(jax.random.key(0), 100_000)
        >>> print(abs(float(z.mean())) < 0.01, abs(float(z.std()) - 1) < 0.01)
        True True
    """
    data = jax.random.key_data(key).reshape(-1)
    k0, k1 = data[0], data[1]
    i = jnp.arange(n, dtype=jnp.uint32)
    a = _lowbias32(k0 ^ _lowbias32(k1 + i))
    # v = 2u - 1 = (2k + 1 - 2^24) / 2^24 with k = a >> 8: odd integers below 2^24 in
    # magnitude, so v is exact in float32 and strictly inside (-1, 1)
    k = (a >> 8).astype(jnp.int32)
    v = (2 * k + (1 - 2**24)).astype(jnp.float32) * (2.0**-24)
    z = jnp.sqrt(2.0) * jax.scipy.special.erfinv(v)
    return z.astype(dtype)
