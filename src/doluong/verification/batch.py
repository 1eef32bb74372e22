"""Batch issue from a provider's spreadsheet: template, column mapping, preview (a dry run that writes nothing),
and the job that records and issues every row in ONE transaction — all rows or none.

The job is a background job (`core.jobs`, kind "certificates", declared in verification/jobs.py): confirming
the preview moves the spreadsheet into the job input store and queues the job; `doluong worker` runs it. Its
progress is reported to the core.Job row by the worker's heartbeat thread, from its own connection, while the
job's transaction is still open (on PostgreSQL other pages see it at once; on SQLite, whose writer holds the
database, at the end). A worker killed mid-job wrote nothing; the job is then queued again or marked failed
(core.jobs.settle), and this batch record follows it (`sync`).
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doluong.core import jobs
from doluong.core.text import fold
from doluong.core.uploads import save_upload
from doluong.parties.models import Verifier
from doluong.registry.models import Instrument, MeasurementStandard

from . import actions
from .choices import JobStatus, RecordKind, Result
from .models import BatchJob

MAX_ROWS = 5000
PROGRESS_EVERY = 5

#: the columns of the template: key → (Vietnamese header, required, explanation)
COLUMNS: dict[str, tuple] = {
    "instrument_id": (
        gettext_lazy("Instrument ID"),
        False,
        gettext_lazy("ID in doluong; or give the type code and serial"),
    ),
    "type_code": (
        gettext_lazy("Instrument type code"),
        False,
        gettext_lazy("Code in the Group 2 list, e.g. 8.1"),
    ),
    "serial": (gettext_lazy("Serial number"), False, gettext_lazy("Serial number of the instrument")),
    "manufacturer": (
        gettext_lazy("Manufacturer"),
        False,
        gettext_lazy("Only needed when a serial is not unique"),
    ),
    "kind": (
        gettext_lazy("Kind"),
        True,
        gettext_lazy("Initial / periodic / after repair verification, calibration, testing"),
    ),
    "performed_on": (gettext_lazy("Date of verification"), True, gettext_lazy("dd/mm/yyyy")),
    "verifier_card": (
        gettext_lazy("Verifier card number"),
        False,
        gettext_lazy("Required for a verification"),
    ),
    "standards": (
        gettext_lazy("Standards used (serial numbers)"),
        True,
        gettext_lazy("Separated by semicolons"),
    ),
    "procedure": (gettext_lazy("Procedure"), False, gettext_lazy("e.g. ĐLVN 30:2019")),
    "place": (gettext_lazy("Place"), False, ""),
    "accuracy_class": (gettext_lazy("Accuracy class"), False, gettext_lazy("Empty: the instrument's class")),
    "mpe_params": (gettext_lazy("Instrument parameters"), False, gettext_lazy("e.g. e=0.1; Max=60")),
    "unit": (gettext_lazy("Unit"), True, gettext_lazy("Unit of the nominal and found values, e.g. kg")),
    "points": (gettext_lazy("Results (nominal=found)"), True, gettext_lazy("e.g. 5=5.05; 10=10.05; 20=20.1")),
    "mpe": (
        gettext_lazy("MPE per point"),
        False,
        gettext_lazy("Only where the library has no rule; same order"),
    ),
    "uncertainty": (
        gettext_lazy("Uncertainty per point"),
        False,
        gettext_lazy("Calibration: expanded uncertainty, same order"),
    ),
    "temperature": (gettext_lazy("Temperature (°C)"), False, ""),
    "humidity": (gettext_lazy("Relative humidity (%)"), False, ""),
    "visual_check": (gettext_lazy("Visual inspection"), False, gettext_lazy("Đạt / Không đạt (empty: Đạt)")),
    "technical_check": (
        gettext_lazy("Technical inspection"),
        False,
        gettext_lazy("Đạt / Không đạt (empty: Đạt)"),
    ),
    "stamp_number": (gettext_lazy("Stamp number"), False, ""),
    "reviewer_name": (gettext_lazy("Reviewed by"), False, ""),
}

KIND_WORDS = {
    **{fold(str(label)): value for value, label in RecordKind.choices},
    **{value: value for value in RecordKind.values},
    "kiem dinh ban dau": RecordKind.INITIAL,
    "ban dau": RecordKind.INITIAL,
    "kiem dinh dinh ky": RecordKind.PERIODIC,
    "dinh ky": RecordKind.PERIODIC,
    "kiem dinh sau sua chua": RecordKind.AFTER_REPAIR,
    "sau sua chua": RecordKind.AFTER_REPAIR,
    "hieu chuan": RecordKind.CALIBRATION,
    "thu nghiem": RecordKind.TESTING,
}


class FileError(Exception):
    """The upload is not a spreadsheet we can read."""


def folder(name: str) -> Path:
    path = Path(settings.DATA_DIR) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


# ------------------------------------------------------------------------------------------------ template


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Chứng nhận"
    ws.append([str(header) for header, _req, _help in COLUMNS.values()])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append(
        [
            "",
            "8.1",
            "SN0001",
            "Nhơn Hòa",
            "Kiểm định định kỳ",
            "21/11/2025",
            "KĐV-92-0001",
            "1-002-W1",
            "ĐLVN 30:2019",
            "Chợ Ninh Kiều",
            "IIII",
            "e=0.2; Max=60",
            "kg",
            "5=5.1; 30=30.2; 60=60.2",
            "",
            "",
            "28",
            "70",
            "Đạt",
            "Đạt",
            "T-000123",
            "",
        ]
    )
    for column in ws.columns:
        ws.column_dimensions[column[0].column_letter].width = max(14, len(str(column[0].value)) + 2)
    notes = wb.create_sheet("Hướng dẫn")
    notes.append([_("Column"), _("Required"), _("Meaning")])
    for header, required, help_text in COLUMNS.values():
        notes.append([str(header), _("yes") if required else "", str(help_text)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------------------------- reading


def read_sheet(source) -> tuple[list[str], list[list]]:
    """(headers, rows) of the first sheet of an XLSX file (`source`: its path or its bytes), read as a stream;
    a sheet of more than MAX_ROWS rows is refused as soon as the row after the last allowed one is read."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(
            io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source,
            read_only=True,
            data_only=True,
        )
    except Exception as exc:
        raise FileError(_("This file is not an Excel workbook (.xlsx) that can be read.")) from exc
    try:
        rows = []
        filled = 0
        for r in wb.worksheets[0].iter_rows(values_only=True):
            if any(v not in (None, "") for v in r):
                filled += 1
                if filled - 1 > MAX_ROWS:
                    raise FileError(
                        _("At most %(max)s rows in one job; this sheet has more.") % {"max": MAX_ROWS}
                    )
            rows.append(list(r))
    finally:
        wb.close()
    while rows and not any(v not in (None, "") for v in rows[-1]):
        rows.pop()
    if not rows:
        raise FileError(_("The sheet is empty."))
    headers = [str(h).strip() if h is not None else "" for h in rows[0]]
    body = [r for r in rows[1:] if any(v not in (None, "") for v in r)]
    if len(body) > MAX_ROWS:
        raise FileError(
            _("At most %(max)s rows in one job; this sheet has %(count)s.")
            % {"max": MAX_ROWS, "count": len(body)}
        )
    if not body:
        raise FileError(_("The sheet has a header row but no data."))
    return headers, body


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Our column key → the sheet's header, where a header is our own label or key (folded)."""
    folded = {fold(h): h for h in headers if h}
    mapping = {}
    for key, (label, _req, _help) in COLUMNS.items():
        for candidate in (fold(str(label)), fold(key), fold(key.replace("_", " "))):
            if candidate in folded:
                mapping[key] = folded[candidate]
                break
    return mapping


