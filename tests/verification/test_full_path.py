"""The whole path through the web, as a lab and a member of the public meet it: a calibration recorded by the
provider's staff → its certificate → the PDF, the DOCX and the DCC downloaded → the QR's address checked by an
anonymous phone → revoked → the same address says so at once."""

from __future__ import annotations

import io
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
from docx import Document

from doluong.parties.models import RegistrationScope
from doluong.verification import actions, dcc, signing

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed")
def test_record_certificate_documents_public_check_revocation(kit, client_for):
    RegistrationScope.objects.create(
        registration=kit.provider.registrations.first(), activity="calibration", instrument_type=kit.itype
    )
    record = actions.do_record_verification(
        **kit.args(
            kind="calibration",
            mpe_rule="",
            temperature="24.0",
            humidity="55",
            points=[
                {"label": "5 kg", "nominal": "5", "found": "5.01", "unit": "kg", "uncertainty": "0.02"},
                {"label": "20 kg", "nominal": "20", "found": "20.03", "unit": "kg", "uncertainty": "0.03"},
            ],
        )
    )
    cert = actions.do_issue_certificate(record, user=kit.staff)
    lab = client_for("ct.kiemdinh")

    pdf = lab.get(f"/verification/certificates/{cert.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout
    assert cert.number in text.decode()

    docx = lab.get(f"/verification/certificates/{cert.pk}/docx/")
    assert docx.status_code == 200
    body = Document(io.BytesIO(docx.content))
    words = "\n".join(p.text for p in body.paragraphs) + "\n".join(
        c.text for t in body.tables for r in t.rows for c in r.cells
    )
    assert cert.number in words

    xml = lab.get(f"/verification/certificates/{cert.pk}/dcc/")
    assert xml.status_code == 200 and dcc.validate_dcc(xml.content) == []

    # the address printed in the QR code, opened by anyone
    address = urlsplit(signing.public_check_url(cert.number, cert.signature))
    phone = client_for(None)
    check = phone.get(f"{address.path}?{address.query}")
    assert check.status_code == 200
    assert cert.number in check.content.decode() and "Còn hiệu lực" in check.content.decode()
    api = phone.get(
        "/api/public/certificates/", {"n": cert.number, "s": signing.short(cert.signature)}
    ).json()
    assert [r["state"] for r in api["results"]] == ["valid"]

    actions.do_revoke_certificate(cert, user=kit.staff, reason="cân bị thay bộ phận sau kiểm định")
    api = phone.get(
        "/api/public/certificates/", {"n": cert.number, "s": signing.short(cert.signature)}
    ).json()
    assert [r["state"] for r in api["results"]] == ["revoked"]
    assert "Đã thu hồi" in phone.get(f"{address.path}?{address.query}").content.decode()
