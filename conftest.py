"""Doctests of modules that need an optional extra are skipped where it is absent.

A module lists what its doctests import beyond the core in ``__doctest_requires__``
(the name pytest-doctestplus reads), e.g. ``("mujoco",)`` for the Ant's modules.
"""

import importlib.util

import pytest


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
