"""Bad settings of a learner's rule, a Horde's GVF or a loop's stream raise at once, naming
what was wrong (the rules' and streams' own checks: tests/rules/test_rule_settings.py,
tests/envs/test_stream_settings.py)."""

import math

import jax
import numpy as np
import pytest

from sensorimotor.continual import (
    GVF,
    IDBD,
    LMS,
    TDIDBD,
    AbruptChangeStream,
    Autostep,
    CyclicStream,
    EMANormalizer,
    Horde,
    LinearLearner,
    MLPLearner,
    RandomWalkChainStream,
    RandomWalkStream,
    ScaleDriftStream,
    SuttonExperiment1Stream,
    TDLinearLearner,
    run_learning_loop,
    run_learning_loop_batched,
    run_mlp_learning_loop_batched,
    run_sweep,
    run_td_learning_loop,
)
from sensorimotor.rules import ObGD


def test_learners_check_their_rule_before_the_first_sample():
    with pytest.raises(ValueError, match=r"IDBD\.initial_step_size"):
        LinearLearner(IDBD(-1.0, 0.01)).init(4)
    with pytest.raises(ValueError, match=r"TDIDBD\.trace_decay"):
        TDLinearLearner(TDIDBD(trace_decay=2.0)).init(4)
    with pytest.raises(ValueError, match=r"ObGD\.kappa"):
        MLPLearner((8,), optimizer=ObGD(step_size=1.0, kappa=-2.0))
    with pytest.raises(ValueError, match=r"Autostep\.initial_step_size"):
        MLPLearner((8,), optimizer=Autostep(initial_step_size=0.0))
    with pytest.raises(ValueError, match=r"EMANormalizer\.decay"):
        MLPLearner((8,), normalizer=EMANormalizer(decay=1.5))


def test_compiled_loops_check_settings_before_compiling_and_refuse_empty_key_batches():
    stream, key = RandomWalkStream(3), jax.random.key(0)
    with pytest.raises(ValueError, match=r"Autostep\.meta_step_size"):
        run_learning_loop(LinearLearner(Autostep(meta_step_size=-1.0)), stream, 100, key)
    # every learner of a sweep is checked, not only the first
    learners = [LinearLearner(LMS(0.1)), LinearLearner(LMS(-0.1))]
    with pytest.raises(ValueError, match=r"LMS\.step_size"):
        run_sweep(learners, stream, 100, jax.random.split(key, 2))
    empty = jax.random.split(key, 2)[:0]
    with pytest.raises(ValueError, match="keys is empty"):
        run_learning_loop_batched(LinearLearner(LMS(0.1)), stream, 100, empty)
    with pytest.raises(ValueError, match="keys is empty"):
        run_sweep([LinearLearner(LMS(0.1))], stream, 100, empty)
    with pytest.raises(ValueError, match="keys is empty"):
        run_mlp_learning_loop_batched(MLPLearner((4,)), stream, 100, empty)
    with pytest.raises(TypeError, match="batch of PRNG keys"):
        run_learning_loop_batched(LinearLearner(LMS(0.1)), stream, 100, key)


def test_a_swept_setting_is_traced_inside_the_loop_and_still_runs():
    # the check skips tracers: a sweep over step sizes compiles and runs
    learners = [LinearLearner(IDBD(a, 0.01)) for a in (0.01, 0.05)]
    out = run_sweep(learners, RandomWalkStream(3), 200, jax.random.split(jax.random.key(1), 2))
    assert np.all(np.isfinite(np.asarray(out.metrics.squared_error)))


@pytest.mark.parametrize(
    ("stream", "name"),
    [
        (RandomWalkStream(feature_dim=0), "RandomWalkStream.feature_dim"),
        (RandomWalkStream(feature_dim=3.0), "RandomWalkStream.feature_dim"),
        (RandomWalkStream(drift_rate=math.nan), "RandomWalkStream.drift_rate"),
        (RandomWalkStream(noise_std=-0.1), "RandomWalkStream.noise_std"),
        (AbruptChangeStream(change_interval=0), "AbruptChangeStream.change_interval"),
        (SuttonExperiment1Stream(num_relevant=0), "SuttonExperiment1Stream.num_relevant"),
        (CyclicStream(num_targets=0), "CyclicStream.num_targets"),
        (ScaleDriftStream(max_log_scale=math.inf), "ScaleDriftStream.max_log_scale"),
        (RandomWalkChainStream(discount=1.5), "RandomWalkChainStream.discount"),
        (RandomWalkChainStream(left_reward=math.nan), "RandomWalkChainStream.left_reward"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_bad_stream_setting_raises_before_a_loop_compiles(stream, name):
    # (each stream's init checks too: tests/envs/test_stream_settings.py)
    error = TypeError if name.endswith("feature_dim") and stream.feature_dim == 3.0 else ValueError
    with pytest.raises(error, match=name.replace(".", r"\.")):
        if isinstance(stream, RandomWalkChainStream):  # a TD stream
            run_td_learning_loop(TDLinearLearner(TDIDBD()), stream, 100, jax.random.key(0))
        else:
            run_learning_loop(LinearLearner(LMS(0.1)), stream, 100, jax.random.key(0))


def test_td_loops_check_the_stream_too():
    with pytest.raises(ValueError, match=r"RandomWalkChainStream\.discount"):
        run_td_learning_loop(
            TDLinearLearner(TDIDBD()), RandomWalkChainStream(discount=-1.0), 100, jax.random.key(0)
        )


@pytest.mark.parametrize("gamma", [1.5, -0.1, math.nan])
def test_a_horde_checks_each_gvf_discount(gamma):
    horde = Horde([GVF(TDIDBD(), gamma=0.5), GVF(TDIDBD(), gamma=gamma)])
    with pytest.raises(ValueError, match=r"gvfs\[1\]\.gamma"):
        horde.init(3)


@pytest.mark.parametrize("bad", ["a", "1.5", True, np.array([1.0])])
def test_a_scalar_of_the_wrong_type_or_shape_is_refused_by_name(bad):
    x = np.ones(3)
    linear = LinearLearner(IDBD(0.05, 0.01))
    with pytest.raises(TypeError, match="y must be a real scalar"):
        linear.update(linear.init(3), x, bad)
    td = TDLinearLearner(TDIDBD())
    with pytest.raises(TypeError, match="reward must be a real scalar"):
        td.update(td.init(3), x, bad, x, 0.9)
    with pytest.raises(TypeError, match="gamma must be a real scalar"):
        td.update(td.init(3), x, 1.0, x, bad)


@pytest.mark.parametrize(
    ("stream", "name"),
    [
        (RandomWalkChainStream(5, discount=1.5), "discount"),
        (RandomWalkChainStream(5.0), "num_states"),
        (RandomWalkChainStream(5, right_reward=math.inf), "right_reward"),
    ],
    ids=["discount", "num_states", "right_reward"],
)
def test_the_chain_true_values_check_the_settings(stream, name):
    """true_values() solved the Bellman equations for a discount of 1.5 (values beyond
    the rewards) and gave 'float object cannot be interpreted as an integer' for 5.0."""
    with pytest.raises((ValueError, TypeError), match=rf"RandomWalkChainStream\.{name}"):
        stream.true_values()
