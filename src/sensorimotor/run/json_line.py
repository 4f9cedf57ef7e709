"""The last line of a command's ``--json`` output: one object of strict JSON."""

from __future__ import annotations

import json
import math

__all__ = ["json_line"]


def json_line(value) -> str:
    """``value`` as one line of strict JSON, its NaN and infinities (the figures of a run
    that diverged) as ``null``: Python's ``json`` writes them as ``NaN`` and
    ``Infinity``, which are not JSON, and other languages' parsers refuse the line.

    >>> json_line({"mse": [0.5, float("inf")], "seed": 3, "ok": float("nan")})
    '{"mse": [0.5, null], "seed": 3, "ok": null}'
    """
    return json.dumps(_finite(value), allow_nan=False)


def _finite(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value
