"""Calculators of state metrological inspection (pure Python, no Django).

* :func:`scale_mpe` — a non-automatic weighing instrument (OIML R 76-1 Table 6, via the
  rule tables of :mod:`doluong.metrology.mpe`): MPE at initial verification and in service
  (twice the initial MPE, R 76-1 3.5.2) at a test load; a load above Max is refused.
* :func:`fuel_delivery` — a fuel dispenser checked with a standard capacity measure:
  the measure's volume at the test temperature, the error in %, the trade rule of
  Circular 15/2015/TT-BKHCN Art. 6(3) (as amended by 08/2018): the error of the delivered
  quantity must not exceed 1.5 × the positive MPE of the dispenser.
* :func:`required_scale_interval`, :func:`allowed_shortfall`, :func:`retail_counter_check` —
  the retail counter-check of Circular 09/2017/TT-BKHCN: the scale interval suited to the
  quantity (Art. 4(1) Table 1), the allowed shortfall (Art. 5(1) Table 2 for spring dial
  scales, Art. 5(2) 2 × the initial-verification MPE for any other scale) and the sign of the
  decision when selling or buying (Art. 6(3)).

All arithmetic is done in :class:`decimal.Decimal` on the decimal form of the inputs, so a
value exactly on a limit is judged exactly.  Every result carries the clause it applies.

* :func:`vn_number` — a number as the verdicts write it, the Vietnamese way: a decimal comma, no trailing
  zeros, dots between thousands from 1.000 up (``2``, ``0,347``, ``1.250,5``); the one helper of the
  explanations here and of the inspections app's texts and documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any

from . import mpe as _mpe
from ._data import read_csv
from .errors import InvalidInput, InvalidType, OutOfRange
from .units import canonical_unit, dimension_of
from .units import ratio as unit_ratio

__all__ = [
    "FuelCheck",
    "RetailCheck",
    "ScaleMpe",
    "allowed_shortfall",
    "fuel_delivery",
    "required_scale_interval",
    "retail_counter_check",
    "scale_mpe",
    "vn_number",
]

TRADE_FACTOR = Decimal("1.5")
_RETAIL_FILE = "retail_tt09_2017.csv"
TT09 = "TT 09/2017/TT-BKHCN"
TT15 = "TT 15/2015/TT-BKHCN (sửa đổi bởi TT 08/2018/TT-BKHCN)"


def vn_number(value: Any, places: int | None = None, *, digits: int | None = None) -> str:
    """``value`` written the Vietnamese way: decimal comma, no trailing zeros, a dot between thousands only when
    the whole part has four digits or more (``Decimal("2.000")`` → ``2``, ``50.0000`` → ``50``, ``0.3470`` →
    ``0,347``, ``1250.5`` → ``1.250,5``, ``-12.5`` → ``-12,5``).  ``places``: round half up to that many decimals
    first (``0.34667, 3`` → ``0,347``); ``digits``: to that many significant digits (a float mean,
    ``999.56666…, digits=6`` → ``999,567``).  ``None`` gives ``""``; a value that is not a number is returned as
    text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not d.is_finite():
        return str(value)
    if digits is not None:
        d = Decimal(format(d, f".{digits}g"))
    if places is not None:
        d = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(d.normalize(), "f")
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _dot, frac = text.partition(".")
    if len(whole) > 3:
        head = len(whole) % 3 or 3
        whole = ".".join([whole[:head], *(whole[i : i + 3] for i in range(head, len(whole), 3))])
    out = whole + ("," + frac if frac else "")
    return "0" if out == "0" else sign + out


def _dec(x: Any, field: str, *, positive: bool = False, nonnegative: bool = False) -> Decimal:
    if isinstance(x, bool) or not isinstance(x, int | float | Decimal | str):
        raise InvalidType(f"{field} must be a number, got {x!r}", field=field, value=x)
    try:
        d = Decimal(str(x).strip().replace(",", ".")) if isinstance(x, str) else Decimal(str(x))
    except ArithmeticError:
        raise InvalidType(f"{field} must be a number, got {x!r}", field=field, value=x) from None
    if not d.is_finite():
        raise InvalidInput(f"{field} is not finite", code="nan_value", field=field, value=x)
    if positive and d <= 0:
        raise InvalidInput(f"{field} must be positive", code="not_positive", field=field, value=x)
    if nonnegative and d < 0:
        raise InvalidInput(f"{field} must not be negative", code="negative_value", field=field, value=x)
    return d


