import os
import signal
import subprocess
import sys
import textwrap
import uuid

import numpy as np
import pytest

from sensorimotor import Channel, KinematicArm2D, SignalError
from sensorimotor.run.observation_log import ObservationLog, read_log
from sensorimotor.signals import FeedbackError

M = [Channel("a", (0, 1)), Channel("b")]
S = [Channel("x", (-1, 1))]

WRITER = textwrap.dedent(
    """
    import sys, uuid
    from sensorimotor import Channel
    from sensorimotor.run.observation_log import ObservationLog
    M = [Channel("a", (0, 1)), Channel("b")]
    S = [Channel("x", (-1, 1))]
    log = ObservationLog(sys.argv[1], M, S, flush_every=7)
    start = len(log)
    i = start
    while True:
        fb = {"m_signal": {"a": i / 1e6, "b": -i}, "s_signal": {"x": i / 1e7},
              "uuid": uuid.UUID(int=i + 1)}
        log.append(fb, meta={"i": i})
        i += 1
        if (i - start) % 7 == 0:
            print(i, flush=True)
    """
)


def _expected(i):
    return [i / 1e6, -i], [i / 1e7], uuid.UUID(int=i + 1), {"i": i}


def _check_prefix(records, n):
    for i in range(n):
        m, s, u, meta = _expected(i)
        np.testing.assert_array_equal(records.m[i], m)
        np.testing.assert_array_equal(records.s[i], s)
        assert records.uuid[i] == u and records.meta[i] == meta


def _run_and_kill(path, min_flushed):
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    last = 0
    for line in proc.stdout:
        last = int(line)
        if last >= min_flushed:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    return last


def test_sigkill_loses_at_most_the_unflushed_records_and_resume_appends(tmp_path):
    path = tmp_path / "log.h5"
    flushed = _run_and_kill(path, min_flushed=2000)
    records = read_log(path)
    assert flushed <= len(records) < flushed + 10_000
    _check_prefix(records, len(records))

    # A resumed run (after the crash) appends to the same file.
    flushed2 = _run_and_kill(path, min_flushed=len(records) + 700)
    again = read_log(path)
    assert len(again) >= flushed2 > len(records)
    _check_prefix(again, len(again))

    # And an in-process resume after a clean close.
    n = len(again)
    with ObservationLog(path, M, S, flush_every=3) as log:
        m, s, u, meta = _expected(n)
        log.append({"m_signal": dict(zip("ab", m)), "s_signal": {"x": s[0]}, "uuid": u}, meta=meta)
    final = read_log(path)
    assert len(final) == n + 1
    _check_prefix(final, n + 1)


def test_round_trip_as_arrays_and_dicts(tmp_path):
    arm = KinematicArm2D({"dim": 3})
    path = tmp_path / "arm.h5"
    fbs = [arm.execute(arm.m_set.random_signal(np.random.default_rng(i))) for i in range(23)]
    with ObservationLog(path, arm.m_channels, arm.s_channels, flush_every=5) as log:
        for i, fb in enumerate(fbs):
            log.append(fb, meta={"step": i, "tag": "motor"})
        assert len(log) == 23
    records = read_log(path)
    assert records.m_channels == arm.m_channels and records.s_channels == arm.s_channels
    back = records.feedbacks()
    for fb, rec in zip(fbs, back, strict=True):
        assert rec["m_signal"] == fb["m_signal"] and rec["s_signal"] == fb["s_signal"]
        assert rec["uuid"] == fb["uuid"]
    assert back[4]["meta"] == {"step": 4, "tag": "motor"}


