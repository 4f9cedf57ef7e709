"""Conformance suite for streaming learners: named checks, run by ``check_stream_learner``.

A streaming learner is a frozen object with ``init`` and a pure ``update(state, *sample) ->
UpdateResult`` (see :class:`~sensorimotor.continual.UpdateResult`). Families differ in how
they are made and fed, so a :class:`StreamKind` describes one family (its ``update``
arguments, a good sample, ``init``, save and load); :func:`kind_of` knows the families
this package exports: :data:`SUPERVISED` (``LinearLearner``: ``update(state, x, y)``),
:data:`TD` (``TDLinearLearner``, ``Horde``: ``update(state, x, reward, next_x, gamma)``) and
:data:`MLP` (``MLPLearner``: ``init(key, feature_dim)``, JAX only, its own saved file).

Each check is ``check_x(learner, *, kind=None, feature_dim=3, seed=0) -> 'passed'`` and
raises :class:`StreamCheckError` naming itself on a failure (an unexpected exception inside
a check is reported as that check's failure). Samples come from a seeded NumPy generator:
``x`` and ``next_x`` are ``N(0, 1)`` vectors, ``y`` a noisy linear function of ``x``,
``reward`` ``N(0, 1)`` and ``gamma`` 0.9 (0 at one step in ten).

>>> from sensorimotor.continual import LinearLearner
>>> from sensorimotor.rules import IDBD
>>> check_numpy_equals_jax(LinearLearner(IDBD(0.05, 0.01)))
'passed'
"""

from __future__ import annotations

import functools
import re
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.base.conformance import CheckError, named_check, run_checks
from sensorimotor.continual.stream_kinds import MLP, SUPERVISED, TD, StreamKind, kind_of

__all__ = [
    "CHECKS",
    "MLP",
    "SUPERVISED",
    "TD",
    "StreamCheckError",
    "StreamKind",
    "check_bad_input_refused",
    "check_numpy_equals_jax",
    "check_same_seed_same_result",
    "check_save_load_continues",
    "check_stream_learner",
    "kind_of",
]

NUM_STEPS = 40  # samples fed by each run; a save/load check saves after half of them


class StreamCheckError(CheckError):
    """A streaming learner failed a conformance check; ``check`` names it.

    ``failures`` maps every failed check's name to its message (one entry for a single
    check; :func:`check_stream_learner` raises one error listing every failure).

    >>> err = StreamCheckError('check_numpy_equals_jax', 'weights differ')
    >>> str(err), err.check
    ('check_numpy_equals_jax: weights differ', 'check_numpy_equals_jax')
    """


# -- helpers ------------------------------------------------------------------------------------
def _fail(check: str, message: str):
    raise StreamCheckError(check, message)


def _named_check(fn):
    """A named check (:func:`~sensorimotor.base.conformance.named_check`) whose ``kind``
    defaults to :func:`kind_of` the learner."""

    @named_check(StreamCheckError)
    @functools.wraps(fn)
    def check(learner, *, kind: StreamKind | None = None, feature_dim: int = 3, seed: int = 0):
        return fn(learner, kind or kind_of(learner), int(feature_dim), int(seed))

    return check


@contextmanager
def _numpy_global_seed(seed: int):
    """Seed NumPy's global generator for the block, then restore its state."""
    saved = np.random.get_state()  # noqa: NPY002 - restored below
    np.random.seed(seed)  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(saved)  # noqa: NPY002


def _samples(kind, n, seed, count=NUM_STEPS):
    rng = np.random.default_rng(seed)
    return [kind.sample(rng, n) for _ in range(count)]


def _cast(sample, dtype):
    """A sample as eager NumPy inputs of ``dtype`` (``None``: as generated)."""
    if dtype is None:
        return sample
    return tuple(np.asarray(a, dtype) if np.ndim(a) else np.dtype(dtype).type(a) for a in sample)


def _snapshot(state):
    """``(structure, [(path, copy of leaf)])``: a copy that later changes cannot reach."""
    flat, treedef = jax.tree_util.tree_flatten_with_path(state)
    return treedef, [(jax.tree_util.keystr(p), np.array(leaf, copy=True)) for p, leaf in flat]


def _same(x, y, rtol=0.0, atol=0.0) -> bool:
    """Same shape and values: bit for bit, or within ``rtol`` and ``atol`` times the
    largest magnitude in ``x`` (at least 1)."""
    if x.shape != y.shape:
        return False
    if not (rtol or atol):
        return bool(np.array_equal(x, y, equal_nan=True))
    scale = max(1.0, float(np.max(np.abs(x), initial=0.0)))
    return bool(np.allclose(x, y, rtol=rtol, atol=atol * scale, equal_nan=True))


