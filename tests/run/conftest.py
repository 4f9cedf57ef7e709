"""Fixtures shared by the run layer's tests."""

import subprocess
import sys

import h5py
import pytest

# a reader that holds an HDF5 file open (a notebook's h5py.File) until its stdin says go
HOLD_OPEN = (
    "import h5py, sys\n"
    "f = h5py.File(sys.argv[1], 'r')\n"
    "print('open', flush=True)\n"
    "sys.stdin.readline()\n"
)


class Child:
    """A Python child process talked to through text pipes: ``line()`` reads one line of
    its stdout, ``send(text)`` writes to its stdin, ``release()`` closes its stdin and waits
    for it to end."""

    def __init__(self, script: str, *args):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", script, *map(str, args)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def line(self) -> str:
        return self.proc.stdout.readline()

    def send(self, text: str) -> None:
        self.proc.stdin.write(text)
        self.proc.stdin.flush()

    def release(self) -> None:
        # (a plain wait: a test may call this from a patched time.sleep, which a wait with
        # a timeout would call again)
        self.proc.stdin.close()
        self.proc.wait()
        self.proc.stdout.close()


@pytest.fixture
def child():
    """``child(script, *args)``: a :class:`Child` running ``script``, released at teardown
    if the test did not."""
    children = []

    def start(script: str, *args) -> Child:
        children.append(Child(script, *args))
        return children[-1]

    yield start
    for c in children:
        if not c.proc.stdout.closed:  # not released: a failed test's child may hang
            c.proc.kill()
            c.release()


@pytest.fixture
def hold_open(child):
    """``hold_open(path)``: a child process holding ``path`` open for reading (HDF5 locks
    it) until its ``release()``."""

    def start(path) -> Child:
        holder = child(HOLD_OPEN, path)
        assert holder.line() == "open\n"
        return holder

    return start


@pytest.fixture
def refuse_writing(monkeypatch):
    """``refuse_writing(module)``: ``module``'s h5py behaves as on a read-only file (chmod
    cannot show it to root, who runs these tests in some containers): opening for writing
    raises PermissionError, reading works."""
    real_file = h5py.File

    def read_only_file(name, mode="r", *args, **kwargs):
        if mode != "r":
            raise PermissionError(1, f"Unable to synchronously open file (name = '{name}')")
        return real_file(name, mode, *args, **kwargs)

    def patch(module):
        monkeypatch.setattr(module.h5py, "File", read_only_file)

    return patch
