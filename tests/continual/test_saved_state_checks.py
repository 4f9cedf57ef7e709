"""Saved MLP learners and states refuse NaN and a corrupted config, naming the file
(found by the fuzz suite, issue 9)."""

import io
import json
import zipfile

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensorimotor.continual import (
    GVF,
    IDBD,
    LMS,
    TDIDBD,
    AdaptiveObGD,
    Autostep,
    AutoTDIDBD,
    EMANormalizer,
    Horde,
    LinearLearner,
    MLPLearner,
    TDLinearLearner,
    WelfordNormalizer,
)
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
    mlp = MLPLearner(hidden_sizes=(10,))
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
        lambda h: h["learner"].update(sparsity=[0.9]),
        lambda h: h["learner"].update(layer_norm="yes"),
    ],
)
def test_a_corrupted_mlp_config_is_refused_naming_the_file(tmp_path, edit):
    # the messages ("feature_dim must be a positive int, got None", ...) did not name the
    # file, and a None config was a TypeError
    mlp = MLPLearner(hidden_sizes=(10,))
    path = str(tmp_path / "mlp.npz")
    save_mlp_learner(path, mlp, mlp.init(jax.random.key(0), 3))

    def edit_header(arrays):
        header = json.loads(str(arrays["header"]))
        edit(header)
        arrays["header"] = np.array(json.dumps(header))

    _rewrite(path, edit_header)
    with pytest.raises(ValueError, match=r"mlp\.npz"):
        load_mlp_learner(path)


def _tamper_field(state, where, value):
    """``state`` with the field at dotted path ``where`` (e.g. ``optimizer.v``) set to
    ``value`` everywhere, keeping its shape and dtype."""
    head, _, rest = where.partition(".")
    if head.isdigit():
        items = list(state)
        items[int(head)] = _tamper_field(items[int(head)], rest, value) if rest else None
        return type(state)(items)
    old = getattr(state, head)
    new = _tamper_field(old, rest, value) if rest else np.full_like(old, value)
    return state._replace(**{head: new})


@pytest.mark.parametrize(
    "learner, where",
    [
        (LinearLearner(Autostep(0.05)), "optimizer.alpha"),  # steps against the gradient
        (LinearLearner(Autostep(0.05)), "optimizer.v"),
        (LinearLearner(LMS(0.1), WelfordNormalizer()), "normalizer.m2"),  # predicts NaN
        (LinearLearner(LMS(0.1), WelfordNormalizer()), "normalizer.count"),
        (LinearLearner(LMS(0.1), EMANormalizer()), "normalizer.var"),
        (LinearLearner(LMS(0.1), EMANormalizer()), "normalizer.w"),
        (LinearLearner(IDBD(0.05, 0.01)), "guard_count"),
        (TDLinearLearner(TDIDBD(0.1, 0.01, 0.9)), "optimizer.decay"),
        (TDLinearLearner(AutoTDIDBD(0.1, 0.01, 0.9)), "optimizer.eta"),
        (TDLinearLearner(), "guard_count"),
        (Horde((GVF(TDIDBD(0.1, 0.0)), GVF(AutoTDIDBD()))), "groups.1.optimizer.eta"),
    ],
)
def test_load_state_refuses_a_state_no_update_could_have_made_naming_the_file_and_field(
    tmp_path, learner, where
):
    # a negative step size, second moment, variance, count or trace decay loaded, and the
    # learner then predicted NaN or rejected every update for ever
    state = learner.init(3)
    path = str(tmp_path / "bad.npz")
    save_state(path, _tamper_field(state, where, -1), learner)
    field = where.rsplit(".", 1)[-1]
    with pytest.raises(ValueError, match=rf"bad\.npz.*{field}.*negative"):
        load_state(path, like=state)
    save_state(path, state, learner)  # the untampered state still loads
    load_state(path, like=state)


def test_load_state_refuses_a_negative_mlp_counter_or_second_moment(tmp_path):
    # load_state is generic: an MLPState saved with it is checked as by load_mlp_learner
    mlp = MLPLearner(hidden_sizes=(10,), optimizer=AdaptiveObGD())
    state = mlp.init(jax.random.key(0), 2)
    path = str(tmp_path / "bad.npz")
    for where, value in (("step", -1), ("opt_state.count", -3)):
        save_state(path, _tamper_field(state, where, value), mlp)
        with pytest.raises(ValueError, match=rf"bad\.npz.*{where.rsplit('.', 1)[-1]}.*negative"):
            load_state(path, like=state)
    v = jax.tree_util.tree_map(lambda a: -jnp.ones_like(a), state.opt_state.v)
    save_state(path, state._replace(opt_state=state.opt_state._replace(v=v)), mlp)
    with pytest.raises(ValueError, match=r"bad\.npz.*opt_state\.v.*negative"):
        load_state(path, like=state)