def _difference(a, b, rtol=0.0, atol=0.0, values=True) -> str | None:
    """How snapshot ``b`` differs from snapshot ``a``: structure, shape, dtype and (with
    ``values``) values, as :func:`_same`; ``None`` if it does not."""
    (ta, la), (tb, lb) = a, b
    if ta != tb:
        return f"the structure differs: {ta} vs {tb}"
    for (path, x), (_, y) in zip(la, lb, strict=True):
        if x.shape != y.shape or x.dtype != y.dtype:
            return f"state{path} is {y.shape} {y.dtype}, expected {x.shape} {x.dtype}"
        if values and not _same(x, y, rtol, atol):
            return f"state{path} differs: {x} vs {y}"
    return None


def _float_dtype(state):
    for leaf in jax.tree_util.tree_leaves(state):
        if np.issubdtype(np.asarray(leaf).dtype, np.floating):
            return np.asarray(leaf).dtype
    return np.dtype(np.float64)


def _floats(snapshot):
    """The floating leaves of a snapshot (a guarded step may count itself in int leaves)."""
    treedef, leaves = snapshot
    return treedef, [(p, a) for p, a in leaves if np.issubdtype(a.dtype, np.floating)]


def _tolerance(dtype):
    """``(rtol, atol)`` for comparing two engines in ``dtype``."""
    return (1e-4, 1e-5) if np.finfo(dtype).bits <= 32 else (1e-9, 1e-11)


def _run(learner, state, samples, check=None):
    """Feed ``samples`` eagerly; returns ``(state, [(prediction, error)])``. With ``check``,
    every update must leave the state passed in as it was (pure) and return a state of the
    same structure, shapes and dtypes, or that check fails."""
    outputs = []
    for sample in samples:
        before = _snapshot(state) if check else None
        result = learner.update(state, *sample)
        if check and (why := _difference(before, _snapshot(state))) is not None:
            _fail(check, f"a good update changed the state passed in (in place): {why}")
        if check and (why := _difference(before, _snapshot(result.state), values=False)):
            _fail(check, f"a good update returned a state of another layout: {why}")
        outputs.append((np.asarray(result.prediction), np.asarray(result.error)))
        state = result.state
    return state, outputs


def _same_outputs(check, a, b, what, rtol=0.0, atol=0.0):
    """Fail ``check`` at the first step whose prediction or error differs in ``a`` and ``b``."""
    for t, ((pa, ea), (pb, eb)) in enumerate(zip(a, b, strict=True)):
        for label, u, v in (("prediction", pa, pb), ("error", ea, eb)):
            if not _same(u, v, rtol, atol):
                _fail(check, f"{what}: step {t}: {label} {u} vs {v}")


def _bad_values(good, huge):
    """``[(description, value)]``: bad values of an argument whose good value is ``good``."""
    if np.ndim(good) == 0:
        return [
            ("NaN", np.nan),
            ("inf", np.inf),
            (f"huge ({huge:.1e})", huge),
            ("a string", "1.0"),
            ("complex", complex(good, 1.0)),
            ("NumPy complex", np.complex128(good)),
            ("a bool", True),
            ("a bool array", np.array(True)),
            ("of shape (2,)", np.full(2, good)),
            ("None", None),
        ]

    def at(i, v):
        a = np.array(good, dtype=np.float64)
        a[i] = v
        return a

    return [
        ("NaN", at(0, np.nan)),
        ("inf", at(-1, np.inf)),
        ("-inf", at(0, -np.inf)),
        (f"huge ({huge:.1e})", at(0, huge)),
        (f"of shape {(good.shape[0] + 1,)}", np.append(good, 0.0)),
        (f"of shape {(good.shape[0], 1)}", good[:, None]),
        ("a float", 1.0),
        ("a string", "abc"),
        ("complex", good.astype(np.complex128)),
        ("a bool array", good > 0),
        ("None", None),
    ]


