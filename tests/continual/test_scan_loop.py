"""The one scan loop: its pure builders vmap over seeds, every kind shares the engine."""

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.continual import (
    LMS,
    TDIDBD,
    Autostep,
    LinearLearner,
    MLPLearner,
    ObGD,
    RandomWalkChainStream,
    RandomWalkStream,
    TDLinearLearner,
    compile_count,
    make_learning_loop,
    make_mlp_learning_loop,
    make_td_learning_loop,
    run_learning_loop,
    run_learning_loop_batched,
    run_mlp_learning_loop,
    run_mlp_learning_loop_batched,
    run_mlp_sweep,
    run_td_learning_loop_batched,
)
from sensorimotor.continual.scan_loop import LoopKind, make_loop
from sensorimotor.rules import DivergenceError

KEYS = jax.random.split(jax.random.key(11), 3)


def _close(a, b, rtol=1e-6, atol=1e-7):
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=rtol, atol=atol)


@pytest.mark.parametrize(
    ("make", "batched", "learner", "stream"),
    [
        (
            make_learning_loop,
            run_learning_loop_batched,
            LinearLearner(Autostep(0.01)),
            RandomWalkStream(4),
        ),
        (
            make_td_learning_loop,
            run_td_learning_loop_batched,
            TDLinearLearner(TDIDBD(0.05, 0.01)),
            RandomWalkChainStream(5),
        ),
        (
            make_mlp_learning_loop,
            run_mlp_learning_loop_batched,
            # sparsity 0.5: no layer starts empty (at 0.9 the first, fed 3 inputs, would: its
            # LayerNorm of near-zero pre-activations then magnifies last-bit differences)
            MLPLearner((8,), sparsity=0.5),
            RandomWalkStream(3),
        ),
    ],
    ids=["linear", "td", "mlp"],
)
def test_a_built_loop_vmapped_over_seeds_equals_the_batched_front_end(
    make, batched, learner, stream
):
    run = make(learner, stream, 1200, trace_interval=400)
    out = jax.vmap(run)(KEYS)
    ref = batched(learner, stream, 1200, KEYS, trace_interval=400)
    assert out.trace.guard.shape == (3, 3)
    _close(out, ref)
    # under jit too, and one run alone is the first row. An outer jit compiles the MLP's
    # float32 arithmetic anew (other fusions): its last bits differ, and 1200 updates of a
    # network that learns carry that to ~1e-6 (the network used before, which never
    # learned, hid it), so the MLP gets float32's tolerance, as in the sweep test below
    tol = dict(rtol=1e-5, atol=1e-6) if make is make_mlp_learning_loop else {}
    _close(jax.jit(jax.vmap(run))(KEYS), ref, **tol)
    _close(run(KEYS[0]), _take(ref, 0))


def test_a_built_loop_compiles_once_for_every_key_and_step_size():
    stream = RandomWalkStream(5)
    make_learning_loop(LinearLearner(LMS(0.01)), stream, 700)(KEYS[0])
    before = compile_count()["supervised"]
    for i, alpha in enumerate((0.02, 0.003)):
        make_learning_loop(LinearLearner(LMS(alpha)), stream, 700)(KEYS[i])
    assert compile_count()["supervised"] == before
    # the counter does see a new structure (another length), so the check above can fail
    make_learning_loop(LinearLearner(LMS(0.02)), stream, 350)(KEYS[0])
    assert compile_count()["supervised"] == before + 1


def test_a_built_loop_is_pure_the_guard_is_read_from_the_state():
    learner, stream = LinearLearner(LMS(1.0), guard="raise"), RandomWalkStream(20)
    with pytest.raises(DivergenceError, match="compiled loop"):
        run_learning_loop(learner, stream, 2000, KEYS[0])
    out = make_learning_loop(learner, stream, 2000)(KEYS[0])  # does not raise: pure
    assert int(out.state.guard_count) > 0


def test_mlp_sweep_runs_are_the_single_runs_and_compile_once():
    stream = RandomWalkStream(3)
    # sparsity 0.5: no layer starts empty, whose LayerNorm of near-zero vectors would blow
    # the sweep's batched last bits up (see test_mlp_loop)
    learners = [
        MLPLearner((16,), ObGD(a, kappa=k), sparsity=0.5) for a, k in ((0.5, 2.0), (1.0, 3))
    ]
    out = run_mlp_sweep(learners, stream, 300, KEYS, trace_interval=100)
    assert out.trace.squared_error.shape == (2, 3, 3)
    before = compile_count()["mlp"]
    again = run_mlp_sweep(learners[::-1], stream, 300, KEYS, trace_interval=100)
    assert compile_count()["mlp"] == before
    _close(_take(again, 0), _take(out, 1))
    single = run_mlp_learning_loop(learners[1], stream, 300, KEYS[2], trace_interval=100)
    _close(_take(_take(out, 1), 2), single, rtol=1e-5)


def _take(tree, i):
    """Run ``i`` of a batched result, in NumPy (indexing each JAX leaf compiles a gather
    of its own shape)."""
    return jax.tree_util.tree_map(lambda a: np.asarray(a)[i], tree)


def test_mlp_sweep_refuses_learners_of_different_structure():
    with pytest.raises(ValueError, match="structure"):
        run_mlp_sweep([MLPLearner((8,)), MLPLearner((4,))], RandomWalkStream(3), 100, KEYS)


class _Ones(NamedTuple):
    """A learner whose only metric is 1 in bfloat16 at every step."""

    dtype: str = "bfloat16"

    def init(self, feature_dim, xp=None):
        return jnp.zeros((), jnp.int32)

    def update(self, state, x, y):
        return state + 1, {"one": jnp.ones((), self.dtype)}


ONES = LoopKind(
    "ones",
    init=lambda learner, key, feature_dim: learner.init(feature_dim),
    update=lambda learner, state, ts: learner.update(state, ts.x, ts.y),
    ready=lambda learner, feature_dim: learner,
)


@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "float32"])
def test_a_kind_of_its_own_runs_on_the_engine_and_half_precision_metrics_average_right(dtype):
    """An agent brings a LoopKind; the engine sums half-precision metrics in float32 (in
    bfloat16 a sum of ones stops at 256)."""
    out = make_loop(ONES, _Ones(dtype), RandomWalkStream(2), 4096, trace_interval=2048)(KEYS[0])
    assert int(out.state) == 4096
    assert out.trace["one"].dtype == jnp.dtype(dtype)
    np.testing.assert_array_equal(np.asarray(out.trace["one"], np.float32), [1.0, 1.0])


def test_a_float_setting_given_as_an_int_is_swept_as_a_float():
    """LMS(1)'s int step size was structure: a sweep of it alone failed in vmap (nothing to
    sweep), and LMS(1) beside LMS(0.5) was refused as another structure."""
    from sensorimotor.continual import LinearLearner, SuttonExperiment1Stream, run_sweep
    from sensorimotor.rules import LMS

    keys = jax.random.split(jax.random.key(0), 2)
    stream = SuttonExperiment1Stream()
    alone = run_sweep([LinearLearner(LMS(1))], stream, 200, keys)
    both = run_sweep([LinearLearner(LMS(1)), LinearLearner(LMS(0.5))], stream, 200, keys)
    as_float = run_sweep([LinearLearner(LMS(1.0)), LinearLearner(LMS(0.5))], stream, 200, keys)
    assert alone.trace.squared_error.shape == (1, 2, 1)
    np.testing.assert_array_equal(both.trace.squared_error, as_float.trace.squared_error)
