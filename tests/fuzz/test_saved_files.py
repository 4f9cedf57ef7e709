"""The file fuzzer (issue 9): every loader, given a corrupted saved file (truncated, bits
flipped, bytes overwritten, a key removed, renamed or retyped, NaN or a wrong shape in an
array, another kind of file), raises ``ValueError`` naming the file, or loads something
that continues identically to what was saved. Never a traceback from zipfile, h5py or
NumPy."""

import io
import json
import os
import zipfile
from pathlib import Path

import h5py
import hostile
import jax
import numpy as np
import pytest
from hostile import examples, fingerprint
from hypothesis import given, settings
from hypothesis import strategies as st

from sensorimotor import KinematicArm2D
from sensorimotor.agents import DQN, Agent
from sensorimotor.continual import IDBD, LinearLearner, MLPLearner
from sensorimotor.continual.mlp_io import load_mlp_learner, save_mlp_learner
from sensorimotor.continual.state_io import load_state, read_header, save_state
from sensorimotor.explore import Explorer, RandomGoalExplorer
from sensorimotor.learners import Learner, NNLearner
from sensorimotor.reservoir import ReservoirNode, StabilizedRLS, load_readout
from sensorimotor.run import ObservationLog, read_log
from sensorimotor.run.array_stream_file import ArrayStreamFile
from sensorimotor.run.episode_log import EpisodeLog, read_episodes
from sensorimotor.run.experiment import load_experiment

ARM = KinematicArm2D({"dim": 3})
CH = {"m_channels": ARM.m_channels, "s_channels": ARM.s_channels}


def _learner():
    learner = NNLearner(CH)
    m = np.random.default_rng(0).uniform(-100, 100, size=(6, 3))
    for i, row in enumerate(m):
        learner.update(
            learner.m_set.from_array(row),
            learner.s_set.from_array(ARM.execute_array(row)[0]),
            uuid=f"u{i}",
        )
    return learner


def _linear_state():
    learner = LinearLearner(IDBD(0.05, 0.01))
    state = learner.init(3)
    for x in np.random.default_rng(0).normal(size=(5, 3)):
        state = learner.update(state, x, float(x.sum())).state
    return learner, state


