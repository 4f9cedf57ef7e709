"""The one compiled learning loop: a learner on a stream, ``lax.scan``, vmapped over seeds
and settings. Every streaming learner's loop (linear, TD, MLP) and every ``train(key)``
built for an agent runs on this engine; the front ends only say which :class:`LoopKind`.

What the loop does, for ``num_steps`` steps from a key:

* **Keys** (:func:`loop_keys`): the stream starts from ``stream.init(stream_key)``; step
  ``t`` (from 0) is ``stream.step(state, jax.random.fold_in(steps_key, t))``. A stream
  with ``noise_dim`` and ``advance`` gets the same samples, its normals drawn for a chunk
  of steps at once; any other stream runs each chunk in a scan of its own, outside the
  learner's loop body (its hashes and nested loops then do not make XLA copy the
  learner's state around them at every step). A learner whose ``init`` draws (an MLP)
  gets :func:`learner_key`.
* **Summaries, not per-step arrays**: metrics are summed over chunks of at most 1024
  steps (a plain sum is the cheapest thing in the compiled step) and the chunk means are
  averaged with a running mean, :math:`m \\leftarrow m + (c - m)/j`, accurate in float32
  over any run length: one mean per block of ``trace_interval`` steps (``trace``) and
  their mean over the run (``metrics``).
* **Guard**: a learner with ``recover`` is checked once more after the last step; with
  ``guard="raise"`` the front end raises :class:`~sensorimotor.rules.DivergenceError`
  after the run if the guard acted (inside the loop it cannot raise).
* **Compile once**: the loop is compiled per *structure* (learner and stream types,
  their int/bool/str settings, ``num_steps``, ``trace_interval``, tracking options;
  :func:`~sensorimotor.base.pytree.partition`); float settings and the key are traced
  arguments, so another seed or step size reuses the compiled code, and a sweep over
  seeds x settings is one compilation (:func:`run_loop_sweep`).

How it is laid out for XLA on CPU (the packed carry, small inner loops, noise drawn in
pieces) is :mod:`sensorimotor.continual.xla_cpu`: it changes the compiled code, never the
numbers.
"""

from __future__ import annotations

import collections
import functools
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from sensorimotor.base.bounds import check_settings, float_settings, is_int
from sensorimotor.base.pytree import combine, partition, stack
from sensorimotor.continual import xla_cpu
from sensorimotor.rules.guard import DivergenceError

CHUNK = 1024  # steps whose metrics are summed before they enter the running mean
_INIT_SALT = 0x6D6C70  # "mlp": the learner's key, apart from the stream's

# alberta-framework's keywords of its loops, and what they are here (its users pass them)
ALBERTA_LOOP_NAMES = {
    "learner_state": "state=",
    "step_size_tracking": (
        "track_step_sizes=True, recorded every trace_interval steps into LoopResult.step_sizes"
    ),
    "normalizer_tracking": (
        "track_normalizer=True, recorded every trace_interval steps into LoopResult.normalizer"
    ),
}

_TRACES: collections.Counter = collections.Counter()


class LoopKind(NamedTuple):
    """How the loop drives one kind of learner: the only learner-specific part.

    A kind is static (part of the compile-cache key): define it once, at module level.

    Attributes:
        name: the kind's entry in :func:`compile_count`.
        init: ``init(learner, key, feature_dim) -> state``, traced: the initial state
            (``key`` is :func:`learner_key`; learners that do not draw ignore it).
        update: ``update(learner, state, time_step) -> (state, metrics)``, traced: one
            step on one sample of the stream.
        ready: ``ready(learner, feature_dim) -> learner``, eager, before compiling: check
            the learner's settings and return it in the form whose
            :func:`~sensorimotor.base.pytree.partition` splits its fixed settings (the
            cache key) from its traced ones.
        pack: whether the carry is packed into one vector (XLA CPU tuning, see
            :mod:`~sensorimotor.continual.xla_cpu`): yes for small states, no for a
            network's parameters.
    """

    name: str
    init: Callable
    update: Callable
    ready: Callable
    pack: bool = True


