"""Input validation helpers shared by the metrology modules (private)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from numbers import Real
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import InvalidInput, InvalidType, MetrologyError, ModelError, SampleTooSmall


def is_number(value: Any) -> bool:
    """A real number (Python or NumPy), not a bool, not a string."""
    return not isinstance(value, bool | np.bool_) and isinstance(value, Real | np.floating | np.integer)


def finite(value: Any, field: str) -> float:
    """Return ``value`` as a finite float or raise :class:`InvalidInput` (:class:`InvalidType` for a
    string, a boolean or anything else that is not a real number)."""
    if not is_number(value):
        raise InvalidType(
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
    if not is_number(value):
        raise InvalidType(
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


def _numeric(values: Any, field: str) -> NDArray[np.float64]:
    """``values`` (a number or a nested sequence of numbers) as a float array; strings, booleans, ``None`` and
    other objects raise :class:`InvalidType`, ragged nesting :class:`InvalidInput`."""
    if isinstance(values, str | bytes | Mapping) or values is None:
        raise InvalidType(
            f"{field} must be numbers, got {values!r}", code="not_a_number", field=field, value=values
        )
    if isinstance(values, list | tuple) and _has_bool(values):  # NumPy would read True as 1.0
        raise InvalidType(
            f"{field} must be numbers, got a boolean", code="not_a_number", field=field, value=values
        )
    try:
        raw = np.asarray(values)
    except (TypeError, ValueError) as exc:  # ragged nesting, or an object NumPy cannot read
        raise InvalidInput(
            f"{field} must be a regular array of numbers", code="ragged_array", field=field, value=values
        ) from exc
    kind = raw.dtype.kind
    if kind in "iuf":
        return raw.astype(float, copy=False)
    if kind == "O" and raw.ndim > 0 and all(is_number(v) for v in raw.ravel()):
        return raw.astype(float)
    raise InvalidType(
        f"{field} must be numbers, got {values!r}", code="not_a_number", field=field, value=values
    )


def _has_bool(values: list | tuple) -> bool:
    return any(
        isinstance(v, bool | np.bool_) or (isinstance(v, list | tuple) and _has_bool(v)) for v in values
    )


def finite_array(values: Any, field: str, *, min_size: int = 1) -> NDArray[np.float64]:
    """A 1-D array of finite floats; NaN or inf anywhere raises :class:`InvalidInput`, a string or a
    boolean :class:`InvalidType`, fewer than ``min_size`` values :class:`SampleTooSmall`."""
    if is_number(values):
        arr = np.asarray([float(values)])
    else:
        arr = _numeric(values, field)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise InvalidInput(f"{field} must be one-dimensional", code="not_one_dimensional", field=field)
    _all_finite(arr, field)
    if arr.size < min_size:
        raise SampleTooSmall(
            f"{field} needs at least {min_size} values, got {arr.size}",
            code="too_few_values",
            field=field,
            value=int(arr.size),
            required=min_size,
        )
    return arr


def _all_finite(arr: NDArray[np.float64], field: str, *, allow_inf: bool = False) -> None:
    bad = np.isnan(arr) if allow_inf else ~np.isfinite(arr)
    if bad.any():
        idx = int(np.flatnonzero(bad)[0])
        kind = "NaN" if np.isnan(arr.flat[idx]) else "infinite"
        raise InvalidInput(
            f"{field}[{idx}] is {kind}" if arr.ndim else f"{field} is {kind}",
            code="nan_value" if kind == "NaN" else "infinite_value",
            field=field,
            value=idx,
        )


def real_array(values: Any, field: str, *, allow_inf: bool = False) -> NDArray[np.float64]:
    """A number or an array of any shape (vectorised functions): no NaN (and no ±inf unless ``allow_inf``),
    no strings or booleans, not empty."""
    arr = np.asarray(float(values)) if is_number(values) else _numeric(values, field)
    if arr.size == 0:
        raise SampleTooSmall(f"{field} is empty", code="too_few_values", field=field, value=0, required=1)
    _all_finite(arr, field, allow_inf=allow_inf)
    return arr


def same_shape(**arrays: Any) -> tuple[NDArray[np.float64], ...]:
    """The arrays broadcast together, or :class:`InvalidInput` (``shape_mismatch``) naming their shapes."""
    try:
        return tuple(np.broadcast_arrays(*arrays.values()))
    except ValueError as exc:
        shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in arrays.items())
        raise InvalidInput(
            f"the shapes of {', '.join(arrays)} do not match ({shapes})",
            code="shape_mismatch",
            field=next(iter(arrays)),
            value=shapes,
        ) from exc


def sequence(values: Any, field: str) -> Sequence[Any]:
    """A list, tuple or array (not a string, not a mapping, not a number)."""
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Sequence | np.ndarray):
        raise InvalidType(
            f"{field} must be a sequence, got {values!r}", code="not_a_sequence", field=field, value=values
        )
    return values


def same_length(**seqs: Sequence[Any]) -> int:
    lengths = {name: len(v) for name, v in seqs.items()}
    if len(set(lengths.values())) > 1:
        raise InvalidInput(
            f"{', '.join(lengths)} must have the same length, got "
            + ", ".join(f"{k}: {n}" for k, n in lengths.items()),
            code="length_mismatch",
            field=list(lengths)[-1],
            value=str(lengths),
        )
    return next(iter(lengths.values()))


def flag(value: Any, field: str) -> bool:
    """A yes/no switch: ``True`` or ``False`` only (``"no"`` is truthy; it is refused)."""
    if not isinstance(value, bool | np.bool_):
        raise InvalidType(
            f"{field} must be True or False, got {value!r}", code="not_a_boolean", field=field, value=value
        )
    return bool(value)


def integer(value: Any, field: str, *, minimum: int | None = None, code: str | None = None) -> int:
    """An integer (not a bool, not a float such as 2.0), at least ``minimum``; ``code`` overrides the error
    codes ``not_an_integer`` / ``too_small``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise InvalidType(
            f"{field} must be an integer, got {value!r}",
            code=code or "not_an_integer",
            field=field,
            value=value,
        )
    if minimum is not None and value < minimum:
        raise InvalidInput(
            f"{field} must be at least {minimum}, got {value}",
            code=code or "too_small",
            field=field,
            value=int(value),
        )
    return int(value)


def text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidType(f"{field} must be text, got {value!r}", code="not_text", field=field, value=value)
    return value


def call_model(model: Callable[..., Any], kwargs: Mapping[str, Any], what: str = "model") -> Any:
    """``model(**kwargs)``; any exception it raises becomes :class:`ModelError` with the original chained
    (``__cause__``), so a model's own ``ZeroDivisionError`` never escapes the library."""
    try:
        return model(**kwargs)
    except MetrologyError:
        raise
    except TypeError as exc:
        raise ModelError(
            f"the {what} cannot be called with inputs {', '.join(map(str, kwargs))}: {exc}",
            code="model_call_failed",
            field="model",
        ) from exc
    except Exception as exc:
        raise ModelError(
            f"the {what} raised {type(exc).__name__}: {exc}", code="model_failed", field="model"
        ) from exc


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