def test_bad_records_refused_and_log_unchanged(tmp_path):
    path = tmp_path / "bad.h5"
    good = {"m_signal": {"a": 0.5, "b": 1.0}, "s_signal": {"x": 0.0}, "uuid": uuid.uuid4()}
    with ObservationLog(path, M, S, flush_every=1) as log:
        log.append(good)
        with pytest.raises(SignalError, match="'b' is NaN"):
            log.append({**good, "m_signal": {"a": 0.5, "b": float("nan")}})
        with pytest.raises(SignalError, match="missing channel 'x'"):
            log.append({**good, "s_signal": {}})
        with pytest.raises(ValueError, match="not a UUID"):
            log.append({**good, "uuid": "nope"})
        with pytest.raises(TypeError, match="meta must be JSON"):
            log.append(good, meta={"x": object()})
        with pytest.raises(FeedbackError, match="feedback has no 'uuid'"):
            log.append({"m_signal": good["m_signal"], "s_signal": good["s_signal"]})
        with pytest.raises(FeedbackError, match="must be a mapping"):
            log.append([good["m_signal"], good["s_signal"]])
        assert len(log) == 1
    assert len(read_log(path)) == 1


def test_channel_mismatch_and_second_writer_refused(tmp_path):
    path = tmp_path / "c.h5"
    with ObservationLog(path, M, S) as log:
        with pytest.raises(RuntimeError, match="another ObservationLog"):
            ObservationLog(path, M, S)
    with pytest.raises(ValueError, match="m_channels"):
        ObservationLog(path, [Channel("a")], S)
    with pytest.raises(ValueError, match="flush_every"):
        ObservationLog(tmp_path / "d.h5", M, S, flush_every=0)
    log.close()  # idempotent


def test_the_log_is_importable_from_the_run_layer():
    import sensorimotor.run as run
    from sensorimotor.run import observation_log

    assert run.ObservationLog is observation_log.ObservationLog
    assert run.read_log is observation_log.read_log


def test_a_file_that_is_not_hdf5_is_a_value_error_naming_it(tmp_path):
    """h5py's OSError ('file signature not found') leaked out (issue 9, defect 11)."""
    text = tmp_path / "notes.txt"
    text.write_text("not a log")
    channels = [Channel("a", (0, 1))]
    with pytest.raises(ValueError, match="notes.txt: not an observation log"):
        read_log(text)
    with pytest.raises(ValueError, match="notes.txt: not an observation log"):
        ObservationLog(str(text), channels, channels)
    assert text.read_text() == "not a log"


@pytest.mark.parametrize(
    "meta, error",
    [
        ({"a": float("nan")}, ValueError),
        ({"a": object()}, TypeError),
        ({"a": float("inf")}, ValueError),
        ("x", TypeError),  # was "without NaN or inf: dictionary update sequence..."
        ({1: 2}, TypeError),  # was read back as {'1': 2}
        ({"a": {(1, 2): 3}}, TypeError),
        ({"a": np.float64("nan")}, ValueError),
    ],
)
def test_meta_that_is_not_strict_json_is_an_error_naming_meta(tmp_path, meta, error):
    """NaN or an object in ``meta`` raised json's own message (issue 9, defect 14); the log
    gains nothing."""
    arm = KinematicArm2D({"dim": 2})
    with ObservationLog(str(tmp_path / "log.h5"), arm.m_channels, arm.s_channels) as log:
        log.append(arm.execute({"j0": 0.0, "j1": 0.0}))
        with pytest.raises(error, match="meta must be JSON"):
            log.append(arm.execute({"j0": 1.0, "j1": 0.0}), meta=meta)
        assert len(log) == 1


def test_a_flipped_bit_in_the_data_is_a_value_error_naming_the_file(tmp_path):
    """A bit flipped in a chunk of m read back as another number: each chunk now carries a
    checksum (fletcher32), so the corruption is refused, naming the file (fuzz suite)."""
    arm = KinematicArm2D({"dim": 2})
    path = str(tmp_path / "log.h5")
    with ObservationLog(path, arm.m_channels, arm.s_channels) as log:
        for i in range(5):
            log.append(arm.execute({"j0": 10.0 * i, "j1": 0.0}))
    m = read_log(path).m
    data = bytearray(open(path, "rb").read())
    needle = m[3].tobytes()  # the fourth command's two float64, as stored
    at = data.find(needle)
    assert at >= 0
    data[at + 3] ^= 0x10
    bad = str(tmp_path / "bad.h5")
    open(bad, "wb").write(bytes(data))
    with pytest.raises(ValueError, match="bad.h5"):
        read_log(bad)


