"""A plan as one XLSX workbook — sheets “Kế hoạch”, “Giai đoạn”, “Chỉ tiêu”, “Nhiệm vụ”, “Báo cáo” — for export
and for import. Import checks every sheet and row with the models' own rules, names each bad cell by sheet, row
and column in Vietnamese, and writes nothing unless all of it is good; then it creates the plan in one
transaction."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from doluong.core.actions import save_object
from doluong.core.scope import ADD, principal
from doluong.core.text import fold, nfc

from .choices import Comparator, Frequency, PlanKind, PlanStatus, TimelineKind, Unit
from .loader import assign_units, reporter_kind
from .models import Phase, Plan, ReportingDuty, Source, Target, Task
from .sources import SOURCES

# (field, column title); the plan sheet is “field | value” rows
PLAN_ROWS = [
    ("slug", "Mã kế hoạch"),
    ("province", "Mã tỉnh, thành phố"),
    ("issuer", "Cơ quan ban hành"),
    ("issuer_province_name", "Tỉnh, thành phố ban hành (tại thời điểm ban hành)"),
    ("number", "Số hiệu văn bản"),
    ("issued_on", "Ngày ban hành"),
    ("kind", "Loại văn bản"),
    ("title", "Tên kế hoạch"),
    ("period_start", "Năm bắt đầu"),
    ("period_end", "Năm kết thúc"),
    ("legal_basis", "Căn cứ"),
    ("general_objectives", "Mục tiêu chung"),
    ("budget", "Kinh phí"),
    ("status", "Trạng thái"),
    ("notes", "Ghi chú"),
]
PHASE_COLUMNS = [("code", "Mã"), ("name", "Tên giai đoạn"), ("start", "Năm bắt đầu"), ("end", "Năm kết thúc")]
TARGET_COLUMNS = [
    ("code", "Mã"),
    ("phase", "Giai đoạn"),
    ("text", "Chỉ tiêu"),
    ("comparator", "So sánh"),
    ("value", "Giá trị"),
    ("unit", "Đơn vị tính"),
    ("unit_label", "Đơn vị tính (nguyên văn)"),
    ("source", "Nguồn số liệu"),
    ("by_year", "Năm hoàn thành"),
    ("notes", "Ghi chú"),
]
TASK_COLUMNS = [
    ("code", "Mã"),
    ("phase", "Giai đoạn"),
    ("section", "Mục"),
    ("group", "Nhóm"),
    ("content", "Nội dung"),
    ("lead", "Đơn vị chủ trì"),
    ("coordinators", "Đơn vị phối hợp"),
    ("timeline", "Tiến độ"),
    ("timeline_kind", "Loại tiến độ"),
    ("due_year", "Năm hoàn thành"),
    ("expected_result", "Kết quả dự kiến"),
    ("budget_source", "Nguồn kinh phí"),
    ("related_targets", "Chỉ tiêu liên quan"),
    ("notes", "Ghi chú"),
]
DUTY_COLUMNS = [
    ("reporter", "Đơn vị báo cáo"),
    ("recipient", "Nơi nhận"),
    ("due_day", "Ngày"),
    ("due_month", "Tháng"),
    ("frequency", "Kỳ báo cáo"),
    ("content", "Nội dung"),
]
SHEETS = [
    ("Kế hoạch", [title for _f, title in PLAN_ROWS]),
    ("Giai đoạn", [title for _f, title in PHASE_COLUMNS]),
    ("Chỉ tiêu", [title for _f, title in TARGET_COLUMNS]),
    ("Nhiệm vụ", [title for _f, title in TASK_COLUMNS]),
    ("Báo cáo", [title for _f, title in DUTY_COLUMNS]),
]
CHOICES = {
    "kind": PlanKind,
    "status": PlanStatus,
    "comparator": Comparator,
    "unit": Unit,
    "source": SOURCES,
    "timeline_kind": TimelineKind,
    "frequency": Frequency,
}


# ------------------------------------------------------------------------------------------- export


def _label(enum, value) -> str:
    return str(dict(enum.choices).get(value, value)) if value else ""


def export_plan(plan: Plan | None) -> bytes:
    """The plan's workbook (an empty template when `plan` is None), readable again by `import_plan`; text that
    a spreadsheet would run as a formula is neutralised (core.io.safe_workbook)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from doluong.core.io import safe_workbook

    book = Workbook()
    book.remove(book.active)
    sheets = {}
    for title, headers in SHEETS:
        ws = book.create_sheet(title)
        sheets[title] = ws
        if title == "Kế hoạch":
            ws.append(["Trường", "Giá trị"])
        else:
            ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for index in range(len(headers) if title != "Kế hoạch" else 2):
            ws.column_dimensions[chr(ord("A") + index)].width = 60 if index in (1, 2, 4) else 18
    ws = sheets["Kế hoạch"]
    for name, title in PLAN_ROWS:
        value = ""
        if plan is not None:
            value = getattr(plan, name)
            if name == "province":
                value = plan.province_id
            elif name in CHOICES:
                value = _label(CHOICES[name], value)
            elif value is None:
                value = ""
        ws.append([title, value])
        if isinstance(value, dt.date):
            ws.cell(ws.max_row, 2).number_format = "DD/MM/YYYY"
        ws.cell(ws.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    if plan is None:
        return _save(safe_workbook(book))
    for phase in plan.phases.all():
        sheets["Giai đoạn"].append([phase.code, phase.name, phase.start, phase.end])
    for target in plan.targets.select_related("phase"):
        sheets["Chỉ tiêu"].append(
            [target.code, target.phase.code, target.text, target.comparator, target.value,
             _label(Unit, target.unit), target.unit_label, _label(SOURCES, target.source), target.by_year, target.notes]
        )  # fmt: skip
    for task in plan.tasks.select_related("phase").prefetch_related("related_targets"):
        sheets["Nhiệm vụ"].append(
            [task.code, task.phase.code if task.phase else "", task.section, task.group, task.content, task.lead,
             task.coordinators, task.timeline, _label(TimelineKind, task.timeline_kind), task.due_year,
             task.expected_result, task.budget_source, "; ".join(t.code for t in task.related_targets.all()),
             task.notes]
        )  # fmt: skip
    for duty in plan.duties.all():
        sheets["Báo cáo"].append(
            [
                duty.reporter,
                duty.recipient,
                duty.due_day,
                duty.due_month,
                _label(Frequency, duty.frequency),
                duty.content,
            ]
        )
    return _save(safe_workbook(book))


def _save(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------------------- import


@dataclass
class CellError:
    sheet: str
    row: int
    column: str
    message: str


@dataclass
class PlanImport:
    errors: list[CellError] = field(default_factory=list)
    plan: Plan | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Reader:
    def __init__(self, result: PlanImport):
        self.result = result

    def error(self, sheet, row, column, message):
        self.result.errors.append(CellError(sheet, row, column, str(message)))

    def text(self, value) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return nfc(str(value)).strip()

    def year(self, value, sheet, row, column, *, required=False):
        text = self.text(value)
        if not text:
            if required:
                self.error(sheet, row, column, _("This cell is required."))
            return None
        try:
            year = int(text)
        except ValueError:
            self.error(sheet, row, column, _("“%(value)s” is not a year.") % {"value": text})
            return None
        if not 2000 <= year <= 2100:
            self.error(sheet, row, column, _("A year between 2000 and 2100."))
            return None
        return year

    def integer(self, value, sheet, row, column):
        text = self.text(value)
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            self.error(sheet, row, column, _("“%(value)s” is not a whole number.") % {"value": text})
            return None

    def number(self, value, sheet, row, column):
        text = self.text(value).replace(",", ".")
        if not text:
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            self.error(sheet, row, column, _("“%(value)s” is not a number.") % {"value": text})
            return None

    def date(self, value, sheet, row, column):
        if value in (None, ""):
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.datetime.strptime(self.text(value), "%d/%m/%Y").date()
        except ValueError:
            self.error(
                sheet, row, column, _("“%(value)s” is not a date (dd/mm/yyyy).") % {"value": self.text(value)}
            )
            return None

    def choice(self, name, value, sheet, row, column, *, required=False):
        text = self.text(value)
        if not text:
            if required:
                self.error(sheet, row, column, _("This cell is required."))
            return ""
        enum = CHOICES[name]
        key = fold(text)
        for code, label in enum.choices:
            if key in (fold(str(code)), fold(str(label))):
                return code
        allowed = ", ".join(f"“{label}”" for _c, label in enum.choices)
        self.error(
            sheet,
            row,
            column,
            _("“%(value)s” is not one of: %(allowed)s.") % {"value": text, "allowed": allowed},
        )
        return ""

    def model_errors(self, obj, sheet, row, columns, exclude):
        try:
            obj.full_clean(exclude=exclude, validate_unique=False)
        except ValidationError as exc:
            titles = dict(columns)
            for name, messages in exc.message_dict.items():
                self.error(sheet, row, titles.get(name, _("Row")), " ".join(messages))


def _rows(book, title, columns, result, *, required=True):
    """Rows of a sheet as dicts keyed by field (by header title), with their row numbers."""
    if title not in book.sheetnames:
        if required:
            result.errors.append(
                CellError(title, 0, "", _("The workbook has no sheet “%(sheet)s”.") % {"sheet": title})
            )
        return []
    ws = book[title]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    if not rows:
        return []
    header = [fold(str(v)) if v is not None else "" for v in rows[0]]
    positions = {}
    for name, column in columns:
        if fold(column) in header:
            positions[name] = header.index(fold(column))
    missing = [
        column
        for name, column in columns
        if name not in positions
        and name in ("code", "text", "content", "lead", "recipient", "frequency", "name", "end", "phase")
    ]
    if missing:
        result.errors.append(
            CellError(
                title,
                1,
                ", ".join(missing),
                _("Required column(s) missing: %(columns)s.")
                % {"columns": ", ".join(f"“{m}”" for m in missing)},
            )
        )
        return []
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if all(v in (None, "") for v in row):
            continue
        for value in row:
            if isinstance(value, str) and value.startswith("="):
                result.errors.append(
                    CellError(
                        title, number, "", _("A cell holds a formula: paste values only, without formulas.")
                    )
                )
        out.append((number, {name: row[pos] if pos < len(row) else None for name, pos in positions.items()}))
    return out


def import_plan(content: bytes, user, *, commit: bool) -> PlanImport:
    """Check a plan workbook; with commit=True and no error, create the plan with everything in it."""
    from openpyxl import load_workbook

    result = PlanImport()
    r = _Reader(result)
    try:
        book = load_workbook(io.BytesIO(content), data_only=False)
    except Exception as exc:  # a damaged or non-XLSX file
        result.errors.append(
            CellError("", 0, "", _("The file is not a readable XLSX workbook (%(error)s).") % {"error": exc})
        )
        return result

    # ---- the plan sheet
    sheet = "Kế hoạch"
    if sheet not in book.sheetnames:
        result.errors.append(
            CellError(sheet, 0, "", _("The workbook has no sheet “%(sheet)s”.") % {"sheet": sheet})
        )
        return result
    by_title = {fold(title): name for name, title in PLAN_ROWS}
    raw, row_of = {}, {}
    for number, row in enumerate(book[sheet].iter_rows(values_only=True), start=1):
        if not row or row[0] is None:
            continue
        name = by_title.get(fold(str(row[0])))
        if name:
            raw[name] = row[1] if len(row) > 1 else None
            row_of[name] = number
    titles = dict(PLAN_ROWS)

    def at(name):
        return row_of.get(name, 0)

    plan = Plan(
        slug=r.text(raw.get("slug")),
        issuer=r.text(raw.get("issuer")),
        issuer_province_name=r.text(raw.get("issuer_province_name")),
        number=r.text(raw.get("number")),
        issued_on=r.date(raw.get("issued_on"), sheet, at("issued_on"), titles["issued_on"]),
        kind=r.choice("kind", raw.get("kind"), sheet, at("kind"), titles["kind"]) or PlanKind.KE_HOACH,
        title=r.text(raw.get("title")),
        period_start=r.year(raw.get("period_start"), sheet, at("period_start"), titles["period_start"]),
        period_end=r.year(
            raw.get("period_end"), sheet, at("period_end"), titles["period_end"], required=True
        ),
        legal_basis=r.text(raw.get("legal_basis")),
        general_objectives=r.text(raw.get("general_objectives")),
        budget=r.text(raw.get("budget")),
        status=r.choice("status", raw.get("status"), sheet, at("status"), titles["status"])
        or PlanStatus.DRAFT,
        notes=r.text(raw.get("notes")),
    )
    province_text = r.text(raw.get("province"))
    province = None
    if not province_text:
        r.error(sheet, at("province"), titles["province"], _("This cell is required."))
    else:
        from doluong.geo.models import resolve_province

        province = resolve_province(province_text)
        if province is None:
            r.error(
                sheet,
                at("province"),
                titles["province"],
                _("No province “%(value)s”.") % {"value": province_text},
            )
        else:
            plan.province = province
            who = principal(user)
            allowed = {sc.province_id for sc in who.scopes if Plan.scope_q(sc, ADD) is not None}
            if not who.is_admin and province.pk not in allowed:
                r.error(
                    sheet, at("province"), titles["province"],
                    _("You may not add a plan in %(province)s.") % {"province": province},
                )  # fmt: skip
    if plan.slug and Plan.objects.filter(slug=plan.slug).exists():
        r.error(
            sheet, at("slug"), titles["slug"], _("A plan with this key already exists; choose another key.")
        )
    r.model_errors(plan, sheet, at("slug"), PLAN_ROWS, exclude=["province"] if province is None else [])

    # ---- phases
    phases: dict[str, Phase] = {}
    for number, values in _rows(book, "Giai đoạn", PHASE_COLUMNS, result):
        phase = Phase(
            code=r.text(values.get("code")),
            name=r.text(values.get("name")),
            start=r.year(values.get("start"), "Giai đoạn", number, "Năm bắt đầu"),
            end=r.year(values.get("end"), "Giai đoạn", number, "Năm kết thúc", required=True),
        )
        r.model_errors(phase, "Giai đoạn", number, PHASE_COLUMNS, exclude=["plan"])
        if phase.code in phases:
            r.error("Giai đoạn", number, "Mã", _("Phase %(code)s appears twice.") % {"code": phase.code})
        if (
            phase.end
            and plan.period_end
            and (
                phase.end > plan.period_end
                or (plan.period_start and (phase.start or plan.period_start) < plan.period_start)
            )
        ):
            r.error(
                "Giai đoạn",
                number,
                "Năm kết thúc",
                _("The phase must lie within the plan's period (%(period)s).")
                % {"period": plan.period_label},
            )
        phases[phase.code] = phase
    if not phases and not any(e.sheet == "Giai đoạn" for e in result.errors):
        r.error("Giai đoạn", 2, "Mã", _("A plan has at least one phase."))

    # ---- targets
    targets: dict[str, Target] = {}
    target_phase: dict[str, str] = {}
    for position, (number, values) in enumerate(_rows(book, "Chỉ tiêu", TARGET_COLUMNS, result), start=1):
        s = "Chỉ tiêu"
        target = Target(
            position=position,
            code=r.text(values.get("code")),
            text=r.text(values.get("text")),
            comparator=r.choice("comparator", values.get("comparator"), s, number, "So sánh"),
            value=r.number(values.get("value"), s, number, "Giá trị"),
            unit=r.choice("unit", values.get("unit"), s, number, "Đơn vị tính"),
            unit_label=r.text(values.get("unit_label")),
            source=r.choice("source", values.get("source"), s, number, "Nguồn số liệu") or Source.MANUAL,
            by_year=r.year(values.get("by_year"), s, number, "Năm hoàn thành"),
            notes=r.text(values.get("notes")),
        )
        phase_code = r.text(values.get("phase"))
        phase = phases.get(phase_code)
        if phase is None:
            r.error(
                s,
                number,
                "Giai đoạn",
                _("No phase “%(code)s” on the sheet “Giai đoạn”.") % {"code": phase_code},
            )
        elif target.by_year and not (phase.start or plan.first_year) <= target.by_year <= phase.end:
            r.error(s, number, "Năm hoàn thành", _("The deadline year must lie within the phase."))
        r.model_errors(target, s, number, TARGET_COLUMNS, exclude=["plan", "phase"])
        if target.code in targets:
            r.error(s, number, "Mã", _("Target %(code)s appears twice.") % {"code": target.code})
        targets[target.code] = target
        target_phase[target.code] = phase_code

    # ---- tasks
    tasks: list[tuple[Task, str, list[str]]] = []
    seen_tasks = set()
    for position, (number, values) in enumerate(
        _rows(book, "Nhiệm vụ", TASK_COLUMNS, result, required=False), start=1
    ):
        s = "Nhiệm vụ"
        task = Task(
            position=position,
            code=r.text(values.get("code")),
            section=r.text(values.get("section")),
            group=r.text(values.get("group")),
            content=r.text(values.get("content")),
            lead=r.text(values.get("lead")),
            coordinators="\n".join(
                p.strip()
                for p in r.text(values.get("coordinators")).replace(";", "\n").splitlines()
                if p.strip()
            ),
            timeline=r.text(values.get("timeline")),
            timeline_kind=r.choice("timeline_kind", values.get("timeline_kind"), s, number, "Loại tiến độ"),
            due_year=r.year(values.get("due_year"), s, number, "Năm hoàn thành"),
            expected_result=r.text(values.get("expected_result")),
            budget_source=r.text(values.get("budget_source")),
            notes=r.text(values.get("notes")),
        )
        phase_code = r.text(values.get("phase"))
        if phase_code and phase_code not in phases:
            r.error(
                s,
                number,
                "Giai đoạn",
                _("No phase “%(code)s” on the sheet “Giai đoạn”.") % {"code": phase_code},
            )
        codes = [
            c.strip()
            for c in r.text(values.get("related_targets")).replace("\n", ";").split(";")
            if c.strip()
        ]
        for code in codes:
            if code not in targets:
                r.error(
                    s,
                    number,
                    "Chỉ tiêu liên quan",
                    _("No target “%(code)s” on the sheet “Chỉ tiêu”.") % {"code": code},
                )
        r.model_errors(task, s, number, TASK_COLUMNS, exclude=["plan", "phase", "lead_org"])
        if task.code in seen_tasks:
            r.error(s, number, "Mã", _("Task %(code)s appears twice.") % {"code": task.code})
        seen_tasks.add(task.code)
        tasks.append((task, phase_code, codes))

    # ---- reporting duties
    duties = []
    for position, (number, values) in enumerate(
        _rows(book, "Báo cáo", DUTY_COLUMNS, result, required=False), start=1
    ):
        s = "Báo cáo"
        duty = ReportingDuty(
            position=position,
            reporter=r.text(values.get("reporter")),
            reporter_kind=reporter_kind(r.text(values.get("reporter"))),
            recipient=r.text(values.get("recipient")),
            due_day=r.integer(values.get("due_day"), s, number, "Ngày"),
            due_month=r.integer(values.get("due_month"), s, number, "Tháng"),
            frequency=r.choice("frequency", values.get("frequency"), s, number, "Kỳ báo cáo", required=True),
            content=r.text(values.get("content")),
        )
        r.model_errors(duty, s, number, DUTY_COLUMNS, exclude=["plan"])
        duties.append(duty)

    result.counts = {
        "phases": len(phases),
        "targets": len(targets),
        "tasks": len(tasks),
        "duties": len(duties),
    }
    if not commit or not result.ok:
        return result
    try:
        with transaction.atomic():
            save_object(plan, user, change_reason=_("Imported from a workbook"))
            for phase in phases.values():
                phase.plan = plan
                save_object(phase, user)
            for code, target in targets.items():
                target.plan, target.phase = plan, phases[target_phase[code]]
                save_object(target, user)
            for task, phase_code, codes in tasks:
                task.plan, task.phase = plan, phases.get(phase_code)
                save_object(task, user)
                task.related_targets.set([targets[c] for c in codes])
                assign_units(task)
            for duty in duties:
                duty.plan = plan
                save_object(duty, user)
    except (ValidationError, PermissionDenied) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        result.errors.append(CellError("", 0, "", " ".join(messages)))
        return result
    result.plan = plan
    return result
