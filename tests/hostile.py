"""The one hostile strategy of the fuzz suites (issue 9), and the property they check.

``hostile_scalar()`` draws one bad (or, now and then, good) value for a scalar argument or
a channel; ``hostile_vector(n)`` one for an argument that should be a float array of
shape ``(n,)``; ``hostile_signal(names)`` a signal dict with one hostile channel (or a
missing, unknown or non-str key). ``check_outcome`` is the property: a call either raises
``ValueError``/``TypeError`` (``SignalError`` is a ``ValueError``) whose message names one
of the given names, with the object's state bit-identical to before (``fingerprint``), or
is accepted; what acceptance must keep (finite results, engine, dtype) is the caller's
``on_accept``. Any other exception fails the test.

The examples per test come from the hypothesis profile (``tests/conftest.py``): ``ci``
(derandomised, few examples, the default of ``make test``) or ``fuzz`` (``make fuzz``).
``COUNTS`` counts the cases each entry point ran; ``make fuzz`` prints it.
"""

from __future__ import annotations

import collections
import math

import jax.numpy as jnp
import numpy as np
from hypothesis import settings
from hypothesis import strategies as st

COUNTS: collections.Counter = collections.Counter()  # entry point -> cases
OUTCOMES: collections.Counter = collections.Counter()  # (entry point, outcome) -> cases


def examples(weight: float = 1.0) -> int:
    """Examples for a test: the profile's count times ``weight`` (at least 2)."""
    return max(2, int(settings.default.max_examples * weight))


class OddFloat(float):
    """A subclass of float, as user code makes them (units, tagged values)."""


# -- scalars ----------------------------------------------------------------------------------
HUGE_FLOATS = st.floats(min_value=1e150, max_value=1.7e308) | st.floats(
    min_value=-1.7e308, max_value=-1e150
)
SPECIAL = st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 5e-324, 1e39, -1e39, 3.5e38])
GOOD = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False)


def _numpy_scalars(v):
    return st.sampled_from(
        [
            np.float64(v),
            np.float32(v) if abs(v) < 3e38 or not math.isfinite(v) else np.float32(np.inf),
            np.float16(v) if abs(v) < 6e4 or not math.isfinite(v) else np.float16(np.nan),
        ]
    )


RAW_SCALARS = st.one_of(
    SPECIAL,
    HUGE_FLOATS,
    GOOD,
    st.sampled_from([10**400, -(10**400), 2**64, 0, 1, True, False]),
    st.complex_numbers(max_magnitude=10, allow_nan=False),
    st.text(max_size=3),
    st.sampled_from(["1.0", "nan", "", b"1", b"", None, [1.0], (1.0,), {}, {"a": 1}, object()]),
    st.sampled_from(
        [
            np.int64(3),
            np.uint8(200),
            np.bool_(True),
            np.complex64(1j),
            np.timedelta64(1, "s"),
            np.datetime64("2020-01-01"),
            np.str_("1"),
        ]
    ),
)


@st.composite
def hostile_scalar(draw):
    """One value where a finite real scalar is expected."""
    kind = draw(st.integers(0, 6))
    if kind <= 2:
        return draw(RAW_SCALARS)
    v = draw(st.one_of(SPECIAL, HUGE_FLOATS, GOOD))
    if kind == 3:
        return draw(_numpy_scalars(v))
    if kind == 4:
        return OddFloat(v)
    if kind == 5:  # a JAX value (float32 unless x64 is on), 0-d or 1-element
        return draw(st.sampled_from([jnp.asarray(v), jnp.asarray([v])]))
    return draw(st.sampled_from([np.array(v), np.array([v]), np.array([[v]])]))