def _refusal(check, learner, state, sample, i, name, what, value):
    """Feed ``sample`` with argument ``i`` replaced by a bad ``value``: it must raise a
    ``TypeError`` or ``ValueError`` naming ``name``, or be flagged by the learner's guard
    with the state's floats returned bit for bit; the state passed in never changes."""
    args = list(sample)
    args[i] = value
    before = _snapshot(state)
    result = None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            result = learner.update(state, *args)
        except (TypeError, ValueError) as err:
            if not re.search(rf"\b{name}\b", str(err)):
                _fail(
                    check, f"{name} {what}: the {type(err).__name__} does not name {name!r}: {err}"
                )
        except Exception as err:
            _fail(
                check,
                f"{name} {what}: raised {type(err).__name__} ({err}), expected a TypeError or "
                f"ValueError naming {name!r}",
            )
    if (why := _difference(before, _snapshot(state))) is not None:
        _fail(check, f"{name} {what}: the state passed in changed: {why}")
    if result is None:
        return
    guard = np.asarray(getattr(result.metrics, "guard", 0.0))
    if guard.size == 0 or not np.all(guard == 1):
        _fail(
            check,
            f"{name} {what} was accepted: expected a TypeError or ValueError naming {name!r} "
            "(or a step that the guard flags and skips)",
        )
    if (why := _difference(_floats(before), _floats(_snapshot(result.state)))) is not None:
        _fail(check, f"{name} {what}: the guard flagged the step but the state changed: {why}")


