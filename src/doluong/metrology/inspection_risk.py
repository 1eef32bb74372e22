"""The risk score that ranks the sites a state-inspection campaign should visit first: a transparent, weighted
sum of plain counts, returned with each of its terms so that a page can write out the formula and its inputs.

    score = w_violation × (past violations)
          + w_certificate × (instruments with an expired or missing certificate)
          + w_complaint × (complaints)
          + w_instrument × (instruments)
          + w_year × min(days since the last visit, days_cap) / 365

A site never visited counts as `days_cap` days (the longest time the score distinguishes). The weights are
reference data (dated, editable by the administrator, in the inspections app); this module only computes.
Every term is a Decimal rounded to 0.01; the score is the sum of the rounded terms, so the page's addition of
the shown terms gives the shown score.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .errors import InvalidInput

__all__ = ["RiskInputs", "RiskTerm", "RiskWeights", "RiskScore", "risk_score", "TERMS"]

#: the terms, in the order the formula writes them
TERMS = ("violations", "bad_certificates", "complaints", "instruments", "years_since_visit")

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class RiskWeights:
    violation: Decimal
    certificate: Decimal
    complaint: Decimal
    instrument: Decimal
    year_since_visit: Decimal
    days_cap: int = 730


@dataclass(frozen=True)
class RiskInputs:
    violations: int = 0
    bad_certificates: int = 0
    complaints: int = 0
    instruments: int = 0
    #: None: the site was never visited
    days_since_visit: int | None = None


@dataclass(frozen=True)
class RiskTerm:
    name: str
    #: the input as it enters the formula (for the time term: years, capped)
    value: Decimal
    weight: Decimal
    points: Decimal


@dataclass(frozen=True)
class RiskScore:
    score: Decimal
    terms: tuple[RiskTerm, ...]
    #: the days the time term used (the cap when never visited or visited longer ago)
    days_used: int
    never_visited: bool


def _count(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{name} must be a whole number >= 0", field=name, value=value)
    return value


def _weight(name: str, value) -> Decimal:
    try:
        w = Decimal(str(value))
    except ArithmeticError:
        raise InvalidInput(f"weight {name} is not a number", field=name, value=value) from None
    if not w.is_finite() or w < 0:
        raise InvalidInput(f"weight {name} must be a finite number >= 0", field=name, value=value)
    return w


def risk_score(inputs: RiskInputs, weights: RiskWeights) -> RiskScore:
    """The score of one site and its terms (see the module's formula)."""
    cap = _count("days_cap", weights.days_cap)
    if cap == 0:
        raise InvalidInput("days_cap must be > 0", field="days_cap", value=cap)
    never = inputs.days_since_visit is None
    days = cap if never else min(_count("days_since_visit", inputs.days_since_visit), cap)
    years = Decimal(days) / Decimal(365)
    rows = (
        (
            "violations",
            Decimal(_count("violations", inputs.violations)),
            _weight("violation", weights.violation),
        ),
        (
            "bad_certificates",
            Decimal(_count("bad_certificates", inputs.bad_certificates)),
            _weight("certificate", weights.certificate),
        ),
        (
            "complaints",
            Decimal(_count("complaints", inputs.complaints)),
            _weight("complaint", weights.complaint),
        ),
        (
            "instruments",
            Decimal(_count("instruments", inputs.instruments)),
            _weight("instrument", weights.instrument),
        ),
        ("years_since_visit", years, _weight("year_since_visit", weights.year_since_visit)),
    )
    terms = tuple(
        RiskTerm(
            name,
            value.quantize(Decimal("0.001"), ROUND_HALF_UP) if name == "years_since_visit" else value,
            w,
            (value * w).quantize(_CENT, ROUND_HALF_UP),
        )
        for name, value, w in rows
    )
    return RiskScore(sum((t.points for t in terms), Decimal("0.00")), terms, days, never)
