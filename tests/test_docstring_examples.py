"""Every public class and function (named in its module's ``__all__``) has a docstring
with a runnable ``>>>`` example (the style rule; pytest's ``--doctest-modules`` runs them)."""

import importlib
import inspect
import pkgutil

import sensorimotor


def _public_items():
    seen = {}
    for info in pkgutil.walk_packages(sensorimotor.__path__, "sensorimotor."):
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extra (mujoco, ray) that is absent
            continue
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name, None)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                if obj.__module__.startswith("sensorimotor."):
                    seen[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return seen


def test_every_public_class_and_function_has_a_runnable_example():
    items = _public_items()
    assert len(items) > 300  # the walk found the package
    missing = sorted(name for name, obj in items.items() if ">>>" not in (obj.__doc__ or ""))
    assert not missing, f"{len(missing)} public items without a >>> example:\n" + "\n".join(missing)
