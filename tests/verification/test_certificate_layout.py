"""The certificate PDF's layout (issue #13): the provider's name wraps between phrases, the error column has its
unit, a hand-typed MPE is marked, and the head's signature has room for the seal — all on one page."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from doluong.verification import actions, documents

pytestmark = pytest.mark.django_db


def _pages(pdf: bytes) -> list[str]:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed")
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8").split("\f")


def _issue(kit, **overrides):
    record = actions.do_record_verification(**kit.args(**overrides))
    return actions.do_issue_certificate(
        record, user=kit.staff, issued_on=record.performed_on, stamp_number="T-1"
    )


def test_provider_name_wraps_between_phrases_and_the_page_has_room_for_the_seal(kit):
    cert = _issue(kit)
    pages = [p for p in _pages(documents.certificate_pdf(cert, pades=False)) if p.strip()]
    assert len(pages) == 1  # signatures and seal on the certificate's page
    lines = [" ".join(line.split()) for line in pages[0].splitlines()]
    # "TRUNG TÂM KỸ THUẬT TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG CẦN THƠ": no line ends inside a two-word term
    heading = [line for line in lines[:12] if line]
    joined = "\n".join(heading)
    for term in ("TIÊU CHUẨN", "ĐO LƯỜNG", "CHẤT LƯỢNG", "KỸ THUẬT", "CẦN THƠ"):
        assert term in joined, (term, joined)
    assert "(Ký tên, đóng dấu)" in pages[0]
    assert "0,1 kg" in " ".join(pages[0].split())  # the error column has its unit


def test_a_hand_typed_mpe_is_marked(kit):
    typed = _issue(
        kit,
        mpe_rule="",
        points=[{"label": "5 kg", "nominal": "5", "found": "5.1", "unit": "kg", "mpe": "0.3"}],
    )
    text = " ".join(_pages(documents.certificate_pdf(typed, pades=False))[0].split())
    assert "±0,3 kg (*)" in text
    assert "do kiểm định viên nhập" in text
    computed = _issue(kit)
    assert documents.certificate_context(computed)["mpe_manual_points"] == []
    text = " ".join(_pages(documents.certificate_pdf(computed, pades=False))[0].split())
    assert "(*)" not in text and "do kiểm định viên nhập" not in text
