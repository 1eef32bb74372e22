"""State changes of the plans app: validated, scoped, with history (views, the API, imports, the demo and the
commands all call these)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doluong.core import io as tabular
from doluong.core.access import roles_granted
from doluong.core.actions import save_object
from doluong.core.dates import today as site_today
from doluong.core.scope import ADD, CHANGE
from doluong.core.text import fold, nfc

from .choices import Frequency, ReporterKind, ReportStatus, RoundStatus
from .models import (
    Attendance,
    ReminderLog,
    ReportRound,
    Training,
    UnitReport,
    check_activity_targets,
    person_key,
)

# ------------------------------------------------------------------------------------------- activities


@transaction.atomic
def do_save_activity(obj, user, targets=None):
    """Create or update an activity and the targets it advances; a target of another province, or one whose
    period does not contain the activity's date, is refused and nothing is saved."""
    if targets is None:
        targets = list(obj.targets.all()) if obj.pk else []
    errors = check_activity_targets(obj.province_id, obj.date, targets)
    if errors:
        raise ValidationError({"targets": errors})
    save_object(obj, user)
    obj.targets.set(targets)
    return obj


# ------------------------------------------------------------------------------------------- attendees

ATTENDEE_COLUMNS = {
    "full_name": ("ho va ten", "ho ten", "full name", "ten"),
    "birth_date": ("ngay sinh", "date of birth", "birth date"),
    "national_id": ("so cccd", "cccd", "so dinh danh", "so dinh danh ca nhan", "cmnd", "national id number"),
    "organisation_name": ("don vi cong tac", "don vi", "co quan", "workplace", "organisation"),
    "position": ("chuc vu", "position"),
    "phone": ("dien thoai", "so dien thoai", "phone"),
}
ATTENDEE_HEADERS = ["Họ và tên", "Ngày sinh", "Số CCCD", "Đơn vị công tác", "Chức vụ", "Điện thoại"]


@dataclass
class AttendeeImport:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[tabular.RowError] = field(default_factory=list)
    saved: int = 0
    repeat_people: int = 0  # people already on another course's list (they count one more lượt)

    @property
    def ok(self) -> bool:
        return not self.errors


def _parse_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationError(_("“%(value)s” is not a date (dd/mm/yyyy).") % {"value": text})


def read_attendees(training: Training, name: str, content: bytes) -> AttendeeImport:
    """Validate an attendee list (XLSX/CSV). The name column is required; every bad cell is reported by row and
    column; a person listed twice in the file or already on this course is an error."""
    header, body = tabular.read_table(name, content)
    mapping: dict[int, str] = {}
    unknown = []
    for position, title in enumerate(header):
        key = fold(title).rstrip(" *:")
        if not key or key in ("stt", "tt", "so tt"):
            continue
        found = next((f for f, names in ATTENDEE_COLUMNS.items() if key in names), None)
        if found is None:
            unknown.append(title)
        elif found in mapping.values():
            raise tabular.ImportFileError(_("Column “%(column)s” appears twice.") % {"column": title})
        else:
            mapping[position] = found
    if "full_name" not in mapping.values():
        raise tabular.ImportFileError(
            _("The attendee list has no “Họ và tên” (full name) column. Expected columns: %(columns)s.")
            % {"columns": ", ".join(ATTENDEE_HEADERS)}
        )
    if unknown:
        raise tabular.ImportFileError(
            _("Unknown column(s): %(columns)s. Expected columns: %(expected)s.")
            % {"columns": ", ".join(f"“{u}”" for u in unknown), "expected": ", ".join(ATTENDEE_HEADERS)}
        )
    result = AttendeeImport()
    labels = dict(zip(ATTENDEE_COLUMNS, ATTENDEE_HEADERS, strict=True))
    on_course = set(training.attendances.values_list("person_key", flat=True)) if training.pk else set()
    seen: dict[str, int] = {}
    for row_number, row in enumerate(body, start=2):
        raw = {mapping[i]: row[i] if i < len(row) else None for i in mapping}
        values: dict[str, Any] = {}
        row_ok = True
        for field_name in ATTENDEE_COLUMNS:
            value = raw.get(field_name)
            try:
                if field_name == "birth_date":
                    values[field_name] = _parse_date(value)
                else:
                    text = "" if value is None else nfc(str(value)).strip()
                    if field_name == "national_id" and text.endswith(".0"):
                        text = text[:-2]
                    values[field_name] = text
            except ValidationError as exc:
                result.errors.append(tabular.RowError(row_number, labels[field_name], " ".join(exc.messages)))
                row_ok = False
        if not row_ok:
            continue
        attendance = Attendance(training=training, **values)
        try:
            attendance.full_clean(exclude=["training", "person_key"])
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                column = labels.get(key, _("Row"))
                result.errors.append(tabular.RowError(row_number, column, " ".join(messages)))
            continue
        key = person_key(
            values["full_name"], values["birth_date"], values["national_id"], values["organisation_name"]
        )
        if key in seen:
            result.errors.append(
                tabular.RowError(
                    row_number,
                    labels["full_name"],
                    _("Same person as row %(row)s of this file.") % {"row": seen[key]},
                )
            )
            continue
        if key in on_course:
            result.errors.append(
                tabular.RowError(
                    row_number, labels["full_name"], _("This person is already on this course's list.")
                )
            )
            continue
        seen[key] = row_number
        result.rows.append(values)
    if result.rows:
        result.repeat_people = (
            Attendance.objects.filter(training__province_id=training.province_id, person_key__in=list(seen))
            .exclude(training=training)
            .values("person_key")
            .distinct()
            .count()
        )
    return result


