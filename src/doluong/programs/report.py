"""The province's annual report on a plan: one data dict built from the database (targets and their computed
results, the year's activities, tasks, unit reports), rendered three ways from the same dict — PDF (Typst, the
Vietnamese administrative layout), DOCX (python-docx, Times New Roman) and XLSX (the underlying figures)."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from decimal import Decimal
from pathlib import Path

from django.db.models import Sum

from doluong.core.dates import today as site_today
from doluong.documents.pdf import render_pdf as typst_pdf

from .choices import Channel, MapKind, ReportStatus, SupportKind, TaskStatus
from .models import (
    Attendance,
    CommunicationItem,
    Event,
    LabAssessment,
    MapEngagement,
    Plan,
    ReportRound,
    StandardSupport,
    Survey,
    Task,
    Training,
)
from .progress import target_progress

TEMPLATE = Path(__file__).resolve().parent / "typst" / "annual_report.typ"


def fmt_number(value) -> str:
    """Vietnamese figures: 1.234 and 97,4 (dot for thousands, comma for decimals)."""
    if value is None:
        return "—"
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{int(value):,}".replace(",", ".")
    whole, _dot, frac = f"{value:,.1f}".partition(".")
    return f"{whole.replace(',', '.')},{frac}"


def _ddmmyyyy(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _parent(plan: Plan) -> str:
    """The line above the Department in the heading: “UBND TỈNH ĐỒNG THÁP”, “UBND THÀNH PHỐ CẦN THƠ”."""
    return "UBND " + plan.province.name


def plan_reference(plan: Plan) -> str:
    """How the report names the plan: “Kế hoạch số 155/KH-UBND ngày 28/7/2021 của …”, or its title if unsigned."""
    if plan.number:
        when = (
            f" ngày {plan.issued_on.day}/{plan.issued_on.month}/{plan.issued_on.year}"
            if plan.issued_on
            else ""
        )
        return f"Kế hoạch số {plan.number}{when} của {plan.issuer}"
    return plan.title


def annual_report(plan: Plan, year: int, user=None, day: dt.date | None = None) -> dict:
    """Everything the annual report says, as plain JSON-able values (numbers already formatted as text)."""
    day = day or site_today()
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    province = plan.province_id

    def in_year(model):
        return model.objects.filter(province_id=province, date__gte=start, date__lte=end)

    # targets: every target whose phase covers the year
    targets = []
    for target in plan.targets.select_related("phase", "plan").prefetch_related("manual_figures"):
        if not target.first_year <= year <= target.last_year:
            continue
        progress = target_progress(target, min(day, end) if year < day.year else day)
        year_value = progress.by_year.get(year)
        targets.append(
            {
                "code": target.code,
                "text": target.text,
                "unit": target.unit_display,
                "target": f"{target.get_comparator_display()} {fmt_number(target.value)}"
                if target.value is not None
                else "",
                "year_value": fmt_number(year_value)
                if target.is_quantitative or year_value is not None
                else "",
                "total": fmt_number(progress.total) if target.is_quantitative else "",
                "percent": fmt_number(progress.percent) + " %" if progress.percent is not None else "",
                "percent_value": float(progress.percent) if progress.percent is not None else None,
                "assessment": progress.light_label,
                "light": progress.light,
                "manual": progress.is_manual,
                "method": progress.method,
                "note": progress.notes.get(year, ""),
                "phase": target.phase.name,
            }
        )

    trainings = list(in_year(Training).order_by("date", "pk"))
    attendance = Attendance.objects.filter(training__in=trainings)
    training_rows = [
        {
            "date": _ddmmyyyy(t.date),
            "title": t.title,
            "audience": t.audience,
            "attendees": fmt_number(t.attendances.count()),
        }
        for t in trainings
    ]
    events = list(in_year(Event).order_by("date", "pk"))
    items = list(in_year(CommunicationItem).order_by("date", "pk"))
    channel_counts = Counter(i.channel for i in items)
    engagements = list(in_year(MapEngagement).select_related("beneficiary").order_by("date", "pk"))
    map_rows = []
    for kind, label in MapKind.choices:
        rows = [e for e in engagements if e.kind == kind]
        map_rows.append(
            {
                "kind": str(label),
                "total": fmt_number(len(rows)),
                "state": fmt_number(sum(1 for e in rows if e.beneficiary.ownership == "state")),
                "private": fmt_number(sum(1 for e in rows if e.beneficiary.ownership == "private")),
                "other": fmt_number(
                    sum(1 for e in rows if e.beneficiary.ownership not in ("state", "private"))
                ),
            }
        )
    supports = list(in_year(StandardSupport).select_related("holder").order_by("date", "pk"))
    assessments = list(in_year(LabAssessment).select_related("lab").order_by("date", "pk"))
    surveys = list(in_year(Survey).order_by("date", "pk"))

    tasks = list(Task.objects.filter(plan=plan).select_related("lead_org").order_by("position", "code"))
    status_counts = Counter(t.status for t in tasks)

    round_ = ReportRound.objects.filter(plan=plan, year=year).first()
    unit_reports, expected, submitted, late = [], 0, 0, 0
    if round_ is not None:
        expected = round_.expected_units().count()
        for report in round_.reports.filter(status=ReportStatus.SUBMITTED).select_related(
            "organisation", "round"
        ):
            submitted += 1
            late += report.is_late
            unit_reports.append(
                {
                    "unit": str(report.organisation.name),
                    "submitted": _ddmmyyyy(report.submitted_at.date() if report.submitted_at else None),
                    "late": report.is_late,
                    "summary": report.summary,
                    "difficulties": report.difficulties,
                    "proposals": report.proposals,
                }
            )
    supported_quantity = sum(s.quantity for s in supports)
    amount = in_year(StandardSupport).aggregate(total=Sum("amount"))["total"]
    return {
        "plan": {
            "slug": plan.slug,
            "reference": plan_reference(plan),
            "title": plan.title,
            "number": plan.number,
            "period": plan.period_label,
            "issuer": plan.issuer,
        },
        "year": year,
        "heading": {
            "parent": _parent(plan),
            "recipient": "Ủy ban nhân dân " + plan.province.name[0].lower() + plan.province.name[1:],
            "issuer": "Sở Khoa học và Công nghệ",
            "number": "       /BC-SKHCN",
            "place": plan.province.short_name,
            "date": day.isoformat(),
        },
        "targets": targets,
        "summary": {
            "trainings": fmt_number(len(trainings)),
            "attendances": fmt_number(attendance.count()),
            "people": fmt_number(attendance.values("person_key").distinct().count()),
            "events": fmt_number(len(events)),
            "metrology_day_events": fmt_number(sum(1 for e in events if e.kind == "metrology_day")),
            "communication": fmt_number(len(items)),
            "metrology_day_items": fmt_number(sum(1 for i in items if i.metrology_day)),
            "map": fmt_number(len(engagements)),
            "map_enterprises": fmt_number(len({e.beneficiary_id for e in engagements})),
            "standards_records": fmt_number(len(supports)),
            "standards_quantity": fmt_number(supported_quantity),
            "standards_amount": fmt_number(amount) if amount else "0",
            "assessments": fmt_number(len(assessments)),
            "assessments_meeting": fmt_number(sum(1 for a in assessments if a.result == "meets")),
            "surveys": fmt_number(len(surveys)),
        },
        "trainings": training_rows,
        "events": [
            {
                "date": _ddmmyyyy(e.date),
                "title": e.title,
                "kind": str(e.get_kind_display()),
                "participants": fmt_number(e.participants) if e.participants else "",
            }
            for e in events
        ],  # fmt: skip
        "channels": [
            {"channel": str(label), "count": fmt_number(channel_counts.get(code, 0))}
            for code, label in Channel.choices
            if channel_counts.get(code)
        ],
        "map": map_rows,
        "supports": [
            {
                "date": _ddmmyyyy(s.date),
                "title": s.title,
                "kind": str(s.get_kind_display()),
                "quantity": fmt_number(s.quantity),
                "holder": str(s.holder) if s.holder else "",
            }
            for s in supports
        ],  # fmt: skip
        "assessments": [
            {"date": _ddmmyyyy(a.date), "lab": a.lab.name, "result": str(a.get_result_display())}
            for a in assessments
        ],
        "surveys": [
            {
                "date": _ddmmyyyy(s.date),
                "title": s.title,
                "respondents": fmt_number(s.respondents) if s.respondents else "",
                "findings": s.findings,
            }
            for s in surveys
        ],  # fmt: skip
        "tasks": {
            "total": fmt_number(len(tasks)),
            "by_status": [
                {"status": str(label), "count": fmt_number(status_counts.get(code, 0))}
                for code, label in TaskStatus.choices
            ],
        },
        "units": {
            "expected": fmt_number(expected),
            "submitted": fmt_number(submitted),
            "late": fmt_number(late),
            "missing": fmt_number(max(expected - submitted, 0)),
            "has_round": round_ is not None,
            "deadline": _ddmmyyyy(round_.deadline) if round_ else "",
            "rows": unit_reports,
        },
        "support_kinds": [str(label) for _code, label in SupportKind.choices],
    }


# ------------------------------------------------------------------------------------------- PDF


def render_pdf(data: dict, *, format: str = "pdf") -> bytes:
    return typst_pdf(TEMPLATE, data, format=format)


# ------------------------------------------------------------------------------------------- DOCX


def render_docx(data: dict) -> bytes:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
    style.paragraph_format.space_after = Pt(4)

    def para(text="", *, bold=False, italic=False, align=None, size=None):
        p = doc.add_paragraph()
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
        if align == "center":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif align == "justify":
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        return p

    def cell_text(cell, text, *, bold=False, align=None, size=11):
        cell.text = ""
        p = cell.paragraphs[0]
        run = p.add_run(text)
        run.bold = bold
        run.font.size = Pt(size)
        if align == "center":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def table(headers, rows, widths=None):
        t = doc.add_table(rows=1, cols=len(headers))
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        for i, header in enumerate(headers):
            cell_text(t.rows[0].cells[i], header, bold=True, align="center")
        for row in rows:
            cells = t.add_row().cells
            for i, value in enumerate(row):
                cell_text(cells[i], str(value))
        if widths:
            for row in t.rows:
                for i, width in enumerate(widths):
                    row.cells[i].width = Mm(width)
        doc.add_paragraph()
        return t

    heading = data["heading"]
    head = doc.add_table(rows=2, cols=2)
    cell_text(head.cell(0, 0), heading["parent"].upper() + "\n", align="center", size=12)
    head.cell(0, 0).paragraphs[0].add_run(heading["issuer"].upper()).bold = True
    cell_text(head.cell(0, 1), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n", bold=True, align="center", size=12)
    head.cell(0, 1).paragraphs[0].add_run("Độc lập - Tự do - Hạnh phúc").bold = True
    cell_text(head.cell(1, 0), f"Số: {heading['number']}", align="center", size=13)
    date = dt.date.fromisoformat(heading["date"])
    cell_text(
        head.cell(1, 1),
        f"{heading['place']}, ngày {date.day:02d} tháng {date.month:02d} năm {date.year}",
        align="center",
        size=13,
    )
    head.cell(1, 1).paragraphs[0].runs[0].italic = True
    for row in head.rows:
        row.cells[0].width, row.cells[1].width = Mm(70), Mm(95)
    doc.add_paragraph()
    para("BÁO CÁO", bold=True, align="center", size=14)
    para(f"Kết quả thực hiện {data['plan']['reference']} năm {data['year']}", bold=True, align="center")

    para("I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU", bold=True)
    table(
        [
            "Mã",
            "Chỉ tiêu",
            "Đơn vị tính",
            "Kế hoạch",
            f"Năm {data['year']}",
            "Lũy kế giai đoạn",
            "Tỷ lệ",
            "Đánh giá",
        ],
        [
            [
                t["code"],
                t["text"] + (" (số liệu nhập tay)" if t["manual"] else ""),
                t["unit"],
                t["target"],
                t["year_value"],
                t["total"],
                t["percent"],
                t["assessment"],
            ]
            for t in data["targets"]
        ],  # fmt: skip
        widths=[14, 62, 20, 16, 14, 16, 12, 18],
    )
    s = data["summary"]
    para("II. KẾT QUẢ CÁC HOẠT ĐỘNG TRONG NĂM", bold=True)
    para(
        f"1. Đào tạo, tập huấn: tổ chức {s['trainings']} lớp với {s['attendances']} lượt người tham dự "
        f"({s['people']} người).",
        align="justify",
    )
    if data["trainings"]:
        table(["Ngày", "Nội dung", "Đối tượng", "Số lượt người"],
              [[r["date"], r["title"], r["audience"], r["attendees"]] for r in data["trainings"]],
              widths=[22, 80, 45, 25])  # fmt: skip
    para(
        f"2. Hội nghị, hội thảo, sự kiện: {s['events']} sự kiện, trong đó {s['metrology_day_events']} sự kiện "
        f"hưởng ứng Ngày Đo lường Việt Nam (20/01). Thông tin, tuyên truyền: {s['communication']} tin, bài, "
        f"chương trình, trong đó {s['metrology_day_items']} về Ngày Đo lường Việt Nam.",
        align="justify",
    )
    if data["channels"]:
        table(
            ["Hình thức", "Số lượng"],
            [[c["channel"], c["count"]] for c in data["channels"]],
            widths=[100, 30],
        )
    para(
        f"3. Chương trình đảm bảo đo lường: hỗ trợ {s['map']} lượt doanh nghiệp, tổ chức "
        f"({s['map_enterprises']} đơn vị).",
        align="justify",
    )
    table(["Hình thức hỗ trợ", "Tổng số lượt", "DN vốn nhà nước", "DN tư nhân", "Khác"],
          [[r["kind"], r["total"], r["state"], r["private"], r["other"]] for r in data["map"]],
          widths=[70, 25, 25, 25, 20])  # fmt: skip
    para(
        f"4. Chuẩn đo lường, trang thiết bị: {s['standards_records']} lượt hỗ trợ, đầu tư với "
        f"{s['standards_quantity']} chuẩn, phương tiện đo; kinh phí {s['standards_amount']} đồng. "
        f"Đánh giá phòng thí nghiệm theo bộ tiêu chí quốc gia: {s['assessments']} lượt, "
        f"{s['assessments_meeting']} phòng thí nghiệm đáp ứng. Khảo sát: {s['surveys']} cuộc.",
        align="justify",
    )
    para("III. TÌNH HÌNH THỰC HIỆN NHIỆM VỤ", bold=True)
    para(
        f"Kế hoạch có {data['tasks']['total']} nhiệm vụ: "
        + "; ".join(f"{row['status'].lower()}: {row['count']}" for row in data["tasks"]["by_status"])
        + ".",
        align="justify",
    )
    para("IV. BÁO CÁO CỦA CÁC SỞ, NGÀNH VÀ ĐỊA PHƯƠNG", bold=True)
    u = data["units"]
    if u["has_round"]:
        para(
            f"Có {u['submitted']}/{u['expected']} đơn vị gửi báo cáo (hạn {u['deadline']}), trong đó {u['late']} "
            f"đơn vị gửi muộn; {u['missing']} đơn vị chưa gửi.",
            align="justify",
        )
        if u["rows"]:
            table(["Đơn vị", "Ngày gửi", "Tóm tắt kết quả"],
                  [[r["unit"], r["submitted"], r["summary"]] for r in u["rows"]], widths=[50, 22, 100])  # fmt: skip
    else:
        para("Chưa mở kỳ báo cáo của các đơn vị cho năm này.")
    para("Nơi nhận:", bold=True, italic=True, size=12)
    para(f"- Bộ Khoa học và Công nghệ;\n- {heading['recipient']};\n- Lưu: VT, QLĐL.", size=11)
    para("GIÁM ĐỐC", bold=True, align="center")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------------------- XLSX


def render_xlsx(data: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from doluong.core.io import safe_workbook

    book = Workbook()

    def sheet(title, headers, rows, widths):
        ws = book.create_sheet(title)
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            ws.append([_cell(v) for v in row])
        for index, width in enumerate(widths):
            ws.column_dimensions[chr(ord("A") + index)].width = width
        return ws

    book.remove(book.active)
    sheet(
        "Chỉ tiêu",
        ["Mã", "Chỉ tiêu", "Đơn vị tính", "Kế hoạch", f"Năm {data['year']}", "Lũy kế giai đoạn", "Tỷ lệ (%)",
         "Đánh giá", "Nguồn số liệu", "Cách tính"],
        [[t["code"], t["text"], t["unit"], t["target"], t["year_value"], t["total"], t["percent"].rstrip(" %"),
          t["assessment"], "Nhập tay" if t["manual"] else "Tự động", t["method"]] for t in data["targets"]],
        [10, 60, 18, 12, 12, 14, 10, 16, 12, 60],
    )  # fmt: skip
    s = data["summary"]
    sheet(
        "Tổng hợp",
        ["Nội dung", "Số liệu"],
        [
            ["Lớp đào tạo, tập huấn", s["trainings"]],
            ["Lượt người được đào tạo", s["attendances"]],
            ["Số người được đào tạo", s["people"]],
            ["Hội nghị, hội thảo, sự kiện", s["events"]],
            ["Tin, bài, chương trình tuyên truyền", s["communication"]],
            ["Lượt doanh nghiệp được hỗ trợ (Chương trình đảm bảo đo lường)", s["map"]],
            ["Chuẩn, phương tiện đo được hỗ trợ, đầu tư", s["standards_quantity"]],
            ["Lượt đánh giá phòng thí nghiệm", s["assessments"]],
            ["Phòng thí nghiệm đáp ứng bộ tiêu chí", s["assessments_meeting"]],
            ["Khảo sát", s["surveys"]],
            ["Đơn vị phải báo cáo", data["units"]["expected"]],
            ["Đơn vị đã gửi báo cáo", data["units"]["submitted"]],
        ],
        [60, 14],
    )
    sheet("Đào tạo", ["Ngày", "Nội dung", "Đối tượng", "Số lượt người"],
          [[r["date"], r["title"], r["audience"], r["attendees"]] for r in data["trainings"]], [12, 70, 30, 14])  # fmt: skip
    sheet("Chương trình ĐBĐL", ["Hình thức hỗ trợ", "Tổng số lượt", "DN vốn nhà nước", "DN tư nhân", "Khác"],
          [[r["kind"], r["total"], r["state"], r["private"], r["other"]] for r in data["map"]], [50, 14, 16, 14, 10])  # fmt: skip
    sheet("Báo cáo đơn vị", ["Đơn vị", "Ngày gửi", "Gửi muộn", "Tóm tắt kết quả", "Khó khăn", "Đề xuất"],
          [[r["unit"], r["submitted"], "Có" if r["late"] else "", r["summary"], r["difficulties"], r["proposals"]]
           for r in data["units"]["rows"]], [40, 12, 10, 70, 40, 40])  # fmt: skip
    safe_workbook(book)  # the units' own texts: never a formula in Excel
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value):
    """Numbers formatted for the documents ("1.234", "97,4") go into the workbook as numbers."""
    if isinstance(value, str) and value and value not in ("—",):
        candidate = value.replace(".", "").replace(",", ".")
        try:
            number = Decimal(candidate)
        except ArithmeticError:
            return value
        if candidate.replace(".", "", 1).isdigit():
            return int(number) if number == number.to_integral_value() else float(number)
    return value
