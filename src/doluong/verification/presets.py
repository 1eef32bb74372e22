"""Preset rows of a record's results table, from the instrument type's MPE rule (registry `mpe_rule`, the key of
a table of `doluong.metrology.mpe`).

The presets are the test points the rule's bands are written for (a water meter's Q1, Q2 and Q3; a balance's
minimum, half and full load …): each gives the label, the unit of the rule and the operating conditions the rule
needs. Where the instrument parameters are known (typed in the form: "Q3=2.5; R=80", "e=0.1; Max=60") the
nominal load or the flow rate is computed; otherwise the person fills them. A preset row that stays without a
nominal value and a value found is ignored on saving, like an empty row; the action judges every row filled.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def _num(params: dict, name: str) -> Decimal | None:
    try:
        value = Decimal(str(params.get(name, "")).replace(",", ".").strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() and value > 0 else None


def _text(value: Decimal) -> str:
    """A short decimal as a Vietnamese reads it (decimal comma, no trailing zeros)."""
    value = value.quantize(Decimal("0.00000001")).normalize()
    text = f"{value:f}"
    return text.replace(".", ",")


def _water_meter(params):
    q3, ratio = _num(params, "Q3"), _num(params, "R")
    q1 = q3 / ratio if q3 and ratio else None
    flows = {"Q1": q1, "Q2": q1 * Decimal("1.6") if q1 else None, "Q3": q3}
    rows = []
    for label, flow in flows.items():
        condition = f"flow_rate={_text(flow)}; " if flow else f"flow_rate={label}; "
        rows.append({"label": label, "unit": "L", "conditions": condition + "temperature=20"})
    return rows


def _nawi(params):
    e, top = _num(params, "e"), _num(params, "Max")
    loads = [("Min (20e)", e * 20 if e else None), ("½ Max", top / 2 if top else None), ("Max", top)]
    return [{"label": label, "unit": "kg", "nominal": _text(v) if v else ""} for label, v in loads]


def _fuel_dispenser(params):
    mmq = _num(params, "MMQ")
    return [
        {"label": _("minimum flow rate"), "unit": "L", "nominal": _text(mmq * 10) if mmq else ""},
        {"label": _("maximum flow rate"), "unit": "L", "nominal": "20"},
    ]


def _electricity(params):
    ib = _num(params, "Ib")
    imax = _num(params, "Imax")
    rows = []
    for label, current in (("0,1 Ib", ib / 10 if ib else None), ("Ib", ib), ("Imax", imax)):
        value = _text(current) if current else label.replace(" ", "").replace(",", ".")
        rows.append(
            {
                "label": label,
                "unit": "kWh",
                "conditions": f"current={value}; connection=direct; power_factor=1",
            }
        )
    return rows


def _sphygmomanometer(params):
    return [{"label": f"{p} mmHg", "unit": "mmHg", "nominal": str(p)} for p in (0, 50, 100, 150, 200, 250)]


def _taximeter(params):
    return [
        {"label": pgettext("test point", "distance"), "unit": "m", "nominal": "1000"},
        {"label": pgettext("test point", "time"), "unit": "s", "nominal": "3600"},
    ]


PRESETS = {
    "water_meter": _water_meter,
    "nawi": _nawi,
    "fuel_dispenser": _fuel_dispenser,
    "electricity_meter_active": _electricity,
    "sphygmomanometer": _sphygmomanometer,
    "taximeter": _taximeter,
}


def preset_points(itype, params: dict | None = None) -> list[dict]:
    """Initial rows of the results table for an instrument of `itype` (none when its type has no MPE rule)."""
    if itype is None or not itype.mpe_rule:
        return []
    make = PRESETS.get(itype.mpe_rule)
    return make(params or {}) if make else []