def do_import_attendees(
    training: Training, user, name: str, content: bytes, *, commit: bool
) -> AttendeeImport:
    """Check (and with commit=True, save all or nothing) an attendee list for `training`."""
    if not training.permits(user, CHANGE):
        raise PermissionDenied(_("You may not change this training course."))
    result = read_attendees(training, name, content)
    if not commit or not result.ok:
        return result
    try:
        with transaction.atomic():
            for values in result.rows:
                attendance = Attendance(training=training, **values)
                attendance._history_user = user
                attendance._change_reason = _("Imported from %(file)s") % {"file": name}
                attendance.save()
    except IntegrityError:
        result.errors.append(tabular.RowError(0, _("Row"), _("The list changed meanwhile; upload it again.")))
        return result
    result.saved = len(result.rows)
    return result


# ------------------------------------------------------------------------------------------- reporting


def default_deadline(plan, year: int) -> dt.date:
    """The plan's yearly deadline for departments or communes (25/11 in Đồng Tháp, 15/12 in Sơn La); 15/12
    when the plan sets none."""
    duties = plan.duties.filter(frequency=Frequency.YEARLY, due_month__isnull=False).exclude(
        reporter_kind=ReporterKind.DOST
    )
    for duty in duties.order_by("position"):
        return duty.due_on(year)
    return dt.date(year, 12, 15)


@transaction.atomic
def do_open_round(plan, year: int, user, deadline: dt.date | None = None) -> ReportRound:
    existing = ReportRound.objects.filter(plan=plan, year=year).first()
    if existing:
        return existing
    round_ = ReportRound(plan=plan, year=year, deadline=deadline or default_deadline(plan, year))
    return save_object(round_, user)


@transaction.atomic
def do_close_round(round_: ReportRound, user) -> ReportRound:
    round_.status = RoundStatus.CLOSED
    round_.closed_on = site_today()
    return save_object(round_, user, change_reason=_("Reporting round closed"))


@transaction.atomic
def do_submit_report(report: UnitReport, user) -> UnitReport:
    """Submit a unit report (again, after changes, while the round is open)."""
    report = UnitReport.objects.select_for_update().get(pk=report.pk)
    if not report.summary.strip():
        raise ValidationError({"summary": _("Write the summary of results before submitting.")})
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = timezone.now()
    report.submitted_by = user if user is not None and user.is_authenticated else None
    return save_object(report, user, change_reason=_("Submitted"))


