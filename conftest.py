"""The test run's shared set-up: doctests that need an absent extra are skipped, and one
persistent XLA compilation cache serves the whole run.

A module lists what its doctests import beyond the core in ``__doctest_requires__``
(the name pytest-doctestplus reads), e.g. ``("mujoco",)`` for the Ant's modules.

Most of the suite's time is XLA compiling the same programs again: each test builds its
own learner, so its jitted functions miss JAX's in-memory cache, and the pytest-xdist
workers and the command-line tests' child processes start with none. A persistent cache
for the run (``JAX_COMPILATION_CACHE_DIR``, inherited by workers and children) compiles
each program once. A cache directory the user set is used as it is and kept.
"""

import importlib.util
import os
import shutil
import tempfile

import pytest

_CACHE_VARIABLES = {
    "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
    "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0",
}
_OWN_CACHE = pytest.StashKey[str]()  # the directory this run made, removed at its end


def pytest_configure(config):
    if "JAX_COMPILATION_CACHE_DIR" in os.environ:  # the user's, or the controller's
        return
    directory = tempfile.mkdtemp(prefix="sensorimotor-xla-cache-")
    os.environ["JAX_COMPILATION_CACHE_DIR"] = directory
    for name, value in _CACHE_VARIABLES.items():
        os.environ.setdefault(name, value)
    config.stash[_OWN_CACHE] = directory


def pytest_unconfigure(config):
    directory = config.stash.get(_OWN_CACHE, None)
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if not isinstance(item, pytest.DoctestItem):
            continue
        module = getattr(item.dtest, "globs", {})
        missing = [
            name
            for name in module.get("__doctest_requires__", ())
            if importlib.util.find_spec(name) is None
        ]
        if missing:
            item.add_marker(pytest.mark.skip(reason=f"needs {', '.join(missing)}"))
