"""Fixtures shared by the run layer's tests."""

import h5py
import pytest


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
