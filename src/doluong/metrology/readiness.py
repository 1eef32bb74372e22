"""Readiness score of a current-state survey (Measurement Assurance Program, issue 14 item 2).

score = 100 × Σ wᵢ·vᵢ / Σ wᵢ over the applicable rows (vᵢ ∈ {0, 0.5, 1}; a row marked not applicable carries
``None`` and is left out of both sums). The band is the first of ``bands`` (sorted by their lower bound) whose
lower bound the score reaches, read from the highest down. No Django import here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from .errors import InvalidInput

__all__ = ["WEIGHT_TOLERANCE", "band", "score", "weights_sum_ok"]

#: how far the weights of a published checklist may sum from one
WEIGHT_TOLERANCE = Decimal("0.0005")
ALLOWED = (Decimal(0), Decimal("0.5"), Decimal(1))


def weights_sum_ok(weights: Iterable[Decimal]) -> tuple[bool, Decimal]:
    """(whether Σ weights is 1 within `WEIGHT_TOLERANCE`, the sum)."""
    total = sum((Decimal(w) for w in weights), Decimal(0))
    return abs(total - 1) <= WEIGHT_TOLERANCE, total


def score(rows: Iterable[tuple[Decimal, Decimal | None]]) -> Decimal | None:
    """100 × Σ w·v / Σ w over the rows whose value is not None, to one decimal; None when no row applies."""
    num = Decimal(0)
    den = Decimal(0)
    for weight, value in rows:
        if value is None:
            continue
        weight, value = Decimal(weight), Decimal(value)
        if weight < 0:
            raise InvalidInput("A weight is negative.", code="negative_weight", field="weight", value=weight)
        if value not in ALLOWED:
            raise InvalidInput(
                "A status value is not 0, 0.5 or 1.", code="bad_status", field="value", value=value
            )
        num += weight * value
        den += weight
    if den == 0:
        return None
    return (100 * num / den).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def band(value: Decimal | None, bands: Sequence[tuple[Decimal, str]]) -> str | None:
    """The label of the band `value` falls in; `bands` are (lower bound, label) pairs."""
    if value is None:
        return None
    for lower, label in sorted(bands, key=lambda b: Decimal(b[0]), reverse=True):
        if value >= Decimal(lower):
            return label
    return None
