"""An HDF5 log of episodes: one group per episode, one dataset per key, written whole at
the episode's end (the data collector of the actor-critics)."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping

import h5py
import numpy as np

from sensorimotor.base.saved_file import atomic_path, check_header, make_header
from sensorimotor.run.log_selection import check_names, check_rows
from sensorimotor.run.observation_log import acquire_write_lock, release_write_lock

FORMAT = "sensorimotor.episode_log"
FORMAT_VERSION = 1

# How long an open waits for HDF5's lock on the file held by another process: a writer
# holds it while it writes one episode, read_episodes while it reads the log.
LOCK_WAIT_SECONDS = 5.0


def _h5_file(path, mode: str):
    """``h5py.File(path, mode)``, waiting up to ``LOCK_WAIT_SECONDS`` while another process
    holds the file (HDF5 refuses at once with ``BlockingIOError``, errno 11)."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    delay = 0.01
    while True:
        try:
            return h5py.File(path, mode)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(2 * delay, 0.25)


def _held_open(path, err) -> RuntimeError:
    return RuntimeError(
        f"{os.fspath(path)} is held open by another process (an open h5py.File, a viewer, "
        f"a writer?) for more than {LOCK_WAIT_SECONDS} s: {err}"
    )


class EpisodeLog:
    """Collect per-step records and write each finished episode to an HDF5 file.

    ``append(record)`` takes a dict of numbers or small arrays (the sensory channels and an
    actor-critic's internals: ``j_curr``, ``td_error``, ``action``, ``gradient``,
    ``reward``, ...); the same keys and shapes at every step of an episode.
    ``end_episode()`` writes the episode as the group ``episode_00001``, ... holding one
    dataset per key, shape ``(steps, ...)`` float64 (with a checksum per chunk), and
    closes the file again: between episodes the file is closed and whole, so a process
    killed (even by SIGKILL) mid-episode loses only that episode. A log that exists is
    appended to (``mode="a"``, a continued run), or replaced by an empty one
    (``mode="w"``, a new run: its episodes are not mixed with an earlier run's).
    ``<path>.lock`` keeps a second writer out (as ``ObservationLog`` does).

    Why not ``ObservationLog``: it is one flat table of fixed motor and sensory channels,
    flushed every few records; episodes of varying keys need groups, and writing a group
    whole keeps the file valid without its single-writer mode (which cannot create groups).

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), 'episodes.h5')
    >>> with EpisodeLog(path) as log:
    ...     for episode in range(2):
    ...         for t in range(3 + episode):
    ...             log.append({'reward': -t, 'action': [t, 2.0 * t]})
    ...         log.end_episode()
    >>> episodes = read_episodes(path)
    >>> len(episodes), episodes[1]['action'].shape, float(episodes[1]['reward'][-1])
    (2, (4, 2), -3.0)
    """

    def __init__(self, path, mode: str = "a"):
        if mode not in ("a", "w"):
            raise ValueError(f"EpisodeLog: mode must be 'a' (append) or 'w' (new), got {mode!r}")
        self.path = os.fspath(path)
        self._lock_fd = acquire_write_lock(self.path, "EpisodeLog")
        try:
            if mode == "a" and os.path.exists(self.path):
                self.episodes = len(read_episode_names(self.path))
                # A log that cannot be written fails now, not at the end of the first
                # episode with that episode lost (opening and closing changes no byte;
                # "r+", not "a": a file gone since it was read is not made anew, empty).
                try:
                    _h5_file(self.path, "r+").close()
                except BlockingIOError as err:
                    raise _held_open(self.path, err) from None
            else:
                with atomic_path(self.path) as tmp, h5py.File(tmp, "w") as f:
                    f.attrs.update(make_header(FORMAT, FORMAT_VERSION))
                self.episodes = 0
        except BaseException:
            self._release()
            raise
        self._records: list[dict] = []

    def append(self, record: Mapping) -> None:
        """Add one step's record (see the class docstring); a NaN is kept (a diverging
        critic is worth seeing), a key or shape that differs from the episode's first
        record raises naming it, and nothing is added."""
        if self._lock_fd is None:
            raise RuntimeError("the log is closed")
        if not isinstance(record, Mapping):  # else AttributeError: no attribute 'items'
            raise TypeError(f"record must be a mapping of names to numbers, got {record!r}")
        row = {}
        for key, value in record.items():
            if not isinstance(key, str) or not key or "/" in key:
                raise ValueError(f"record keys must be names without '/', got {key!r}")
            try:
                value_array = np.asarray(value)
                # NumPy would read the string "1.5" as 1.5 and None as NaN: not numbers
                if value_array.dtype.kind not in "biuf":
                    raise TypeError
                row[key] = value_array.astype(np.float64)
            except (TypeError, ValueError):
                raise TypeError(f"record[{key!r}] is not numeric: {value!r}") from None
        if self._records:
            first = self._records[0]
            if first.keys() != row.keys():
                raise ValueError(
                    f"record keys {sorted(row)} differ from the episode's {sorted(first)}"
                )
            for key, value in row.items():
                if value.shape != first[key].shape:
                    raise ValueError(
                        f"record[{key!r}] has shape {value.shape}, the episode's {first[key].shape}"
                    )
        self._records.append(row)

    def end_episode(self) -> None:
        """Write the collected episode (nothing if it is empty) and close the file.

        While another process holds the file open (``read_episodes`` at that moment, an
        ``h5py.File`` left open in a notebook), it waits up to ``LOCK_WAIT_SECONDS``; then
        ``RuntimeError`` naming the file, and the episode stays collected: calling
        ``end_episode()`` again, once the file is free, writes it.

        A log deleted or moved away while the run writes it is not made anew: a new file
        would hold the run's later episodes only, and read as a whole log. It is a
        ``FileNotFoundError`` saying so, and the episode stays collected as above: put the
        log back and call ``end_episode()`` again."""
        if not self._records:
            return
        records = self._records
        name = f"episode_{self.episodes + 1:05d}"
        try:
            f = _h5_file(self.path, "r+")  # "a" would create a missing file, headerless
        except BlockingIOError as err:
            raise _held_open(self.path, err) from None
        except FileNotFoundError:
            raise FileNotFoundError(
                f"{self.path}: the episode log this EpisodeLog writes has gone (deleted or "
                f"moved since it was opened; episodes written to it: {self.episodes}); {name} "
                "is kept, not written to a new file without the others"
            ) from None
        self._records = []
        with f:
            group = f.create_group(name)
            group.attrs["steps"] = len(records)
            for key in records[0]:
                data = np.stack([r[key] for r in records])
                chunks = (min(len(records), 4096), *data.shape[1:])
                group.create_dataset(key, data=data, chunks=chunks, fletcher32=True)
            f.flush()
        self.episodes += 1

    def close(self) -> None:
        """Write the episode in progress, if any, and release the lock."""
        if self._lock_fd is not None:
            try:
                self.end_episode()
            finally:
                self._release()

    def _release(self):
        if self._lock_fd is not None:
            release_write_lock(self._lock_fd)
            self._lock_fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _open(path):
    try:
        f = _h5_file(os.fspath(path), "r")
    except BlockingIOError as err:
        raise _held_open(path, err) from None
    except OSError as err:
        if not os.path.exists(path) or isinstance(err, PermissionError):
            raise  # a log without read access is not 'not a log'
        raise ValueError(f"{os.fspath(path)}: not an episode log (an HDF5 file): {err}") from None
    try:
        check_header(path, dict(f.attrs), FORMAT, FORMAT_VERSION)
    except BaseException:
        f.close()
        raise
    return f