def _make_files(folder):
    """name -> (path of the good file, loader(path) -> a fingerprint of what loaded)."""
    files = {}
    learner = _learner()
    path = os.path.join(folder, "learner.npz")
    learner.save(path)
    files["Learner.load"] = (path, lambda p: fingerprint(Learner.load(p).state()))

    explorer = RandomGoalExplorer({**CH, "learner": learner, "seed": 0})
    for _ in range(5):
        e = explorer.explore()
        explorer.receive(e, ARM.execute(e["m_signal"]))
    path = os.path.join(folder, "explorer.json")
    explorer.save(path)
    files["Explorer.load"] = (
        path,
        lambda p: fingerprint(Explorer.load(p, learner=_learner()).state()),
    )

    lin, state = _linear_state()
    path = os.path.join(folder, "state.npz")
    save_state(path, state, lin)
    files["load_state"] = (path, lambda p: fingerprint(load_state(p, like=lin.init(3))))
    files["read_header"] = (path, lambda p: fingerprint(read_header(p)))

    mlp = MLPLearner(hidden_sizes=(10,))
    mstate = mlp.init(jax.random.key(0), 3)
    path = os.path.join(folder, "mlp.npz")
    save_mlp_learner(path, mlp, mstate)

    def load_mlp(p):
        learner2, state2 = load_mlp_learner(p)
        return fingerprint([learner2.to_config(), state2])

    files["load_mlp_learner"] = (path, load_mlp)

    path = os.path.join(folder, "log.h5")
    with ObservationLog(path, ARM.m_channels, ARM.s_channels, flush_every=2) as log:
        for i in range(5):
            log.append(ARM.execute({"j0": 10.0 * i, "j1": 0.0, "j2": 5.0}), meta={"i": i})

    def records(p):
        r = read_log(p)
        return fingerprint([r.m, r.s, [u.hex for u in r.uuid], r.meta])

    def reopen(p):
        with ObservationLog(p, ARM.m_channels, ARM.s_channels):
            pass
        return records(p)

    files["read_log"] = (path, records)
    files["ObservationLog(existing)"] = (path, reopen)

    node = ReservoirNode(2, 6, leak_rate=0.5, bias_scaling=0.1, seed=0)
    node.execute(np.random.default_rng(0).normal(size=(4, 2)))
    path = os.path.join(folder, "reservoir.npz")
    node.save(path)

    def load_node(p):
        back = ReservoirNode.load(p)  # continues identically: one more step compared
        return fingerprint([repr(back), back.w, back.w_in, back.w_bias, back.execute([0.1, 0.2])])

    files["ReservoirNode.load"] = (path, load_node)

    # one readout file only: another file of the same format is a valid readout
    readout = StabilizedRLS(3, 2, lambda_=0.99, tau=4)
    readout.train(np.random.default_rng(1).normal(size=(6, 3)), target=np.ones((6, 2)))
    path = os.path.join(folder, "readout.npz")
    readout.save(path)

    def load_ro(p):
        back = load_readout(p)  # continues identically: one more sample compared
        back.train(np.ones(3), target=np.zeros(2))
        return fingerprint([repr(back), back.count, back.resets, *back.state])

    files["load_readout"] = (path, load_ro)

    # one small agent: its saved networks, optimiser state, buffer and random state
    agent = DQN(
        "CartPole-v1",
        seed=0,
        learning_starts=8,
        batch_size=4,
        buffer_size=64,
        train_freq=4,
        gradient_steps=1,
        net_arch=[4],
    )
    agent.learn(16)
    path = os.path.join(folder, "agent.npz")
    agent.save(path)

    def load_agent(p):
        back = Agent.load(p)  # continues identically: the greedy actions compared
        actions = [int(back.predict(np.full(4, 0.01 * i))[0]) for i in range(4)]
        return fingerprint([back.num_timesteps, actions])

    files["Agent.load"] = (path, load_agent)

    path = os.path.join(folder, "episodes.h5")
    with EpisodeLog(path) as log:
        for _ in range(2):
            for t in range(3):
                log.append({"reward": -t, "action": [t, 0.5 * t]})
            log.end_episode()

    def episodes(p):
        return fingerprint([sorted(e.items()) for e in read_episodes(p)])

    files["read_episodes"] = (path, episodes)

    path = os.path.join(folder, "experiment.toml")
    with open(path, "w") as f:
        f.write(
            'task = "continual"\nseeds = 2\n[settings]\nsteps = 100\n'
            '[grid]\n"rule.step_size" = [0.01, 0.02]\n'
        )

    def experiment(p):
        trials = load_experiment(p).trials()
        return fingerprint(
            [[t.task, json.dumps(t.settings, sort_keys=True), t.seed] for t in trials]
        )

    files["load_experiment"] = (path, experiment)

    path = os.path.join(folder, "recorded.npz")
    rng = np.random.default_rng(0)
    np.savez(path, x=rng.normal(size=(20, 3)), y=rng.normal(size=20))

    def recorded(p):
        stream = ArrayStreamFile(p).stream()
        return fingerprint([np.asarray(stream.x), np.asarray(stream.y)])

    files["ArrayStreamFile"] = (path, recorded)
    return files


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved")
    files = _make_files(str(folder))
    good = {name: (Path(path).read_bytes(), loader(path)) for name, (path, loader) in files.items()}
    others = {
        os.path.basename(path): data
        for (path, _), (data, _) in zip(files.values(), good.values(), strict=True)
    }
    return files, good, others


