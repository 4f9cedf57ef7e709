"""Compiled MLP loop: equals the eager loop, compiles once, batches over keys."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.continual import MLPLearner
from sensorimotor.continual.learning_loop import LoopResult, compile_count
from sensorimotor.continual.mlp_learning_loop import (
    mlp_loop_keys,
    run_mlp_learning_loop,
    run_mlp_learning_loop_batched,
)
from sensorimotor.envs.streams import RandomWalkStream, TimeStep
from sensorimotor.rules import AdaptiveObGD, DivergenceError, ObGD


@dataclasses.dataclass(frozen=True)
class DriftStream:
    """A stream with state (and not a pytree): y = w . tanh(x) with a random-walk w."""

    feature_dim: int = 4

    def init(self, key):
        return jax.random.normal(key, (self.feature_dim,))

    def step(self, w, key):
        r = jax.random.normal(key, (2 * self.feature_dim,))
        w = w + 0.05 * r[: self.feature_dim]
        x = r[self.feature_dim :]
        return w, TimeStep(x, w @ jnp.tanh(x))


def _eager(learner, stream, num_steps, key):
    """The documented key schedule, replayed with the checked, eager ``update``."""
    k_init, k_stream, k_steps = mlp_loop_keys(key)
    state = learner.init(k_init, stream.feature_dim)
    s = stream.init(k_stream)
    stream_step = jax.jit(stream.step)
    errors = []
    for t in range(num_steps):
        s, ts = stream_step(s, jax.random.fold_in(k_steps, t))
        result = learner.update(state, ts.x, ts.y)
        state = result.state
        errors.append(float(result.error) ** 2)
    return state, s, np.array(errors)


@pytest.mark.parametrize(
    ("learner", "stream"),
    [
        (MLPLearner((16, 8)), DriftStream()),  # a stream with step only: keys per step
        # a stream with noise_dim/advance: its normals drawn for a chunk at once
        (MLPLearner((12,), AdaptiveObGD(step_size=0.5), trace_decay=0.7), RandomWalkStream(4)),
    ],
)
def test_scan_loop_equals_eager_loop(learner, stream):
    key = jax.random.key(3)
    out = run_mlp_learning_loop(learner, stream, 12, key, trace_interval=4)
    state, stream_state, errors = _eager(learner, stream, 12, key)
    assert isinstance(out, LoopResult)
    leaves = zip(
        jax.tree_util.tree_leaves(out.state), jax.tree_util.tree_leaves(state), strict=True
    )
    for a, b in leaves:
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=1e-6)
    for a, b in zip(
        jax.tree_util.tree_leaves(out.stream_state),
        jax.tree_util.tree_leaves(stream_state),
        strict=True,
    ):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert float(out.metrics.squared_error) == pytest.approx(errors.mean(), rel=1e-4)
    np.testing.assert_allclose(out.trace.squared_error, errors.reshape(3, 4).mean(1), rtol=1e-4)
    assert out.trace.effective_step_size.shape == (3,)
    assert int(out.state.step) == 12


def test_second_call_with_other_key_step_size_or_noise_does_not_recompile():
    stream = RandomWalkStream(feature_dim=3)
    learner = MLPLearner((10,), ObGD(step_size=1.0, kappa=2.0))
    first = run_mlp_learning_loop(learner, stream, 20, jax.random.key(0), trace_interval=10)
    traced = compile_count()["mlp"]
    run_mlp_learning_loop(learner, stream, 20, jax.random.key(1), trace_interval=10)
    other = MLPLearner((10,), ObGD(step_size=np.float32(0.3), kappa=3), guard="raise")
    run_mlp_learning_loop(
        other, stream._replace(noise_std=0.5), 20, jax.random.key(2), trace_interval=10
    )
    assert compile_count()["mlp"] == traced, "unexpected recompile"
    # the counter does see a structural change (so the check above can fail); continuing
    # from a given state is one (the initial state becomes an argument)
    more = run_mlp_learning_loop(
        learner, stream, 20, jax.random.key(1), trace_interval=10, state=first.state
    )
    assert compile_count()["mlp"] == traced + 1
    assert int(more.state.step) == 40


def test_hyperparameters_are_data_a_step_size_changes_the_result():
    stream = RandomWalkStream(feature_dim=3)  # same structure as above: no new compile
    a = run_mlp_learning_loop(
        MLPLearner((10,), ObGD(1.0)), stream, 20, jax.random.key(0), trace_interval=10
    )
    traced = compile_count()["mlp"]
    b = run_mlp_learning_loop(
        MLPLearner((10,), ObGD(0.01)), stream, 20, jax.random.key(0), trace_interval=10
    )
    assert compile_count()["mlp"] == traced  # data: the step size reached the same program
    assert float(a.metrics.squared_error) != float(b.metrics.squared_error)


def test_batched_run_equals_individual_runs():
    # sparsity 0.5 keeps a weight in every unit: a layer that starts empty (0.9 on 3
    # inputs) feeds LayerNorm near-zero vectors, which blow batching's last bits up to 0.1
    stream, learner = DriftStream(feature_dim=3), MLPLearner((16,), sparsity=0.5)
    keys = jax.random.split(jax.random.key(5), 3)
    batched = run_mlp_learning_loop_batched(learner, stream, 40, keys, trace_interval=10)
    assert batched.trace.squared_error.shape == (3, 4)
    # the runs' rows taken in NumPy (a JAX index compiles a gather for each shape)
    errors, weights = (
        np.asarray(batched.metrics.squared_error),
        np.asarray(batched.state.params[0].w),
    )
    for i, key in enumerate(keys):
        single = run_mlp_learning_loop(learner, stream, 40, key, trace_interval=10)
        np.testing.assert_allclose(errors[i], single.metrics.squared_error, rtol=1e-5)
        np.testing.assert_allclose(weights[i], single.state.params[0].w, rtol=1e-5, atol=1e-7)


def test_guard_raise_policy_raises_after_a_compiled_run_with_bad_data():
    @dataclasses.dataclass(frozen=True)
    class NaNAfter:
        feature_dim: int = 2

        def init(self, key):
            return jnp.zeros((), jnp.int32)

        def step(self, t, key):
            x = jax.random.normal(key, (2,))
            return t + 1, TimeStep(x, jnp.where(t == 5, jnp.nan, 1.0))

    out = run_mlp_learning_loop(MLPLearner((10,)), NaNAfter(), 10, jax.random.key(0))
    assert int(out.state.guard_count) == 1 and float(out.metrics.guard) == pytest.approx(0.1)
    assert all(np.isfinite(x).all() for x in jax.tree_util.tree_leaves(out.state.params))
    with pytest.raises(DivergenceError, match="guard='raise'"):
        run_mlp_learning_loop(MLPLearner((10,), guard="raise"), NaNAfter(), 10, jax.random.key(0))


def test_loop_refuses_bad_arguments():
    learner = MLPLearner((4,))
    with pytest.raises(ValueError, match="num_steps"):
        run_mlp_learning_loop(learner, DriftStream(), 0, jax.random.key(0))
    with pytest.raises(ValueError, match="trace_interval"):
        run_mlp_learning_loop(learner, DriftStream(), 10, jax.random.key(0), trace_interval=3)
    with pytest.raises(TypeError, match="stream"):
        run_mlp_learning_loop(learner, object(), 10, jax.random.key(0))