@pytest.mark.parametrize(
    "tamper", ["count beyond the rows", "meta_end beyond meta_json", "m width"]
)
def test_a_tampered_log_is_refused_by_the_writer_and_left_as_it_was(tmp_path, tamper):
    """Opening a log to append trimmed or grew its datasets to the stored count before
    checking that count: a count beyond the rows grew ``m``, ``s`` and ``uuid`` with zero
    records and cut ``meta_json`` to nothing (every record's meta lost), and the writer
    went on as if the log held those records. It is refused now, naming the file, and the
    file keeps what it held (``read_log`` refuses it too)."""
    import h5py

    path = str(tmp_path / "log.h5")
    good = {"m_signal": {"a": 0.5, "b": 1.0}, "s_signal": {"x": 0.0}}
    with ObservationLog(path, M, S, flush_every=1) as log:
        for i in range(3):
            log.append({**good, "uuid": uuid.uuid4()}, meta={"i": i})
    with h5py.File(path, "a") as f:
        if tamper == "count beyond the rows":
            f["count"][0] = 5
        elif tamper == "meta_end beyond meta_json":
            f["meta_end"][2] = 10_000
        else:
            del f["m"]
            f.create_dataset("m", data=np.zeros((3, 3)), maxshape=(None, 3))

    def contents():
        with h5py.File(path, "r") as f:
            return {name: f[name][()].tolist() for name in f}

    before = contents()
    with pytest.raises(ValueError, match="log.h5: not a valid observation log"):
        ObservationLog(path, M, S)
    assert contents() == before
    with pytest.raises(ValueError, match="log.h5"):
        read_log(path)
    with pytest.raises(ValueError, match="log.h5: not a valid observation log"):
        read_log(path, rows=slice(-1, None))  # the tampered last record, read alone


def test_meta_nested_too_deep_for_json_is_refused_naming_meta(tmp_path):
    """json's RecursionError escaped from append (a meta nested thousands deep) and from
    read_log (such a meta written into the file): a ValueError naming meta, and naming
    the file, now; the log gains nothing."""
    import h5py

    deep: dict = {}
    inner = deep
    for _ in range(100_000):  # Python 3.13's json writes 5000 levels; 20000 it refuses
        inner["a"] = {}
        inner = inner["a"]
    path = str(tmp_path / "log.h5")
    good = {"m_signal": {"a": 0.5, "b": 1.0}, "s_signal": {"x": 0.0}, "uuid": uuid.uuid4()}
    with ObservationLog(path, M, S, flush_every=1) as log:
        with pytest.raises(ValueError, match="meta must be JSON"):
            log.append(good, meta=deep)
        assert len(log) == 0
        log.append(good)
    blob = np.frombuffer(b"[" * 100_000 + b"]" * 100_000, dtype=np.uint8)
    with h5py.File(path, "a") as f:
        f["meta_json"].resize((blob.size,))
        f["meta_json"][:] = blob
        f["meta_end"][0] = blob.size
    with pytest.raises(ValueError, match="log.h5: not a valid observation log"):
        read_log(path)


def test_flush_every_must_be_an_int_not_a_bool(tmp_path):
    """``flush_every=True`` was taken as 1 (bool is an int to isinstance)."""
    with pytest.raises(ValueError, match="flush_every"):
        ObservationLog(tmp_path / "d.h5", M, S, flush_every=True)
    assert not os.path.exists(tmp_path / "d.h5")


STEPPED_WRITER = textwrap.dedent(
    """
    import sys, uuid
    from sensorimotor import Channel
    from sensorimotor.run.observation_log import ObservationLog
    log = ObservationLog(sys.argv[1], [Channel("a", (0, 1)), Channel("b")],
                         [Channel("x", (-1, 1))], flush_every=7)
    i = 0
    for _ in sys.stdin:  # one line in: 7 more records, flushed
        for _ in range(7):
            log.append({"m_signal": {"a": i / 1e6, "b": -i}, "s_signal": {"x": i / 1e7},
                        "uuid": uuid.UUID(int=i + 1)}, meta={"i": i})
            i += 1
        print(i, flush=True)
    """
)


