"""Saved MLP learners and states refuse NaN and a corrupted config, naming the file
(found by the fuzz suite, issue 9)."""

import io
import json
import zipfile

import jax
import numpy as np
import pytest

from sensorimotor.continual import IDBD, LinearLearner, MLPLearner
from sensorimotor.continual.mlp_io import load_mlp_learner, save_mlp_learner
from sensorimotor.continual.state_io import load_state, save_state


def _rewrite(path, edit):
    with zipfile.ZipFile(path) as z:
        arrays = {n[:-4]: np.load(io.BytesIO(z.read(n)), allow_pickle=False) for n in z.namelist()}
    edit(arrays)
    np.savez(path, **arrays)


def _nan_first(arrays, name):
    arr = arrays[name].copy()
    arr.flat[0] = np.nan
    arrays[name] = arr


def test_nan_in_a_saved_state_or_mlp_is_refused_naming_the_file_and_the_array(tmp_path):
    # both loaded silently: the NaN surfaced as a guard reset at the next update
    learner = LinearLearner(IDBD(0.05, 0.01))
    path = str(tmp_path / "state.npz")
    save_state(path, learner.init(3), learner)
    _rewrite(path, lambda a: _nan_first(a, "leaf_0"))
    with pytest.raises(ValueError, match=r"state\.npz.*leaf_0.*NaN"):
        load_state(path, like=learner.init(3))
    mlp = MLPLearner(hidden_sizes=(4,))
    path = str(tmp_path / "mlp.npz")
    save_mlp_learner(path, mlp, mlp.init(jax.random.key(0), 3))
    _rewrite(path, lambda a: _nan_first(a, "params/0/w"))
    with pytest.raises(ValueError, match=r"mlp\.npz.*params/0/w.*NaN"):
        load_mlp_learner(path)


@pytest.mark.parametrize(
    "edit",
    [
        lambda h: h.update(feature_dim=None),
        lambda h: h["learner"].update(type=None),
        lambda h: h["learner"].update(hidden_sizes=["x"]),
        lambda h: h["learner"].update(unknown=1),
        lambda h: h.update(learner=None),
        # an optimiser setting retyped to a list loaded, then to_config failed (fuzz suite)
        lambda h: h["learner"]["optimizer"].update(step_size=[1.0]),
    ],
)
def test_a_corrupted_mlp_config_is_refused_naming_the_file(tmp_path, edit):
    # the messages ("feature_dim must be a positive int, got None", ...) did not name the
    # file, and a None config was a TypeError
    mlp = MLPLearner(hidden_sizes=(4,))
    path = str(tmp_path / "mlp.npz")
    save_mlp_learner(path, mlp, mlp.init(jax.random.key(0), 3))

    def edit_header(arrays):
        header = json.loads(str(arrays["header"]))
        edit(header)
        arrays["header"] = np.array(json.dumps(header))

    _rewrite(path, edit_header)
    with pytest.raises(ValueError, match=r"mlp\.npz"):
        load_mlp_learner(path)