# -- arrays -----------------------------------------------------------------------------------
@st.composite
def hostile_vector(draw, n: int, good_low: float = -2.0, good_high: float = 2.0):
    """One value where a float array of shape ``(n,)`` is expected: mostly arrays of the
    right shape with one hostile entry or a hostile dtype, and wrong shapes, lists, JAX
    arrays, 0-d and 1-element arrays, scalars and non-arrays."""
    good = st.floats(good_low, good_high, allow_nan=False)
    base = np.array(draw(st.lists(good, min_size=n, max_size=n)), dtype=np.float64)
    kind = draw(st.integers(0, 9))
    if kind <= 2:  # one hostile entry
        i = draw(st.integers(0, n - 1))
        base[i] = draw(st.one_of(SPECIAL, HUGE_FLOATS))
        return base
    if kind == 3:  # a hostile dtype
        dtype = draw(
            st.sampled_from(
                [np.complex128, np.bool_, np.int64, np.uint8, np.float32, np.float16, object, str]
            )
        )
        if dtype is str:
            return base.astype(str)
        return base.astype(dtype)
    if kind == 4:  # a wrong shape or length
        shape = draw(
            st.sampled_from([(), (1,), (n + 1,), (max(n - 1, 0),), (1, n), (n, 1), (2, n)])
        )
        return np.resize(base, shape) if shape else np.array(base[0])
    if kind == 5:  # JAX, of the right or a wrong shape
        return draw(
            st.sampled_from([jnp.asarray(base), jnp.asarray(base[:1]), jnp.asarray(base[0])])
        )
    if kind == 6:  # a list, possibly of hostile items
        items = [float(b) for b in base]
        items[draw(st.integers(0, n - 1))] = draw(RAW_SCALARS)
        return items
    if kind == 7:
        return draw(hostile_scalar())
    if kind == 8:  # a good array (acceptance must hold up)
        return base
    return draw(st.sampled_from([None, "1,2", b"\x00", {"x": 1.0}, object()]))


@st.composite
def hostile_batch(draw, n: int):
    """One value where a batch ``(N, n)`` is expected."""
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(hostile_vector(n))
    rows = draw(st.integers(0, 3))
    base = np.array(
        draw(st.lists(st.floats(-1, 1), min_size=rows * n, max_size=rows * n)), dtype=np.float64
    ).reshape(rows, n)
    if kind == 1 and rows:
        base[draw(st.integers(0, rows - 1)), draw(st.integers(0, n - 1))] = draw(
            st.one_of(SPECIAL, HUGE_FLOATS)
        )
        return base
    if kind == 2:
        return draw(
            st.sampled_from([base.T, base.astype(np.complex128), jnp.asarray(base), base[:, :1]])
        )
    return base


@st.composite
def hostile_signal(draw, names, good=None):
    """A signal dict over ``names`` with one hostile value, or a missing, unknown or
    non-str key; returns ``(signal, names_an_error_may_name)``."""
    good = good or {k: 0.1 for k in names}
    signal = dict(good)
    kind = draw(st.integers(0, 4))
    if kind <= 2:
        k = draw(st.sampled_from(list(names)))
        signal[k] = draw(hostile_scalar())
        return signal, [k]
    if kind == 3:
        k = draw(st.sampled_from(list(names)))
        del signal[k]
        return signal, [k]
    extra = draw(st.sampled_from(["zz", "", 1, None, b"x", ("a",)]))
    signal[extra] = 1.0
    return signal, [str(extra), repr(extra)]


# -- the property -----------------------------------------------------------------------------
def fingerprint(tree):
    """A bit-exact, engine- and dtype-aware picture of a state (pytree, dict, arrays)."""
    import jax

    leaves, treedef = jax.tree_util.tree_flatten(tree)
    out = [str(treedef)]
    for leaf in leaves:
        if hasattr(leaf, "dtype") and hasattr(leaf, "shape"):
            engine = type(leaf).__module__.split(".")[0]
            if str(leaf.dtype).startswith("key<"):
                leaf = jax.random.key_data(leaf)
            arr = np.asarray(leaf)
            out.append((engine, str(arr.dtype), arr.shape, arr.tobytes()))
        else:
            out.append((type(leaf).__name__, repr(leaf)))
    return out


def check_outcome(entry: str, call, snapshot, names, on_accept=None):
    """Run ``call()``; the property of the module docstring. Returns ``'refused'`` or
    ``'accepted'``."""
    COUNTS[entry] += 1
    before = snapshot()
    try:
        result = call()
    except (ValueError, TypeError) as err:
        msg = str(err)
        names = [str(n) for n in names]
        assert any(n in msg for n in names), (
            f"{entry}: the error does not name any of {names}: {type(err).__name__}: {msg}"
        )
        assert snapshot() == before, f"{entry}: a refused call changed the state ({msg})"
        OUTCOMES[entry, "refused"] += 1
        return "refused"
    if on_accept is not None:
        on_accept(result)
    OUTCOMES[entry, "accepted"] += 1
    return "accepted"


def all_finite(value) -> bool:
    """Whether every number in a result (array, scalar, dict of them) is finite."""
    if isinstance(value, dict):
        return all(all_finite(v) for v in value.values())
    arr = np.asarray(value)
    return arr.dtype.kind not in "fc" or bool(np.all(np.isfinite(arr)))