def round_overview(round_: ReportRound) -> list[dict]:
    """Every unit expected to report in the round with its report (or none) and the reminders sent to it."""
    reports = {r.organisation_id: r for r in round_.reports.select_related("organisation", "submitted_by")}
    reminders: dict[int, list[ReminderLog]] = {}
    for log in round_.reminders.all():
        reminders.setdefault(log.organisation_id, []).append(log)
    rows = []
    for unit in round_.expected_units():
        report = reports.get(unit.pk)
        state = "missing" if report is None else report.status
        rows.append({"unit": unit, "report": report, "state": state, "reminders": reminders.get(unit.pk, [])})
    return rows


# ------------------------------------------------------------------------------------------- reminders

#: reminder stages: (name, days before the deadline at or under which it is sent)
STAGES = (("14", 14), ("7", 7), ("1", 1))


def _stage(days_left: int) -> str | None:
    if days_left < 0:
        return "overdue"
    chosen = None
    for name, days in STAGES:
        if days_left <= days:
            chosen = name
    return chosen


def _recipients(unit) -> list[str]:
    """The unit's office mailbox and its people who write its reports: the roles whose `add` of unit reports
    the permission table scopes to their own organisation (no role is named here)."""
    from doluong.parties.models import Membership

    from .permissions import OWN_UNIT_SCOPES

    emails = list(
        Membership.objects.filter(
            organisation=unit,
            is_active=True,
            role__in=roles_granted(UnitReport, ADD, OWN_UNIT_SCOPES),
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if unit.email:
        emails.append(unit.email)
    return sorted(set(emails))


def send_report_reminders(day: dt.date | None = None, *, dry_run: bool = False) -> list[ReminderLog]:
    """E-mail every unit that has not submitted its report in an open round, 14, 7 and 1 day before the
    deadline and once after it; each (round, unit, stage) at most once, so running it twice sends nothing new."""
    day = day or site_today()
    sent: list[ReminderLog] = []
    for round_ in ReportRound.objects.filter(status=RoundStatus.OPEN).select_related("plan"):
        stage = _stage((round_.deadline - day).days)
        if stage is None:
            continue
        submitted = set(
            round_.reports.filter(status=ReportStatus.SUBMITTED).values_list("organisation_id", flat=True)
        )
        done = set(round_.reminders.filter(stage=stage).values_list("organisation_id", flat=True))
        for unit in round_.expected_units():
            if unit.pk in submitted or unit.pk in done:
                continue
            recipients = _recipients(unit)
            if not recipients:
                continue
            if dry_run:
                sent.append(
                    ReminderLog(
                        round=round_, organisation=unit, stage=stage, recipients=", ".join(recipients)
                    )
                )
                continue
            subject, body = _reminder_text(round_, unit, stage, day)
            with transaction.atomic():
                log, created = ReminderLog.objects.get_or_create(
                    round=round_,
                    organisation=unit,
                    stage=stage,
                    defaults={"recipients": ", ".join(recipients)},
                )
                if created:
                    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
                    sent.append(log)
    return sent


def _reminder_text(round_: ReportRound, unit, stage: str, day: dt.date) -> tuple[str, str]:
    deadline = round_.deadline.strftime("%d/%m/%Y")
    link = (
        f"{settings.SITE_URL.rstrip('/')}/programs/unit-reports/add/?round={round_.pk}&organisation={unit.pk}"
    )
    if stage == "overdue":
        subject = _("Overdue: %(year)s report on plan %(plan)s") % {"year": round_.year, "plan": round_.plan}
        lead = _("The deadline of %(deadline)s has passed and %(unit)s has not submitted its report.") % {
            "deadline": deadline,
            "unit": unit,
        }
    else:
        subject = _("Reminder: %(year)s report on plan %(plan)s due %(deadline)s") % {
            "year": round_.year,
            "plan": round_.plan,
            "deadline": deadline,
        }
        lead = _("%(unit)s has not yet submitted its report; the deadline is %(deadline)s.") % {
            "unit": unit,
            "deadline": deadline,
        }
    body = "\n\n".join(
        [
            lead,
            _("Please report the results of the tasks assigned to your unit in doluong: %(link)s")
            % {"link": link},
            _("Department of Science and Technology"),
        ]
    )
    return subject, body
