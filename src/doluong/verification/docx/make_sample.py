"""Write certificate_sample.docx: the sample Word template providers download, change and upload.

Run from the project root:  .venv/bin/python src/doluong/verification/docx/make_sample.py
It uses only the placeholders of `verification.documents.DOCX_FIELDS` (docxtpl / Jinja2 syntax).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

OUT = Path(__file__).resolve().parent / "certificate_sample.docx"


def _para(doc, text="", *, bold=False, size=13, align=None, italic=False):
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.bold = bold
    run.italic = italic
    run.font.size = Pt(size)
    if align:
        p.alignment = align
    p.paragraph_format.space_after = Pt(2)
    return p


def build() -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(15)
    section.left_margin, section.right_margin = Mm(25), Mm(15)
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)

    head = doc.add_table(rows=1, cols=2)
    left, right = head.rows[0].cells
    left.paragraphs[0].add_run("{{ parent_body|upper }}").font.size = Pt(12)
    r = left.add_paragraph().add_run("{{ provider_name|upper }}")
    r.bold = True
    r.font.size = Pt(12)
    r = right.paragraphs[0].add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    r.bold = True
    r.font.size = Pt(12)
    r = right.add_paragraph().add_run("Độc lập - Tự do - Hạnh phúc")
    r.bold = True
    for cell in (left, right):
        for p in cell.paragraphs:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    _para(doc)
    _para(doc, "{{ title }}", bold=True, size=16, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "Số: {{ number }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    for label, field in [
        ("Tên phương tiện đo", "instrument_name"),
        ("Kiểu / ký hiệu", "model"),
        ("Số sản xuất", "serial"),
        ("Cơ sở sản xuất", "manufacturer"),
        ("Năm sản xuất", "year"),
        ("Phạm vi đo", "measuring_range"),
        ("Cấp / độ chính xác", "accuracy_class"),
        ("Cơ sở sử dụng", "owner_name"),
        ("Địa chỉ", "owner_address"),
        ("Hình thức", "kind"),
        ("Phương pháp thực hiện", "procedure"),
        ("Chuẩn đo lường sử dụng", "standards"),
        ("Điều kiện môi trường", "environment"),
    ]:
        p = doc.add_paragraph()
        p.add_run(f"{label}: ")
        p.add_run("{{ " + field + " }}").bold = True
        p.paragraph_format.space_after = Pt(1)

    _para(doc, "Kết quả:", bold=True)
    table = doc.add_table(rows=3, cols=7)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    headers = [
        "TT",
        "Điểm đo",
        "Giá trị danh định",
        "Giá trị đo được",
        "Sai số",
        "Sai số cho phép",
        "Đánh giá",
    ]
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    table.rows[1].cells[0].paragraphs[0].add_run("{%tr for p in points %}")
    values = [
        "{{ p.no }}",
        "{{ p.label }}",
        "{{ p.nominal }} {{ p.unit }}",
        "{{ p.found }} {{ p.unit }}",
        "{{ p.error }}",
        "{{ p.mpe }}",
        "{{ p.verdict }}",
    ]
    for cell, text in zip(table.rows[2].cells, values, strict=True):
        cell.paragraphs[0].add_run(text)
    end = doc.add_table(rows=1, cols=7)
    end.rows[0].cells[0].paragraphs[0].add_run("{%tr endfor %}")
    # docxtpl's {%tr %} tags must sit in their own rows of the same table: move the end row into the table
    table._tbl.append(end.rows[0]._tr)
    end._tbl.getparent().remove(end._tbl)

    _para(doc)
    p = doc.add_paragraph()
    p.add_run("Kết luận: ").bold = True
    p.add_run("{{ conclusion }}").bold = True
    _para(doc, "Số tem: {{ stamp_number }}    Ngày thực hiện: {{ verified_on }}")
    _para(doc, "Có hiệu lực đến ngày: {{ valid_until }}", bold=True)
    _para(doc, "{{ qr }}")
    _para(doc, "Kiểm tra tính xác thực tại: {{ check_url }}", size=9, italic=True)
    _para(doc, "Khóa ký: {{ key_id }} · Chữ ký rút gọn: {{ signature_short }}", size=9)
    _para(doc, "{{ issued_on_words }}", italic=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    sign = doc.add_table(rows=2, cols=3)
    for cell, text in zip(
        sign.rows[0].cells, ["NGƯỜI THỰC HIỆN", "NGƯỜI SOÁT LẠI", "{{ head_title }}"], strict=True
    ):
        cell.paragraphs[0].add_run(text).bold = True
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for cell, text in zip(
        sign.rows[1].cells, ["{{ verifier_name }}", "{{ reviewer_name }}", "{{ head_name }}"], strict=True
    ):
        for _ in range(3):
            cell.add_paragraph()
        cell.add_paragraph().add_run(text).bold = True
        for p in cell.paragraphs:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    import io

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


if __name__ == "__main__":
    OUT.write_bytes(build())
    print(f"wrote {OUT}")
