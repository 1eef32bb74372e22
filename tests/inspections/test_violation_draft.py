"""The draft violation record (biên bản vi phạm hành chính, dự thảo) of a finding as PDF: the finding, the
candidate provisions of the sanction table in force with their fine bands and sources, and on every page the mark
that the fine is confirmed by a legal officer; scoped like the finding."""

import subprocess

import pytest

from doluong.inspections.documents import DRAFT_MARK, render_violation, violation_data
from doluong.inspections.models import CANDIDATES, Finding, SanctionProvision

pytestmark = pytest.mark.django_db


def _demo_fine():
    # the demo's confirmed fine at the shop of Bà Tư (Cần Thơ): V14-2-1, 5.000.000 đồng
    return Finding.objects.get(inspection__site__province_id="92", sanction="fine")


def test_data_lists_the_finding_the_candidates_and_their_sources():
    f = _demo_fine()
    data = violation_data(f)
    assert data["draft"] == "Dự thảo — mức phạt do cán bộ pháp chế xác nhận"
    assert data["description"] == f.description and data["fine"] == "5.000.000"
    codes = [c["code"] for c in data["candidates"]]
    # the table's rows for a short-weighing scale (models.CANDIDATES), all in force on the inspection's day
    assert set(codes) == set(CANDIDATES["error_scale"])
    chosen = [c for c in data["candidates"] if c["chosen"]]
    assert [c["code"] for c in chosen] == ["V14-2-1"]
    row = SanctionProvision.objects.get(code="V14-2-1")
    assert chosen[0]["band"] == "từ 5.000.000 đến 10.000.000 đồng"
    assert chosen[0]["sources"] == [u.strip() for u in row.source_url.split(";")]
    assert "lawnet.vn" in chosen[0]["sources"][0]
    # the research notes' English is not shown on a Vietnamese record
    assert (
        "as amended by" not in chosen[0]["legal_basis"]
        and "được sửa đổi, bổ sung bởi" in chosen[0]["legal_basis"]
    )
    # a band the table does not have is said so, never invented
    v5 = next(c for c in data["candidates"] if c["code"] == "V14-2-5")
    assert v5["band"].startswith("Bảng chưa có mức phạt")
    assert data["confirmed"].startswith("Nguyễn Văn Luật")


def _text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return out.stdout.decode()


def test_pdf_carries_the_draft_mark_on_every_page_and_is_scoped(client_for):
    f = _demo_fine()
    url = f"/inspections/findings/{f.pk}/violation-draft.pdf"
    r = client_for("ct.kiemtra").get(url)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = _text(r.content)
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 1 and all(DRAFT_MARK in " ".join(p.split()) for p in pages)
    flat = " ".join(text.split())
    assert "BIÊN BẢN VI PHẠM HÀNH CHÍNH" in flat and "V14-2-1" in flat and "5.000.000 đồng" in flat
    assert "từ 5.000.000 đến 10.000.000 đồng" in flat
    # the finding's page links to it
    page = client_for("ct.kiemtra").get(f.get_absolute_url()).content.decode()
    assert f'href="{url}"' in page
    # its candidates' table reads in Vietnamese (the table's research words are not shown as typed)
    assert "(các khung tiếp theo)" in page and "next band" not in page
    # another province's officer: 404; anonymous: to the login page
    assert client_for("dt.sokhcn").get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302


def test_a_finding_without_candidates_says_the_legal_officer_decides():
    f = _demo_fine()
    f.code = "other"  # no provision of the table is proposed for "other" (models.CANDIDATES)
    f.provision = None
    data = violation_data(f)
    assert data["candidates"] == []
    flat = " ".join(_text(render_violation(f)).split())
    assert "Bảng tra cứu không có điều khoản cho loại vi phạm này" in flat
    assert "cán bộ pháp chế xác định điều khoản áp dụng" in flat