def test_a_reader_while_the_writer_flushes_sees_a_whole_prefix(tmp_path, monkeypatch, child):
    """read_log on a log being written took the datasets' shapes before the committed
    count: a flush in between made the count run past the rows, and the live log was
    refused as 'not a valid observation log (count 15120 does not fit the datasets'
    lengths ... 15110)'. Here the writer flushes exactly in that gap."""
    import h5py

    path = tmp_path / "live.h5"
    writer = child(STEPPED_WRITER, path)

    def flush_once():
        writer.send("\n")
        return int(writer.line())

    assert flush_once() == 7
    refresh = h5py.Dataset.refresh
    flushed = []

    def refresh_then_let_the_writer_flush(ds):
        refresh(ds)
        if ds.name == "/m" and not flushed:
            flushed.append(flush_once())

    monkeypatch.setattr(h5py.Dataset, "refresh", refresh_then_let_the_writer_flush)
    records = read_log(path)
    assert flushed == [14]
    assert len(records) in (7, 14)
    _check_prefix(records, len(records))
    monkeypatch.undo()
    assert len(read_log(path)) == 14


def test_a_read_only_log_is_a_permission_error_not_a_file_that_is_not_a_log(
    tmp_path, refuse_writing
):
    """Appending to a log without write access said 'log.h5: not an observation log (an
    HDF5 file): [Errno 1] ...': a valid log, called corrupt. It is now the PermissionError,
    and the log still reads."""
    from sensorimotor.run import observation_log

    path = tmp_path / "log.h5"
    with ObservationLog(path, M, S) as log:
        log.append({"m_signal": {"a": 0.5, "b": 1.0}, "s_signal": {"x": 0.0}, "uuid": uuid.uuid4()})
    refuse_writing(observation_log)
    with pytest.raises(PermissionError, match="log.h5"):
        ObservationLog(path, M, S)
    assert len(read_log(path)) == 1


def test_a_log_held_open_by_another_process_is_named_as_such_not_as_corrupt(tmp_path, hold_open):
    """With the log open in another process (h5py.File(path) in a notebook), a new
    ObservationLog(path) said 'log.h5: not an observation log (an HDF5 file): [Errno 11]
    ... unable to lock file': a valid log, called corrupt."""
    path = tmp_path / "log.h5"
    with ObservationLog(path, M, S) as log:
        log.append({"m_signal": {"a": 0.5, "b": 1.0}, "s_signal": {"x": 0.0}, "uuid": uuid.uuid4()})
    holder = hold_open(path)
    with pytest.raises(RuntimeError, match="log.h5 is held open by another process"):
        ObservationLog(path, M, S)
    holder.release()
    with ObservationLog(path, M, S) as log:  # the refused writer released its lock
        assert len(log) == 1


def test_an_empty_channel_set_is_refused_naming_it(tmp_path):
    """ObservationLog(path, [], S) raised h5py's 'Chunk shape must not be greater than data
    shape in any dimension. (1024, 1) is not compatible with (0, 0)'."""
    with pytest.raises(ValueError, match="m_channels is empty"):
        ObservationLog(tmp_path / "a.h5", [], S)
    with pytest.raises(ValueError, match="s_channels is empty"):
        ObservationLog(tmp_path / "a.h5", M, [])
    assert not (tmp_path / "a.h5").exists()


def test_an_empty_file_is_refused_and_left_as_it_was(tmp_path):
    """ObservationLog on an empty file (a log's name touched, a copy cut short) wrote a new
    HDF5 file over it, then refused it for its missing header."""
    path = tmp_path / "empty.h5"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.h5: not an observation log"):
        ObservationLog(path, M, S)
    assert path.read_bytes() == b""


