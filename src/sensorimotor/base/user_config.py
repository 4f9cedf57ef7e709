"""Configuration of environments (and other components): defaults merged with a user's dict."""

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

from sensorimotor.base.names import nearest


class Config(Mapping):
    """A read-only mapping with attribute access: ``cfg['dim'] == cfg.dim``.

    >>> cfg = merge_config({'dim': 7, 'origin': (0, 0)}, {'dim': 3}, owner='Arm')
    >>> cfg.dim, cfg['origin']
    (3, (0, 0))
    >>> merge_config({'dim': 7}, {'dimm': 3}, owner='Arm')
    Traceback (most recent call last):
    ...
    KeyError: "Arm: unknown config key 'dimm' (did you mean 'dim'?) (known: ['dim'])"
    """

    def __init__(self, values: Mapping[str, Any]):
        object.__setattr__(self, "_values", dict(values))

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __getattr__(self, key: str) -> Any:
        if key == "_values":  # not set yet (copy, deepcopy): no recursion through here
            raise AttributeError(key)
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key, value):
        raise AttributeError("Config is read-only")

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Config({self._values!r})"


def merge_config(defaults: Mapping[str, Any], cfg=None, owner: str = "config") -> Config:
    """``defaults`` updated by ``cfg`` (a dict, a dataclass instance or ``None``).

    A key of ``cfg`` that ``defaults`` does not document is an error naming the key and
    the nearest known one (or, where ``defaults`` is empty, saying that keys are declared
    in ``defcfg``).
    """
    if cfg is None:
        given = {}
    elif dataclasses.is_dataclass(cfg) and not isinstance(cfg, type):
        given = {f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg)}
    elif isinstance(cfg, Mapping):
        given = dict(cfg)
    else:
        raise TypeError(
            f"{owner}: cfg must be a dict, a dataclass or None, got {type(cfg).__name__}"
        )
    unknown = [k for k in given if k not in defaults]
    if unknown:
        if not defaults:
            # the environments seed took any key (scicfg); here a class declares its own
            raise KeyError(
                f"{owner}: unknown config key {unknown[0]!r}: {owner} declares no config "
                "keys (a class declares its keys, with their defaults, in its defcfg)"
            )
        raise KeyError(
            f"{owner}: unknown config key {unknown[0]!r}{nearest(unknown[0], defaults)} "
            f"(known: {sorted(defaults)})"
        )
    return Config({**defaults, **given})
