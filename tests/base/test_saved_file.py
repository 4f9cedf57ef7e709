"""Saved files: atomic writes, strict headers, clear errors on bad files, never pickle."""

import json
import os
import subprocess
import sys
import textwrap
import zipfile

import h5py
import numpy as np
import pytest

from sensorimotor.base import saved_file
from sensorimotor.base.saved_file import (
    atomic_path,
    check_arrays,
    make_header,
    read_json,
    read_npz,
    read_npz_header,
    write_json,
    write_npz,
)

NAME = "test.counts"


def write_good(path, value=1.0):
    write_npz(path, {"w": np.full(3, value)}, make_header(NAME, 1, note="hi"))


def folder_listing(path):
    return sorted(os.listdir(os.path.dirname(path)))


# -- writing ---------------------------------------------------------------------------
def test_round_trip_keeps_arrays_and_header(tmp_path):
    path = tmp_path / "a.npz"
    write_npz(path, {"w": np.arange(4.0), "names": np.array(["a", "b"])}, make_header(NAME, 1))
    arrays, header = read_npz(path, NAME, 1, array_names=["w"])
    np.testing.assert_array_equal(arrays["w"], np.arange(4.0))
    assert arrays["names"].tolist() == ["a", "b"] and set(arrays) == {"w", "names"}
    assert header == {"format": NAME, "format_version": 1}
    assert read_npz_header(path, NAME, 1) == header
    assert folder_listing(path) == ["a.npz"]  # written at the path as given, no temp left


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_an_exception_while_writing_leaves_the_old_file_whole_and_no_temp_file(
    tmp_path, monkeypatch, error
):
    path = str(tmp_path / "a.npz")
    write_good(path, 1.0)
    before = open(path, "rb").read()
    real_savez = np.savez

    def savez_then_fail(f, **arrays):
        real_savez(f, **arrays)  # a whole archive is in the temp file, then the failure
        raise error("disk full")

    monkeypatch.setattr(saved_file.np, "savez", savez_then_fail)
    with pytest.raises(error, match="disk full"):
        write_good(path, 2.0)
    monkeypatch.undo()
    assert open(path, "rb").read() == before
    assert folder_listing(path) == ["a.npz"]
    np.testing.assert_array_equal(read_npz(path, NAME, 1)[0]["w"], np.ones(3))


def test_a_failed_first_write_leaves_no_file_at_all(tmp_path):
    path = str(tmp_path / "new.txt")
    with pytest.raises(ValueError, match="half"), atomic_path(path) as tmp:
        with open(tmp, "w") as f:
            f.write("half a file")
        raise ValueError("half")
    assert os.listdir(tmp_path) == []


def test_a_path_that_cannot_be_written_is_named_not_the_temporary_file(tmp_path):
    """A missing folder failed with "No such file or directory: '.../.x.npz.1a2b3c4d.tmp'"
    and a folder given as the file with an error about renaming that temporary file: the
    error now names the path given, and nothing is written."""
    with pytest.raises(FileNotFoundError, match="No folder .*missing.* to write") as err:
        write_good(tmp_path / "missing" / "x.npz")
    assert err.value.filename == str(tmp_path / "missing" / "x.npz")
    with pytest.raises(IsADirectoryError, match="Is a folder") as err:
        write_good(tmp_path)
    assert err.value.filename == str(tmp_path) and os.listdir(tmp_path) == []