def check_mapping(mapping: dict[str, str], headers: list[str]) -> list[str]:
    problems = []
    for key, (label, required, _help) in COLUMNS.items():
        chosen = mapping.get(key)
        if chosen and chosen not in headers:
            problems.append(_("Column “%(col)s” is not in the sheet.") % {"col": chosen})
        if required and not chosen:
            problems.append(_("Choose the column for “%(field)s”.") % {"field": label})
    if not mapping.get("instrument_id") and not (mapping.get("type_code") and mapping.get("serial")):
        problems.append(_("Choose the instrument ID column, or the type code and serial number columns."))
    return problems


@dataclass
class Row:
    number: int  # spreadsheet row number (the header is row 1)
    values: dict
    errors: list[str] = field(default_factory=list)


def rows_from(headers, body, mapping) -> list[Row]:
    index = {h: i for i, h in enumerate(headers)}
    rows = []
    for n, raw in enumerate(body, start=2):
        values = {}
        for key, header in mapping.items():
            if header and header in index and index[header] < len(raw):
                value = raw[index[header]]
                values[key] = value.strip() if isinstance(value, str) else value
        rows.append(Row(n, values))
    return rows


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value, label, errors) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    errors.append(_("%(field)s: “%(value)s” is not a date (dd/mm/yyyy).") % {"field": label, "value": text})
    return None