# -- mutations ----------------------------------------------------------------------------------
def _mutate_tree(draw, tree):
    """Remove, rename or retype one key somewhere in a JSON tree (in place)."""
    node = tree
    for _ in range(draw(st.integers(0, 3))):
        children = [
            k
            for k, v in (node.items() if isinstance(node, dict) else enumerate(node))
            if isinstance(v, dict | list) and v
        ]
        if not children:
            break
        node = node[draw(st.sampled_from(children))]
    keys = list(node.keys()) if isinstance(node, dict) else list(range(len(node)))
    if not keys:
        return
    key = draw(st.sampled_from(keys))
    how = draw(st.sampled_from(["remove", "rename", "retype"]))
    if how == "remove" or (how == "rename" and isinstance(node, list)):
        del node[key]
    elif how == "rename":
        node[key + "_x" if isinstance(key, str) else key] = node.pop(key)
    else:
        node[key] = draw(st.sampled_from([None, "x", 1.5, -1, 10**30, [], {}, [1, 2], True, "NaN"]))


def _mutate_npz(draw, data, nan):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        arrays = {n[:-4]: np.load(io.BytesIO(z.read(n)), allow_pickle=False) for n in z.namelist()}
    name = draw(st.sampled_from(sorted(arrays)))
    arr = arrays[name]
    if name in ("header", "__meta__"):
        header = json.loads(str(arr))
        _mutate_tree(draw, header)
        arrays[name] = np.array(json.dumps(header))
    else:
        how = draw(
            st.sampled_from(["remove", "rename", "nan", "shape", "str", "complex", "int", "empty"])
        )
        if how == "remove":
            del arrays[name]
        elif how == "rename":
            arrays[name + "_x"] = arrays.pop(name)
        elif how == "nan" and arr.dtype.kind == "f" and arr.size:
            arr = arr.copy()
            value = draw(st.sampled_from([np.nan, np.inf, 1e300]))
            nan[0] = not np.isfinite(value)  # 1e300 is a valid (if odd) value
            arr.flat[draw(st.integers(0, arr.size - 1))] = value
            arrays[name] = arr
        elif how == "shape":
            arrays[name] = np.resize(arr, (arr.size + 1,)) if arr.size else np.zeros(2)
        elif how == "str":
            arrays[name] = arr.astype(str)
        elif how == "complex" and arr.dtype.kind in "fiu":
            arrays[name] = arr.astype(np.complex128)
        elif how == "int":
            arrays[name] = np.zeros(arr.shape, dtype=np.int8)
        else:
            arrays[name] = np.zeros((0,))
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


def _mutate_h5(draw, data, folder, nan):
    path = os.path.join(folder, "mutating.h5")
    with open(path, "wb") as f:
        f.write(data)
    with h5py.File(path, "a") as f:
        names = sorted(f.keys())
        attrs = sorted(f.attrs.keys())
        how = draw(st.sampled_from(["remove", "rename", "nan", "attr", "attr_remove", "retype"]))
        name = draw(st.sampled_from(names))
        if how == "remove":
            del f[name]
        elif how == "rename":
            f.move(name, name + "_x")
        elif how == "nan" and f[name].dtype.kind == "f" and f[name].size:
            nan[0] = True
            values = f[name][...]
            values.flat[0] = np.nan
            f[name][...] = values
        elif how == "retype":
            values = f[name][...]
            del f[name]
            f[name] = np.asarray(values).astype(str).astype(bytes) if values.size else np.zeros(3)
        elif attrs:
            attr = draw(st.sampled_from(attrs))
            if how == "attr_remove":
                del f.attrs[attr]
            else:
                f.attrs[attr] = draw(st.sampled_from([-1, "x", 2.5, "[1, 2]", 99]))
    with open(path, "rb") as f:
        return f.read()


# A bit flip or overwritten bytes in an HDF5 log's metadata (its attribute heap, say)
# can make libhdf5 (2.0) loop for ever while the log's attributes are read (found by this
# fuzzer; libhdf5's, not fixed here). A truncated log, which under SWMR also made it loop,
# is now refused (read_log opens a closed log as a plain reader first), and every data
# chunk carries a checksum. So HDF5 loaders get truncations and other kinds of file; the
# other corruptions only with FUZZ_H5=1.
H5_ALL = os.environ.get("FUZZ_H5") == "1"