def test_len_after_close_is_the_logs_length_not_zero(tmp_path):
    """len(log) after the with block (a run printing how many records it wrote) was 0."""
    with ObservationLog(tmp_path / "n.h5", M, S, flush_every=2) as log:
        for i in range(3):
            log.append(
                {"m_signal": {"a": 0.5, "b": i}, "s_signal": {"x": 0.0}, "uuid": uuid.uuid4()}
            )
    assert len(log) == 3 == len(read_log(tmp_path / "n.h5"))


def _numbered_log(path, n, flush_every=1000):
    """A log of ``n`` records of M and S whose values, uuid and meta say their number."""
    with ObservationLog(path, M, S, flush_every=flush_every) as log:
        for i in range(n):
            m, s, u, meta = _expected(i)
            log.append(
                {"m_signal": dict(zip("ab", m)), "s_signal": {"x": s[0]}, "uuid": u},
                meta={**meta, "pad": "x" * (i % 7)},  # metas of differing lengths
            )
    return read_log(path)


@pytest.mark.parametrize(
    "rows",
    [
        slice(None),
        slice(3, 17),
        slice(-5, None),
        slice(3, 40, 4),
        slice(None, None, 7),
        slice(0, 1),
        slice(49, 1000),  # past the end: fewer records
        slice(60, 70),  # beyond the end: none
        slice(10, 5),
        slice(-1000, 3),
    ],
)
@pytest.mark.parametrize("channels", [None, ["x"], ["x", "b", "a"], ["b"], []])
def test_rows_and_channels_read_what_slicing_the_whole_log_gives(tmp_path, rows, channels):
    whole = _numbered_log(tmp_path / "log.h5", 50, flush_every=7)
    part = read_log(tmp_path / "log.h5", rows=rows, channels=channels)
    picked = list(range(50))[rows]
    names = ["a", "b", "x"] if channels is None else channels
    m_cols = [i for name in names for i, c in enumerate(M) if c.name == name]
    s_cols = [i for name in names for i, c in enumerate(S) if c.name == name]
    assert len(part) == len(picked)
    np.testing.assert_array_equal(part.m, whole.m[picked][:, m_cols])
    np.testing.assert_array_equal(part.s, whole.s[picked][:, s_cols])
    assert part.m.shape == (len(picked), len(m_cols)) and part.m.dtype == np.float64
    assert part.uuid == [whole.uuid[i] for i in picked]
    assert part.meta == [whole.meta[i] for i in picked]
    assert part.m_channels == [M[i] for i in m_cols] and part.s_channels == [S[i] for i in s_cols]
    if picked:  # the records still read back as feedbacks, of the channels kept
        assert set(part.feedbacks()[0]["m_signal"]) == {M[i].name for i in m_cols}


def test_only_the_rows_asked_for_are_read_from_the_file(tmp_path, monkeypatch):
    """read_log read every dataset whole (a million-record log for its last ten records).
    Every read of the file is now of the rows asked for: their m, s, uuid and meta ends
    (and the end of the record before), and their stretch of meta_json."""
    import h5py

    _numbered_log(tmp_path / "log.h5", 5000, flush_every=5000)
    real_getitem = h5py.Dataset.__getitem__
    reads = []

    def recording_getitem(ds, selection):
        out = real_getitem(ds, selection)
        reads.append((ds.name, np.asarray(out).shape))
        return out

    monkeypatch.setattr(h5py.Dataset, "__getitem__", recording_getitem)
    part = read_log(tmp_path / "log.h5", rows=slice(2000, 2010), channels=["x"])
    monkeypatch.undo()
    assert [meta["i"] for meta in part.meta] == list(range(2000, 2010))
    sizes = dict(reads)
    assert sizes["/s"] == (10, 1) and sizes["/uuid"] == (10,) and sizes["/meta_end"] == (11,)
    assert "/m" not in sizes  # no motor channel asked for
    assert sizes["/meta_json"][0] < 10 * 40  # ten short metas, not the log's 5000
    assert all(np.prod(shape) <= 11 for name, shape in reads if name != "/meta_json")


