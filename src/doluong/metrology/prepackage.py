"""Quantity of product in pre-packages (Circular 21/2014/TT-BKHCN; OIML R 87).

* :func:`tolerable_deficiency` — T for a nominal quantity Qn and a quantity kind
  (mass, volume, length, area, count), from ``data/prepackaged_tolerances.csv``
  (OIML R 87 Table 1; Circular 21/2014/TT-BKHCN Annex IV believed identical).  T given
  in percent is rounded *up* to the increment of the table (0.1 g or 0.1 mL; one item
  for counts), in exact decimal arithmetic.  T2 = 2T.
* :func:`sampling_plan` — sample size n, number of T1-defective units allowed c, and
  the correction factor k = t(0.995, n−1)/√n, by lot size N, from
  ``data/prepackaged_sampling_plans.csv`` (OIML R 87 Table 2; Circular 21/2014 Annex III
  believed identical); lots below 100 units are inspected 100 %.
* :func:`inspect_lot` — the three criteria of the lot test and one
  :class:`LotVerdict` that says which criterion failed and by how much:

  1. mean: ``x̄ ≥ Qn − k·s`` (s: sample standard deviation, n − 1 denominator; for
     100 % inspection ``x̄ ≥ Qn``);
  2. T1: at most c units with a deficiency ``Qn − x_i > T``;
  3. T2: no unit with a deficiency ``> 2T``.

A deficiency exactly equal to T (or 2T) is not an error.  Deficiencies are computed in
decimal arithmetic from the decimal representation of the readings, so a reading on a
limit is judged exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, localcontext
from functools import cache
from typing import Any

import numpy as np

from . import _checks
from ._data import read_csv
from .errors import DataError, InvalidInput, InvalidType, OutOfRange, SampleTooSmall, UnitMismatch
from .units import canonical_unit, dimension_of
from .units import ratio as unit_ratio

__all__ = [
    "QUANTITY_KINDS",
    "CriterionResult",
    "LotVerdict",
    "SamplingPlan",
    "Tolerance",
    "inspect_lot",
    "sampling_plan",
    "tolerable_deficiency",
]

#: quantity kind -> (table quantity_type, dimension, unit of the table)
QUANTITY_KINDS: dict[str, tuple[str, str, str]] = {
    "mass": ("mass_or_volume", "mass", "g"),
    "volume": ("mass_or_volume", "volume", "mL"),
    "length": ("length", "length", "m"),
    "area": ("area", "area", "m2"),
    "count": ("count", "count", "items"),
}

CLAUSE_T = "OIML R 87:2016 Table 1 (tolerable deficiencies); Circular 21/2014/TT-BKHCN Annex IV"
CLAUSE_PLAN = "OIML R 87:2016 Table 2 (sampling plans); Circular 21/2014/TT-BKHCN Annex III"


def _d(x: Any, field: str) -> Decimal:
    v = _checks.finite(x, field)
    return Decimal(int(x)) if isinstance(x, int | np.integer) else Decimal(repr(v))


# ----------------------------------------------------------------------------- T
@dataclass(frozen=True)
class _TRow:
    quantity_type: str
    units: tuple[str, ...]
    qmin: Decimal
    qmax: Decimal | None
    percent: Decimal | None
    absolute: Decimal | None
    increment: Decimal | None
    t2_factor: Decimal
    note: str


@cache
def _t_rows() -> tuple[_TRow, ...]:
    out = []
    for i, r in enumerate(read_csv("prepackaged_tolerances.csv"), start=1):
        where = f"prepackaged_tolerances.csv row {i}"
        try:
            row = _TRow(
                quantity_type=r["quantity_type"],
                units=tuple(u.strip() for u in r["unit"].split("|")),
                qmin=Decimal(r["qn_min_exclusive"]),
                qmax=Decimal(r["qn_max_inclusive"]) if r["qn_max_inclusive"] else None,
                percent=Decimal(r["t_percent_of_qn"]) if r["t_percent_of_qn"] else None,
                absolute=Decimal(r["t_absolute"]) if r["t_absolute"] else None,
                increment=Decimal(r["rounding_increment"]) if r["rounding_increment"] else None,
                t2_factor=Decimal(r["t2_factor"]),
                note=r.get("notes", ""),
            )
        except (ArithmeticError, KeyError) as exc:
            raise DataError(
                f"{where}: malformed", code="data_row_malformed", field="prepackaged_tolerances.csv", value=i
            ) from exc
        if (row.percent is None) == (row.absolute is None):
            raise DataError(
                f"{where}: exactly one of t_percent_of_qn / t_absolute is required",
                code="data_row_malformed",
                field="prepackaged_tolerances.csv",
                value=i,
            )
        out.append(row)
    return tuple(out)


@dataclass(frozen=True)
class Tolerance:
    """Tolerable deficiency for one nominal quantity (in ``unit``)."""

    nominal: float
    kind: str
    unit: str
    t: float
    t2: float
    band: str
    rule: str
    clause: str


def _convert_decimal(x: Decimal, from_unit: str, to_unit: str) -> Decimal:
    f = unit_ratio(from_unit, to_unit)
    return x * Decimal(f.numerator) / Decimal(f.denominator)


def _kind(kind: str, unit: str) -> tuple[str, str, str, str]:
    _checks.choice(kind, "kind", QUANTITY_KINDS)
    qtype, dim, table_unit = QUANTITY_KINDS[kind]
    if not isinstance(unit, str):
        raise UnitMismatch(
            f"unit must be a string, got {unit!r}", code="unknown_unit", field="unit", value=unit
        )
    u = canonical_unit(unit)
    got = dimension_of(u)
    if got != dim:
        raise UnitMismatch(
            f"a {kind} quantity cannot be given in {unit!r} (a {got} unit); use e.g. {table_unit!r}",
            code="unit_dimension_mismatch",
            field="unit",
            value=unit,
            expected=table_unit,
        )
    return qtype, dim, table_unit, u


def _tolerance_dec(nominal: Decimal, kind: str, unit: str) -> tuple[Decimal, Decimal, _TRow, str]:
    qtype, _dim, table_unit, u = _kind(kind, unit)
    qn = _convert_decimal(nominal, u, table_unit)
    if qn <= 0:
        raise InvalidInput(
            "the nominal quantity must be positive", code="not_positive", field="nominal", value=str(nominal)
        )
    for row in _t_rows():
        if row.quantity_type != qtype:
            continue
        if qn > row.qmin and (row.qmax is None or qn <= row.qmax):
            if row.percent is not None:
                t = qn * row.percent / 100
                if row.increment is not None:
                    t = (t / row.increment).to_integral_value(rounding=ROUND_CEILING) * row.increment
                rule = f"{row.percent}% of Qn" + (
                    f", rounded up to {row.increment} {table_unit}" if row.increment else ""
                )
            else:
                assert row.absolute is not None
                t = row.absolute
                rule = f"{row.absolute} {table_unit}"
            band = (
                f"{row.qmin} < Qn <= {row.qmax} {table_unit}"
                if row.qmax is not None
                else f"Qn > {row.qmin} {table_unit}"
            )
            t_u = _convert_decimal(t, table_unit, u)
            return t_u, t_u * row.t2_factor, row, f"{band}: T = {rule}"
    bands = [r for r in _t_rows() if r.quantity_type == qtype]
    top = max((r.qmax for r in bands if r.qmax is not None), default=None)
    raise OutOfRange(
        f"nominal quantity {nominal} {unit} is outside every band of the tolerance table for {kind}"
        + (
            f" (the table ends at {top} {table_unit})"
            if top is not None and all(r.qmax is not None for r in bands)
            else ""
        ),
        code="nominal_out_of_range",
        field="nominal",
        value=str(nominal),
    )


def tolerable_deficiency(nominal: float, kind: str, unit: str) -> Tolerance:
    """Tolerable deficiency T and T2 = 2T for a nominal quantity (OIML R 87 Table 1).

    Args:
        nominal: nominal quantity Qn, in ``unit``.
        kind: ``mass``, ``volume``, ``length``, ``area`` or ``count``.
        unit: a unit of that kind (``g``, ``kg``, ``mL``, ``L``, ``m``, ``m2``, ``items`` …).

    Raises:
        OutOfRange: Qn outside every band (e.g. above 50 kg for mass).
        UnitMismatch: the unit does not measure ``kind``.
    """
    qn = _d(nominal, "nominal")
    t, t2, _row, band = _tolerance_dec(qn, kind, unit)
    return Tolerance(
        nominal=float(qn),
        kind=kind,
        unit=unit,
        t=float(t),
        t2=float(t2),
        band=band,
        rule=band,
        clause=CLAUSE_T,
    )


# ----------------------------------------------------------------------------- plans
@dataclass(frozen=True)
class SamplingPlan:
    """Sampling plan for one lot (OIML R 87 Table 2)."""

    lot_size: int
    sample_size: int
    max_t1: int
    k: float
    full_inspection: bool
    clause: str = CLAUSE_PLAN


@cache
def _plans() -> tuple[dict[str, str], ...]:
    return read_csv("prepackaged_sampling_plans.csv")


def sampling_plan(lot_size: int) -> SamplingPlan:
    """Sample size n, allowed number c of units with deficiency > T, and k, for a lot of N units."""
    if isinstance(lot_size, bool | np.bool_) or not isinstance(lot_size, int | np.integer):
        raise InvalidType(
            f"lot_size must be an integer, got {lot_size!r}",
            code="not_an_integer",
            field="lot_size",
            value=lot_size,
        )
    N = int(lot_size)
    if N < 1:
        raise InvalidInput("lot_size must be at least 1", code="not_positive", field="lot_size", value=N)
    for r in _plans():
        lo = int(r["lot_size_min"])
        hi = int(r["lot_size_max"]) if r["lot_size_max"] else None
        if N >= lo and (hi is None or N <= hi):
            if r["inspection"] == "100_percent":
                c = math.floor(Decimal(r["max_t1_fraction_of_lot"]) * N)
                return SamplingPlan(lot_size=N, sample_size=N, max_t1=int(c), k=0.0, full_inspection=True)
            return SamplingPlan(
                lot_size=N,
                sample_size=int(r["sample_size"]),
                max_t1=int(r["max_units_with_deficiency_gt_T"]),
                k=float(r["correction_factor_k"]),
                full_inspection=False,
            )
    raise OutOfRange(
        f"no sampling plan covers a lot of {N} units", code="lot_size_out_of_range", field="lot_size", value=N
    )


# ----------------------------------------------------------------------------- verdict
@dataclass(frozen=True)
class CriterionResult:
    """One criterion of the lot test: its value, limit and margin (positive = satisfied by that much)."""

    name: str
    passed: bool
    value: float
    limit: float
    margin: float
    description: str
    clause: str


@dataclass(frozen=True)
class LotVerdict:
    """Result of :func:`inspect_lot`; :meth:`explain` says what failed and by how much."""

    accepted: bool
    nominal: float
    unit: str
    kind: str
    tolerance: Tolerance
    plan: SamplingPlan
    mean: float
    std: float
    criteria: tuple[CriterionResult, ...]
    t1_units: tuple[int, ...]
    t2_units: tuple[int, ...]

    @property
    def failed(self) -> tuple[CriterionResult, ...]:
        return tuple(c for c in self.criteria if not c.passed)

    @property
    def verdict(self) -> str:
        return "accepted" if self.accepted else "rejected"

    def explain(self) -> str:
        head = (
            f"Lot of {self.plan.lot_size} pre-packages, Qn = {self.nominal:g} {self.unit} "
            f"(T = {self.tolerance.t:g} {self.unit}, T2 = {self.tolerance.t2:g} {self.unit}); "
            f"sample of {self.plan.sample_size}: {self.verdict.upper()}."
        )
        lines = [head]
        for c in self.criteria:
            mark = "OK  " if c.passed else "FAIL"
            lines.append(f"  [{mark}] {c.description}")
        return "\n".join(lines)


def inspect_lot(
    nominal: float,
    kind: str,
    unit: str,
    lot_size: int,
    actual: Sequence[float],
) -> LotVerdict:
    """Apply the lot test of Circular 21/2014/TT-BKHCN / OIML R 87 to measured net quantities.

    Args:
        nominal: nominal quantity Qn (in ``unit``).
        kind: ``mass``, ``volume``, ``length``, ``area`` or ``count``.
        unit: unit of ``nominal`` and of ``actual``.
        lot_size: number N of pre-packages in the lot.
        actual: actual net quantity of each unit of the sample (exactly n values, n from
            the sampling plan; the whole lot for N < 100).

    Raises:
        SampleTooSmall: fewer values than the plan's sample size.
        InvalidInput: more values than the plan's sample size, NaN, negative quantities.
        OutOfRange: Qn outside every band; UnitMismatch: wrong unit for the kind.
    """
    qn = _d(nominal, "nominal")
    t, t2, _row, band = _tolerance_dec(qn, kind, unit)
    plan = sampling_plan(lot_size)
    x = _checks.finite_array(actual, "actual", min_size=1)
    n = plan.sample_size
    if x.size < n:
        raise SampleTooSmall(
            f"the sampling plan for a lot of {plan.lot_size} requires {n} units, got {x.size}",
            code="sample_smaller_than_plan",
            field="actual",
            value=int(x.size),
            required=n,
        )
    if x.size > n:
        raise InvalidInput(
            f"the sampling plan for a lot of {plan.lot_size} requires exactly {n} units, got {x.size}",
            code="sample_larger_than_plan",
            field="actual",
            value=int(x.size),
            required=n,
        )
    if kind == "count" and (np.any(x != np.round(x)) or qn != qn.to_integral_value()):
        raise InvalidInput("counts of items must be whole numbers", code="not_an_integer", field="actual")
    if np.any(x < 0):
        raise InvalidInput(
            "an actual quantity is negative",
            code="negative_value",
            field="actual",
            value=int(np.flatnonzero(x < 0)[0]),
        )
    tol = Tolerance(
        nominal=float(qn),
        kind=kind,
        unit=unit,
        t=float(t),
        t2=float(t2),
        band=band,
        rule=band,
        clause=CLAUSE_T,
    )

    xs = [Decimal(repr(float(v))) for v in x]
    defic = [qn - v for v in xs]
    t1_units = tuple(i for i, d in enumerate(defic) if d > t)
    t2_units = tuple(i for i, d in enumerate(defic) if d > t2)
    # mean and sample standard deviation in decimal arithmetic: a lot at exactly Qn has
    # mean Qn and s = 0 exactly, with no binary rounding to tip the verdict
    with localcontext() as ctx:
        ctx.prec = 40
        dmean = sum(xs, Decimal(0)) / len(xs)
        dvar = sum(((v - dmean) ** 2 for v in xs), Decimal(0)) / (len(xs) - 1) if len(xs) > 1 else Decimal(0)
        dstd = dvar.sqrt()
        k = Decimal(repr(plan.k))
        dlimit = qn if plan.full_inspection else qn - k * dstd
        dmargin = dmean - dlimit
    mean, std, limit, margin = float(dmean), float(dstd), float(dlimit), float(dmargin)
    mean_ok = dmargin >= 0

    # 1. mean criterion
    if plan.full_inspection:
        mdesc = "mean of the whole lot"
        formula = f"Qn = {float(qn):g}"
    else:
        mdesc = "sample mean"
        formula = f"Qn - k*s = {float(qn):g} - {plan.k:g} x {std:.6g} = {limit:.6g}"
    crit = [
        CriterionResult(
            name="mean",
            passed=mean_ok,
            value=mean,
            limit=limit,
            margin=margin,
            description=(
                f"{mdesc} {mean:.6g} {unit} {'>=' if mean_ok else '<'} {formula} {unit}"
                + ("" if mean_ok else f" (short by {-margin:.6g} {unit})")
            ),
            clause="OIML R 87:2016 mean requirement with correction factor k = t(0.995, n-1)/sqrt(n); Circular 21/2014/TT-BKHCN Annex III",
        )
    ]
    # 2. T1 count
    n1 = len(t1_units)
    t1_ok = n1 <= plan.max_t1
    crit.append(
        CriterionResult(
            name="t1",
            passed=t1_ok,
            value=float(n1),
            limit=float(plan.max_t1),
            margin=float(plan.max_t1 - n1),
            description=(
                f"{n1} unit(s) with deficiency > T = {float(t):g} {unit}; at most {plan.max_t1} allowed"
                + (
                    ""
                    if t1_ok
                    else f" ({n1 - plan.max_t1} too many; units {', '.join(str(i + 1) for i in t1_units)})"
                )
            ),
            clause="OIML R 87:2016 T1 requirement (Table 2 acceptance number); Circular 21/2014/TT-BKHCN Annex III",
        )
    )
    # 3. T2
    n2 = len(t2_units)
    worst = max(defic) if defic else Decimal(0)
    crit.append(
        CriterionResult(
            name="t2",
            passed=n2 == 0,
            value=float(n2),
            limit=0.0,
            margin=float(t2 - worst),
            description=(
                f"no unit may be short by more than 2T = {float(t2):g} {unit}: "
                + (
                    f"largest deficiency {float(worst):g} {unit}"
                    if n2 == 0
                    else f"{n2} unit(s) exceed it (units {', '.join(str(i + 1) for i in t2_units)}; largest deficiency {float(worst):g} {unit}, {float(worst - t2):g} over)"
                )
            ),
            clause="OIML R 87:2016 T2 requirement; Circular 21/2014/TT-BKHCN Annex III",
        )
    )
    accepted = all(c.passed for c in crit)
    return LotVerdict(
        accepted=accepted,
        nominal=float(qn),
        unit=unit,
        kind=kind,
        tolerance=tol,
        plan=plan,
        mean=mean,
        std=std,
        criteria=tuple(crit),
        t1_units=t1_units,
        t2_units=t2_units,
    )
