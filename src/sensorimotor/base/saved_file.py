"""Find the class a saved file names, without running code from the file."""

import importlib


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def find_saved_class(base: type, name: str, module: str) -> type:
    """The subclass of ``base`` called ``name`` defined in ``module``.

    A saved learner or explorer names its class; loading looks it up among the subclasses
    already imported and, for a ``sensorimotor`` module only, imports that module first.
    Nothing else a file names is imported, so loading a file never runs code from outside
    the library (a user's own subclass loads once its module is imported).

    >>> from sensorimotor.learners import Learner
    >>> find_saved_class(Learner, 'NNLearner', 'sensorimotor.learners.nearest_neighbour').__name__
    'NNLearner'
    """
    for attempt in range(2):
        for sub in _subclasses(base):
            if sub.__name__ == name and sub.__module__ == module:
                return sub
        if attempt == 0 and (module == "sensorimotor" or module.startswith("sensorimotor.")):
            try:
                importlib.import_module(module)
            except ImportError:
                break
    raise ValueError(
        f"unknown {base.__name__.lower()} class {module}.{name} (import its module before loading)"
    )