def _mass_unit(unit: str) -> str:
    if not isinstance(unit, str):
        raise InvalidType("unit must be a string", code="unknown_unit", field="unit", value=unit)
    u = canonical_unit(unit)
    if dimension_of(u) != "mass":
        raise InvalidInput(f"{unit} is not a unit of mass", code="unit_mismatch", field="unit", value=unit)
    return u


def _to_g(x: Decimal, unit: str) -> Decimal:
    r = unit_ratio(unit, "g")
    return x * Decimal(r.numerator) / Decimal(r.denominator)


def _from_g(x: Decimal, unit: str) -> Decimal:
    r = unit_ratio("g", unit)
    return x * Decimal(r.numerator) / Decimal(r.denominator)


# ---------------------------------------------------------------------------------------------------------------
# Non-automatic scales


@dataclass(frozen=True)
class ScaleMpe:
    """MPE of a non-automatic scale at one test load (magnitudes, in ``unit``)."""

    accuracy_class: str
    e: Decimal
    max_capacity: Decimal
    load: Decimal
    unit: str
    initial: Decimal
    in_service: Decimal
    initial_rule: str
    in_service_rule: str
    clause: str


def scale_mpe(accuracy_class: str, e: Any, max_capacity: Any, load: Any, unit: str = "g") -> ScaleMpe:
    """Initial and in-service MPE of a non-automatic scale (class I–IIII) at ``load``.

    Raises:
        OutOfRange: the load is above Max (code ``load_above_max``) or negative.
        RuleNotFound: unknown accuracy class.
        InvalidInput: e or Max not positive, e above Max, non-numbers.
    """
    u = _mass_unit(unit)
    e_d = _dec(e, "e", positive=True)
    max_d = _dec(max_capacity, "max_capacity", positive=True)
    load_d = _dec(load, "load", nonnegative=True)
    if e_d > max_d:
        raise InvalidInput("e must not exceed Max", code="e_above_max", field="e", value=e)
    if load_d > max_d:
        raise OutOfRange(
            f"test load {load_d} {u} is above Max {max_d} {u}",
            code="load_above_max",
            field="load",
            value=load,
        )
    params = {"e": e_d, "Max": max_d}
    m_i, r_i = _mpe.maximum_permissible_error("nawi", accuracy_class, "initial", load_d, u, params)
    m_s, r_s = _mpe.maximum_permissible_error("nawi", accuracy_class, "in_service", load_d, u, params)
    return ScaleMpe(
        accuracy_class=accuracy_class,
        e=e_d,
        max_capacity=max_d,
        load=load_d,
        unit=u,
        initial=Decimal(str(m_i)),
        in_service=Decimal(str(m_s)),
        initial_rule=r_i.rule_id,
        in_service_rule=r_s.rule_id,
        clause=r_s.clause,
    )


# ---------------------------------------------------------------------------------------------------------------
# Fuel dispensers


@dataclass(frozen=True)
class FuelCheck:
    """One delivery into a standard capacity measure.

    ``error_percent`` = (indicated − actual) / actual × 100: positive when the dispenser shows more than it
    delivered, i.e. the customer receives less.  ``trade_limit_percent`` = 1.5 × the dispenser's positive MPE.
    """

    indicated_l: Decimal
    actual_l: Decimal
    error_percent: Decimal
    mpe_percent: Decimal
    trade_limit_percent: Decimal
    conforming: bool
    clause: str
    explanation: str


