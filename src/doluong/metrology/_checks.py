"""Input validation helpers shared by the metrology modules (private)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Real
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import InvalidInput, SampleTooSmall


def finite(value: Any, field: str) -> float:
    """Return ``value`` as a finite float or raise :class:`InvalidInput`."""
    if isinstance(value, bool) or not isinstance(value, Real | np.floating | np.integer):
        raise InvalidInput(
            f"{field} must be a number, got {value!r}", code="not_a_number", field=field, value=value
        )
    x = float(value)
    if math.isnan(x):
        raise InvalidInput(f"{field} is NaN", code="nan_value", field=field, value=value)
    if math.isinf(x):
        raise InvalidInput(f"{field} is infinite", code="infinite_value", field=field, value=value)
    return x


def number_or_inf(value: Any, field: str) -> float:
    """Like :func:`finite` but accepts ±inf (one-sided limits, infinite degrees of freedom)."""
    if isinstance(value, bool) or not isinstance(value, Real | np.floating | np.integer):
        raise InvalidInput(
            f"{field} must be a number, got {value!r}", code="not_a_number", field=field, value=value
        )
    x = float(value)
    if math.isnan(x):
        raise InvalidInput(f"{field} is NaN", code="nan_value", field=field, value=value)
    return x


def nonnegative(value: Any, field: str, *, code: str = "negative_value") -> float:
    x = finite(value, field)
    if x < 0:
        raise InvalidInput(f"{field} must not be negative, got {x!r}", code=code, field=field, value=x)
    return x


def uncertainty(value: Any, field: str = "uncertainty") -> float:
    """A standard or expanded uncertainty: finite and >= 0."""
    return nonnegative(value, field, code="negative_uncertainty")


def positive(value: Any, field: str) -> float:
    x = finite(value, field)
    if x <= 0:
        raise InvalidInput(f"{field} must be positive, got {x!r}", code="not_positive", field=field, value=x)
    return x


def probability(value: Any, field: str, *, allow_zero: bool = False, allow_one: bool = False) -> float:
    x = finite(value, field)
    lo_ok = x >= 0 if allow_zero else x > 0
    hi_ok = x <= 1 if allow_one else x < 1
    if not (lo_ok and hi_ok):
        lo = "[0" if allow_zero else "(0"
        hi = "1]" if allow_one else "1)"
        raise InvalidInput(
            f"{field} must be a probability in {lo}, {hi}, got {x!r}",
            code="not_a_probability",
            field=field,
            value=x,
        )
    return x


def dof(value: Any, field: str = "dof") -> float:
    """Degrees of freedom: > 0, may be +inf."""
    x = number_or_inf(value, field)
    if x <= 0:
        raise InvalidInput(
            f"{field} must be positive (or infinite), got {x!r}", code="invalid_dof", field=field, value=x
        )
    return x


def finite_array(values: Any, field: str, *, min_size: int = 1) -> NDArray[np.float64]:
    """A 1-D array of finite floats; NaN or inf anywhere raises :class:`InvalidInput`."""
    if isinstance(values, str | bytes):
        raise InvalidInput(
            f"{field} must be a sequence of numbers", code="not_a_number", field=field, value=values
        )
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"{field} must be a sequence of numbers", code="not_a_number", field=field, value=values
        ) from exc
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise InvalidInput(f"{field} must be one-dimensional", code="not_one_dimensional", field=field)
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = int(np.flatnonzero(bad)[0])
        kind = "NaN" if np.isnan(arr[idx]) else "infinite"
        raise InvalidInput(
            f"{field}[{idx}] is {kind}",
            code="nan_value" if kind == "NaN" else "infinite_value",
            field=field,
            value=idx,
        )
    if arr.size < min_size:
        raise SampleTooSmall(
            f"{field} needs at least {min_size} values, got {arr.size}",
            code="too_few_values",
            field=field,
            value=int(arr.size),
            required=min_size,
        )
    return arr


def choice(value: Any, field: str, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise InvalidInput(
            f"{field} must be one of {', '.join(allowed)}; got {value!r}",
            code="invalid_choice",
            field=field,
            value=value,
            allowed=", ".join(allowed),
        )
    return str(value)
