"""The calibration plan's computations: the year's lines from the inventory's due dates, the interval suggestion
from an item's own history (NCSLI RP-1 method A3, `metrology.intervals`), the local providers whose registered
scope covers a planned calibration, and the reminders of the coming planned calibrations."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from doluong.core.actions import save_object
from doluong.core.dates import add_months, today
from doluong.core.text import fold

from .plan_models import CalibrationPlan, Equipment, EquipmentCalibration, PlanLine

#: days in a month when an interval in months is tested in days (365.25 / 12)
DAYS_PER_MONTH = 30.4375
#: how many days ahead of a planned calibration the enterprise is reminded
REMINDER_DAYS = 30


# ------------------------------------------------------------------------------------------- plan lines


def due_dates(equipment: Equipment, year: int) -> list[tuple[dt.date, dt.date]]:
    """(due date, planned date) of each calibration of `equipment` falling in `year`: its next due date, then
    every interval after it. A due date before the year that is still to come (another year's plan has it) is
    followed on by intervals, as if done on time; one already overdue before the year is planned on 1 January
    (the following ones count from that day)."""
    months, due = equipment.interval(), equipment.next_due()
    if not months or not due:
        return []
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    out = []
    if due < start and due < today():
        out.append((due, start))
        due = add_months(start, months)
    while due < start:
        due = add_months(due, months)
    while due <= end:
        out.append((due, due))
        due = add_months(due, months)
    return out


@transaction.atomic
def generate_lines(plan: CalibrationPlan, user) -> tuple[list[PlanLine], list[Equipment]]:
    """Add to `plan` a line for each due date in its year of each item in use of the enterprise's inventory
    (lines already there are kept as edited). Returns the lines made and the items without a due date."""
    made, undated = [], []
    existing = set(plan.lines.values_list("equipment_id", "due_on"))
    items = (
        Equipment.objects.filter(enterprise_id=plan.enterprise_id, in_use=True)
        .select_related("instrument__instrument_type", "instrument__last_verified_by", "instrument_type")
        .prefetch_related("instrument__instrument_type__rules")
    )
    for item in items:
        dates = due_dates(item, plan.year)
        if not dates and not item.next_due():
            undated.append(item)
        for due, planned in dates:
            if (item.pk, due) in existing:
                continue
            line = PlanLine(plan=plan, equipment=item, due_on=due, planned_on=planned)
            line.provider = default_provider(line)
            made.append(save_object(line, user, change_reason=gettext("generated from the inventory")))
    return made, undated


def default_provider(line: PlanLine):
    """The provider that last verified the instrument if it still covers it, else the first matching one."""
    matches = [m for m in match_providers(line) if m.matches]
    last = line.equipment.instrument.last_verified_by if line.equipment.instrument_id else None
    for m in matches:
        if last is not None and m.provider.pk == last.pk:
            return m.provider
    return matches[0].provider if matches else None


# ------------------------------------------------------------------------------------------- RP-1 A3


@dataclass
class HistoryPeriod:
    start: dt.date
    end: dt.date
    in_tolerance: bool
    source: str
    days: int = 0
    counted: bool = False


@dataclass
class Suggestion:
    current_months: int | None
    current_days: float | None
    target: float
    window_days: float | None
    periods: list[HistoryPeriod] = field(default_factory=list)
    result: object | None = None  # metrology.intervals.A3Result
    suggested_months: int | None = None
    legal_months: int | None = None
    capped: bool = False
    message: str = ""


def history(equipment: Equipment) -> list[tuple[dt.date, bool, str]]:
    """The item's calibrations as found, oldest first: its own entries, and for a Group 2 instrument the
    registry's verification records (passed = in tolerance; voided and results-only records are left out).
    On a day with both, the enterprise's own entry counts."""
    from doluong.verification.choices import Result
    from doluong.verification.models import VerificationRecord

    events: dict[dt.date, tuple[bool, str]] = {}
    if equipment.instrument_id:
        records = VerificationRecord.objects.filter(
            instrument_id=equipment.instrument_id,
            voided_on__isnull=True,
            result__in=[Result.PASSED, Result.FAILED],
        ).values_list("performed_on", "result", "number")
        for day, result, number in records:
            events[day] = (result == Result.PASSED, number)
    for cal in EquipmentCalibration.objects.filter(equipment=equipment):
        events[cal.calibrated_on] = (cal.in_tolerance, cal.certificate_number or gettext("own record"))
    return [(day, ok, source) for day, (ok, source) in sorted(events.items())]


def suggest_interval(equipment: Equipment) -> Suggestion:
    """RP-1 method A3 on the item's own history: each pair of consecutive calibrations is one period, in or
    out of tolerance as found at its end; the periods within the window of the interval in force are tested
    (`metrology.intervals.a3_from_history`, window min(56 days, half the interval)). The suggestion in months
    is rounded down and, for a Group 2 instrument, never longer than the legal cycle."""
    from doluong.metrology import intervals
    from doluong.metrology.errors import MetrologyError

    months = equipment.interval()
    target = float(equipment.reliability_target)
    s = Suggestion(
        current_months=months,
        current_days=months * DAYS_PER_MONTH if months else None,
        target=target,
        window_days=min(56.0, 0.5 * months * DAYS_PER_MONTH) if months else None,
        legal_months=equipment.legal_cycle_months(),
    )
    events = history(equipment)
    records = []
    for (a, _ok, _src), (b, ok, src) in zip(events, events[1:], strict=False):
        period = HistoryPeriod(start=a, end=b, in_tolerance=ok, source=src, days=(b - a).days)
        if s.current_days:
            period.counted = abs(period.days - s.current_days) <= s.window_days
        s.periods.append(period)
        records.append(intervals.CalibrationRecord(start=a, end=b, in_tolerance=ok))
    if not months:
        s.message = gettext("No interval in force: give an internal interval or a legal cycle.")
        return s
    if not any(p.counted for p in s.periods):
        s.message = gettext(
            "Not enough history: no period between two calibrations lies within %(window)s days of the "
            "interval in force."
        ) % {"window": f"{s.window_days:.0f}"}
        return s
    # a Group 2 instrument's interval is never longer than its legal cycle: the method's upper limit
    limits = {"max_interval": s.legal_months * DAYS_PER_MONTH} if s.legal_months else {}
    try:
        s.result = intervals.a3_from_history(records, s.current_days, target, **limits)
    except MetrologyError as exc:
        s.message = str(exc)
        return s
    suggested = max(1, int(s.result.interval // DAYS_PER_MONTH)) if s.result.changed else months
    if s.legal_months:
        s.capped = s.result.changed and s.result.calculated > limits["max_interval"]
        suggested = min(suggested, s.legal_months)
    s.suggested_months = suggested
    return s


# ------------------------------------------------------------------------------------------- providers

_NUMBER = r"[-+]?\d+(?:[.,]\d+)?"
_RANGE = re.compile(rf"({_NUMBER})\s*(?:÷|~|–|—|-|đến|to|\.\.)\s*({_NUMBER})\s*([^\s,;()]+)?", re.IGNORECASE)
_SINGLE = re.compile(rf"^(?:U\s*=|±)?\s*({_NUMBER})\s*([^\s,;()%]+)?$", re.IGNORECASE)


def _num(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


def parse_range(text: str):
    """(low, high, unit) from a scope line's range text such as "0 ÷ 150 kg" or "0,5 - 10 m3/h"; None if the
    text gives no range."""
    m = _RANGE.search(text or "")
    if not m:
        return None
    low, high = _num(m.group(1)), _num(m.group(2))
    if low is None or high is None or low > high:
        return None
    return low, high, (m.group(3) or "").strip()


def parse_uncertainty(text: str):
    """(value, unit) from a scope line's accuracy text when it is one uncertainty value ("U = 0,5 g", "±0.2
    °C", "0.01 mm"); None for an accuracy class, a percentage or any other text."""
    text = (text or "").strip()
    if not text or "%" in text or fold(text).startswith(("cap", "class")):
        return None
    m = _SINGLE.match(text)
    if not m:
        return None
    value = _num(m.group(1))
    return (abs(value), (m.group(2) or "").strip()) if value is not None else None


@dataclass
class Check:
    ok: bool | None  # None: not checked (no data)
    note: str


@dataclass
class ScopeMatch:
    scope: object
    type_check: Check
    range_check: Check
    uncertainty_check: Check

    @property
    def matches(self) -> bool:
        return (
            self.type_check.ok is True
            and self.range_check.ok is not False
            and self.uncertainty_check.ok is not False
        )


@dataclass
class ProviderMatch:
    provider: object
    lines: list[ScopeMatch]

    @property
    def matches(self) -> bool:
        return any(s.matches for s in self.lines)

    @property
    def unchecked(self) -> list[str]:
        notes = []
        for s in self.lines:
            if s.matches:
                notes += [c.note for c in (s.range_check, s.uncertainty_check) if c.ok is None]
        return sorted(set(notes))


def _same_unit(a: str, b: str) -> bool:
    return fold(a).replace(" ", "") == fold(b).replace(" ", "")


def _check_range(item: Equipment, scope) -> Check:
    if item.range_min is None or item.range_max is None:
        return Check(None, gettext("range not checked: the item's range is not given"))
    parsed = parse_range(scope.range_text)
    if parsed is None:
        return Check(None, gettext("range not checked: the scope line gives no range"))
    low, high, unit = parsed
    if unit and item.unit and not _same_unit(unit, item.unit):
        return Check(None, gettext("range not checked: the scope's unit (%(unit)s) differs") % {"unit": unit})
    if low <= item.range_min and item.range_max <= high:
        return Check(True, gettext("range covered (%(text)s)") % {"text": scope.range_text})
    return Check(False, gettext("range not covered (%(text)s)") % {"text": scope.range_text})


def _check_uncertainty(item: Equipment, scope) -> Check:
    if item.required_uncertainty is None:
        return Check(None, gettext("uncertainty not checked: no required uncertainty given"))
    parsed = parse_uncertainty(scope.accuracy)
    if parsed is None:
        return Check(None, gettext("uncertainty not checked: the scope line gives no uncertainty value"))
    value, unit = parsed
    if unit and item.unit and not _same_unit(unit, item.unit):
        return Check(
            None, gettext("uncertainty not checked: the scope's unit (%(unit)s) differs") % {"unit": unit}
        )
    if value <= item.required_uncertainty:
        return Check(True, gettext("uncertainty %(text)s meets the requirement") % {"text": scope.accuracy})
    return Check(False, gettext("uncertainty %(text)s larger than required") % {"text": scope.accuracy})


def match_providers(line: PlanLine) -> list[ProviderMatch]:
    """The providers of the plan's province whose registration, valid on the planned date, has a scope line of
    the right activity (verification for a Group 2 instrument, calibration for Group 1 equipment) on the
    item's type (or its quantity), and whose range and uncertainty, where the scope line states them, cover
    the item's. Every provider with a line on the type is listed; `matches` says which qualify."""
    from doluong.parties.choices import Activity, OrganisationKind
    from doluong.parties.models import RegistrationScope

    item = line.equipment
    on = line.planned_on or today()
    activity = Activity.VERIFICATION if item.instrument_id else Activity.CALIBRATION
    what = Q()
    if item.instrument_type_id:
        what = Q(instrument_type_id=item.instrument_type_id)
    quantity = fold(item.quantity or item.name or "")
    scopes = (
        RegistrationScope.objects.filter(
            activity=activity,
            registration__organisation__province_id=line.province_id or item.province_id,
            registration__organisation__kind__in=OrganisationKind.providers(),
            registration__issued_on__lte=on,
        )
        .filter(Q(registration__valid_until__isnull=True) | Q(registration__valid_until__gte=on))
        .select_related("registration__organisation", "instrument_type")
        .order_by("registration__organisation__name", "pk")
    )
    if item.instrument_type_id:
        scopes = scopes.filter(what | Q(instrument_type__isnull=True))
    out: dict[int, ProviderMatch] = {}
    for scope in scopes:
        if item.instrument_type_id and scope.instrument_type_id == item.instrument_type_id:
            type_check = Check(True, gettext("type %(type)s") % {"type": scope.instrument_type})
        elif (
            quantity
            and scope.quantity
            and (fold(scope.quantity) in quantity or quantity in fold(scope.quantity))
        ):
            type_check = Check(True, gettext("quantity %(q)s") % {"q": scope.quantity})
        else:
            continue
        provider = scope.registration.organisation
        out.setdefault(provider.pk, ProviderMatch(provider, []))
        out[provider.pk].lines.append(
            ScopeMatch(scope, type_check, _check_range(item, scope), _check_uncertainty(item, scope))
        )
    return sorted(out.values(), key=lambda m: (not m.matches, m.provider.name))


# ------------------------------------------------------------------------------------------- reminders


def lines_to_remind(on: dt.date | None = None):
    on = on or today()
    return (
        PlanLine.objects.filter(
            done_on__isnull=True,
            reminded_on__isnull=True,
            planned_on__gte=on,
            planned_on__lte=on + dt.timedelta(days=REMINDER_DAYS),
        )
        .select_related("enterprise", "equipment", "provider")
        .order_by("enterprise_id", "planned_on", "pk")
    )


def send_plan_reminders(on: dt.date | None = None, *, dry_run: bool = False) -> list[PlanLine]:
    """E-mail each enterprise the lines of its calibration plan planned within the next 30 days, once per line
    (`reminded_on`): run it daily."""
    from django.core.mail import send_mail

    on = on or today()
    lines = list(lines_to_remind(on))
    if dry_run:
        return lines
    by_enterprise: dict[int, list[PlanLine]] = {}
    for line in lines:
        by_enterprise.setdefault(line.enterprise_id, []).append(line)
    for rows in by_enterprise.values():
        enterprise = rows[0].enterprise
        if enterprise.email:
            body = "\n".join(
                f"- {line.planned_on:%d/%m/%Y}: {line.equipment}"
                + (f" ({line.provider})" if line.provider_id else "")
                for line in rows
            )
            send_mail(
                gettext("Calibrations planned in the next %(days)s days") % {"days": REMINDER_DAYS},
                gettext("Your calibration plan has these calibrations coming:") + "\n" + body,
                None,
                [enterprise.email],
            )
        PlanLine.objects.filter(pk__in=[line.pk for line in rows]).update(reminded_on=on)
    return lines