def _check(value) -> bool:
    text = fold(_text(value))
    return text in ("", "dat", "x", "1", "co", "yes", "true", "pass", "passed")


def _list(value) -> list[str]:
    return [p.strip() for p in _text(value).split(";") if p.strip()]


def resolve(row: Row, provider) -> dict | None:
    """The arguments of do_record_verification for a row, or None with row.errors filled."""
    v = row.values
    errors = row.errors
    label = {k: str(c[0]) for k, c in COLUMNS.items()}
    instrument = None
    if _text(v.get("instrument_id")):
        try:
            instrument = Instrument.objects.select_related("instrument_type", "owner").get(
                pk=int(_text(v["instrument_id"]))
            )
        except (Instrument.DoesNotExist, ValueError):
            errors.append(_("No instrument with ID %(id)s.") % {"id": _text(v["instrument_id"])})
    else:
        qs = Instrument.objects.select_related("instrument_type", "owner").filter(
            instrument_type__code=_text(v.get("type_code")), serial=_text(v.get("serial"))
        )
        if _text(v.get("manufacturer")):
            qs = qs.filter(manufacturer=_text(v["manufacturer"]))
        found = list(qs[:2])
        if not found:
            errors.append(
                _("No instrument of type %(type)s with serial number %(serial)s.")
                % {"type": _text(v.get("type_code")) or "—", "serial": _text(v.get("serial")) or "—"}
            )
        elif len(found) > 1:
            errors.append(
                _("Several instruments have serial number %(serial)s: add the manufacturer or the ID.")
                % {"serial": _text(v.get("serial"))}
            )
        else:
            instrument = found[0]
    kind = KIND_WORDS.get(fold(_text(v.get("kind"))))
    if kind is None:
        errors.append(
            _("%(field)s: unknown kind “%(value)s”.")
            % {"field": label["kind"], "value": _text(v.get("kind"))}
        )
    performed_on = _date(v.get("performed_on"), label["performed_on"], errors)
    verifier = None
    card = _text(v.get("verifier_card"))
    if card:
        verifier = (
            Verifier.objects.filter(organisation=provider, card_number=card).select_related("person").first()
        )
        if verifier is None:
            errors.append(
                _("No verifier of %(org)s has card number %(card)s.") % {"org": provider, "card": card}
            )
    standards = []
    for serial in _list(v.get("standards")):
        std = MeasurementStandard.objects.filter(holder=provider, serial=serial).first()
        if std is None:
            errors.append(
                _("%(org)s holds no standard with serial number %(serial)s.")
                % {"org": provider, "serial": serial}
            )
        else:
            standards.append(std)
    unit = _text(v.get("unit"))
    pairs = _list(v.get("points"))
    mpes = _list(v.get("mpe"))
    uncertainties = _list(v.get("uncertainty"))
    points = []
    for i, pair in enumerate(pairs):
        nominal, sep, found_value = pair.partition("=")
        if not sep:
            errors.append(
                _("%(field)s: write each point as nominal=found: “%(value)s”.")
                % {"field": label["points"], "value": pair}
            )
            continue
        points.append(
            {
                "nominal": nominal.strip(),
                "found": found_value.strip(),
                "unit": unit,
                "mpe": mpes[i] if i < len(mpes) else None,
                "uncertainty": uncertainties[i] if i < len(uncertainties) else None,
            }
        )
    params = {}
    for part in _list(v.get("mpe_params")):
        name, sep, value = part.partition("=")
        if not sep:
            errors.append(
                _("%(field)s: write name=value: “%(value)s”.") % {"field": label["mpe_params"], "value": part}
            )
        else:
            params[name.strip()] = value.strip()
    if errors:
        return None
    return {
        "kind": kind,
        "provider": provider,
        "instrument": instrument,
        "performed_on": performed_on,
        "verifier": verifier,
        "standards": standards,
        "points": points,
        "place": _text(v.get("place")),
        "procedure": _text(v.get("procedure")),
        "accuracy_class": _text(v.get("accuracy_class")) or None,
        "mpe_params": params,
        "temperature": _text(v.get("temperature")) or None,
        "humidity": _text(v.get("humidity")) or None,
        "visual_check_passed": _check(v.get("visual_check")),
        "technical_check_passed": _check(v.get("technical_check")),
        "reviewer_name": _text(v.get("reviewer_name")),
    }


