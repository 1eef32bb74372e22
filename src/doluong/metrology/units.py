"""A deliberately small table of units used by the rule tables.

Only multiplicative units are supported (no temperature scales): a value is converted
between two units of the same *dimension* by a ratio of exact factors.  A unit that is
unknown, or that belongs to another dimension than the one a rule expects, raises
:class:`~doluong.metrology.errors.UnitMismatch`; nothing is ever guessed.

The pressure factor for the millimetre of mercury is the conventional
1 mmHg = 101 325/760 Pa (exact by definition).
"""

from __future__ import annotations

import math
from fractions import Fraction

from . import _checks
from .errors import InvalidInput, UnitMismatch

__all__ = ["DIMENSIONS", "canonical_unit", "convert", "dimension_of", "ratio", "same_dimension"]

# dimension -> unit symbol -> factor to the dimension's base unit (exact fractions)
DIMENSIONS: dict[str, dict[str, Fraction]] = {
    "mass": {"mg": Fraction(1, 1000), "g": Fraction(1), "kg": Fraction(1000), "t": Fraction(10**6)},
    "volume": {
        "mL": Fraction(1, 1000),
        "cL": Fraction(1, 100),
        "dL": Fraction(1, 10),
        "L": Fraction(1),
        "dm3": Fraction(1),
        "m3": Fraction(1000),
    },
    "length": {
        "mm": Fraction(1, 1000),
        "cm": Fraction(1, 100),
        "dm": Fraction(1, 10),
        "m": Fraction(1),
        "km": Fraction(1000),
    },
    "area": {"cm2": Fraction(1, 10_000), "dm2": Fraction(1, 100), "m2": Fraction(1)},
    "count": {"items": Fraction(1), "pcs": Fraction(1), "1": Fraction(1)},
    "time": {"ms": Fraction(1, 1000), "s": Fraction(1), "min": Fraction(60), "h": Fraction(3600)},
    "pressure": {
        "Pa": Fraction(1),
        "kPa": Fraction(1000),
        "bar": Fraction(100_000),
        "mmHg": Fraction(101_325, 760),
    },
    "active_energy": {"Wh": Fraction(1), "kWh": Fraction(1000), "MWh": Fraction(10**6)},
    "reactive_energy": {"varh": Fraction(1), "kvarh": Fraction(1000), "Mvarh": Fraction(10**6)},
    "flow_rate": {"L/h": Fraction(1), "L/min": Fraction(60), "m3/h": Fraction(1000)},
    "current": {"mA": Fraction(1, 1000), "A": Fraction(1)},
}

_UNIT_TO_DIM: dict[str, str] = {u: d for d, table in DIMENSIONS.items() for u in table}
_ALIASES = {
    "l": "L",
    "ml": "mL",
    "m³": "m3",
    "m²": "m2",
    "kwh": "kWh",
    "mmhg": "mmHg",
    "kpa": "kPa",
    "pc": "pcs",
}


def canonical_unit(unit: str) -> str:
    """The table spelling of ``unit`` (``"l"`` -> ``"L"``); unknown units are returned unchanged."""
    if not isinstance(unit, str) or not unit.strip():
        raise UnitMismatch(
            f"unit must be a non-empty string, got {unit!r}", code="unknown_unit", field="unit", value=unit
        )
    u = unit.strip()
    if u in _UNIT_TO_DIM:
        return u
    return _ALIASES.get(u.lower(), u)


def dimension_of(unit: str) -> str:
    """Return the dimension (``"mass"``, ``"volume"`` …) of a unit symbol."""
    u = canonical_unit(unit)
    try:
        return _UNIT_TO_DIM[u]
    except KeyError:
        raise UnitMismatch(f"unknown unit {unit!r}", code="unknown_unit", field="unit", value=unit) from None


def ratio(from_unit: str, to_unit: str) -> Fraction:
    """Exact factor f such that ``x [from_unit] = x * f [to_unit]`` (same dimension only)."""
    fu, tu = canonical_unit(from_unit), canonical_unit(to_unit)
    fd, td = dimension_of(fu), dimension_of(tu)
    if fd != td:
        raise UnitMismatch(
            f"cannot use {from_unit!r} ({fd}) where {to_unit!r} ({td}) is expected",
            code="unit_dimension_mismatch",
            field="unit",
            value=from_unit,
            expected=to_unit,
        )
    return DIMENSIONS[fd][fu] / DIMENSIONS[td][tu]


def same_dimension(a: str, b: str) -> bool:
    return dimension_of(a) == dimension_of(b)


def convert(value: float, from_unit: str, to_unit: str, *, field: str = "unit") -> float:
    """Convert ``value`` from ``from_unit`` to ``to_unit`` (same dimension only)."""
    x = _checks.finite(value, "value")
    fu, tu = canonical_unit(from_unit), canonical_unit(to_unit)
    fd, td = dimension_of(fu), dimension_of(tu)
    if fd != td:
        raise UnitMismatch(
            f"cannot use {from_unit!r} ({fd}) where {to_unit!r} ({td}) is expected",
            code="unit_dimension_mismatch",
            field=field,
            value=from_unit,
            expected=to_unit,
        )
    if fu == tu:
        return x
    ratio = DIMENSIONS[fd][fu] / DIMENSIONS[td][tu]
    out = x * ratio.numerator / ratio.denominator
    if not math.isfinite(out):
        raise InvalidInput(
            f"{value!r} {from_unit} is too large to express in {to_unit}",
            code="overflow",
            field="value",
            value=x,
        )
    return out
