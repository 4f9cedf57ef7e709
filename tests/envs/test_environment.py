import uuid

import numpy as np
import pytest

from sensorimotor import Channel, Environment, KinematicArm2D, SignalError
from sensorimotor.base.user_config import merge_config
from sensorimotor.signals import Feedback

ch_x = Channel("x", bounds=(0, 10))
ch_y = Channel("y", bounds=(5, 15))
ch_a = Channel("a", bounds=(5, 25))


class Sum(Environment):
    """The ``environments`` seed's example, as written."""

    def __init__(self, cfg):
        self.m_channels = [ch_x, ch_y]
        self.s_channels = [ch_a]

    def _execute(self, m_signal, meta=None):
        return {"a": m_signal["x"] + m_signal["y"]}


def test_seed_sum_example():
    sum_env = Sum()
    feedback = sum_env.execute({"x": 2, "y": 11})
    assert feedback["m_signal"] == {"x": 2.0, "y": 11.0}
    assert feedback["s_signal"] == {"a": 13.0}
    assert isinstance(feedback["uuid"], uuid.UUID)
    assert Sum({}).execute({"x": 1, "y": 1})["uuid"] != feedback["uuid"]


def test_seed_imports_channel_from_the_environments_module():
    # the environments seed: `from environments import Channel, Environment`
    from sensorimotor.envs import Channel as SeedChannel
    from sensorimotor.envs import Environment as SeedEnvironment

    assert SeedChannel is Channel and SeedEnvironment is Environment


def test_bad_motor_signal_refused_naming_channel():
    env = Sum()
    with pytest.raises(SignalError, match="'y'"):
        env.execute({"x": 2})
    with pytest.raises(SignalError, match="'q'"):
        env.execute({"x": 2, "y": 3, "q": 1})


def test_bad_sensory_signal_is_the_environments_fault():
    class Broken(Sum):
        def _execute(self, m_signal, meta=None):
            return {"b": 1.0}

    with pytest.raises(SignalError, match="Broken._execute returned a bad sensory signal"):
        Broken().execute({"x": 1, "y": 1})


def test_config_merged_over_defaults_and_unknown_key_refused():
    class Scaled(Environment):
        defcfg = {"gain": 1.0}
        m_channels = [ch_x]
        s_channels = [Channel("g")]

        def _execute(self, m_signal, meta=None):
            if meta is not None:
                meta["seen"] = True
            return {"g": self.cfg.gain * m_signal["x"]}

    meta = {}
    assert Scaled({"gain": 3.0}).execute({"x": 2}, meta)["s_signal"] == {"g": 6.0}
    assert meta == {"seen": True}
    assert Scaled().execute({"x": 2})["s_signal"] == {"g": 2.0}
    with pytest.raises(KeyError, match="unknown config key 'gian' \\(did you mean 'gain'\\?\\)"):
        Scaled({"gian": 3.0})

    # the seed's example (its documentation's version calls Environment.__init__) declares
    # no defaults: a key of the user's own now says where it goes, not "(known: [])"
    class SeedSum(Sum):
        def __init__(self, cfg):
            super().__init__(cfg)
            Environment.__init__(self, cfg)

    assert SeedSum({}).execute({"x": 2, "y": 11})["s_signal"] == {"a": 13.0}
    with pytest.raises(KeyError, match="SeedSum declares no config keys.*in its defcfg"):
        SeedSum({"offset": 1.0})
    with pytest.raises(TypeError):
        merge_config({}, 3)


def test_close_is_idempotent_and_context_manager():
    with Sum() as env:
        env.execute({"x": 1, "y": 1})
    env.close()
    with pytest.raises(RuntimeError, match="closed"):
        env.execute({"x": 1, "y": 1})


def test_the_more_derived_of_execute_and_execute_vector_is_called():
    class Vector(Sum):
        def _execute_vector(self, m, meta=None):
            return np.array([m[0] + m[1]])

    class DictAgain(Vector):
        def _execute(self, m_signal, meta=None):
            return {"a": 2 * (m_signal["x"] + m_signal["y"])}

    class BadVector(Sum):
        def _execute_vector(self, m, meta=None):
            return np.array([np.nan])

    assert Vector._executes_vectors and not DictAgain._executes_vectors
    assert not Sum._executes_vectors and KinematicArm2D._executes_vectors
    fb = Vector().execute({"x": 2, "y": 11})
    assert fb["s_signal"] == {"a": 13.0} and fb["s_signal"].array.tolist() == [13.0]
    assert DictAgain().execute({"x": 2, "y": 11})["s_signal"] == {"a": 26.0}
    with pytest.raises(SignalError, match="BadVector._execute_vector returned a bad sensory"):
        BadVector().execute({"x": 2, "y": 11})


