"""Compiled loops: compile once, summaries, tracking options, bad arguments."""

from typing import NamedTuple

import jax
import numpy as np
import pytest

from sensorimotor.continual import (
    IDBD,
    LMS,
    AbruptChangeStream,
    Autostep,
    CyclicStream,
    EMANormalizer,
    LinearLearner,
    RandomWalkStream,
    ScaleDriftStream,
    compile_count,
    run_learning_loop,
    run_learning_loop_batched,
    run_sweep,
    scan_loop,
)


def test_second_call_with_other_key_or_step_size_does_not_recompile():
    stream = RandomWalkStream(7, drift_rate=0.002)
    run_learning_loop(LinearLearner(Autostep(0.01, 0.01)), stream, 3000, jax.random.key(0))
    before = compile_count()["supervised"]
    size = scan_loop._run_one._cache_size()
    for i, (alpha, theta) in enumerate([(0.02, 0.005), (0.001, 0.02), (0.05, 0.0)]):
        learner = LinearLearner(Autostep(alpha, theta, tau=5000.0 + i))
        run_learning_loop(learner, stream._replace(noise_std=0.2 * i), 3000, jax.random.key(i))
    assert compile_count()["supervised"] == before
    assert scan_loop._run_one._cache_size() == size
    # the structure (another rule, another num_steps) does recompile: the counter sees it
    run_learning_loop(LinearLearner(IDBD(0.01, 0.01)), stream, 3000, jax.random.key(0))
    assert compile_count()["supervised"] == before + 1


def test_batched_over_seeds_and_sweep_compile_once():
    stream = AbruptChangeStream(4, change_interval=500)
    keys = jax.random.split(jax.random.key(0), 6)
    run_learning_loop_batched(LinearLearner(LMS(0.01)), stream, 1000, keys)
    before = compile_count()["supervised"]
    out = run_learning_loop_batched(LinearLearner(LMS(0.03)), stream, 1000, keys[::-1])
    assert compile_count()["supervised"] == before
    assert out.metrics.squared_error.shape == (6,)
    learners = [LinearLearner(LMS(a)) for a in np.geomspace(1e-3, 0.3, 8)]
    run_sweep(learners, stream, 1000, keys)
    again = [LinearLearner(LMS(a)) for a in np.geomspace(1e-4, 0.1, 8)]
    out = run_sweep(again, stream, 1000, jax.random.split(jax.random.key(5), 6))
    assert compile_count()["supervised"] == before + 1
    assert out.trace.squared_error.shape == (8, 6, 1)
    # the sweep's runs are the single runs
    single = run_learning_loop(again[2], stream, 1000, jax.random.split(jax.random.key(5), 6)[4])
    np.testing.assert_allclose(
        np.asarray(out.state.weights[2, 4]), np.asarray(single.state.weights), rtol=1e-5
    )


def test_trace_is_a_decimated_running_mean():
    learner = LinearLearner(IDBD(0.01, 0.01))
    stream = CyclicStream(3, cycle_length=250, num_targets=2)
    out = run_learning_loop(learner, stream, 2000, jax.random.key(1), trace_interval=250)
    assert out.trace.squared_error.shape == (8,)
    np.testing.assert_allclose(
        float(out.metrics.squared_error), float(np.mean(out.trace.squared_error)), rtol=1e-6
    )
    fine = run_learning_loop(learner, stream, 2000, jax.random.key(1), trace_interval=50)
    coarse = np.asarray(fine.trace.squared_error).reshape(8, 5).mean(1)
    np.testing.assert_allclose(coarse, np.asarray(out.trace.squared_error), rtol=1e-4)


def test_step_size_and_normalizer_tracking():
    learner = LinearLearner(Autostep(0.01, 0.01), normalizer=EMANormalizer(0.999))
    stream = ScaleDriftStream(3, drift_rate=0.01)
    out = run_learning_loop(
        learner,
        stream,
        4000,
        jax.random.key(2),
        trace_interval=1000,
        track_step_sizes=True,
        track_normalizer=True,
    )
    assert out.step_sizes.shape == (4, 4)  # 3 features + bias
    np.testing.assert_allclose(
        np.asarray(out.step_sizes[-1]), np.asarray(out.state.optimizer.alpha)
    )
    assert out.normalizer.mean.shape == (4, 3)
    np.testing.assert_allclose(
        np.asarray(out.normalizer.var[-1]), np.asarray(out.state.normalizer.var)
    )
    plain = run_learning_loop(learner, stream, 4000, jax.random.key(2))
    assert plain.step_sizes is None and plain.normalizer is None


