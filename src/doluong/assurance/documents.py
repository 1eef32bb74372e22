"""The programme dossier printed: PDF (Typst, Vietnamese administrative layout) and DOCX (python-docx, Times
New Roman), from one dict of plain text (`dossier_data`)."""

from __future__ import annotations

import io
from pathlib import Path

from doluong.core.dates import today
from doluong.documents.pdf import render_pdf

from .choices import Step

TEMPLATE = Path(__file__).resolve().parent / "typst" / "programme.typ"

SECTIONS = [
    ("I. CĂN CỨ", "legal_basis"),
    ("II. HIỆN TRẠNG ĐO LƯỜNG — TỔ CHỨC", "state_organisation"),
    ("III. HIỆN TRẠNG ĐO LƯỜNG — PHƯƠNG PHÁP ĐO", "state_methods"),
    ("IV. HIỆN TRẠNG ĐO LƯỜNG — PHƯƠNG TIỆN KỸ THUẬT", "state_technical"),
    ("V. HIỆU QUẢ DỰ KIẾN", "expected_effect"),
    ("VI. MỤC TIÊU", "objectives"),
    ("VII. NHIỆM VỤ", "tasks"),
    ("VIII. GIẢI PHÁP", "solutions"),
    ("IX. KINH PHÍ", "budget"),
]


def _d(day) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def dossier_data(programme) -> dict:
    from .models import MeasurementProcess

    enterprise = programme.enterprise
    processes = MeasurementProcess.objects.filter(enterprise=enterprise).order_by("name")
    return {
        "enterprise": enterprise.name,
        "place": enterprise.province.short_name,
        "date": (programme.approved_on or today()).isoformat(),
        "title": programme.title,
        "period": f"{_d(programme.period_start)} – {_d(programme.period_end)}",
        "version": str(programme.version),
        "step": str(programme.get_step_display()),
        "approved": programme.step
        not in (
            Step.RECEPTION,
            Step.DATA_COLLECTION,
            Step.ANALYSIS,
            Step.EXPECTED_EFFECT,
            Step.PLANNING,
            Step.DRAFT,
            Step.CONSULTATION,
        ),
        "approved_on": _d(programme.approved_on),
        "approved_by": programme.approved_by,
        "consulted_on": _d(programme.consulted_on),
        "consultation": programme.consultation,
        "revision_reason": programme.revision_reason,
        "officer": programme.measurement_officer,
        "sections": [{"title": t, "text": getattr(programme, name) or "—"} for t, name in SECTIONS],
        "processes": [
            {
                "name": p.name,
                "characteristic": p.characteristic,
                "tolerance": "" if p.tolerance is None else f"± {p.tolerance.normalize():f} {p.unit}",
                "mpe": "" if p.process_mpe is None else f"± {p.process_mpe.normalize():f} {p.unit}",
                "u_max": "" if p.max_uncertainty is None else f"{p.max_uncertainty.normalize():f} {p.unit}",
            }
            for p in processes
        ],
    }


def render_docx(data: dict) -> bytes:
    from docx import Document
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

    def para(text="", *, bold=False, italic=False, center=False):
        p = doc.add_paragraph()
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        return p

    head = doc.add_table(rows=1, cols=2)
    head.cell(0, 0).text = data["enterprise"].upper()
    head.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    para()
    para("CHƯƠNG TRÌNH ĐẢM BẢO ĐO LƯỜNG", bold=True, center=True)
    para(data["title"], bold=True, center=True)
    para(
        f"Giai đoạn: {data['period']} · Phiên bản {data['version']} · {data['step']}",
        italic=True,
        center=True,
    )
    if data["revision_reason"]:
        para(f"Lý do sửa đổi: {data['revision_reason']}", italic=True)
    for s in data["sections"]:
        para(s["title"], bold=True)
        para(s["text"])
    para("X. CÁC QUÁ TRÌNH ĐO", bold=True)
    if data["processes"]:
        t = doc.add_table(rows=1, cols=5)
        t.style = "Table Grid"
        for i, h in enumerate(["Quá trình đo", "Đặc tính", "Dung sai", "MPE quá trình", "U lớn nhất"]):
            t.rows[0].cells[i].text = h
        for p in data["processes"]:
            cells = t.add_row().cells
            for i, key in enumerate(["name", "characteristic", "tolerance", "mpe", "u_max"]):
                cells[i].text = p[key]
    else:
        para("—")
    para("XI. LẤY Ý KIẾN", bold=True)
    para(f"{data['consulted_on']}: {data['consultation']}" if data["consulted_on"] else "Chưa lấy ý kiến.")
    para()
    if data["approved"]:
        para(f"Phê duyệt ngày {data['approved_on']}", italic=True, center=True)
        para("THỦ TRƯỞNG DOANH NGHIỆP", bold=True, center=True)
        para(data["approved_by"], bold=True, center=True)
    else:
        para("DỰ THẢO — CHƯA PHÊ DUYỆT", bold=True, center=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def render_programme(programme, fmt: str) -> tuple[bytes, str]:
    data = dossier_data(programme)
    if fmt == "pdf":
        return render_pdf(TEMPLATE, data), "application/pdf"
    return (
        render_docx(data),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