@dataclass
class Outcome:
    row: int
    subject: str = ""
    record: str = ""
    certificate: str = ""
    failed: bool = False
    errors: list[str] = field(default_factory=list)


def _process(row: Row, provider, user) -> Outcome:
    out = Outcome(row=row.number)
    args = resolve(row, provider)
    if args is None:
        out.errors = row.errors
        return out
    out.subject = str(args["instrument"])
    try:
        with transaction.atomic():
            record = actions.do_record_verification(user=user, **args)
            out.record = record.number
            if record.result == Result.FAILED:
                out.failed = True
            else:
                cert = actions.do_issue_certificate(
                    record, user=user, stamp_number=_text(row.values.get("stamp_number"))
                )
                out.certificate = cert.number
    except ValidationError as exc:
        out.errors = (
            [m for ms in exc.message_dict.values() for m in ms]
            if hasattr(exc, "error_dict")
            else list(exc.messages)
        )
    except PermissionDenied as exc:
        out.errors = [str(exc)]
    return out


class _Rollback(Exception):
    pass


def process_all(rows: list[Row], provider, user, *, commit: bool, on_progress=None) -> list[Outcome]:
    """Every row in one transaction; rolled back unless `commit` and every row succeeded."""
    outcomes: list[Outcome] = []
    try:
        with transaction.atomic():
            for index, row in enumerate(rows, start=1):
                outcomes.append(_process(row, provider, user))
                if on_progress and (index % PROGRESS_EVERY == 0 or index == len(rows)):
                    on_progress(index)
            if not commit or any(o.errors for o in outcomes):
                raise _Rollback
    except _Rollback:
        pass
    return outcomes


# ------------------------------------------------------------------------------------------------- storage


def store_upload(upload) -> str:
    """Save an uploaded file (chunk by chunk) or bytes until its job runs; return its token."""
    if isinstance(upload, (bytes, bytearray)):
        token = uuid.uuid4().hex
        (folder("batch") / f"{token}.xlsx").write_bytes(upload)
        return token
    return save_upload(upload, folder("batch"), ".xlsx").stem


def upload_path(token: str) -> Path:
    if not token or not token.isalnum():
        raise FileError(_("This upload has expired; upload the file again."))
    path = folder("batch") / f"{token}.xlsx"
    if not path.exists():
        raise FileError(_("This upload has expired; upload the file again."))
    return path


def load_upload(token: str) -> Path:
    """The saved upload of `token` (a path: the readers stream it)."""
    return upload_path(token)


def discard_upload(token: str) -> None:
    if token and token.isalnum():
        (folder("batch") / f"{token}.xlsx").unlink(missing_ok=True)


def sync(batch: BatchJob) -> BatchJob:
    """Bring the batch record in line with its background job when the job ended without it (its worker died
    and the job was marked failed, or the job broke before it started): never left "running"."""
    job = batch.job
    if job is None or not job.finished or batch.status in (JobStatus.DONE, JobStatus.FAILED):
        return batch
    batch.status = JobStatus.FAILED if job.status != job.Status.DONE else JobStatus.DONE
    batch.finished_at = job.finished_at or timezone.now()
    if job.message and not batch.errors:
        batch.errors = [{"row": 0, "errors": [job.message]}]
    BatchJob.objects.filter(pk=batch.pk).update(
        status=batch.status, finished_at=batch.finished_at, errors=batch.errors
    )
    return batch


def progress(batch: BatchJob) -> dict:
    """{"done", "total", "percent", "status", "message"} — from the background job while it runs."""
    job = batch.job
    if job is not None:
        jobs.settle([job])
        sync(batch)
    done, total = (
        (batch.total, batch.total) if batch.status in (JobStatus.DONE, JobStatus.FAILED) else (0, batch.total)
    )
    if batch.status == JobStatus.RUNNING and job is not None and job.progress_total:
        done, total = job.progress_done, job.progress_total
    percent = int(100 * done / total) if total else 0
    return {
        "done": done,
        "total": total,
        "percent": percent,
        "status": batch.status,
        "message": job.message if job is not None else "",
    }


# ----------------------------------------------------------------------------------------------------- job


