"""Plausible ranges of physical values and years (docs/validation.md lists them field by field).

A value outside its range is a typing mistake (−500 °C, year 0), not a measurement: it is refused with one
Vietnamese message naming the field and the range. The same checks serve the model fields (validators), the
forms and the actions, so the API, the imports and the pages agree. Years are judged on the site's clock
(`core.dates.today`, pinned in the tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from .dates import today


@dataclass(frozen=True)
class Range:
    label: object  # lazy text: "the ambient temperature"
    low: Decimal
    high: Decimal
    unit: str = ""

    def message(self):
        return _("%(label)s must be between %(low)s and %(high)s%(unit)s.") % {
            "label": self.label,
            "low": _fmt(self.low),
            "high": _fmt(self.high),
            "unit": f" {self.unit}" if self.unit else "",
        }

    def __call__(self, value) -> None:
        """As a form field's validator."""
        message = self.check(value)
        if message:
            raise ValidationError(message, code="implausible")

    def check(self, value) -> str | None:
        """None when `value` is empty or plausible, else the message."""
        if value is None or value == "":
            return None
        try:
            number = Decimal(str(value).replace(",", "."))
        except (InvalidOperation, ValueError):
            return None  # not a number: the field's own parsing says so
        if not number.is_finite() or not self.low <= number <= self.high:
            return str(self.message())
        return None


def _fmt(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


#: ambient conditions of a verification (the room or the site; Vietnamese climate with margin)
AMBIENT_TEMPERATURE = Range(_("The ambient temperature"), Decimal(-10), Decimal(60), "°C")
RELATIVE_HUMIDITY = Range(_("The relative humidity"), Decimal(0), Decimal(100), "%")
AMBIENT_PRESSURE = Range(_("The atmospheric pressure"), Decimal(800), Decimal(1100), "hPa")
#: operating conditions of a results row (`conditions` of a measurement point)
CONDITION_RANGES = {
    "temperature": Range(_("The temperature of the test point"), Decimal(-50), Decimal(200), "°C"),
    "humidity": Range(_("The humidity of the test point"), Decimal(0), Decimal(100), "%"),
    "pressure": Range(_("The pressure of the test point"), Decimal(0), Decimal(100000), "kPa"),
    "flow_rate": Range(_("The flow rate of the test point"), Decimal(0), Decimal(100000), ""),
    "current": Range(_("The current of the test point"), Decimal(0), Decimal(100000), "A"),
}

FIRST_YEAR_OF_MANUFACTURE = 1900


def year_of_manufacture_range() -> Range:
    return Range(_("The year of manufacture"), Decimal(FIRST_YEAR_OF_MANUFACTURE), Decimal(today().year + 1))


@deconstructible
class YearOfManufacture:
    """Model validator of a year of manufacture: 1900 … next year (on the site's clock)."""

    def __call__(self, value):
        message = year_of_manufacture_range().check(value)
        if message:
            raise ValidationError(message, code="implausible")

    def __eq__(self, other):
        return isinstance(other, YearOfManufacture)


@deconstructible
class PlanYear:
    """Model validator of a year of a plan, a target or a report: 2000 … 2100."""

    def __call__(self, value):
        if value is not None and not 2000 <= value <= 2100:
            raise ValidationError(_("A year between 2000 and 2100."), code="implausible")

    def __eq__(self, other):
        return isinstance(other, PlanYear)


def condition_errors(conditions: dict, prefix: str = "") -> list[str]:
    """Messages for the operating conditions of a row that are numbers outside their range."""
    errors = []
    for name, value in (conditions or {}).items():
        rng = CONDITION_RANGES.get(str(name).strip())
        if rng is not None and not isinstance(value, bool):
            message = rng.check(value)
            if message:
                errors.append(f"{prefix}{message}")
    return errors