@st.composite
def corrupted(draw, data, others, kind, folder):
    hows = ["truncate", "flip", "overwrite", "other", "structure"]
    if kind == "h5" and not H5_ALL:
        hows = ["truncate", "other"]
    if kind == "toml":  # text: its structure is what the byte edits change
        hows = ["truncate", "flip", "overwrite", "other"]
    how = draw(st.sampled_from(hows))
    if how == "truncate":
        return data[: draw(st.integers(0, len(data) - 1))], how
    if how == "flip":
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 3))):
            i = draw(st.integers(0, len(out) - 1))
            out[i] ^= 1 << draw(st.integers(0, 7))
        return bytes(out), how
    if how == "overwrite":
        i = draw(st.integers(0, len(data) - 1))
        chunk = draw(st.binary(min_size=1, max_size=64))
        return data[:i] + chunk + data[i + len(chunk) :], how
    if how == "other":
        return draw(
            st.sampled_from([b"", b"hello\n", b'{"format": "x"}', b"\x00" * 64, *others.values()])
        ), how
    nan = [False]
    if kind == "npz":
        out = _mutate_npz(draw, data, nan)
    elif kind == "json":
        tree = json.loads(data)
        _mutate_tree(draw, tree)
        out = json.dumps(tree).encode()
    else:
        out = _mutate_h5(draw, data, folder, nan)
    return out, "structure: NaN" if nan[0] else "structure"


KINDS = {
    "Learner.load": "npz",
    "Explorer.load": "json",
    "load_state": "npz",
    "read_header": "npz",
    "load_mlp_learner": "npz",
    "read_log": "h5",
    "ObservationLog(existing)": "h5",
    "ReservoirNode.load": "npz",
    "load_readout": "npz",
    "Agent.load": "npz",
    "read_episodes": "h5",
    "load_experiment": "toml",
    "ArrayStreamFile": "npz",
}


@pytest.mark.parametrize("loader_name", sorted(KINDS))
@settings(max_examples=examples(2.0))
@given(data=st.data())
def test_a_corrupted_file_is_refused_naming_it_or_loads_identically(
    saved, loader_name, tmp_path_factory, data
):
    files, good, others = saved
    path0, loader = files[loader_name]
    original, expected = good[loader_name]
    folder = str(tmp_path_factory.getbasetemp())
    bad, how = data.draw(corrupted(original, others, KINDS[loader_name], folder))
    # A valid edit of a key or a value (a shorter uuid list, another free-text field) makes
    # another valid file: it may load, the loader having checked it. So may a JSON file
    # whose flipped digit or letter keeps it valid (JSON has no checksum). NaN may not.
    # A TOML experiment is text the user writes: a shorter one (truncated at a line's end) is
    # another valid experiment too.
    kind = KINDS[loader_name]
    unchecked = how == "structure" or kind == "toml" or (kind == "json" and how != "truncate")
    path = os.path.join(folder, "fuzzed" + os.path.splitext(path0)[1])
    for leftover in (path, path + ".lock"):
        if os.path.exists(leftover):
            os.remove(leftover)
    with open(path, "wb") as f:
        f.write(bad)
    hostile.COUNTS[f"file: {loader_name}"] += 1
    try:
        got = loader(path)
    except ValueError as err:
        assert path in str(err) or os.path.basename(path) in str(err), (
            f"{loader_name}: the error does not name the file: {err}"
        )
        hostile.OUTCOMES[f"file: {loader_name}", "refused"] += 1
        return
    if unchecked and got != expected:
        hostile.OUTCOMES[f"file: {loader_name}", "accepted (other values)"] += 1
        return
    diff = [(a, b) for a, b in zip(got, expected, strict=False) if a != b][:2]
    assert got == expected, f"{loader_name}: a corrupted file loaded something else: {diff}"
    hostile.OUTCOMES[f"file: {loader_name}", "accepted"] += 1
