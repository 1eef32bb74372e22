"""Exceptions raised by :mod:`doluong.metrology`.

Every problem with the input of a computation is reported by raising one of these
exceptions, never by returning ``NaN`` or a verdict computed from bad data.  Each
exception carries

* ``message`` – an English sentence that says what is wrong,
* ``code`` – a stable machine-readable identifier (``"negative_uncertainty"``,
  ``"nominal_out_of_range"`` …) that the web layer maps to a translated message,
* ``field`` – the name of the offending argument or column (or ``None``),
* ``value`` – the offending value (or ``None``),
* ``context`` – a dict of further facts useful in a translated message.

All of them derive from :class:`MetrologyError`, itself a :class:`ValueError`, so
callers that only know about ``ValueError`` still catch them.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConvergenceError",
    "DataError",
    "InvalidInput",
    "InvalidType",
    "MetrologyError",
    "ModelError",
    "OutOfRange",
    "RuleNotFound",
    "SampleTooSmall",
    "UnitMismatch",
]


class MetrologyError(ValueError):
    """Base class of every error raised by the metrology library."""

    default_code = "metrology_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        value: Any = None,
        **context: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field
        self.value = value
        self.context = dict(context)

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly description (for APIs and logs)."""
        value = self.value
        if not isinstance(value, str | int | float | bool | type(None)):
            value = repr(value)
        return {
            "error": type(self).__name__,
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "value": value,
            "context": {
                k: (v if isinstance(v, str | int | float | bool | type(None)) else repr(v))
                for k, v in self.context.items()
            },
        }


class InvalidInput(MetrologyError):
    """A value is not acceptable at all: NaN, negative uncertainty, wrong type, …"""

    default_code = "invalid_input"


class InvalidType(InvalidInput, TypeError):
    """A value of the wrong type: a string, a boolean or ``None`` where a number is expected, a number where a
    sequence is expected, … (also a :class:`TypeError`, for callers that only know that)."""

    default_code = "not_a_number"


class ModelError(InvalidInput):
    """A measurement model supplied by the caller raised an exception (the original is ``__cause__``) or
    returned something that is not a number."""

    default_code = "model_failed"


class OutOfRange(MetrologyError):
    """A value is valid in itself but lies outside every band or range of a rule table."""

    default_code = "out_of_range"


class RuleNotFound(MetrologyError):
    """No rule in the data tables for this instrument type / class / stage."""

    default_code = "rule_not_found"


class UnitMismatch(MetrologyError):
    """A unit is unknown or does not match the dimension the rule expects."""

    default_code = "unit_mismatch"


class SampleTooSmall(MetrologyError):
    """Fewer observations than the procedure (sampling plan, statistic) requires."""

    default_code = "sample_too_small"


class DataError(MetrologyError):
    """A rule table shipped in ``doluong/metrology/data`` is malformed or ambiguous."""

    default_code = "data_error"


class ConvergenceError(MetrologyError):
    """An iterative computation (adaptive Monte Carlo, model fit, root finding) did not converge."""

    default_code = "no_convergence"
