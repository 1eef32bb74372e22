"""The annual report's last page (issue #13): "Nơi nhận", its three lines and the signature stay on one page,
however long the report is; target codes wrap after a dot instead of running over the table's border."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from doluong.programs import report
from doluong.programs.models import Plan

pytestmark = pytest.mark.django_db


def _pages(pdf: bytes) -> list[str]:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed")
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8").split("\f")


def test_recipients_and_signature_stay_on_one_page():
    plan = Plan.objects.get(slug="dong-thap-2026-2030")
    data = report.annual_report(plan, 2026)
    rows = list(data["units"]["rows"])
    assert data["units"]["has_round"] and rows
    # lengthen the report row by row, so that the closing block meets the page end at some length
    page_counts = set()
    for extra in range(0, 16, 2):
        data["units"]["rows"] = rows + [rows[0]] * extra
        pages = _pages(report.render_pdf(data))
        page_counts.add(len(pages))
        holding = [i for i, page in enumerate(pages) if "Nơi nhận" in page]
        assert len(holding) == 1, extra
        page = pages[holding[0]]
        for line in ("Bộ Khoa học và Công nghệ;", "Lưu: VT, QLĐL.", "GIÁM ĐỐC"):
            assert line in page, (extra, line)
    assert len(page_counts) > 1  # the lengths tried did move the block across a page end


def test_long_target_codes_fit_their_column():
    plan = Plan.objects.get(slug="can-tho-2021-2030")
    text = "\n".join(_pages(report.render_pdf(report.annual_report(plan, 2026))))
    assert "II.2.c.1" in text  # on one line: the column is wide enough
