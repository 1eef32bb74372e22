"""How a record's technical values read on a page: instrument parameters and operating conditions as
"Q3 = 2,5 m³/h; R = 80" (not a Python dict), the MPE rule as the instrument type's Vietnamese name (not the
library key ``water_meter``), the rule behind a point's verdict as a Vietnamese sentence (not the library's
English clause), and a metrology error's field as words ("cấp chính xác B", not ``accuracy_class=B``).

The stored values do not change (the API and the exports keep the keys); only what a person reads does.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

#: parameter or condition key -> (label, unit); a label that is a symbol (Q3, Max) stays as it is
QUANTITIES = {
    "Q1": ("Q1", "m³/h"),
    "Q2": ("Q2", "m³/h"),
    "Q3": ("Q3", "m³/h"),
    "Q4": ("Q4", "m³/h"),
    "R": ("R", ""),
    "e": ("e", None),  # None: the unit of the readings
    "d": ("d", None),
    "Max": ("Max", None),
    "Min": ("Min", None),
    "MMQ": (gettext_lazy("minimum measured quantity"), None),
    "Ib": ("Ib", "A"),
    "In": ("In", "A"),
    "Imax": ("Imax", "A"),
    "current": (gettext_lazy("current"), "A"),
    "flow_rate": (gettext_lazy("flow rate"), "m³/h"),
    "temperature": (pgettext_lazy("measurement", "temperature"), "°C"),
    "connection": (gettext_lazy("connection"), ""),
    "power_factor": (gettext_lazy("power factor"), ""),
    "sin_phi": ("sin φ", ""),
    "value": (gettext_lazy("value"), None),
}

#: condition values that are words
VALUES = {
    "direct": gettext_lazy("direct"),
    "transformer": gettext_lazy("through transformers"),
}

#: a metrology error's field, as words in an error message
FIELDS = {
    "accuracy_class": gettext_lazy("accuracy class"),
    "instrument_type": gettext_lazy("instrument type"),
    "stage": gettext_lazy("kind of verification"),
    "unit": pgettext_lazy("measurement", "unit"),
    "params": gettext_lazy("instrument parameters"),
    "conditions": gettext_lazy("conditions"),
}

STAGES = {
    "initial": gettext_lazy("initial verification"),
    "in_service": gettext_lazy("in-service verification"),
}


def number(value) -> str:
    """A number in Vietnamese notation (decimal comma, no trailing zeros); other values as they are."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    try:
        d = Decimal(str(value)).normalize()
    except (InvalidOperation, ValueError):
        return str(VALUES.get(value, value))
    text = format(d, "f")
    return "0" if text in ("-0", "") else text.replace(".", ",")


def quantities(values, unit: str | None = None) -> str:
    """``{"Q3": "2.5", "R": "80"}`` -> ``Q3 = 2,5 m³/h; R = 80``; `unit` is the readings' unit (for e, Max …)."""
    if not isinstance(values, dict):
        return "" if values in (None, "", []) else str(values)
    parts = []
    for key, value in values.items():
        label, key_unit = QUANTITIES.get(key, (key.replace("_", " "), ""))
        shown_unit = unit if key_unit is None else key_unit
        text = f"{label} = {number(value)}"
        if shown_unit and _is_number(value):
            text += f" {shown_unit}"
        parts.append(text)
    return "; ".join(parts)


def _is_number(value) -> bool:
    try:
        Decimal(str(value))
    except (InvalidOperation, ValueError):
        return False
    return not isinstance(value, bool)


def field_detail(field: str | None, value) -> str:
    """`` (cấp chính xác B)`` for a metrology error on accuracy_class = B; '' without a field or value."""
    if not field or value is None:
        return ""
    label = FIELDS.get(field) or QUANTITIES.get(field, (field.replace("_", " "),))[0]
    return f" ({label} {number(value) if _is_number(value) else value})"


def rule_description(stored: str) -> str:
    """The Vietnamese reading of a point's stored rule ``"R49-2-lower: OIML R 49-1:2006, 3.2 (…)"``: the
    document and clause, accuracy class, kind of verification and the zone. A text that is not a library rule
    (the verifier's own MPE) is returned as it is."""
    from doluong.metrology import mpe

    rule_id, _sep, _clause = (stored or "").partition(": ")
    rule = next((r for r in mpe.default_table().rules() if r.rule_id == rule_id), None) if _sep else None
    if rule is None:
        return stored or ""
    reference = rule.clause.split(" (")[0]
    parts = [_("Maximum permissible error under %(reference)s") % {"reference": reference}]
    if rule.accuracy_class:
        parts.append(_("accuracy class %(cls)s") % {"cls": rule.accuracy_class})
    if rule.stage in STAGES:
        parts.append(str(STAGES[rule.stage]))
    zone = _zone(rule)
    if zone:
        parts.append(zone)
    return "; ".join(parts)


def _zone(rule) -> str:
    if not rule.zone_variable or (rule.zone_variable == "value" and rule.zone_lower in ("", "0")):
        return ""
    label = QUANTITIES.get(rule.zone_variable, (rule.zone_variable,))[0]

    def bound(text: str) -> str:
        return text.replace("*", "·").replace(".", ",")

    lower = (
        f"{bound(rule.zone_lower)} {'≤' if rule.zone_lower_inclusive else '<'} " if rule.zone_lower else ""
    )
    upper = (
        f" {'≤' if rule.zone_upper_inclusive else '<'} {bound(rule.zone_upper)}" if rule.zone_upper else ""
    )
    return _("zone %(zone)s") % {"zone": f"{lower}{label}{upper}"}
