"""A named scalar channel with bounds."""

import math
from dataclasses import dataclass, field

from sensorimotor.base.bounds import is_int, is_real


@dataclass(frozen=True)
class Channel:
    """One named scalar of a motor or sensory signal.

    Bounds describe the range the value usually takes (they may be infinite); as in the
    ``environments`` seed they describe and do not enforce: a value outside them is accepted
    unless a channel set validates in ``strict`` mode. Two channels are equal when their
    names and bounds are; ``unit`` is documentation only.

    >>> ch = Channel('x', bounds=(0, 10), unit='cm')
    >>> ch
    Channel(name='x', bounds=(0.0, 10.0), unit='cm')
    >>> ch == Channel('x', (0, 10)), ch.width
    (True, 10.0)
    """

    name: str
    bounds: tuple[float, float] = (-math.inf, math.inf)
    unit: str | None = field(default=None, compare=False)

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"channel name must be a non-empty string, got {self.name!r}")
        bounds = ()
        try:
            bounds = tuple(self.bounds)
            # float() alone would read a string "12" as the bounds (1, 2) and a bool as 0 or 1
            if not all(map(is_real, bounds)):
                raise TypeError
            lo, hi = (float(b) for b in bounds)
        except (TypeError, ValueError):
            if len(bounds) == 2 and any(is_int(b) and not is_real(b) for b in bounds):
                # an int beyond any float: its hundreds of digits say nothing more
                raise ValueError(
                    f"channel {self.name!r}: bounds must be numbers a float can hold, got an "
                    "int beyond 1.8e308"
                ) from None
            raise ValueError(
                f"channel {self.name!r}: bounds must be a pair of numbers, got {self.bounds!r}"
            ) from None
        if math.isnan(lo) or math.isnan(hi) or lo > hi:
            raise ValueError(
                f"channel {self.name!r}: bounds must satisfy lo <= hi, got {self.bounds!r}"
            )
        # (inf, inf) or (-inf, -inf) holds no number: its width is NaN and its Gymnasium Box
        # is empty; an unbounded side is -inf below or inf above
        if lo == math.inf or hi == -math.inf:
            raise ValueError(
                f"channel {self.name!r}: bounds {self.bounds!r} hold no number "
                "(an unbounded side is -inf below or inf above)"
            )
        # finite bounds whose width overflows (-1e308, 1e308) scale every value to 0 or NaN
        if math.isfinite(lo) and math.isfinite(hi) and not math.isfinite(hi - lo):
            raise ValueError(
                f"channel {self.name!r}: bounds {self.bounds!r} are wider than the largest "
                "float (hi - lo overflows): give the channel a unit in which they are smaller"
            )
        object.__setattr__(self, "bounds", (lo, hi))

    def to_json(self) -> dict:
        """A JSON-able dict (strict JSON: infinite bounds as the strings ``'inf'``/``'-inf'``).

        >>> Channel('x', (0, math.inf)).to_json()
        {'name': 'x', 'bounds': [0.0, 'inf'], 'unit': None}
        >>> Channel.from_json(Channel('x', (0, math.inf)).to_json()) == Channel('x', (0, math.inf))
        True
        """
        bounds = [b if math.isfinite(b) else ("inf" if b > 0 else "-inf") for b in self.bounds]
        return {"name": self.name, "bounds": bounds, "unit": self.unit}

    @classmethod
    def from_json(cls, d) -> "Channel":
        """Inverse of ``to_json``."""
        return cls(d["name"], tuple(float(b) for b in d["bounds"]), unit=d.get("unit"))

    @property
    def low(self) -> float:
        return self.bounds[0]

    @property
    def high(self) -> float:
        return self.bounds[1]

    @property
    def width(self) -> float:
        return self.bounds[1] - self.bounds[0]

    @property
    def is_bounded(self) -> bool:
        """Both bounds are finite."""
        return math.isfinite(self.bounds[0]) and math.isfinite(self.bounds[1])