def run(batch_id: int, job=None) -> BatchJob:
    """Run a batch (in the calling thread; the worker's part, `verification.jobs`): all rows or none; the batch
    record and its job row say what happened."""
    batch = BatchJob.objects.select_related("provider", "created_by").get(pk=batch_id)
    job = job or batch.job
    path = jobs.input_path(job.input_file) if job is not None and job.input_file else None
    try:
        headers, body = read_sheet(path or load_upload(batch.mapping["token"]))
    except FileError as exc:
        outcomes, rows = [Outcome(row=0, errors=[str(exc)])], []
    else:
        rows = rows_from(headers, body, batch.mapping["columns"])
        batch.status = JobStatus.RUNNING
        batch.total = len(rows)
        batch.save(update_fields=["status", "total", "last_updated"])
        if job is not None:
            jobs.report_progress(job, 0, len(rows))
        try:
            outcomes = process_all(
                rows,
                batch.provider,
                batch.created_by,
                commit=True,
                on_progress=(lambda n: jobs.report_progress(job, n, len(rows))) if job is not None else None,
            )
        except Exception as exc:  # a bug or a lost database: the transaction rolled back, say so
            outcomes = [Outcome(row=0, errors=[_("The job stopped: %(error)s") % {"error": exc}])]
    errors = [{"row": o.row, "errors": o.errors} for o in outcomes if o.errors]
    batch.errors = cap_errors(errors)
    batch.status = JobStatus.FAILED if errors else JobStatus.DONE
    batch.issued = 0 if errors else sum(1 for o in outcomes if o.certificate)
    batch.failed_records = 0 if errors else sum(1 for o in outcomes if o.failed)
    batch.finished_at = timezone.now()
    batch.save(update_fields=["errors", "status", "issued", "failed_records", "finished_at", "last_updated"])
    if job is not None:
        type(job).objects.filter(pk=job.pk).update(
            status=job.Status.REJECTED if errors else job.Status.DONE,
            finished_at=batch.finished_at,
            progress_done=len(rows),
            progress_total=len(rows),
            rows_inserted=batch.issued,
            rows_bad=len(errors),
            result={"issued": batch.issued, "failed_records": batch.failed_records},
            errors=batch.errors[: jobs.MAX_REPORTED_ERRORS],
            error_count=len(errors),
        )
    # the batch is over (all or nothing): its spreadsheet is not needed again (the job's input is deleted by
    # the runner)
    discard_upload(batch.mapping.get("token", ""))
    return batch


#: the job row keeps every bad row (at most MAX_ROWS), with at most this many messages each, each cut to
#: MESSAGE_CHARS characters (a cell's text repeated in the messages must not make the row huge)
MESSAGES_PER_ROW = 5
MESSAGE_CHARS = 200


def cap_errors(errors: list[dict]) -> list[dict]:
    from doluong.core.bulk import short

    capped = []
    for e in errors:
        messages = [short(m, MESSAGE_CHARS) for m in e["errors"][:MESSAGES_PER_ROW]]
        if len(e["errors"]) > MESSAGES_PER_ROW:
            messages.append(_("… and %(count)s more") % {"count": len(e["errors"]) - MESSAGES_PER_ROW})
        capped.append({"row": e["row"], "errors": messages})
    return capped


def submit(provider, user, *, file_name: str, token: str, columns: dict, total: int) -> BatchJob:
    """Create the job row for an upload the user has mapped and previewed, and start it. The caller has checked
    that `provider` is one the user issues for (`batch_views._session`)."""
    job = BatchJob(
        provider=provider,
        created_by=user,
        file_name=file_name,
        mapping={"token": token, "columns": columns},
        total=total,
    )
    job._history_user = user
    job.save()
    start(job)
    return job


def start(batch: BatchJob) -> None:
    """Queue the batch for the worker: its spreadsheet moves from the preview store into the job input store."""
    token = batch.mapping.get("token", "")
    path = upload_path(token)
    job = jobs.create(
        "certificates",
        user=batch.created_by,
        file_name=batch.file_name,
        input_file=jobs.save_input(path.read_bytes(), ".xlsx"),
        params={"batch_job": batch.pk},
        organisation_id=batch.provider_id,
        province_code=batch.provider.province_id or "",
        rows_expected=batch.total,
    )
    path.unlink(missing_ok=True)
    batch.job = job
    BatchJob.objects.filter(pk=batch.pk).update(job=job)
    jobs.enqueue(job)