def test_an_unknown_channel_is_a_value_error_naming_it_and_the_logs_channels(tmp_path):
    _numbered_log(tmp_path / "log.h5", 3)
    with pytest.raises(
        ValueError, match=r"has no channel 'z'; its channels are m: \['a', 'b'\], s: \['x'\]"
    ):
        read_log(tmp_path / "log.h5", channels=["x", "z"])


@pytest.mark.parametrize(
    "rows, channels, error, message",
    [
        (5, None, TypeError, "rows must be a slice such as slice"),
        (range(3), None, TypeError, "rows must be a slice .* got range"),
        ((0, 3), None, TypeError, "rows must be a slice .* got tuple"),
        (slice(None, None, -1), None, ValueError, "step must be a positive int .* got -1"),
        (slice(0, 5, 0), None, ValueError, "step must be a positive int"),
        (slice(1.5, 3), None, TypeError, "start must be an int .* got float"),
        (slice(0, "3"), None, TypeError, "stop must be an int .* got str"),
        (slice(True, 3), None, TypeError, "start must be an int .* got bool"),
        (
            None,
            "x",
            TypeError,
            r"channels must be a list of names, got the str 'x' \(write \['x'\]\)",
        ),
        (None, 3, TypeError, "channels must be a list of names, got int"),
        (None, ["x", 1], TypeError, "channels must be names"),
        (None, ["x", "a", "x"], ValueError, r"channels names \['x'\] more than once"),
    ],
)
def test_a_bad_rows_or_channels_is_refused_saying_what_is_expected(
    tmp_path, rows, channels, error, message
):
    _numbered_log(tmp_path / "log.h5", 3)
    with pytest.raises(error, match=message):
        read_log(tmp_path / "log.h5", rows=rows, channels=channels)
    # checked before the file is opened: a bad argument, not a missing or bad file
    with pytest.raises(error, match=message):
        read_log(tmp_path / "absent.h5", rows=rows, channels=channels)


def test_numpy_ints_in_the_slice_are_taken(tmp_path):
    _numbered_log(tmp_path / "log.h5", 10)
    part = read_log(tmp_path / "log.h5", rows=slice(np.int64(2), np.int32(8), np.int64(3)))
    assert [meta["i"] for meta in part.meta] == [2, 5]


def test_the_saved_files_pages_example_of_reading_part_of_a_log_runs(tmp_path, monkeypatch):
    import pathlib
    import re

    from sensorimotor.run import EpisodeLog

    page = pathlib.Path(__file__).resolve().parents[2] / "docs" / "saved-files.md"
    (block,) = re.findall(
        r"A long log is read in part.*?```python\n(.*?)```", page.read_text(), re.S
    )
    arm = KinematicArm2D({"dim": 2})
    monkeypatch.chdir(tmp_path)
    with ObservationLog("log.h5", arm.m_channels, arm.s_channels, flush_every=500) as log:
        for i in range(1200):
            log.append(arm.execute({"j0": i / 10, "j1": 0.0}))
    with EpisodeLog("episodes.h5") as log:
        for i in range(12):
            log.append({"reward": float(i), "td_error": 0.0})
            log.end_episode()
    namespace = {}
    exec(compile(block, str(page), "exec"), namespace)  # noqa: S102 - our own page
    assert namespace["last"].s.shape == (1000, 2) and namespace["last"].m.shape == (1000, 0)
    assert len(namespace["every_100th"]) == 12
    assert [float(e["reward"][0]) for e in namespace["rewards"]] == list(range(2, 12))