# -- the checks --------------------------------------------------------------------------------
@_named_check
def check_bad_input_refused(learner, kind, n, seed) -> str:
    """Bad input is refused and the state is left as it was.

    Every argument of ``update`` in turn gets NaN, inf, a huge value (finite, but its
    square overflows the state's float type), a wrong shape, a string, complex numbers, a
    bool, ``None``: each must raise ``TypeError`` or ``ValueError`` whose message names the
    argument, or (a learner whose documented policy is to skip such steps) return a result
    whose ``metrics.guard`` is 1 and whose state's floats equal those passed in, bit for
    bit. The state passed in must never change: neither by these calls nor by the good
    updates before them (``update`` is pure), which also keep the state's layout.

    >>> from sensorimotor.continual import TDLinearLearner
    >>> check_bad_input_refused(TDLinearLearner())
    'passed'
    """
    name = "check_bad_input_refused"
    state = kind.init(learner, jax.random.key(seed), n, np if kind.numpy else jnp, None)
    samples = _samples(kind, n, seed, NUM_STEPS // 2)
    state, _ = _run(learner, state, samples[:-1], check=name)
    huge = float(np.finfo(_float_dtype(state)).max) ** 0.75
    for i, arg in enumerate(kind.args):
        for what, value in _bad_values(samples[-1][i], huge):
            _refusal(name, learner, state, samples[-1], i, arg, what, value)
    return "passed"


@_named_check
def check_numpy_equals_jax(learner, kind, n, seed) -> str:
    """The same samples give the same predictions, errors and states fed one by one as NumPy
    arrays (the per-sample path of a robot) and scanned under ``jax.jit``.

    Both start from ``init`` in JAX's default float type (float32 unless the user enabled
    x64), on NumPy and on JAX, which must agree too; states must keep their structure,
    shapes and dtypes. Tolerance: ``rtol=1e-4`` (float32) or ``1e-9`` (float64), and as much
    times the leaf's largest magnitude (at least 1) absolutely. For a JAX-only learner the
    eager path is its checked ``update`` on NumPy inputs.

    >>> from sensorimotor.continual import TDLinearLearner
    >>> check_numpy_equals_jax(TDLinearLearner(), feature_dim=2, seed=1)
    'passed'
    """
    name = "check_numpy_equals_jax"
    dtype = np.dtype(jnp.zeros(()).dtype)
    rtol, atol = _tolerance(dtype)
    key = jax.random.key(seed)
    samples = [_cast(s, dtype) for s in _samples(kind, n, seed)]
    eager0 = kind.init(learner, key, n, np if kind.numpy else jnp, dtype)
    jit0 = kind.init(learner, key, n, jnp, dtype)
    if (why := _difference(_snapshot(eager0), _snapshot(jit0), rtol, atol)) is not None:
        _fail(name, f"init on NumPy and on JAX differ: {why}")
    eager, eager_out = _run(learner, eager0, samples)

    def body(state, sample):
        result = learner.update(state, *sample)
        return result.state, (result.prediction, result.error)

    columns = tuple(jnp.asarray(np.stack([s[i] for s in samples])) for i in range(len(kind.args)))
    compiled, (pred, err) = jax.jit(lambda s, xs: jax.lax.scan(body, s, xs))(jit0, columns)
    jit_out = list(zip(np.asarray(pred), np.asarray(err), strict=True))
    _same_outputs(name, eager_out, jit_out, "NumPy vs jit", rtol, atol)
    why = _difference(_snapshot(eager), _snapshot(compiled), rtol, atol)
    if why is not None:
        _fail(name, f"after {len(samples)} steps, NumPy vs jit: {why}")
    return "passed"


@_named_check
def check_save_load_continues(learner, kind, n, seed) -> str:
    """A state saved mid-stream and loaded again (``kind.save``/``kind.load``: the
    ``.npz`` files of :mod:`~sensorimotor.continual.state_io` or
    :mod:`~sensorimotor.continual.mlp_io`) equals the saved one, with an equal learner, and
    the two continue identically, bit for bit, on the same further samples.

    >>> from sensorimotor.continual import Autostep, LinearLearner
    >>> check_save_load_continues(LinearLearner(Autostep(0.05)))
    'passed'
    """
    name = "check_save_load_continues"
    xp = np if kind.numpy else jnp
    key = jax.random.key(seed)
    samples = _samples(kind, n, seed)
    half = len(samples) // 2
    state, _ = _run(learner, kind.init(learner, key, n, xp, None), samples[:half])
    saved = _snapshot(state)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.npz"
        kind.save(path, learner, state)
        loaded_learner, loaded = kind.load(path, learner, kind.init(learner, key, n, xp, None))
    if type(loaded_learner) is not type(learner) or loaded_learner != learner:
        _fail(name, f"the loaded learner {loaded_learner!r} differs from the saved {learner!r}")
    if (why := _difference(saved, _snapshot(loaded))) is not None:
        _fail(name, f"the loaded state differs from the saved one: {why}")
    with _numpy_global_seed(0):  # global randomness is check_same_seed_same_result's
        state, out = _run(learner, state, samples[half:])
    with _numpy_global_seed(0):
        loaded, loaded_out = _run(loaded_learner, loaded, samples[half:])
    _same_outputs(name, out, loaded_out, "continued after save vs after load")
    if (why := _difference(_snapshot(state), _snapshot(loaded))) is not None:
        _fail(name, f"after {len(samples) - half} more steps, saved vs loaded: {why}")
    return "passed"


@_named_check
def check_same_seed_same_result(learner, kind, n, seed) -> str:
    """Two runs from the same key and the same samples give the same predictions, errors and
    final state, bit for bit, whatever NumPy's global random state (the learner uses only
    its key and its inputs).

    >>> from sensorimotor.continual import LinearLearner
    >>> check_same_seed_same_result(LinearLearner())
    'passed'
    """
    name = "check_same_seed_same_result"
    xp = np if kind.numpy else jnp
    runs = []
    for global_seed in (1, 2):  # NumPy's global random state must not matter
        with _numpy_global_seed(global_seed):
            state = kind.init(learner, jax.random.key(seed), n, xp, None)
            state, out = _run(learner, state, _samples(kind, n, seed))
        runs.append((_snapshot(state), out))
    _same_outputs(name, runs[0][1], runs[1][1], "two runs with the same seed")
    if (why := _difference(runs[0][0], runs[1][0])) is not None:
        _fail(name, f"two runs with the same seed: {why}")
    return "passed"


CHECKS = (
    check_bad_input_refused,
    check_numpy_equals_jax,
    check_save_load_continues,
    check_same_seed_same_result,
)


def check_stream_learner(
    learner, *, kind: StreamKind | None = None, feature_dim: int = 3, seed: int = 0, checks=CHECKS
) -> dict:
    """Run the named conformance checks on a streaming learner.

    ``kind`` describes how to make, feed, save and load it (default: :func:`kind_of`);
    ``feature_dim`` is the input size and ``seed`` seeds the samples and the key. Returns
    ``{check name: 'passed'}``; raises one :class:`StreamCheckError` listing every failed
    check (``failures``) otherwise, as River's ``check_estimator`` and Gymnasium's
    ``check_env`` do for theirs.

    >>> from sensorimotor.continual import LinearLearner, EMANormalizer
    >>> from sensorimotor.rules import Autostep
    >>> report = check_stream_learner(LinearLearner(Autostep(0.05), normalizer=EMANormalizer()))
    >>> report['check_numpy_equals_jax'], len(report)
    ('passed', 4)
    """
    return run_checks(
        checks,
        StreamCheckError,
        "check_stream_learner",
        learner,
        kind=kind,
        feature_dim=feature_dim,
        seed=seed,
    )