class LoopResult(NamedTuple):
    """What a compiled loop returns (batched loops add leading axes to every leaf).

    Attributes:
        state: the learner state after the last step.
        stream_state: the stream state after the last step.
        metrics: the learner's metrics record, each field averaged over all steps.
        trace: the same record, averaged over each block of ``trace_interval`` steps;
            each field has shape ``(num_steps // trace_interval,)``.
        step_sizes: the learner's per-weight step sizes at the end of each block,
            ``(num_blocks, num_weights)``, if ``track_step_sizes`` else ``None``.
        normalizer: the normaliser state at the end of each block (leading axis
            ``num_blocks``) if ``track_normalizer`` else ``None``.

    Example:
        >>> import jax
        >>> from sensorimotor.continual import LMS, LinearLearner, SuttonExperiment1Stream
        >>> from sensorimotor.continual import run_learning_loop
        >>> learner = LinearLearner(LMS(0.01), bias=False)
        >>> out = run_learning_loop(learner, SuttonExperiment1Stream(), 100, jax.random.key(0),
        ...                         trace_interval=25, track_step_sizes=True)
        >>> print(out.state.weights.shape, out.metrics.squared_error.shape)
        (20,) ()
        >>> print(out.trace.squared_error.shape, out.step_sizes.shape, out.normalizer)
        (4,) (4, 20) None
    """

    state: Any
    stream_state: Any
    metrics: Any
    trace: Any
    step_sizes: Any
    normalizer: Any


def loop_keys(key):
    """The keys a compiled loop derives from ``key``: ``(stream_key, steps_key)``.

    The stream starts from ``stream.init(stream_key)``; step ``t`` (from 0) is
    ``stream.step(state, jax.random.fold_in(steps_key, t))``. Streams with ``noise_dim``
    and ``advance`` get the same samples, their normals drawn for a chunk of steps at once.

    >>> import jax
    >>> stream_key, steps_key = loop_keys(jax.random.key(0))
    >>> print(stream_key.shape, steps_key.shape)
    () ()
    """
    k_stream, k_steps = jax.random.split(key)
    return k_stream, k_steps


def learner_key(key):
    """The key from which a loop initialises a learner that draws (e.g. an MLP's weights):
    ``jax.random.fold_in(key, 0x6D6C70)``, apart from :func:`loop_keys`.

    >>> import jax
    >>> print(learner_key(jax.random.key(0)).shape)
    ()
    """
    return jax.random.fold_in(key, _INIT_SALT)


def compile_count() -> dict:
    """How many times each kind of loop has been traced (compiled) in this process.

    A diagnostic for tests and benchmarks: a call that reuses the cache leaves it
    unchanged. Kinds: ``"supervised"``, ``"td"``, ``"mlp"``.

    >>> print(isinstance(compile_count(), dict))
    True
    """
    return dict(_TRACES)


