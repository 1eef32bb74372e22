"""Metrological confirmation of a measuring instrument against the requirement of the measurement process it
serves (ISO 10012:2003, 7.1), one calibration point at a time.

Conventions (the same as :mod:`doluong.metrology.conformity`)
--------------------------------------------------------------
* The process requirement is a maximum permissible error ``E`` (``±E``, the process MPE) and optionally a
  maximum expanded uncertainty ``U_max`` of the calibration, or a target test uncertainty ratio ``TUR``.
* ``TUR = E / U`` (ANSI/NCSL Z540.3 convention with ``U = k u``, ``k = 2``): the tolerance half-width over the
  expanded uncertainty; so ``U_max = E / TUR`` and ``TUR = E / U_max`` (:func:`derive_requirement`).
* A point is an observed error ``e`` (instrument reading − reference) with its expanded uncertainty ``U`` and
  coverage factor ``k`` (``u = U / k``).

Decision rules (ILAC-G8:09/2019)
--------------------------------
* ``simple``: accept when ``|e| <= E`` (4.2.1, w = 0);
* ``guard_band``: accept when ``|e| <= E − U`` (4.2.2, w = U);
* ``target_pfa``: the guard band giving a global false-accept probability equal to the target for the
  process's in-tolerance probability (JCGM 106:2012 clause 9, :func:`conformity.guard_band_factor_for_pfa`).

The verdict of a point: ``nonconforming`` when not accepted; ``conditional`` when accepted but the calibration's
``U`` exceeds ``U_max`` (the instrument meets the requirement but the calibration cannot show it with the
required capability: limited use); else ``conforming``.  ``pfa`` is the specific false-accept risk of the point,
``1 − P(|true error| <= E)`` for a normal error ``N(e, u²)`` (JCGM 106:2012 clause 7).  A confirmation's verdict
is the worst of its points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import _checks
from .conformity import decide
from .errors import InvalidInput

__all__ = ["RULES", "VERDICTS", "PointResult", "Requirement", "confirm_point", "derive_requirement", "worst"]

RULES = {
    "simple": "simple",
    "guard_band": "u95",
    "target_pfa": "target_pfa",
}
#: from best to worst
VERDICTS = ("conforming", "conditional", "nonconforming")


@dataclass(frozen=True)
class Requirement:
    mpe: float | None
    u_max: float | None
    tur: float | None


def derive_requirement(
    *,
    tolerance: float | None = None,
    mpe: float | None = None,
    u_max: float | None = None,
    tur: float | None = None,
) -> Requirement:
    """The process requirement completed from what is given: ``E`` is the process MPE, else the characteristic's
    tolerance half-width, else ``TUR · U_max``; then ``U_max = E / TUR`` or ``TUR = E / U_max``.

    Refuses (``InvalidInput``) a requirement with neither tolerance nor capability, a non-positive value and an
    uncertainty larger than the permissible error."""
    values = {"tolerance": tolerance, "mpe": mpe, "u_max": u_max, "tur": tur}
    for name, value in values.items():
        if value is not None:
            _checks.positive(value, name)
    e = mpe if mpe is not None else tolerance
    if e is None and u_max is not None and tur is not None:
        e = tur * u_max
    if e is None:
        raise InvalidInput(
            "the requirement needs a tolerance or a process MPE (or U max with a TUR target)",
            code="missing_requirement",
            field="mpe",
        )
    if u_max is None and tur is not None:
        u_max = e / tur
    elif tur is None and u_max is not None:
        tur = e / u_max
    if u_max is not None and u_max > e:
        raise InvalidInput(
            "the maximum uncertainty exceeds the permissible error",
            code="uncertainty_too_large",
            field="u_max",
        )
    return Requirement(
        mpe=float(e), u_max=None if u_max is None else float(u_max), tur=None if tur is None else float(tur)
    )


@dataclass(frozen=True)
class PointResult:
    verdict: str
    accepted: bool
    pfa: float
    acceptance_limit: float
    reason: str


def confirm_point(
    error: float,
    expanded_uncertainty: float,
    requirement: Requirement,
    *,
    rule: str = "simple",
    k: float = 2.0,
    itp: float = 0.95,
    pfa_target: float = 0.02,
) -> PointResult:
    """The verdict of one calibration point against the requirement (see the module's conventions)."""
    _checks.choice(rule, "rule", RULES)
    e = _checks.finite(error, "error")
    big_u = _checks.uncertainty(expanded_uncertainty, "expanded_uncertainty")
    kk = _checks.positive(k, "k")
    if requirement.mpe is None:
        raise InvalidInput(
            "the requirement has no permissible error", code="missing_requirement", field="mpe"
        )
    limit = requirement.mpe
    u = big_u / kk
    extra = {}
    if rule == "guard_band":
        extra = {"k": kk}
    elif rule == "target_pfa":
        extra = {"itp": itp, "target": pfa_target, "tur": (limit / big_u) if big_u > 0 else math.inf}
    decision = decide(e, -limit, limit, u, method=RULES[rule], **extra)
    accepted = decision.accepted
    zone = decision.acceptance
    acceptance_limit = zone.upper if not zone.empty else 0.0
    if not accepted:
        verdict = "nonconforming"
        reason = f"|{e:.6g}| > {acceptance_limit:.6g}"
    elif requirement.u_max is not None and big_u > requirement.u_max:
        verdict = "conditional"
        reason = f"U = {big_u:.6g} > U max = {requirement.u_max:.6g}"
    else:
        verdict = "conforming"
        reason = f"|{e:.6g}| <= {acceptance_limit:.6g}"
    return PointResult(verdict, accepted, float(decision.specific_risk), float(acceptance_limit), reason)


def worst(verdicts) -> str | None:
    """The worst of some verdicts (None for none)."""
    found = [VERDICTS.index(v) for v in verdicts]
    return VERDICTS[max(found)] if found else None