def fuel_delivery(
    indicated_l: Any,
    measure_nominal_l: Any,
    measure_reading_l: Any = None,
    *,
    temperature_c: Any = None,
    measure_reference_temperature_c: Any = 20,
    measure_expansion_per_c: Any = None,
    mpe_percent: Any = None,
    accuracy_class: str = "0.5",
    mmq_l: Any = 2,
) -> FuelCheck:
    """Error % of a fuel delivery and the trade rule (TT 15/2015 Art. 6(3)).

    Args:
        indicated_l: volume shown by the dispenser, in litres.
        measure_nominal_l: nominal volume of the standard capacity measure at its reference temperature.
        measure_reading_l: the volume read on the measure's neck scale (default: the nominal volume).
        temperature_c: temperature of the measure (and of the fuel in it) during the test.
        measure_reference_temperature_c: reference temperature of the measure (usually 20 °C).
        measure_expansion_per_c: cubical expansion coefficient of the measure's material, per °C; required when
            ``temperature_c`` differs from the reference (the volume of the measure at t is
            V_ref × (1 + β (t − t_ref))).
        mpe_percent: the dispenser's MPE in %; default: the rule table (OIML R 117-1 line A, class 0.5).
    """
    ind = _dec(indicated_l, "indicated_l", positive=True)
    nominal = _dec(measure_nominal_l, "measure_nominal_l", positive=True)
    reading = (
        nominal if measure_reading_l is None else _dec(measure_reading_l, "measure_reading_l", positive=True)
    )
    actual = reading
    if temperature_c is not None:
        t = _dec(temperature_c, "temperature_c")
        t_ref = _dec(measure_reference_temperature_c, "measure_reference_temperature_c")
        if t != t_ref:
            if measure_expansion_per_c is None:
                raise InvalidInput(
                    "the expansion coefficient of the measure is needed to correct for temperature",
                    code="expansion_missing",
                    field="measure_expansion_per_c",
                )
            beta = _dec(measure_expansion_per_c, "measure_expansion_per_c", nonnegative=True)
            actual = reading * (1 + beta * (t - t_ref))
    if mpe_percent is None:
        res = _mpe.evaluate(
            "fuel_dispenser", accuracy_class, "initial", actual, ind, "L", {"MMQ": _dec(mmq_l, "mmq_l")}
        )
        mpe_pct = Decimal(str(res.mpe)) / actual * 100
    else:
        mpe_pct = _dec(mpe_percent, "mpe_percent", positive=True)
    err = (ind - actual) / actual * 100
    limit = TRADE_FACTOR * mpe_pct
    ok = err <= limit
    if ok:
        expl = (
            f"Sai số {vn_number(err, 3)} % không vượt quá 1,5 × {vn_number(mpe_pct, 3)} % = "
            f"{vn_number(limit, 3)} % (giới hạn dương): đạt."
        )
    else:
        expl = (
            f"Sai số {vn_number(err, 3)} % vượt quá 1,5 × {vn_number(mpe_pct, 3)} % = {vn_number(limit, 3)} %: "
            "người mua nhận thiếu, không đạt."
        )
    return FuelCheck(
        indicated_l=ind,
        actual_l=actual,
        error_percent=err,
        mpe_percent=mpe_pct,
        trade_limit_percent=limit,
        conforming=ok,
        clause=f"{TT15}, Điều 6 khoản 3",
        explanation=expl,
    )


# ---------------------------------------------------------------------------------------------------------------
# Retail counter-check (TT 09/2017)


@dataclass(frozen=True)
class _Band:
    table: str
    scale_max_g: Decimal | None
    scale_d_g: Decimal | None
    lower: Decimal
    lower_inclusive: bool
    upper: Decimal
    upper_inclusive: bool
    value: Decimal
    clause: str
    confidence: str

    def holds(self, m: Decimal) -> bool:
        lo = m >= self.lower if self.lower_inclusive else m > self.lower
        hi = m <= self.upper if self.upper_inclusive else m < self.upper
        return lo and hi


@cache
def _bands() -> tuple[_Band, ...]:
    out = []
    for r in read_csv(_RETAIL_FILE):
        out.append(
            _Band(
                table=r["table"],
                scale_max_g=Decimal(r["scale_max_g"]) if r["scale_max_g"] else None,
                scale_d_g=Decimal(r["scale_d_g"]) if r["scale_d_g"] else None,
                lower=Decimal(r["lower_g"]),
                lower_inclusive=r["lower_inclusive"] == "yes",
                upper=Decimal(r["upper_g"]),
                upper_inclusive=r["upper_inclusive"] == "yes",
                value=Decimal(r["value"]),
                clause=r["clause"],
                confidence=r["confidence"],
            )
        )
    return tuple(out)


def required_scale_interval(quantity: Any, unit: str = "g") -> Decimal:
    """Largest scale interval d (in ``unit``) allowed for weighing ``quantity`` in retail (TT 09/2017 Table 1)."""
    u = _mass_unit(unit)
    m = _to_g(_dec(quantity, "quantity", positive=True), u)
    for b in _bands():
        if b.table == "suitability" and b.holds(m):
            return _from_g(b.value, u)
    raise OutOfRange(
        "quantity outside Table 1 of TT 09/2017 (above 40 g up to 100 kg)",
        code="quantity_outside_table",
        field="quantity",
        value=quantity,
    )