def test_continue_from_a_state_equals_one_long_run_of_the_learner():
    learner = LinearLearner(LMS(0.02))
    stream = RandomWalkStream(3, drift_rate=0.0)
    first = run_learning_loop(learner, stream, 1000, jax.random.key(0))
    second = run_learning_loop(learner, stream, 1000, jax.random.key(0), state=first.state)
    # the stream restarts with the same samples: the second pass starts from learned weights
    assert float(second.metrics.squared_error) < float(first.metrics.squared_error)


def test_a_state_that_does_not_fit_the_learner_is_refused_naming_state():
    """A state of another feature count, of another rule or with a batch axis failed
    inside the loop with "x must have shape (4,), got (3,)" (the stream's x is fine) or an
    AttributeError; an MLP state of other hidden sizes ran as that network, silently."""
    from sensorimotor.continual import MLPLearner, make_learning_loop, run_mlp_learning_loop

    learner, stream, key = LinearLearner(IDBD(0.05, 0.01)), RandomWalkStream(3), jax.random.key(0)
    keys = jax.random.split(key, 2)
    batched = run_learning_loop_batched(learner, stream, 10, keys).state
    wide = MLPLearner((12,)).init(key, 3)
    cases = [
        (lambda: run_learning_loop(learner, stream, 10, key, state=learner.init(4)), "(5,)"),
        (lambda: make_learning_loop(learner, stream, 10, state=learner.init(4)), "(5,)"),
        (lambda: run_learning_loop(learner, stream, 10, key, state=LinearLearner().init(3)), "LMS"),
        (
            lambda: run_learning_loop_batched(learner, stream, 10, keys, state=batched),
            "a batched loop takes one unbatched state",
        ),
        (
            lambda: run_mlp_learning_loop(MLPLearner((10,)), stream, 10, key, state=wide),
            "state.params[0].w has shape (3, 12), expected (3, 10)",
        ),
    ]
    for call, words in cases:
        with pytest.raises(ValueError, match="the state does not fit this") as info:
            call()
        assert words in str(info.value)
    # one run's state of a batch continues
    one = jax.tree_util.tree_map(lambda a: a[0], batched)
    assert run_learning_loop(learner, stream, 10, key, state=one).state.weights.shape == (4,)


@pytest.mark.parametrize(
    "kwargs, exc, word",
    [
        (dict(num_steps=0), ValueError, "num_steps"),
        (dict(num_steps=1000, trace_interval=300), ValueError, "trace_interval"),
        # int() made 2.5 a block of 2 steps, "250" and True blocks too, and inf an OverflowError
        (dict(num_steps=1000, trace_interval=2.5), TypeError, "trace_interval"),
        (dict(num_steps=1000, trace_interval="250"), TypeError, "trace_interval"),
        (dict(num_steps=1000, trace_interval=True), TypeError, "trace_interval"),
        (dict(num_steps=1000, trace_interval=float("inf")), TypeError, "trace_interval"),
        (dict(num_steps=1000, track_normalizer=True), ValueError, "normalizer"),
        (dict(num_steps=1000, stream=object()), TypeError, "stream"),
        (dict(num_steps=1000, learner=object()), TypeError, "learner"),
        # an int seed failed in JAX: "invalid PRNG key data", naming no argument
        (dict(num_steps=1000, key=0), TypeError, "key must be a JAX PRNG key"),
        (dict(num_steps=1000, key=jax.random.split(jax.random.key(0), 2)), TypeError, "key"),
    ],
)
def test_bad_arguments_are_refused(kwargs, exc, word):
    args = dict(learner=LinearLearner(LMS(0.1)), stream=RandomWalkStream(2), key=jax.random.key(0))
    args.update(kwargs)
    with pytest.raises(exc, match=word):
        run_learning_loop(**args)


def test_batched_loops_refuse_keys_that_are_not_prng_keys():
    """np.arange(3) (seeds, not keys) failed inside vmap with JAX's "invalid PRNG key data"."""
    with pytest.raises(TypeError, match="keys must be a batch of PRNG keys"):
        run_learning_loop_batched(LinearLearner(), RandomWalkStream(2), 10, np.arange(3))
    raw = jax.random.split(jax.random.PRNGKey(0), 2)  # the legacy raw keys still run
    out = run_learning_loop_batched(LinearLearner(), RandomWalkStream(2), 10, raw)
    assert out.metrics.squared_error.shape == (2,)


def test_sweep_refuses_learners_of_different_structure():
    with pytest.raises(ValueError, match="structure"):
        run_sweep(
            [LinearLearner(LMS(0.1)), LinearLearner(LMS(0.1), bias=False)],
            RandomWalkStream(2),
            100,
            jax.random.split(jax.random.key(0), 2),
        )


