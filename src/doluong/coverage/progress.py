"""Plan-progress data sources: a target binds to the capability or the realised coverage of its plan's province."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from doluong.programs.progress import LEVEL, calculator
from doluong.programs.sources import SOURCES

from . import data, formula

CAPABILITY = "coverage_capability"
REALISED = "coverage_realised"

SOURCES.register(CAPABILITY, _("Coverage: capability of local providers (annual demand, versioned formula)"))
SOURCES.register(REALISED, _("Coverage: realised by local providers (certificates)"))


def _percent(value) -> Decimal | None:
    return None if value is None else Decimal(value)


@calculator(
    CAPABILITY,
    LEVEL,
    _(
        "Annual verification demand (Σ 12 ÷ cycle in force over the instruments in use, plus survey estimates) "
        "met by the registered scope and declared capacity of the province's providers, ÷ the demand, on the "
        "last day of the period or today, under the coverage formula version in force that day."
    ),
)
def capability(target, start, end):
    return _percent(data.current(target.plan.province_id, end)["capability"]["percent"])


@calculator(
    REALISED,
    LEVEL,
    _(
        "Certificates of verification or calibration of the province's instruments issued in the period by the "
        "province's providers ÷ all such certificates (revoked ones excluded)."
    ),
)
def realised(target, start, end):
    inputs = data.services(target.plan.province_id, start, end)
    return _percent(formula.realised(inputs).as_dict()["percent"])