def test_execute_array_follows_the_path_execute_takes():
    # A subclass's own _execute under the arm's batch path: execute_array ran the arm's
    # _execute_array and gave other effects than execute (a sensor offset lost in
    # evaluation); a class with only _execute_vector had no _execute to loop over.
    class Offset(KinematicArm2D):
        def _execute(self, m_signal, meta=None):
            s = super()._execute(m_signal, meta)
            return {"x": s["x"] + 0.5, "y": s["y"]}

    class VectorOnly(Environment):
        m_channels = [Channel("x", (0, 10)), Channel("y", (5, 15))]
        s_channels = [Channel("a", (5, 25))]

        def _execute_vector(self, m, meta=None):
            return np.array([m[0] + m[1]])

    class BatchAgain(Offset):  # a batch path as derived as the override: used
        def _execute_array(self, m_batch):
            return KinematicArm2D._execute_array(self, m_batch) + [0.5, 0.0]

    m = np.array([[10.0, 20.0], [-30.0, 45.0]])
    for env in (Offset({"dim": 2}), VectorOnly(), BatchAgain({"dim": 2})):
        rows = [env.execute(env.m_set.from_array(row))["s_signal"].array for row in m]
        assert np.allclose(env.execute_array(m), rows, rtol=0, atol=1e-12)
    assert not Offset({"dim": 2}).has_batch_path and not VectorOnly().has_batch_path
    assert BatchAgain({"dim": 2}).has_batch_path and KinematicArm2D({"dim": 2}).has_batch_path

    class BadVectorOnly(VectorOnly):
        def _execute_vector(self, m, meta=None):
            return np.array([1.0, 2.0])

    with pytest.raises(SignalError, match=r"BadVectorOnly._execute_vector returned .*\(1,\)"):
        BadVectorOnly().execute_array(m)


class Batch(Sum):
    """Sum with a vectorised path; ``out`` bends what it returns."""

    def __init__(self, out=lambda s: s):
        super().__init__({})
        self.out = out

    def _execute_array(self, m_batch):
        return self.out(m_batch.sum(axis=1, keepdims=True))


@pytest.mark.parametrize(
    "out, match",
    [
        (lambda s: s[:-1], r"shape \(2, 1\) .*got \(1, 1\)"),  # a row short
        (lambda s: np.vstack([s, s]), r"got \(4, 1\)"),  # rows to spare
        (lambda s: s[:, 0], r"got \(2,\)"),  # (N,) for N motor arrays
        (lambda s: np.hstack([s, s]), r"got \(2, 2\)"),  # too wide
        (lambda s: s * np.nan, "'a' is NaN"),
    ],
)
def test_a_bad_batch_from_execute_array_is_the_environments_fault(out, match):
    """execute_array did not check the rows and width _execute_array returned: (N,) or
    N - 1 rows passed, and a wrong width was refused without naming the class."""
    env = Batch(out)
    with pytest.raises(
        SignalError, match="Batch._execute_array returned a bad sensory batch"
    ) as info:
        env.execute_array(np.array([[1.0, 5.0], [2.0, 6.0]]))
    assert info.match(match)
    with pytest.raises(SignalError, match=r"Batch._execute_array.*got \(1,\)"):
        Batch(lambda s: s[0]).execute_array(np.array([1.0, 5.0]))  # (n_s,) for one motor array
    assert Batch().execute_array(np.array([[1.0, 5.0], [2.0, 6.0]])).tolist() == [[6.0], [8.0]]
    assert Batch().execute_array(np.array([1.0, 5.0])).tolist() == [[6.0]]


def test_execute_returns_a_feedback_that_prints_as_the_seed_dict():
    fb = Sum().execute({"x": 2, "y": 11})
    assert type(fb) is Feedback
    assert repr(fb) == (
        f"{{'m_signal': {{'x': 2.0, 'y': 11.0}}, 's_signal': {{'a': 13.0}}, 'uuid': {fb['uuid']!r}}}"
    )
    assert fb.m_array.tolist() == [2.0, 11.0] and fb.s_array.tolist() == [13.0]