def allowed_shortfall(
    quantity: Any,
    unit: str = "g",
    *,
    spring_dial: bool,
    max_capacity: Any,
    d: Any = None,
    accuracy_class: str | None = None,
    e: Any = None,
) -> tuple[Decimal, str]:
    """Allowed shortfall (in ``unit``) when weighing ``quantity`` in retail, and the clause applied.

    A spring dial scale (``spring_dial=True``, with its Max and d) follows Table 2 of TT 09/2017 Art. 5(1);
    any other scale (with class and e) is allowed 2 × its MPE at initial verification (Art. 5(2)).
    """
    u = _mass_unit(unit)
    q = _dec(quantity, "quantity", positive=True)
    max_d = _dec(max_capacity, "max_capacity", positive=True)
    if q > max_d:
        raise OutOfRange(
            "quantity above Max of the scale", code="load_above_max", field="quantity", value=quantity
        )
    if spring_dial:
        d_d = _dec(d, "d", positive=True)
        m, mx, dg = _to_g(q, u), _to_g(max_d, u), _to_g(d_d, u)
        rows = [b for b in _bands() if b.table == "shortfall" and b.scale_max_g == mx and b.scale_d_g == dg]
        if not rows:
            raise OutOfRange(
                "no spring dial scale of this Max and d in Table 2 of TT 09/2017",
                code="scale_not_in_table",
                field="max_capacity",
                value=max_capacity,
            )
        for b in rows:
            if b.holds(m):
                return _from_g(b.value * dg, u), f"{TT09}, Điều 5 khoản 1, Bảng 2 ({b.value} d)"
        raise OutOfRange(
            "quantity outside the weighing range of Table 2 for this scale",
            code="quantity_outside_table",
            field="quantity",
            value=quantity,
        )
    if accuracy_class is None or e is None:
        raise InvalidInput("accuracy class and e are required", code="class_missing", field="accuracy_class")
    s = scale_mpe(accuracy_class, e, max_d, q, u)
    return 2 * s.initial, f"{TT09}, Điều 5 khoản 2 (2 × MPE kiểm định ban đầu, {s.initial_rule})"


@dataclass(frozen=True)
class RetailCheck:
    """A comparison measurement (phép đo đối chứng) of one retail weighing."""

    direction: str
    indicated: Decimal
    check_mass: Decimal
    shortfall: Decimal
    allowed: Decimal
    conforming: bool
    suitable_scale: bool | None
    required_d: Decimal | None
    clause: str
    explanation: str


def retail_counter_check(
    indicated: Any,
    check_mass: Any,
    unit: str = "g",
    *,
    direction: str,
    spring_dial: bool,
    max_capacity: Any,
    d: Any = None,
    accuracy_class: str | None = None,
    e: Any = None,
) -> RetailCheck:
    """Verdict of a counter-check with check weights (TT 09/2017 Art. 6(3)).

    ``direction`` is ``"selling"`` (the trader sells: nonconforming when indication − check mass exceeds the
    allowed shortfall) or ``"buying"`` (the trader buys from a customer: nonconforming when check mass −
    indication exceeds it).  The scale's suitability (Table 1) is reported when d is known.
    """
    if direction not in ("selling", "buying"):
        raise InvalidInput(
            "direction must be selling or buying", code="bad_direction", field="direction", value=direction
        )
    u = _mass_unit(unit)
    ind = _dec(indicated, "indicated", nonnegative=True)
    cm = _dec(check_mass, "check_mass", positive=True)
    allowed, clause = allowed_shortfall(
        cm, u, spring_dial=spring_dial, max_capacity=max_capacity, d=d, accuracy_class=accuracy_class, e=e
    )
    short = ind - cm if direction == "selling" else cm - ind
    ok = short <= allowed
    interval = d if d is not None else e
    req = suitable = None
    if interval is not None:
        try:
            req = required_scale_interval(cm, u)
            suitable = _dec(interval, "d") <= req
        except OutOfRange:
            req = suitable = None
    who = "người mua" if direction == "selling" else "người bán cho cơ sở"
    if ok:
        expl = f"Lượng thiếu {vn_number(short)} {u} không vượt quá lượng thiếu cho phép {vn_number(allowed)} {u}: đạt."
    else:
        expl = (
            f"Lượng thiếu {vn_number(short)} {u} vượt quá lượng thiếu cho phép {vn_number(allowed)} {u}: "
            f"{who} bị thiệt, không đạt."
        )
    return RetailCheck(
        direction=direction,
        indicated=ind,
        check_mass=cm,
        shortfall=short,
        allowed=allowed,
        conforming=ok,
        suitable_scale=suitable,
        required_d=req,
        clause=clause,
        explanation=expl,
    )
