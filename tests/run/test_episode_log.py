"""EpisodeLog: groups per episode, refused records, a second writer, corrupt files."""

import numpy as np
import pytest

from sensorimotor.run import EpisodeLog, read_episodes


def test_records_of_other_keys_or_shapes_are_refused(tmp_path):
    with EpisodeLog(tmp_path / "a.h5") as log:
        log.append({"r": 1.0, "a": [1.0, 2.0]})
        with pytest.raises(ValueError, match="keys"):
            log.append({"r": 1.0})
        with pytest.raises(ValueError, match="'a'"):
            log.append({"r": 1.0, "a": [1.0]})
        with pytest.raises(TypeError, match="'r'"):
            log.append({"r": "x", "a": [1.0, 2.0]})
        for record in (None, "r", [("r", 1.0)]):  # AttributeError: no attribute 'items'
            with pytest.raises(TypeError, match="record must be a mapping"):
                log.append(record)
        log.append({"r": 2.0, "a": [3.0, 4.0]})
    (episode,) = read_episodes(tmp_path / "a.h5")
    assert episode["r"].tolist() == [1.0, 2.0]


def test_a_second_writer_is_refused_and_a_log_is_appended_to(tmp_path):
    path = tmp_path / "b.h5"
    with EpisodeLog(path) as log:
        with pytest.raises(RuntimeError, match="another EpisodeLog"):
            EpisodeLog(path)
        log.append({"r": 0.0})
    with EpisodeLog(path) as log:
        log.append({"r": 1.0})
        log.end_episode()
        log.end_episode()  # nothing collected: no empty group
    assert [e["r"].tolist() for e in read_episodes(path)] == [[0.0], [1.0]]


def test_mode_w_starts_a_new_log_and_a_bad_mode_is_refused(tmp_path):
    path = tmp_path / "w.h5"
    with EpisodeLog(path) as log:
        log.append({"r": 0.0})
    with EpisodeLog(path, "w") as log:
        with pytest.raises(RuntimeError, match="another EpisodeLog"):
            EpisodeLog(path, "w")  # the lock is taken before anything is replaced
        log.append({"r": 1.0})
    assert [e["r"].tolist() for e in read_episodes(path)] == [[1.0]]
    with pytest.raises(ValueError, match="mode"):
        EpisodeLog(path, "r")
    assert [e["r"].tolist() for e in read_episodes(path)] == [[1.0]]


def test_a_file_that_is_not_a_log_names_itself(tmp_path):
    path = tmp_path / "c.h5"
    path.write_bytes(b"not hdf5 at all" * 10)
    with pytest.raises(ValueError, match="c.h5"):
        read_episodes(path)
    with pytest.raises(ValueError, match="c.h5"):
        EpisodeLog(path)


def test_nan_is_kept(tmp_path):
    with EpisodeLog(tmp_path / "d.h5") as log:
        log.append({"j": np.nan})
    assert np.isnan(read_episodes(tmp_path / "d.h5")[0]["j"][0])


def test_episodes_read_back_in_order_beyond_99999(tmp_path):
    """Groups are named ``episode_%05d``: the 100000th has six digits, and read_episodes
    sorted the names as text, so episodes 100000 and on came back before 99999."""
    path = tmp_path / "long.h5"
    with EpisodeLog(path) as log:
        log.episodes = 99_997  # as if that many were written (writing them takes minutes)
        for i in range(4):
            log.append({"reward": float(i)})
            log.end_episode()
    rewards = [float(e["reward"][0]) for e in read_episodes(path)]
    assert rewards == [0.0, 1.0, 2.0, 3.0]