def test_a_log_replayed_into_a_resumed_explorer_teaches_it_nothing_twice(tmp_path):
    """Why the explorer and the learner remember every uuid, not a window of recent ones
    (a session note asked to bound the set: 110 to 190 bytes per observation each). A run
    saves its learner and explorer, goes on logging, and dies; the resumed run loads them
    and replays the log: the records from before the save, the oldest 200 observations
    back, are recognised and skipped, and only the lost ones are learned again."""
    from sensorimotor.explore import Explorer, RandomMotorExplorer
    from sensorimotor.learners import Learner, NNLearner

    arm = KinematicArm2D({"dim": 2})
    learner = NNLearner({"m_channels": arm.m_channels, "s_channels": arm.s_channels})
    explorer = RandomMotorExplorer({"learner": learner, "seed": 1})
    with ObservationLog(tmp_path / "log.h5", arm.m_channels, arm.s_channels) as log:
        for step in range(300):
            e = explorer.explore()
            f = arm.execute(e["m_signal"])
            assert explorer.receive(e, f)
            log.append(f, meta={"from": e["from"]})
            if step == 199:
                learner.save(tmp_path / "learner.npz")
                explorer.save(tmp_path / "explorer.json")
    learner = Learner.load(tmp_path / "learner.npz")
    explorer = Explorer.load(tmp_path / "explorer.json", learner)
    learned = [
        explorer.receive({"m_signal": fb["m_signal"], "from": fb["meta"]["from"]}, fb)
        for fb in read_log(tmp_path / "log.h5").feedbacks()
    ]
    assert learned == [False] * 200 + [True] * 100
    assert len(explorer) == len(learner) == 300


def _rewrite_meta(path, texts):
    """Put ``texts`` (bytes, one per record) in a log's ``meta_json`` and ``meta_end``, as a
    writer other than ours might have laid them out."""
    import h5py

    with h5py.File(path, "a") as f:
        blob = b"".join(texts)
        f["meta_json"].resize((len(blob),))
        f["meta_json"][:] = np.frombuffer(blob, np.uint8)
        f["meta_end"][: len(texts)] = np.cumsum([len(t) for t in texts])


def test_meta_read_in_place_is_what_json_loads_gives_record_by_record(tmp_path):
    """The writer's metas are parsed where they lie in meta_json (one pass over the text):
    values of every JSON kind, escaped non-ASCII text and deep nesting read back as written,
    whole and in strided parts."""
    metas = [
        {},
        {"i": 1, "name": "caf\u00e9 \u2603", "nested": {"a": [1, 2.5, None, True]}},
        {"deep": [[[[{"x": -0.0}]]]], "big": 10**30, "e": 1e-300},
        {"quote": 'a "b" \\ c', "list": []},
    ] * 5
    path = tmp_path / "log.h5"
    with ObservationLog(path, M, S, flush_every=3) as log:
        for i, meta in enumerate(metas):
            fb = {"m_signal": {"a": 0.5, "b": float(i)}, "s_signal": {"x": 0.0}}
            log.append({**fb, "uuid": uuid.UUID(int=i + 1)}, meta=meta)
    assert read_log(path).meta == metas
    assert read_log(path, rows=slice(1, None, 3)).meta == metas[1::3]
    assert read_log(path).uuid == [uuid.UUID(int=i + 1) for i in range(len(metas))]


def test_meta_laid_out_with_spaces_or_as_utf8_still_reads_as_json_loads_reads_it(tmp_path):
    """A record with space around its JSON, or raw UTF-8 text (offsets in bytes), is not
    what the writer writes: it is read record by record, as json.loads reads each."""
    path = tmp_path / "log.h5"
    _numbered_log(path, 3)
    _rewrite_meta(path, [b' {"i": 0} ', '{"t": "\u00e9"}'.encode(), b'{"i": 2}'])
    assert read_log(path).meta == [{"i": 0}, {"t": "\u00e9"}, {"i": 2}]
    assert read_log(path, rows=slice(1, None)).meta == [{"t": "\u00e9"}, {"i": 2}]


def test_meta_whose_records_straddle_their_ends_is_refused_naming_the_file(tmp_path):
    """Three spans that parse as three dicts only when joined (a string cut across two
    records) are not read as the log's metas: each record must be one JSON value."""
    path = tmp_path / "log.h5"
    _numbered_log(path, 3)
    _rewrite_meta(path, [b'{"a": "x', b'y"}', b"{}"])
    with pytest.raises(ValueError, match="log.h5: not a valid observation log"):
        read_log(path)