def read_episode_names(path) -> list[str]:
    """The episode groups of a log, in order.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), 'episodes.h5')
    >>> with EpisodeLog(path) as log:
    ...     for episode in range(2):
    ...         log.append({'reward': 1.0})
    ...         log.end_episode()
    >>> read_episode_names(path)
    ['episode_00001', 'episode_00002']
    """
    with _open(path) as f:
        return _episode_names(f)


def _episode_names(f) -> list[str]:
    # episode_%05d: past 99999 a name has more digits, so shorter names come first
    return sorted((k for k in f.keys() if k.startswith("episode_")), key=lambda k: (len(k), k))


def read_episodes(path, episodes=None, keys=None) -> list[dict]:
    """The episodes of a log, in order: dicts of key -> array ``(steps, ...)``. All of
    them, or a part of a long log: ``episodes``, a ``slice`` of the list of all of them
    (``slice(-10, None)``: the last ten; ``slice(None, None, 100)``: every hundredth; the
    first episode, ``episode_00001``, is number 0), and ``keys``, the names of the datasets
    to read from each. Only those episodes and keys are read from the file. A key that a
    read episode lacks is a ``ValueError`` naming it and the episode's keys; an argument of
    the wrong kind a ``TypeError`` or ``ValueError`` saying what is expected.
    ``ValueError`` naming the file if it is not an episode log or is corrupt.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, 'episodes.h5')
    ...     with EpisodeLog(path) as log:
    ...         for steps in (3, 5, 4):
    ...             for t in range(steps):
    ...                 log.append({'reward': 1.0, 'td_error': [0.5, -0.5]})
    ...             log.end_episode()
    ...     episodes = read_episodes(path)
    ...     rewards = read_episodes(path, episodes=slice(1, None), keys=['reward'])
    >>> [e['reward'].shape for e in episodes], episodes[1]['td_error'].shape
    ([(3,), (5,), (4,)], (5, 2))
    >>> [sorted(e) for e in rewards], [e['reward'].shape for e in rewards]
    ([['reward'], ['reward']], [(5,), (4,)])
    """
    episodes = check_rows(episodes, "episodes")  # before the file is opened
    keys = check_names(keys, "keys")
    with _open(path) as f:
        return [_read_episode(path, f, name, keys) for name in _episode_names(f)[episodes]]


def _read_episode(path, f, name: str, keys: list[str] | None) -> dict:
    """The datasets ``keys`` (``None``: all) of the episode ``name`` of an open log."""
    where = f"{os.fspath(path)}: episode {name}"
    try:
        group = f[name]
        steps = int(group.attrs["steps"])
        names = list(group.keys())
        missing = [key for key in keys or () if key not in names]
        wanted = names if keys is None else keys
        episode = {} if missing else {key: group[key][()] for key in wanted}
    except (KeyError, OSError, ValueError, TypeError) as err:
        raise ValueError(f"{where} is corrupt ({err})") from None
    if missing:
        raise ValueError(f"{where} has no {missing[0]!r}; its keys are {names}")
    if any(v.shape[:1] != (steps,) for v in episode.values()):
        raise ValueError(f"{where} has datasets of other lengths")
    return episode


def episode_summary(episode: Mapping) -> dict:
    """Length, return and mean absolute TD error of one episode read back.

    >>> episode_summary({'reward': np.array([0.0, -1.0]), 'td_error': np.array([0.5, -0.5])})
    {'steps': 2, 'return': -1.0, 'mean_abs_td_error': 0.5}
    """
    reward = np.asarray(episode.get("reward", []), dtype=np.float64)
    td = np.asarray(episode.get("td_error", [math.nan]), dtype=np.float64)
    return {
        "steps": int(reward.shape[0]),
        "return": float(reward.sum()),
        "mean_abs_td_error": float(np.mean(np.abs(td))),
    }


__all__ = ["EpisodeLog", "read_episodes", "read_episode_names", "episode_summary"]