@pytest.mark.parametrize("value", ["1.5", b"2", None, [1.0, None]])
def test_a_value_that_is_not_a_number_is_refused(tmp_path, value):
    """NumPy converts the string '1.5' to 1.5 and None to NaN: append took a string as a
    number and None as a diverged value. Both are refused naming the key; nothing added."""
    with EpisodeLog(tmp_path / "e.h5") as log:
        log.append({"reward": 0.0})
        with pytest.raises(TypeError, match=r"record\['reward'\] is not numeric"):
            log.append({"reward": value})
    (episode,) = read_episodes(tmp_path / "e.h5")
    assert episode["reward"].tolist() == [0.0]


def test_a_read_only_log_is_refused_when_opened_not_at_the_end_of_an_episode(
    tmp_path, monkeypatch, refuse_writing
):
    """EpisodeLog(path) on a log without write access only read it: the PermissionError
    came at the first end_episode(), with that episode lost. It now comes at once."""
    from sensorimotor.run import episode_log

    path = tmp_path / "e.h5"
    with EpisodeLog(path) as log:
        log.append({"r": 1.0})
    refuse_writing(episode_log)
    with pytest.raises(PermissionError, match="e.h5"):
        EpisodeLog(path)
    assert [e["r"].tolist() for e in read_episodes(path)] == [[1.0]]
    monkeypatch.undo()
    with EpisodeLog(path) as log:  # the refused writer released its lock
        log.append({"r": 2.0})
    assert len(read_episodes(path)) == 2


def test_a_reader_holding_the_log_open_delays_the_writer_and_loses_no_episode(
    tmp_path, monkeypatch, hold_open
):
    """A process holding the log open (read_episodes at that moment, an h5py.File left open
    in a notebook) made end_episode() raise HDF5's bare 'BlockingIOError: [Errno 11] Unable
    to synchronously open file (unable to lock file ...)' and drop the episode. The writer
    now waits for the file; past LOCK_WAIT_SECONDS it raises naming the file and keeps the
    episode for the next end_episode()."""
    from sensorimotor.run import episode_log

    path = tmp_path / "held.h5"
    log = EpisodeLog(path)
    log.append({"r": 1.0})
    log.end_episode()
    holder = hold_open(path)
    # Held for longer than the writer waits: a clear error, the episode kept.
    monkeypatch.setattr(episode_log, "LOCK_WAIT_SECONDS", 0.0, raising=False)
    log.append({"r": 2.0})
    with pytest.raises(RuntimeError, match="held.h5 is held open by another process"):
        log.end_episode()
    monkeypatch.undo()
    # Released while the writer waits: the episode is written.
    monkeypatch.setattr(episode_log.time, "sleep", lambda seconds: holder.release())
    log.end_episode()
    monkeypatch.undo()
    log.close()
    assert [e["r"].tolist() for e in read_episodes(path)] == [[1.0], [2.0]]


def _numbered_episodes(path, n):
    """A log of ``n`` episodes: episode ``i`` has ``i + 1`` steps of reward ``i``."""
    with EpisodeLog(path) as log:
        for i in range(n):
            for t in range(i + 1):
                log.append({"reward": float(i), "td_error": [t, -t], "j": t})
            log.end_episode()


@pytest.mark.parametrize(
    "episodes",
    [None, slice(2, 5), slice(-3, None), slice(None, None, 3), slice(7, 99), slice(20, 30)],
)
@pytest.mark.parametrize("keys", [None, ["reward"], ["j", "reward"], []])
def test_episodes_and_keys_read_what_slicing_the_whole_log_gives(tmp_path, episodes, keys):
    path = tmp_path / "e.h5"
    _numbered_episodes(path, 10)
    whole = read_episodes(path)
    part = read_episodes(path, episodes=episodes, keys=keys)
    expected = whole if episodes is None else whole[episodes]
    assert len(part) == len(expected)
    for got, want in zip(part, expected, strict=True):
        assert list(got) == (list(want) if keys is None else keys)
        for key in got:
            np.testing.assert_array_equal(got[key], want[key])