def _scan(
    dyn_l,
    dyn_s,
    key,
    state0,
    *,
    kind,
    static_l,
    static_s,
    num_blocks,
    interval,
    track_ss,
    track_norm,
    batched=False,
):
    _TRACES[kind.name] += 1  # runs only while tracing
    learner = combine(dyn_l, static_l)
    stream = combine(dyn_s, static_s)
    k_stream, k_steps = loop_keys(key)
    sstate = stream.init(k_stream)
    if state0 is None:
        state0 = kind.init(learner, learner_key(key), stream.feature_dim)
    fused = hasattr(stream, "advance") and hasattr(stream, "noise_dim")
    chunk = xla_cpu.largest_divisor(interval, CHUNK)

    def draws(steps):
        """A chunk's randomness, vectorised: the stream's normals, or else its keys."""
        if fused:
            return xla_cpu.draw_noise(k_steps, steps, stream.noise_dim, pieces=not batched)
        return jax.vmap(lambda t: jax.random.fold_in(k_steps, t))(steps)

    def one(ls, ss, inp):
        """One step: a fused stream advances on its normals; else ``inp`` is the sample."""
        ss, ts = stream.advance(ss, inp) if fused else (ss, inp)
        ls, metrics = kind.update(learner, ls, ts)
        return ls, ss, metrics

    t0 = jnp.zeros((), jnp.int32)
    if fused:  # the shape of one step's input
        row = jax.eval_shape(lambda: draws(t0[None])[0])
    else:
        row = jax.eval_shape(lambda: stream.step(sstate, k_steps)[1])
    shapes = jax.eval_shape(one, state0, sstate if fused else None, row)[2]
    # sums of float16/bfloat16 metrics (an MLP's) are kept in float32: a half-precision sum
    # of 1024 squared errors loses most of its digits, or overflows
    zeros = jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, _sum_dtype(s.dtype)), shapes)
    template = (state0, sstate if fused else None, zeros)  # the innermost loop's carry
    bits = {i for i, v in enumerate(jax.tree_util.tree_leaves(state0)) if jnp.ndim(v) == 0}
    pack, unpack, sub = xla_cpu.inner_loop(template, row, chunk, pack=kind.pack, bits=bits)

    def learn(ls, ss, inputs):
        """The steps of one chunk (``inputs``, leading axis ``chunk``): ``(ls, ss, sums)``."""

        def body(carry, inp):
            ls, ss, acc = unpack(carry)
            ls, ss, metrics = one(ls, ss, inp)
            return pack((ls, ss, jax.tree_util.tree_map(jnp.add, acc, metrics))), None

        def sub_chunk(carry, inp):
            return jax.lax.scan(body, carry, inp)[0], None

        inputs = jax.tree_util.tree_map(
            lambda a: a.reshape((chunk // sub, sub) + a.shape[1:]), inputs
        )
        return unpack(jax.lax.scan(sub_chunk, pack((ls, ss, zeros)), inputs)[0])

    def run_chunk(carry, first):
        ls, ss, mean, j = carry
        steps = first + jnp.arange(chunk, dtype=jnp.int32)
        if fused:
            ls, ss, total = learn(ls, ss, draws(steps))
        else:
            ss, samples = jax.lax.scan(stream.step, ss, draws(steps))
            ls, _, total = learn(ls, None, samples)
        j = j + 1  # running mean over chunks of the chunk means (accurate in float32)
        mean = jax.tree_util.tree_map(lambda m, s: m + (s / chunk - m) / j, mean, total)
        return (ls, ss, mean, j), None

    def block(carry, b):
        ls, ss = carry
        firsts = b * interval + chunk * jnp.arange(interval // chunk, dtype=jnp.int32)
        (ls, ss, mean, _), _ = jax.lax.scan(run_chunk, (ls, ss, zeros, t0), firsts)
        mean = jax.tree_util.tree_map(lambda m, s: m.astype(s.dtype), mean, shapes)
        step_sizes = learner.step_sizes(ls) if track_ss else None
        return (ls, ss), (mean, step_sizes, ls.normalizer if track_norm else None)

    blocks = jnp.arange(num_blocks, dtype=jnp.int32)
    (ls, ss), (trace, ss_trace, norm_trace) = jax.lax.scan(block, (state0, sstate), blocks)
    if hasattr(learner, "recover"):  # a divergence on the very last step is caught here
        ls = learner.recover(ls)
    metrics = jax.tree_util.tree_map(lambda a: jnp.mean(a, axis=0), trace)
    return LoopResult(ls, ss, metrics, trace, ss_trace, norm_trace)


def _sum_dtype(dtype):
    """The dtype in which the loop sums a metric: at least float32."""
    return jnp.promote_types(dtype, jnp.float32) if jnp.issubdtype(dtype, jnp.floating) else dtype


_STATIC = ("kind", "static_l", "static_s", "num_blocks", "interval", "track_ss", "track_norm")


@functools.partial(jax.jit, static_argnames=_STATIC)
def _run_one(dyn_l, dyn_s, key, state0, **static):
    return _scan(dyn_l, dyn_s, key, state0, **static)


@functools.partial(jax.jit, static_argnames=_STATIC)
def _run_seeds(dyn_l, dyn_s, keys, state0, **static):
    return jax.vmap(lambda k: _scan(dyn_l, dyn_s, k, state0, batched=True, **static))(keys)


@functools.partial(jax.jit, static_argnames=_STATIC)
def _run_sweep(dyn_l, dyn_s, keys, state0, **static):
    def per_setting(dl):
        return jax.vmap(lambda k: _scan(dl, dyn_s, k, state0, batched=True, **static))(keys)

    return jax.vmap(per_setting)(dyn_l)


def check_loop_args(stream, num_steps, trace_interval) -> tuple[int, int]:
    """Validate a loop's stream, ``num_steps`` and ``trace_interval``; return
    ``(num_steps, interval)`` (the interval defaults to one block of ``num_steps``).

    >>> from sensorimotor.envs.streams import RandomWalkStream
    >>> check_loop_args(RandomWalkStream(3), 1000, 250)
    (1000, 250)
    """
    for name in ("feature_dim", "init", "step"):
        if not hasattr(stream, name):
            raise TypeError(f"stream must have {name!r} (see sensorimotor.envs.streams)")
    check_settings(stream)  # its float settings are traced inside the loop
    if not is_int(num_steps):
        raise TypeError(f"num_steps must be an int, got {num_steps!r}")
    num_steps = int(num_steps)
    if num_steps <= 0:
        raise ValueError(f"num_steps must be positive, got {num_steps}")
    check_length = getattr(stream, "check_num_steps", None)
    if check_length is not None:  # a stream of finite length (recorded data) ends somewhere
        check_length(num_steps)
    # int() took 2.5 for 2, "5" for 5 and True for 1, and raised OverflowError at inf
    if trace_interval is not None and not is_int(trace_interval):
        raise TypeError(f"trace_interval must be an int or None, got {trace_interval!r}")
    interval = num_steps if trace_interval is None else int(trace_interval)
    if interval <= 0 or num_steps % interval:
        raise ValueError(
            f"trace_interval must be a positive divisor of num_steps={num_steps}, "
            f"got {trace_interval}"
        )
    return num_steps, interval


def _what(obj):
    """How an object that is not a learner is named in an error: a step-size rule
    (``LMS(0.1)``) is said to be one, with the learner that takes it."""
    name = type(obj).__name__
    if any(hasattr(obj, m) for m in ("update_from_error", "update_from_td_error")):
        return (
            f"the step-size rule {name}: a rule goes inside a learner, "
            f"e.g. LinearLearner({name}(...)) or TDLinearLearner({name}(...))"
        )
    return name


def _split(kind, learner, stream):
    """``(dyn_l, static_l)``: the learner made ready (settings checked) and partitioned."""
    if not hasattr(learner, "update") or not hasattr(learner, "init"):
        raise TypeError(f"learner must have init and update, got {_what(learner)}")
    # LMS(1)'s int step size would be structure, not a traced setting
    return partition(kind.ready(float_settings(learner), int(stream.feature_dim)))


def _prepare(
    kind,
    learner,
    stream,
    num_steps,
    *,
    trace_interval=None,
    track_step_sizes=False,
    track_normalizer=False,
):
    """Check everything eagerly; return ``(dyn_l, dyn_s, static)`` for a compiled run.
    Its keywords are the ``**options`` of :func:`run_loop` and its siblings."""
    num_steps, interval = check_loop_args(stream, num_steps, trace_interval)
    if track_normalizer and getattr(learner, "normalizer", None) is None:
        raise ValueError("track_normalizer=True needs a learner with a normalizer")
    dyn_l, static_l = _split(kind, learner, stream)
    try:
        dyn_s, static_s = partition(float_settings(stream))  # as the learner's: 0 is 0.0
    except TypeError as exc:
        raise TypeError(f"stream must be hashable (frozen), got {type(stream).__name__}") from exc
    static = dict(
        kind=kind,
        static_l=static_l,
        static_s=static_s,
        num_blocks=num_steps // interval,
        interval=interval,
        track_ss=bool(track_step_sizes),
        track_norm=bool(track_normalizer),
    )
    return dyn_l, dyn_s, static


def _check_state(kind, learner, stream, state, batched=False) -> None:
    """A ``state`` to continue from must be laid out as ``learner``'s own on ``stream``
    (the structure and shapes of ``kind.init``); else ``ValueError`` naming ``state``.
    Unchecked, a state of another learner, of another feature count or with a batch axis
    failed inside the loop, blaming the stream's ``x`` (or an ``AttributeError``), and an
    MLP state of other hidden sizes ran silently as the state's network.

    >>> import jax
    >>> from sensorimotor.continual import LinearLearner, LMS, RandomWalkStream
    >>> from sensorimotor.continual.learning_loop import SUPERVISED
    >>> learner = LinearLearner(LMS(0.05))
    >>> _check_state(SUPERVISED, learner, RandomWalkStream(3), learner.init(4))
    Traceback (most recent call last):
    ...
    ValueError: state.weights has shape (5,), expected (4,): the state does not fit this LinearLearner on a stream of 3 features
    """
    if state is None:
        return
    feature_dim = int(stream.feature_dim)
    want = jax.eval_shape(lambda: kind.init(learner, jax.random.key(0), feature_dim))
    name = type(learner).__name__
    fit = f"the state does not fit this {name} on a stream of {feature_dim} features"
    got_def, want_def = jax.tree_util.tree_structure(state), jax.tree_util.tree_structure(want)
    if got_def != want_def:
        raise ValueError(f"{fit}: its layout {got_def} differs from learner.init's {want_def}")
    got_leaves = jax.tree_util.tree_flatten_with_path(state)[0]
    for (path, leaf), spec in zip(got_leaves, jax.tree_util.tree_leaves(want), strict=True):
        shape = tuple(np.shape(leaf))
        if shape != tuple(spec.shape):
            hint = ""
            if shape[1:] == tuple(spec.shape):
                hint = (
                    "; it has a leading batch axis: a batched loop takes one unbatched state, "
                    "shared by all its runs"
                    if batched
                    else "; it has a leading batch axis: take one run's state"
                )
            raise ValueError(
                f"state{jax.tree_util.keystr(path)} has shape {shape}, expected "
                f"{tuple(spec.shape)}: {fit}{hint}"
            )


def _is_key(key, batch_dims: int) -> bool:
    """Whether ``key`` is ``batch_dims`` axes of PRNG keys: typed keys
    (``jax.random.key``) or raw uint32 ones (``jax.random.PRNGKey``, one axis more)."""
    dtype, shape = getattr(key, "dtype", None), getattr(key, "shape", None)
    if dtype is None or shape is None:
        return False
    if jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key):
        return len(shape) == batch_dims
    return np.dtype(dtype) == np.uint32 and len(shape) == batch_dims + 1


def _check_key(key) -> None:
    """``key`` must be one PRNG key: an int seed failed in JAX with "invalid PRNG key
    data: expected key_data.ndim >= 1", which did not say which argument.

    >>> _check_key(0)
    Traceback (most recent call last):
    ...
    TypeError: key must be a JAX PRNG key, e.g. jax.random.key(0); got int 0
    """
    if not _is_key(key, 0):
        shape = getattr(key, "shape", None)
        what = f"{type(key).__name__} {key!r}" if shape is None else f"shape {shape}"
        raise TypeError(f"key must be a JAX PRNG key, e.g. jax.random.key(0); got {what}")


def _check_keys(keys):
    """``keys`` must be a non-empty batch of PRNG keys (one run per key)."""
    shape = getattr(keys, "shape", None)
    if shape is None or len(shape) == 0 or not _is_key(keys, 1):
        dtype = getattr(keys, "dtype", None)
        raise TypeError(
            "keys must be a batch of PRNG keys, e.g. jax.random.split(key, 30); "
            f"got {type(keys).__name__} of shape {shape}"
            + ("" if dtype is None else f" and dtype {dtype}")
        )
    if shape[0] == 0:
        raise ValueError("keys is empty: a batched loop needs at least one key (one run)")


def _guard_counts(state):
    """Guard counters of a learner state (a Horde has one per GVF)."""
    if hasattr(state, "guard_count"):
        return np.asarray(state.guard_count)
    if hasattr(state, "groups"):  # a Horde: one stacked counter per group of GVFs
        return np.concatenate([np.asarray(g.guard_count) for g in state.groups], axis=-1)
    return np.zeros(())


def _check_guard(learner, result, state0):
    """With ``guard="raise"``: raise if the guard acted during the run (after the run:
    inside the compiled loop the guard can only recover)."""
    if getattr(learner, "guard", None) != "raise":
        return
    before = 0 if state0 is None else _guard_counts(state0)
    grew = _guard_counts(result.state) - before
    if bool(np.any(grew > 0)):
        raise DivergenceError(
            f"the divergence guard acted {int(np.max(grew))} time(s) during the compiled "
            "loop (a diverged learner restarted, or a non-finite update discarded); "
            "guard='raise'"
        )


def make_loop(kind, learner, stream, num_steps: int, *, state=None, **options):
    """A pure ``run(key) -> LoopResult`` of ``learner`` on ``stream``: the builder under
    the front ends' ``make_*_learning_loop`` (``make_train(config) -> train(key)``).

    ``options`` as in :func:`run_loop`. Everything is checked here, once; ``run`` is the
    compiled loop (cached on the structure), a pure function of ``key``:
    ``jax.vmap(run)(keys)`` runs many seeds and ``jax.jit`` composes with it. Being pure,
    it does not raise for ``guard="raise"``: look at ``result.state.guard_count``.

    >>> import jax
    >>> from sensorimotor.continual import LinearLearner, LMS, RandomWalkStream
    >>> from sensorimotor.continual.learning_loop import SUPERVISED
    >>> run = make_loop(SUPERVISED, LinearLearner(LMS(0.05)), RandomWalkStream(3), 500)
    >>> print(run(jax.random.key(0)).metrics.squared_error.shape)
    ()
    """
    dyn_l, dyn_s, static = _prepare(kind, learner, stream, num_steps, **options)
    _check_state(kind, learner, stream, state)

    def run(key) -> LoopResult:
        return _run_one(dyn_l, dyn_s, key, state, **static)

    return run


def run_loop(kind, learner, stream, num_steps: int, key, *, state=None, **options):
    """One compiled run (see the module docstring); the guard is checked after it.
    ``options``: ``trace_interval``, ``track_step_sizes``, ``track_normalizer``, as in
    :func:`~sensorimotor.continual.run_learning_loop`.

    >>> import jax
    >>> from sensorimotor.continual import LinearLearner, LMS, RandomWalkStream
    >>> from sensorimotor.continual.learning_loop import SUPERVISED
    >>> out = run_loop(SUPERVISED, LinearLearner(LMS(0.05)), RandomWalkStream(3), 500,
    ...                jax.random.key(0), trace_interval=100)
    >>> print(out.trace.squared_error.shape)
    (5,)
    """
    _check_key(key)
    dyn_l, dyn_s, static = _prepare(kind, learner, stream, num_steps, **options)
    _check_state(kind, learner, stream, state)
    result = _run_one(dyn_l, dyn_s, key, state, **static)
    _check_guard(learner, result, state)
    return result


def run_loop_batched(kind, learner, stream, num_steps: int, keys, *, state=None, **options):
    """:func:`run_loop` vmapped over ``keys`` (one run per key, one compilation); every
    leaf of the result gains a leading axis ``len(keys)``; ``state``, if given, is one
    (unbatched) learner state shared by all runs.

    >>> import jax
    >>> from sensorimotor.continual import LinearLearner, LMS, RandomWalkStream
    >>> from sensorimotor.continual.learning_loop import SUPERVISED
    >>> keys = jax.random.split(jax.random.key(0), 4)
    >>> out = run_loop_batched(SUPERVISED, LinearLearner(LMS(0.05)), RandomWalkStream(3),
    ...                        500, keys)
    >>> print(out.metrics.squared_error.shape)
    (4,)
    """
    _check_keys(keys)
    dyn_l, dyn_s, static = _prepare(kind, learner, stream, num_steps, **options)
    _check_state(kind, learner, stream, state, batched=True)
    result = _run_seeds(dyn_l, dyn_s, keys, state, **static)
    _check_guard(learner, result, state)
    return result


def run_loop_sweep(kind, learners: Sequence, stream, num_steps: int, keys, **options):
    """Every learner x every key in one compiled call: the learners must share their
    structure; their traced settings are stacked and vmapped. Every leaf of the result
    gains two leading axes, ``(len(learners), len(keys))``.

    >>> import jax
    >>> from sensorimotor.continual import LinearLearner, LMS, RandomWalkStream
    >>> from sensorimotor.continual.learning_loop import SUPERVISED
    >>> out = run_loop_sweep(SUPERVISED, [LinearLearner(LMS(a)) for a in (0.01, 0.1)],
    ...                      RandomWalkStream(3), 500, jax.random.split(jax.random.key(0), 3))
    >>> print(out.metrics.squared_error.shape)
    (2, 3)
    """
    if hasattr(learners, "init"):  # one learner or one rule, not a sequence of them
        raise TypeError(f"learners must be a sequence of learners, got {_what(learners)}")
    learners = list(learners)
    if not learners:
        raise ValueError("learners is empty")
    _check_keys(keys)
    dyn_l, dyn_s, static = _prepare(kind, learners[0], stream, num_steps, **options)
    columns = [dyn_l]
    for other in learners[1:]:
        dyn, fixed = _split(kind, other, stream)  # every learner's settings are checked
        if fixed != static["static_l"]:
            raise ValueError(
                "all learners of a sweep must share their structure (types and int/bool/str "
                f"settings); {other!r} differs from {learners[0]!r}"
            )
        columns.append(dyn)
    result = _run_sweep(stack(columns), dyn_s, keys, None, **static)
    _check_guard(learners[0], result, None)
    return result
