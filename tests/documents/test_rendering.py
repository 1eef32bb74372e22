"""The shared rendering package: Typst PDF with the Vietnamese administrative layout, DOCX templates, QR codes."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from docx import Document

from doluong.documents import docx as docx_render
from doluong.documents.pdf import ROOT, RenderError, render_pdf
from doluong.documents.qr import qr_png, qr_svg
from doluong.documents.sandbox import Placeholders

SPECIMEN = ROOT / "documents" / "typst" / "specimen.typ"
DATA = {
    "parent": "Ủy ban nhân dân thành phố Cần Thơ",
    "issuer": "Sở Khoa học và Công nghệ",
    "number": "125/BC-SKHCN",
    "place": "Cần Thơ",
    "date": "2026-01-02",
    "title": "Báo cáo kết quả thực hiện kế hoạch",
    "body": "Đồng Tháp, Sóc Trăng, Hậu Giang: đo lường.",
    "rows": [
        {"text": "Đào tạo kiểm định viên", "date": "2026-03-31"},
        {"text": "Hội nghị", "date": "2026-11-05"},
    ],
    "qr": qr_svg("https://doluong.example/verify/4111-26"),
    "signer-title": "Giám đốc",
    "signer": "Nguyễn Văn Ân",
}

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed")


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


@needs_poppler
def test_specimen_carries_the_national_heading_and_vietnamese_dates():
    pdf = render_pdf(SPECIMEN, DATA)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in text
    assert "Số: 125/BC-SKHCN" in text
    # Decree 30/2020: days below 10 and months below 3 carry a leading zero
    assert "Cần Thơ, ngày 02 tháng 01 năm 2026" in text
    assert "31/03/2026" in text and "05/11/2026" in text
    assert "Nguyễn Văn Ân" in text


@needs_poppler
def test_only_the_bundled_fonts_are_embedded():
    pdf = render_pdf(SPECIMEN, DATA)
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert names and all("LiberationSerif" in name for name in names), fonts


def test_png_preview_of_the_first_page():
    png = render_pdf(SPECIMEN, DATA, format="png", ppi=30)
    assert png.startswith(b"\x89PNG")


def test_template_outside_the_project_is_refused(tmp_path):
    outside = tmp_path / "x.typ"
    outside.write_text("hello")
    with pytest.raises(RenderError):
        render_pdf(outside, {})


def test_a_template_error_is_reported_not_swallowed():
    with pytest.raises(RenderError):
        render_pdf(SPECIMEN, {"title": "no other fields"})


def _word_template(*paragraphs: str) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_placeholders_are_listed_and_filled():
    template = _word_template("Số: {{ number }}", "Chủ sở hữu: {{ owner }}", "{{ qr }}")
    assert docx_render.template_fields(template) == {"number", "owner", "qr"}
    filled = docx_render.render_docx(
        template,
        {"number": "4111 - 26 (YB)", "owner": "Công ty TNHH Đồng Tháp & Cộng sự"},
        allowed=Placeholders.of(["number", "owner"], images=["qr"]),
        images={"qr": (qr_png("https://doluong.example/verify/4111-26"), 25)},
    )
    document = Document(io.BytesIO(filled))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Số: 4111 - 26 (YB)"
    assert texts[1] == "Chủ sở hữu: Công ty TNHH Đồng Tháp & Cộng sự"  # escaped for XML, shown as typed
    assert document.inline_shapes, "the QR image is in the document"


def test_docx_bad_files_are_refused():
    with pytest.raises(docx_render.TemplateError):
        docx_render.template_fields(b"not a word file")
    with pytest.raises(docx_render.TemplateError):
        docx_render.template_fields(_word_template("{{ unclosed "))


def test_qr_outputs():
    svg = qr_svg("https://doluong.example/verify/4111-26?s=abc")
    assert svg.lstrip().startswith("<svg") and "<path" in svg
    assert qr_png("x").startswith(b"\x89PNG")
    with pytest.raises(ValueError):
        qr_svg("x" * 5000)  # beyond a QR code's capacity