def test_only_the_episodes_and_keys_asked_for_are_read_from_the_file(tmp_path, monkeypatch):
    import h5py

    path = tmp_path / "e.h5"
    _numbered_episodes(path, 10)
    real_getitem = h5py.Dataset.__getitem__
    reads = []

    def recording_getitem(ds, selection):
        reads.append(ds.name)
        return real_getitem(ds, selection)

    monkeypatch.setattr(h5py.Dataset, "__getitem__", recording_getitem)
    part = read_episodes(path, episodes=slice(-2, None), keys=["reward"])
    monkeypatch.undo()
    assert [e["reward"][0] for e in part] == [8.0, 9.0]
    assert reads == ["/episode_00009/reward", "/episode_00010/reward"]


def test_a_key_an_episode_lacks_is_a_value_error_naming_it_and_the_episodes_keys(tmp_path):
    path = tmp_path / "e.h5"
    with EpisodeLog(path) as log:
        log.append({"reward": 1.0})
        log.end_episode()
        log.append({"reward": 1.0, "td_error": 0.5})
    assert read_episodes(path, episodes=slice(1, None), keys=["td_error"])[0]["td_error"] == 0.5
    with pytest.raises(
        ValueError,
        match=r"e.h5: episode episode_00001 has no 'td_error'; its keys are \['reward'\]",
    ):
        read_episodes(path, keys=["td_error"])


@pytest.mark.parametrize(
    "episodes, keys, error, message",
    [
        (3, None, TypeError, "episodes must be a slice such as slice"),
        ([0, 2], None, TypeError, "episodes must be a slice .* got list"),
        (
            slice(None, None, -1),
            None,
            ValueError,
            "episodes: the slice's step must be a positive int",
        ),
        (slice(0.0, 2), None, TypeError, "episodes: the slice's start must be an int"),
        (None, "reward", TypeError, "keys must be a list of names, got the str 'reward'"),
        (None, [b"reward"], TypeError, "keys must be names"),
        (None, ["r", "r"], ValueError, r"keys names \['r'\] more than once"),
    ],
)
def test_a_bad_episodes_or_keys_is_refused_saying_what_is_expected(
    tmp_path, episodes, keys, error, message
):
    path = tmp_path / "e.h5"
    _numbered_episodes(path, 2)
    with pytest.raises(error, match=message):
        read_episodes(path, episodes=episodes, keys=keys)


def test_a_log_moved_away_mid_run_is_refused_not_made_anew_and_the_episode_kept(tmp_path):
    """end_episode() opened the log with h5py's mode "a", which creates a missing file: a
    log deleted or moved away mid-run came back without its header (read_episodes refused
    it: 'not an episode log') and without the run's earlier episodes. It is refused now,
    naming the file, nothing is created, and the episode waits for the log to be back."""
    path, away = tmp_path / "e.h5", tmp_path / "moved.h5"
    log = EpisodeLog(path)
    for i in range(2):
        log.append({"r": float(i)})
        log.end_episode()
    path.rename(away)
    log.append({"r": 2.0})
    with pytest.raises(
        FileNotFoundError, match="e.h5: the episode log this EpisodeLog writes has gone"
    ):
        log.end_episode()
    assert not path.exists()
    away.rename(path)
    log.end_episode()
    log.close()
    assert [e["r"].tolist() for e in read_episodes(path)] == [[0.0], [1.0], [2.0]]


def test_a_log_deleted_mid_run_is_refused_at_close_too_and_the_lock_released(tmp_path):
    path = tmp_path / "e.h5"
    with pytest.raises(FileNotFoundError, match="e.h5: .* has gone .* episodes written to it: 1"):
        with EpisodeLog(path) as log:
            log.append({"r": 0.0})
            log.end_episode()
            path.unlink()
            log.append({"r": 1.0})
    assert not path.exists()
    with EpisodeLog(path) as log:  # the lock was released: a new log, with its header
        log.append({"r": 3.0})
    assert [e["r"].tolist() for e in read_episodes(path)] == [[3.0]]
