"""How to make, feed, save and load each family of streaming learners: :class:`StreamKind`.

The streaming learners share ``init`` and a pure ``update(state, *sample) -> UpdateResult``
but not their arguments: ``LinearLearner.update(state, x, y)``,
``TDLinearLearner.update(state, x, reward, next_x, gamma)`` (and ``Horde``), and
``MLPLearner`` is made by ``init(key, feature_dim)`` on JAX only and saved in its own file.
A :class:`StreamKind` says so, once per family, for the conformance suite
(:mod:`sensorimotor.continual.checks`) and any other code that drives learners generically.

>>> import numpy as np
>>> from sensorimotor.rules import IDBD
>>> learner = LinearLearner(IDBD(0.05, 0.01))
>>> kind = kind_of(learner)
>>> state = kind.init(learner, None, 3, np, None)
>>> rng = np.random.default_rng(0)
>>> for _ in range(300):  # y = -x0 + x2 + 0.5 + noise
...     state = learner.update(state, *kind.sample(rng, 3)).state
>>> print(kind.args, np.round(state.weights, 1))
('x', 'y') [-1.  0.  1.  0.5]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from sensorimotor.continual.horde import Horde
from sensorimotor.continual.linear import LinearLearner
from sensorimotor.continual.mlp import MLPLearner
from sensorimotor.continual.mlp_io import load_mlp_learner, save_mlp_learner
from sensorimotor.continual.state_io import load_state, save_state
from sensorimotor.continual.td_linear import TDLinearLearner

__all__ = ["MLP", "SUPERVISED", "TD", "StreamKind", "kind_of"]


class StreamKind(NamedTuple):
    """How to make, feed, save and load one family of streaming learners.

    Attributes:
        name: the family's name, for messages.
        args: names of ``update``'s arguments after the state, e.g. ``("x", "y")``.
        sample: ``sample(rng, feature_dim) -> tuple`` of one good sample in the order of
            ``args``: vectors of shape ``(feature_dim,)`` and Python floats.
        init: ``init(learner, key, feature_dim, xp, dtype) -> state`` (``xp``: ``numpy`` or
            ``jax.numpy``; ``dtype``: ``None`` for the learner's default).
        save: ``save(path, learner, state)``, ``path`` ending in ``.npz``.
        load: ``load(path, learner, like) -> (learner, state)``; ``like`` is a state of the
            saved structure.
        numpy: whether the learner has a NumPy engine; if not (JAX only), its eager path is
            its checked ``update`` called with NumPy inputs on a JAX state.

    Example (one good sample for a TD learner, by name):
        >>> import numpy as np
        >>> kind = kind_of(TDLinearLearner())
        >>> sample = kind.sample(np.random.default_rng(0), 3)
        >>> print(kind.name, {a: np.shape(v) for a, v in zip(kind.args, sample)})
        TD {'x': (3,), 'reward': (), 'next_x': (3,), 'gamma': ()}
    """

    name: str
    args: tuple
    sample: Callable
    init: Callable
    save: Callable
    load: Callable
    numpy: bool = True


def _supervised_sample(rng, n):
    x = rng.normal(size=n)
    return x, float(x @ np.linspace(-1.0, 1.0, n) + 0.5 + 0.1 * rng.normal())


def _td_sample(rng, n):
    x, reward, next_x = rng.normal(size=n), float(rng.normal()), rng.normal(size=n)
    return x, reward, next_x, 0.0 if rng.uniform() < 0.1 else 0.9


def _linear_init(learner, key, n, xp, dtype):
    return learner.init(n, xp=xp, dtype=dtype)


def _linear_load(path, learner, like):
    return learner, load_state(path, like=like)


SUPERVISED = StreamKind(
    "supervised linear",
    ("x", "y"),
    _supervised_sample,
    _linear_init,
    lambda path, learner, state: save_state(path, state, learner),
    _linear_load,
)
TD = SUPERVISED._replace(name="TD", args=("x", "reward", "next_x", "gamma"), sample=_td_sample)
MLP = StreamKind(
    "streaming MLP",
    ("x", "y"),
    _supervised_sample,
    lambda learner, key, n, xp, dtype: learner.init(key, n),
    save_mlp_learner,
    lambda path, learner, like: load_mlp_learner(path),
    numpy=False,
)


def kind_of(learner) -> StreamKind:
    """The :class:`StreamKind` of one of this package's streaming learners (or a subclass).

    >>> kind_of(TDLinearLearner()).args
    ('x', 'reward', 'next_x', 'gamma')
    """
    if isinstance(learner, MLPLearner):
        return MLP
    if isinstance(learner, TDLinearLearner | Horde):
        return TD
    if isinstance(learner, LinearLearner):
        return SUPERVISED
    raise TypeError(f"no StreamKind known for {type(learner).__name__}; pass kind=StreamKind(...)")