def test_uuids_in_capitals_read_as_the_same_uuid_and_a_non_hex_one_names_the_file(tmp_path):
    import h5py

    path = tmp_path / "log.h5"
    _numbered_log(path, 3)
    with h5py.File(path, "a") as f:
        f["uuid"][0] = uuid.UUID(int=0xABCDEF).hex.upper().encode()
    assert read_log(path).uuid == [uuid.UUID(int=0xABCDEF), *_numbered_uuids(1, 3)]
    with h5py.File(path, "a") as f:
        f["uuid"][1] = b"g" * 32
    with pytest.raises(ValueError, match="log.h5: not a valid observation log"):
        read_log(path)


@pytest.mark.parametrize("column", ["16 hex digits", "integers"])
def test_a_uuid_column_of_another_type_names_the_file(tmp_path, column):
    """Hex digits all, but 16 of them (an S16 column), read as other uuids once uuids
    were made from their integers; an integer column was a bare AttributeError. Both are
    refused, naming the file."""
    import h5py

    path = tmp_path / "log.h5"
    _numbered_log(path, 3)
    with h5py.File(path, "a") as f:
        hexes = f["uuid"][:3]
        del f["uuid"]
        if column == "integers":
            f.create_dataset("uuid", data=np.arange(3), maxshape=(None,))
        else:
            f.create_dataset("uuid", data=np.array([h[:16] for h in hexes]), maxshape=(None,))
    with pytest.raises(ValueError, match="log.h5: not a valid observation log"):
        read_log(path)


def _numbered_uuids(start, stop):
    return [_expected(i)[2] for i in range(start, stop)]


def test_numpy_numbers_in_meta_are_written_as_numbers(tmp_path):
    """np.float64 was written and np.int64 refused ("not JSON serializable")."""
    path = tmp_path / "log.h5"
    meta = {"step": np.int64(3), "r": np.float32(0.5), "ok": np.bool_(True), "a": np.array(2)}
    with ObservationLog(path, M, S) as log:
        log.append(
            {"m_signal": {"a": 0.5, "b": 1.0}, "s_signal": {"x": 0.0}, "uuid": uuid.uuid4()},
            meta=meta,
        )
    assert read_log(path).meta == [{"step": 3, "r": 0.5, "ok": True, "a": 2}]


def test_a_log_held_open_in_this_process_is_named_as_such_not_as_corrupt(tmp_path):
    """An h5py.File left open in the same process (a notebook cell) made a new writer say
    'not an observation log (an HDF5 file): ... already open for read-only'."""
    import h5py

    path = tmp_path / "log.h5"
    with ObservationLog(path, M, S) as log:
        log.append({"m_signal": {"a": 0.5, "b": 1.0}, "s_signal": {"x": 0.0}, "uuid": uuid.uuid4()})
    with h5py.File(path, "r"):
        with pytest.raises(RuntimeError, match="log.h5 is held open in this process"):
            ObservationLog(path, M, S)
    with ObservationLog(path, M, S) as log:  # closed: the log is the writer's again
        assert len(log) == 1


def test_a_log_in_a_missing_folder_names_the_folder_and_the_log_not_its_lock(tmp_path):
    """``ObservationLog('/missing/x.h5')`` raised FileNotFoundError naming
    ``'/missing/x.h5.lock'``, a file the user never named (hostile-input review)."""
    arm = KinematicArm2D.mid7()
    path = tmp_path / "missing" / "log.h5"
    with pytest.raises(
        FileNotFoundError, match=r"No folder .*missing' to write the file in: '.*log\.h5'$"
    ):
        ObservationLog(str(path), arm.m_channels, arm.s_channels)
    with pytest.raises(IsADirectoryError):
        ObservationLog(str(tmp_path), arm.m_channels, arm.s_channels)
    assert os.listdir(tmp_path) == []