class _StepOnly(NamedTuple):
    """A stream with only the basic protocol (no ``noise_dim``/``advance``)."""

    inner: RandomWalkStream

    @property
    def feature_dim(self):
        return self.inner.feature_dim

    def init(self, key):
        return self.inner.init(key)

    def step(self, state, key):
        return self.inner.step(state, key)


def test_basic_protocol_stream_gives_the_same_run_as_the_vectorised_one():
    stream = RandomWalkStream(4, drift_rate=0.01)
    learner = LinearLearner(IDBD(0.02, 0.01))
    fast = run_learning_loop(learner, stream, 3000, jax.random.key(4), trace_interval=1000)
    slow = run_learning_loop(
        learner, _StepOnly(stream), 3000, jax.random.key(4), trace_interval=1000
    )
    np.testing.assert_allclose(
        np.asarray(fast.state.weights), np.asarray(slow.state.weights), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        np.asarray(fast.trace.squared_error), np.asarray(slow.trace.squared_error), rtol=1e-5
    )


def test_the_continual_facade_composes_the_rules_streams_and_its_own_loops():
    import sensorimotor.continual as continual
    import sensorimotor.envs.streams as streams
    import sensorimotor.rules as rules

    for module in (rules, streams):
        for name in module.__all__:
            assert name in continual.__all__, name
            assert getattr(continual, name) is getattr(module, name), name
    for name in ("run_learning_loop", "run_td_sweep", "run_mlp_learning_loop", "LoopResult"):
        assert name in continual.__all__, name
    assert len(set(continual.__all__)) == len(continual.__all__)  # no name listed twice


def test_packed_integer_counters_keep_their_exact_bits():
    """The loop carries int32 scalars inside the float32 vector bit for bit: values
    whose bit patterns are inf or (signalling) NaN as floats survive jit + scan."""
    import jax.numpy as jnp

    from sensorimotor.continual.xla_cpu import packer

    template = (jnp.zeros(3, jnp.float32), jnp.int32(0), jnp.int32(0))
    pack, unpack = packer(template, bits={1, 2})

    @jax.jit
    def run(start):
        def body(carry, _):
            w, a, b = unpack(carry)
            return pack((w * 0.5, a + 1, b + 1)), None

        return unpack(jax.lax.scan(body, pack(start), None, length=3)[0])

    start = (jnp.ones(3, jnp.float32), jnp.int32(0x7F800000 - 1), jnp.int32(-3))
    _, a, b = run(start)
    assert int(a) == 0x7F800002 and int(b) == 0
    assert pack(start)[1] == ()  # both counters travel in the vector


def test_a_learner_or_stream_of_the_other_loop_is_named_with_the_loop_to_use():
    """A TDLinearLearner in the supervised loop said "update() missing 2 required positional
    arguments", a TD stream there "'TDTimeStep' object has no attribute 'y'"."""
    from sensorimotor.continual import (
        RandomWalkChainStream,
        SuttonExperiment1Stream,
        TDLinearLearner,
        run_td_learning_loop,
    )

    key = jax.random.key(0)
    cases = [
        (
            lambda: run_learning_loop(TDLinearLearner(), SuttonExperiment1Stream(), 100, key),
            "use run_td_learning_loop",
        ),
        (
            lambda: run_learning_loop(LinearLearner(), RandomWalkChainStream(5), 100, key),
            "gives TDTimeStep: use run_td_learning_loop",
        ),
        (
            lambda: run_td_learning_loop(LinearLearner(), RandomWalkChainStream(5), 100, key),
            "use run_learning_loop",
        ),
        (
            lambda: run_td_learning_loop(TDLinearLearner(), SuttonExperiment1Stream(), 100, key),
            "gives TimeStep: use run_learning_loop",
        ),
    ]
    for call, match in cases:
        with pytest.raises(TypeError, match=match):
            call()


@pytest.mark.parametrize(
    ("loop", "keyword", "instead"),
    [
        ("run_learning_loop", "learner_state", "state="),
        ("run_learning_loop", "step_size_tracking", "track_step_sizes=True"),
        ("run_learning_loop_batched", "normalizer_tracking", "track_normalizer=True"),
        ("run_td_learning_loop", "learner_state", "state="),
        ("run_mlp_learning_loop", "learner_state", "state="),
        ("run_mlp_learning_loop_batched", "normalizer_tracking", "LoopResult.state.normalizer"),
    ],
)
def test_alberta_framework_keywords_name_the_keyword_to_use_here(loop, keyword, instead):
    # alberta-framework's loops take learner_state, step_size_tracking, normalizer_tracking:
    # its users pass them, and Python's "unexpected keyword argument" said nothing more
    import sensorimotor.continual as continual

    with pytest.raises(TypeError, match=f"{keyword}' is alberta-framework's name.*{instead}"):
        getattr(continual, loop)(None, None, 10, jax.random.key(0), **{keyword: None})