def test_a_killed_writer_leaves_the_old_file_whole(tmp_path):
    # The process dies (no exception handling runs) in the middle of writing the new file.
    path = str(tmp_path / "a.npz")
    write_good(path, 1.0)
    before = open(path, "rb").read()
    script = textwrap.dedent(
        f"""
        import os
        from sensorimotor.base.saved_file import atomic_path
        with atomic_path({path!r}) as tmp:
            with open(tmp, "wb") as f:
                f.write(b"PK\\x03\\x04 half of a new archive")
                f.flush()
                os._exit(3)
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", script], env=env, check=False)
    assert done.returncode == 3
    assert open(path, "rb").read() == before
    np.testing.assert_array_equal(read_npz(path, NAME, 1)[0]["w"], np.ones(3))


def test_a_new_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    path = tmp_path / "a.npz"
    write_good(path)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


def test_writing_refuses_what_could_not_be_read_back(tmp_path):
    path = tmp_path / "a.npz"
    with pytest.raises(ValueError, match="Python objects"):
        write_npz(path, {"x": np.array([{}, 1], dtype=object)}, make_header(NAME, 1))
    with pytest.raises(ValueError, match="'header'"):
        write_npz(path, {"header": np.zeros(1)}, make_header(NAME, 1))
    with pytest.raises(ValueError, match="format_version"):
        write_npz(path, {}, {"format": NAME})
    with pytest.raises(ValueError, match="strict JSON"):
        write_json(path, make_header(NAME, 1, x=float("nan")))
    with pytest.raises(ValueError, match="positive int"):
        make_header(NAME, 0)
    with pytest.raises(ValueError, match="set by make_header"):
        make_header(NAME, 1, format="other")
    assert not path.exists()


# -- reading bad files ------------------------------------------------------------------
def bad_files(folder):
    """(path, what the error says) for files that are not a good NAME file."""
    good = folder / "good.npz"
    write_good(good)
    data = good.read_bytes()
    cases = {
        "empty.npz": (b"", "empty"),
        "text.npz": (b"hello, not an archive", "not an .npz file"),
        "truncated.npz": (data[: len(data) // 2], "not a readable .npz"),
    }
    out = []
    for name, (content, message) in cases.items():
        (folder / name).write_bytes(content)
        out.append((folder / name, message))
    np.save(folder / "array.npy", np.ones(3))
    out.append((folder / "array.npy", "not an .npz file"))
    np.savez(folder / "no_header.npz", w=np.ones(3))
    out.append((folder / "no_header.npz", "no 'header' entry"))
    np.savez(folder / "no_entries.npz")
    out.append((folder / "no_entries.npz", "no 'header' entry"))
    with zipfile.ZipFile(folder / "not_npy.npz", "w") as z:
        z.writestr("header", json.dumps(make_header(NAME, 1, note="hi")))
    out.append((folder / "not_npy.npz", "entry 'header' is not an array"))
    header = np.array(json.dumps(make_header(NAME, 1, note="hi")))
    np.savez(folder / "objects.npz", header=header, o=np.array([{}, 2], dtype=object))
    out.append((folder / "objects.npz", "Python objects"))
    np.savez(folder / "number_header.npz", header=np.array(3.0))
    out.append((folder / "number_header.npz", "not a JSON string"))
    np.savez(folder / "bad_json.npz", header=np.array("{format"))
    out.append((folder / "bad_json.npz", "not valid JSON"))
    for name, header, message in [
        ("list.npz", [1, 2], "not a JSON object"),
        ("other.npz", make_header("other.format", 1), "holds format 'other.format'"),
        ("nameless.npz", {"format_version": 1}, "no format name"),
        ("newer.npz", make_header(NAME, 2), "format version 2 of 'test.counts' is newer"),
        ("zero.npz", {"format": NAME, "format_version": 0}, "not a positive int"),
        ("text_version.npz", {"format": NAME, "format_version": "1"}, "not a positive int"),
        ("bool_version.npz", {"format": NAME, "format_version": True}, "not a positive int"),
        ("no_version.npz", {"format": NAME}, "not a positive int"),
        ("no_note.npz", make_header(NAME, 1), "has no \\['note'\\]"),
    ]:
        np.savez(folder / name, header=np.array(json.dumps(header)), w=np.ones(3))
        out.append((folder / name, message))
    return out


def test_every_bad_file_is_a_value_error_naming_the_path_and_the_problem(tmp_path):
    for path, message in bad_files(tmp_path):
        # the header alone is read without the arrays, so without the object array
        reads = (read_npz,) if path.name == "objects.npz" else (read_npz, read_npz_header)
        for read in reads:
            with pytest.raises(ValueError, match=message) as err:
                read(path, NAME, 1, header_keys=["note"])
            text = str(err.value)
            assert text.startswith(str(path)), text
            assert "pickle" not in text.lower(), text  # never suggests enabling pickle
    with pytest.raises(FileNotFoundError):
        read_npz(tmp_path / "missing.npz", NAME, 1)


def test_a_missing_array_is_named(tmp_path):
    path = tmp_path / "a.npz"
    write_good(path)
    with pytest.raises(ValueError, match=r"a\.npz: the saved 'test.counts' has no array \['b'\]"):
        read_npz(path, NAME, 1, array_names=["w", "b"])


def test_reading_never_allows_pickle(tmp_path, monkeypatch):
    seen = []
    real_load = np.load

    def spy(*args, **kwargs):
        seen.append(kwargs.get("allow_pickle"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(saved_file.np, "load", spy)
    path = tmp_path / "a.npz"
    write_good(path)
    read_npz(path, NAME, 1)
    read_npz_header(path, NAME, 1)
    assert seen == [False, False]


def test_check_arrays_names_the_missing_unexpected_or_misshapen_array():
    arrays = {"w": np.zeros(2), "b": np.zeros((), np.float32)}
    expected = {"w": ((2,), "float64"), "b": ((), "float32")}
    assert [a.shape for a in check_arrays("f", arrays, expected)] == [(2,), ()]
    with pytest.raises(ValueError, match=r"f: unexpected arrays \['b'\]"):
        check_arrays("f", arrays, {"w": ((2,), "float64")})
    with pytest.raises(ValueError, match="f: missing array 'c'"):
        check_arrays("f", arrays, {**expected, "c": ((1,), "float64")})
    with pytest.raises(ValueError, match="f: array 'b' has shape"):
        check_arrays("f", arrays, {**expected, "b": ((), "float64")})


def test_json_files_are_checked_the_same_way(tmp_path):
    path = tmp_path / "a.json"
    write_json(path, make_header(NAME, 1, note="hi"))
    assert read_json(path, NAME, 1, ["note"])["note"] == "hi"
    for content, message in [
        (b"\x00\xff", "not JSON"),
        (b"{not json", "not JSON"),
        (b"[1]", "not a JSON object"),
        (json.dumps(make_header(NAME, 3)).encode(), "newer"),
        (json.dumps(make_header("x", 1)).encode(), "holds format 'x'"),
        (json.dumps(make_header(NAME, 1)).encode(), "has no"),
    ]:
        path.write_bytes(content)
        with pytest.raises(ValueError, match=message) as err:
            read_json(path, NAME, 1, ["note"])
        assert str(err.value).startswith(str(path))


def test_observation_logs_check_their_header_the_same_way(tmp_path):
    from sensorimotor.run.observation_log import ObservationLog, read_log
    from sensorimotor.signals import Channel

    m, s = [Channel("m", (0, 1))], [Channel("s", (0, 1))]
    path = tmp_path / "log.h5"
    ObservationLog(path, m, s).close()
    assert read_log(path).m.shape == (0, 1)
    assert folder_listing(path) == ["log.h5", "log.h5.lock"]
    with h5py.File(path, "a") as f:
        f.attrs["format_version"] = 2
    with pytest.raises(
        ValueError, match="log.h5: format version 2 of 'sensorimotor.observation_log' is newer"
    ):
        read_log(path)
    with pytest.raises(ValueError, match="newer"):
        ObservationLog(path, m, s)
    with h5py.File(path, "a") as f:
        f.attrs["format"] = "other"
    with pytest.raises(ValueError, match="not a saved 'sensorimotor.observation_log' file"):
        read_log(path)


@pytest.mark.parametrize(
    "flag_bits, method, version",
    [(1, None, None), (1 << 5, None, None), (1 << 6, None, None), (0, 99, None), (0, None, 64)],
)
def test_a_flipped_zip_flag_method_or_version_is_a_value_error_naming_the_file(
    tmp_path, flag_bits, method, version
):
    """An encrypted-flag bit, an unknown compression method or zip version gave zipfile's
    RuntimeError or NotImplementedError (found by the fuzz suite, issue 9)."""
    import struct

    from sensorimotor.base.saved_file import make_header, read_npz, write_npz

    path = str(tmp_path / "f.npz")
    write_npz(path, {"w": np.arange(3.0)}, make_header("t.f", 1))
    data = bytearray(open(path, "rb").read())
    at = data.index(b"PK\x01\x02")  # the central directory entry of the first member
    if flag_bits:
        data[at + 8 : at + 10] = struct.pack("<H", flag_bits)
    if method is not None:
        data[at + 10 : at + 12] = struct.pack("<H", method)
    if version is not None:
        data[at + 6 : at + 8] = struct.pack("<H", version)
    open(path, "wb").write(bytes(data))
    with pytest.raises(ValueError, match="f.npz"):
        read_npz(path, "t.f", 1)


def test_an_array_header_left_unclosed_is_a_value_error_naming_the_file(tmp_path):
    """NumPy tokenizes a member's header before parsing it: a '{' never closed gave
    tokenize.TokenError (found by the fuzz suite)."""
    path = str(tmp_path / "f.npz")
    write_npz(path, {"w": np.arange(3.0)}, make_header("t.f", 1))
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    members["w.npy"] = members["w.npy"].replace(b"(3,), }", b"(3,),  ")  # the same length
    with zipfile.ZipFile(path, "w") as z:  # a whole archive again: the CRCs fit
        for name, data in members.items():
            z.writestr(name, data)
    with pytest.raises(ValueError, match="f.npz"):
        read_npz(path, "t.f", 1)


def test_an_npz_header_nested_too_deep_to_parse_is_a_value_error_naming_the_file(tmp_path):
    """``read_json`` turned JSON nested beyond the parser's depth into a ValueError, the
    ``.npz`` header did not: RecursionError escaped from read_npz and read_npz_header."""
    path = str(tmp_path / "deep.npz")
    np.savez(path, header=np.array("[" * 100_000 + "]" * 100_000))
    for read in (read_npz, saved_file.read_npz_header):
        with pytest.raises(ValueError, match="deep.npz: the header is not valid JSON"):
            read(path, NAME, 1)


@pytest.mark.parametrize("key", ["class", "module"])
@pytest.mark.parametrize("value", [5, None, ["sensorimotor.learners"], {"a": 1}, True])
def test_a_class_or_module_that_is_not_a_string_is_named_with_the_file(tmp_path, key, value):
    """The loaders wrap what ``find_saved_class`` raises with the file's name, but a module
    that was not a string raised "'int' object has no attribute 'startswith'" (and a class
    "unknown learner class ....5"): the message did not say what was wrong."""
    from sensorimotor.learners import Learner, NNLearner
    from sensorimotor.signals import Channel

    learner = NNLearner({"m_channels": [Channel("x", (0, 1))], "s_channels": [Channel("a")]})
    path = tmp_path / "nn.npz"
    learner.save(path)
    arrays, header = read_npz(path, "sensorimotor.learner", 99)
    write_npz(path, dict(arrays), {**header, key: value})
    with pytest.raises(ValueError, match=f"{path}: .*the class and module .* must be strings"):
        Learner.load(path)
    with pytest.raises(ValueError, match=f"class and module .* must be strings, got {key}"):
        saved_file.find_saved_class(
            Learner, *((value, "sensorimotor.learners") if key == "class" else ("NNLearner", value))
        )
