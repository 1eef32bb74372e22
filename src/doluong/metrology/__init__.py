"""doluong.metrology — the pure-Python computation library of doluong.

No Django import anywhere in this package: it is usable and testable on its own.

Modules
-------
:mod:`~doluong.metrology.errors`
    Exception hierarchy (``MetrologyError`` and subclasses) with machine codes.
:mod:`~doluong.metrology.units`
    Small exact unit table used by the rule tables.
:mod:`~doluong.metrology.mpe`
    Maximum permissible errors and verification verdicts from data tables
    (OIML R 76, R 117, R 49, IEC 62053, OIML R 21, R 16).
:mod:`~doluong.metrology.conformity`
    Decision rules and guard bands (ILAC-G8, JCGM 106), specific and global risk.
:mod:`~doluong.metrology.uncertainty`
    GUM law of propagation (JCGM 100) with budget, Welch–Satterthwaite and Student t.
:mod:`~doluong.metrology.montecarlo`
    Propagation of distributions (JCGM 101), vectorised, adaptive.
:mod:`~doluong.metrology.intervals`
    Calibration intervals, NCSLI RP-1 Methods A3 and S2.
:mod:`~doluong.metrology.prepackage`
    Pre-packaged goods (Circular 21/2014/TT-BKHCN, OIML R 87).

See ``docs/metrology.md`` for what each function computes and the clauses it implements.
"""

from typing import Any

from . import errors
from .errors import (
    ConvergenceError,
    DataError,
    InvalidInput,
    InvalidType,
    MetrologyError,
    ModelError,
    OutOfRange,
    RuleNotFound,
    SampleTooSmall,
    UnitMismatch,
)

_SUBMODULES = ("conformity", "intervals", "montecarlo", "mpe", "prepackage", "uncertainty", "units")


def __getattr__(name: str) -> Any:
    """Load submodules on first use (``import doluong.metrology`` stays cheap: SciPy loads on demand)."""
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "conformity",
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
    "errors",
    "intervals",
    "montecarlo",
    "mpe",
    "prepackage",
    "uncertainty",
    "units",
]
