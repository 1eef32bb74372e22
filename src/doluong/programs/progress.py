"""Progress computed, never typed twice: a registry of named calculators, one per data source of a target.

Each calculator turns the records linked to a target (activities) or the registry (instruments and providers'
registered scopes) into a figure for a date window. A target's actual value per year is the calculator over that
calendar year; its value for the phase is the calculator over the whole phase window for distinct counts (a person
trained in 2026 and 2027 is one person), the sum of the years for plain counts, and the level at the last day for
a percentage. Targets without a source take manual figures (`ManualFigure`), which are marked as such.

Forecast to the end of the phase at the current pace: the phase figure so far divided by the share of the phase
already elapsed (counted in days, from 1 January of the first year to today); a percentage is forecast at its
current level. The traffic light compares the figure, and the forecast, with the target.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from doluong.core.dates import today as site_today
from doluong.parties.choices import OrganisationKind, Ownership

from .choices import AssessmentResult, Comparator, Unit
from .models import (
    Attendance,
    CommunicationItem,
    Event,
    LabAssessment,
    MapEngagement,
    Source,
    StandardSupport,
    Survey,
    Target,
)

COUNT, DISTINCT, LEVEL = "count", "distinct", "level"


@dataclass(frozen=True)
class Calculator:
    key: str
    kind: str  # COUNT (additive over years), DISTINCT (distinct over a window), LEVEL (a level at a date)
    method: str
    compute: Callable[[Target, dt.date, dt.date], Decimal | None]


CALCULATORS: dict[str, Calculator] = {}


def calculator(key: str, kind: str, method):
    def register(fn):
        CALCULATORS[key] = Calculator(key, kind, method, fn)
        return fn

    return register


def _d(value) -> Decimal:
    return Decimal(value or 0)


def _window(qs, start: dt.date, end: dt.date, path: str = "date"):
    return qs.filter(**{f"{path}__gte": start, f"{path}__lte": end})


@calculator(
    Source.TRAINING_ATTENDANCE,
    COUNT,
    _(
        "Number of attendees on the lists of the training courses linked to this target, dated in the period; a "
        "person trained twice counts twice (lượt người)."
    ),
)
def training_attendance(target, start, end):
    return _d(
        _window(Attendance.objects.filter(training__targets=target), start, end, "training__date").count()
    )


@calculator(
    Source.TRAINING_PEOPLE,
    DISTINCT,
    _(
        "Number of distinct people on the lists of the training courses linked to this target, dated in the "
        "period. A person is the same person when the national ID number is the same, or, without it, when the "
        "name, date of birth and workplace are the same."
    ),
)
def training_people(target, start, end):
    rows = _window(Attendance.objects.filter(training__targets=target), start, end, "training__date")
    return _d(rows.values("person_key").distinct().count())


def _map(target, start, end):
    return _window(MapEngagement.objects.filter(targets=target), start, end)


@calculator(
    Source.MAP_ENGAGEMENTS,
    COUNT,
    _(
        "Number of Measurement Assurance Program engagements linked to this target, dated in the period (lượt)."
    ),
)
def map_engagements(target, start, end):
    return _d(_map(target, start, end).count())


@calculator(
    Source.MAP_ENTERPRISES,
    DISTINCT,
    _(
        "Number of distinct enterprises and other organisations (service providers excluded) supported under the "
        "Measurement Assurance Program by engagements linked to this target, dated in the period."
    ),
)
def map_enterprises(target, start, end):
    rows = _map(target, start, end).exclude(beneficiary__kind__in=OrganisationKind.providers())
    return _d(rows.values("beneficiary_id").distinct().count())


@calculator(
    Source.MAP_PROVIDERS,
    DISTINCT,
    _(
        "Number of distinct verification, calibration and testing service providers supported under the "
        "Measurement Assurance Program by engagements linked to this target, dated in the period."
    ),
)
def map_providers(target, start, end):
    rows = _map(target, start, end).filter(beneficiary__kind__in=OrganisationKind.providers())
    return _d(rows.values("beneficiary_id").distinct().count())


@calculator(
    Source.MAP_STATE,
    COUNT,
    _(
        "Number of Measurement Assurance Program engagements with state-capital enterprises linked to this target."
    ),
)
def map_state(target, start, end):
    return _d(_map(target, start, end).filter(beneficiary__ownership=Ownership.STATE).count())


@calculator(
    Source.MAP_PRIVATE,
    COUNT,
    _("Number of Measurement Assurance Program engagements with private enterprises linked to this target."),
)
def map_private(target, start, end):
    return _d(_map(target, start, end).filter(beneficiary__ownership=Ownership.PRIVATE).count())


@calculator(
    Source.LAB_ASSESSMENTS,
    DISTINCT,
    _(
        "Number of distinct laboratories assessed as meeting the national criteria set, in assessments linked to "
        "this target and dated in the period."
    ),
)
def lab_assessments(target, start, end):
    rows = _window(LabAssessment.objects.filter(targets=target, result=AssessmentResult.MEETS), start, end)
    return _d(rows.values("lab_id").distinct().count())


@calculator(
    Source.STANDARDS_SUPPORTED,
    COUNT,
    _(
        "Sum of the standards and instruments in the support records linked to this target, dated in the period."
    ),
)
def standards_supported(target, start, end):
    return _d(
        _window(StandardSupport.objects.filter(targets=target), start, end).aggregate(n=Sum("quantity"))["n"]
    )


@calculator(
    Source.COMMUNICATION_ITEMS,
    COUNT,
    _(
        "Number of communication items (press, radio, television, portal, social media) linked to this target."
    ),
)
def communication_items(target, start, end):
    return _d(_window(CommunicationItem.objects.filter(targets=target), start, end).count())


@calculator(Source.EVENTS, COUNT, _("Number of conferences, workshops and events linked to this target."))
def events(target, start, end):
    return _d(_window(Event.objects.filter(targets=target), start, end).count())


@calculator(Source.SURVEYS, COUNT, _("Number of surveys linked to this target."))
def surveys(target, start, end):
    return _d(_window(Survey.objects.filter(targets=target), start, end).count())


def coverage(province_id: str, day: dt.date) -> tuple[int, int]:
    """(instruments in use in the province whose type is in the registered scope of a provider of the province,
    instruments in use in the province), as recorded on `day`."""
    from doluong.parties.models import RegistrationScope
    from doluong.registry.choices import InstrumentStatus
    from doluong.registry.models import Instrument

    types = (
        RegistrationScope.objects.filter(
            registration__organisation__province_id=province_id,
            registration__organisation__kind__in=OrganisationKind.providers(),
            registration__organisation__is_active=True,
            registration__issued_on__lte=day,
            instrument_type__isnull=False,
        )
        .filter(Q(registration__valid_until__isnull=True) | Q(registration__valid_until__gte=day))
        .values("instrument_type_id")
    )
    instruments = Instrument.objects.filter(
        province_id=province_id, status=InstrumentStatus.IN_USE, created__date__lte=day
    )
    counts = instruments.aggregate(
        total=Count("pk"), covered=Count("pk", filter=Q(instrument_type_id__in=types))
    )
    return counts["covered"], counts["total"]


@calculator(
    Source.DEMAND_COVERAGE,
    LEVEL,
    _(
        "Share of the measuring instruments in use in the province whose type lies within the registered scope "
        "of at least one verification, calibration or testing provider of the province (registration valid on "
        "the day), on the last day of the period or today."
    ),
)
def demand_coverage(target, start, end):
    covered, total = coverage(target.plan.province_id, end)
    if not total:
        return None
    return (Decimal(covered) * 100 / Decimal(total)).quantize(Decimal("0.1"), ROUND_HALF_UP)


MANUAL_METHOD = _(
    "No record in doluong measures this target: the figures are typed by the Department's officer, year by year, "
    "and marked as manual (with their change history)."
)


# ------------------------------------------------------------------------------------------- progress


LIGHTS = {
    "achieved": ("success", _("Achieved")),
    "on_track": ("success", _("On track")),
    "at_risk": ("warning", _("At risk")),
    "behind": ("danger", _("Behind")),
    "missed": ("danger", _("Not achieved")),
    "not_started": ("secondary", _("Not started yet")),
    "qualitative": ("secondary", _("Qualitative")),
}


@dataclass
class Progress:
    target: Target
    method: str
    is_manual: bool
    years: list[int]
    by_year: dict[int, Decimal | None]
    total: Decimal | None
    forecast: Decimal | None
    elapsed: float
    light: str
    as_of: dt.date
    notes: dict[int, str] = field(default_factory=dict)

    @property
    def percent(self) -> Decimal | None:
        """The figure as a share of the target value (for ≥ and > targets)."""
        value = self.target.value
        if self.total is None or not value:
            return None
        return (self.total * 100 / value).quantize(Decimal("1"), ROUND_HALF_UP)

    @property
    def light_class(self) -> str:
        return LIGHTS[self.light][0]

    @property
    def light_label(self) -> str:
        return str(LIGHTS[self.light][1])

    @property
    def forecast_percent(self) -> Decimal | None:
        value = self.target.value
        if self.forecast is None or not value:
            return None
        return (self.forecast * 100 / value).quantize(Decimal("1"), ROUND_HALF_UP)


def _round(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    places = Decimal("1") if value == value.to_integral_value() else Decimal("0.1")
    return value.quantize(places, ROUND_HALF_UP)


def _manual(target: Target, years: list[int]):
    figures = {f.year: f for f in target.manual_figures.all()}
    by_year = {y: (figures[y].value if y in figures else None) for y in years}
    notes = {y: figures[y].note for y in years if y in figures and figures[y].note}
    return by_year, notes


def target_progress(target: Target, today: dt.date | None = None) -> Progress:
    """Actual per year, for the phase, forecast and traffic light of `target`."""
    today = today or site_today()
    first, last = target.first_year, target.last_year
    years = list(range(first, last + 1))
    start, end = dt.date(first, 1, 1), dt.date(last, 12, 31)
    as_of = min(today, end)
    calc = CALCULATORS.get(target.source)
    notes: dict[int, str] = {}
    if calc is None:
        by_year, notes = _manual(target, years)
        known = [v for v in by_year.values() if v is not None]
        if not known:
            total = None
        elif target.unit == Unit.PERCENT:
            total = next(by_year[y] for y in reversed(years) if by_year[y] is not None)
        else:
            total = sum(known, Decimal(0))
        kind = LEVEL if target.unit == Unit.PERCENT else COUNT
        method = str(MANUAL_METHOD)
    else:
        kind = calc.kind
        method = str(calc.method)
        by_year = {}
        for year in years:
            if year > today.year:
                by_year[year] = None
                continue
            by_year[year] = calc.compute(target, dt.date(year, 1, 1), min(dt.date(year, 12, 31), today))
        if today < start:
            total = None
        elif kind == COUNT:
            total = sum((v for v in by_year.values() if v is not None), Decimal(0))
        else:
            total = calc.compute(target, start, as_of)
    total = _round(total)
    by_year = {y: _round(v) for y, v in by_year.items()}
    span = (end - start).days + 1
    elapsed = 0.0 if today < start else min(1.0, ((as_of - start).days + 1) / span)
    forecast = None
    if total is not None and elapsed > 0:
        forecast = total
        if kind != LEVEL and elapsed < 1:  # whole units: 859.6 people is 860 people
            forecast = (total / Decimal(str(elapsed))).quantize(Decimal("1"), ROUND_HALF_UP)
    light = _light(target, total, forecast, today, start, end)
    return Progress(
        target=target,
        method=method,
        is_manual=calc is None,
        years=years,
        by_year=by_year,
        total=total,
        forecast=forecast,
        elapsed=elapsed,
        light=light,
        as_of=as_of,
        notes=notes,
    )


def _light(target, total, forecast, today, start, end) -> str:
    if target.value is None:
        return "qualitative"
    if today < start:
        return "not_started"
    if total is not None and target.met(total) and target.comparator != Comparator.LTE:
        return "achieved"
    if today > end:
        return "achieved" if total is not None and target.met(total) else "missed"
    if total is None or forecast is None:
        return "behind"
    if target.met(forecast):
        return "on_track"
    if target.comparator in (Comparator.GTE, Comparator.GT, "") and forecast >= target.value * Decimal("0.8"):
        return "at_risk"
    return "behind"


def plan_progress(plan, today: dt.date | None = None) -> list[Progress]:
    targets = plan.targets.select_related("phase", "plan").prefetch_related("manual_figures")
    return [target_progress(t, today) for t in targets]
