"""Documents: the certificate PDF (text read back with pdftotext), the biên bản of a failed verification, the
DOCX filled into the provider's template, the template check, and PAdES signing with a self-made certificate."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from doluong.verification import actions, documents
from doluong.verification.models import CertificateSettings

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed")
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def _issue(kit, **overrides):
    record = actions.do_record_verification(**kit.args(**overrides))
    return actions.do_issue_certificate(
        record, user=kit.staff, issued_on=record.performed_on, stamp_number="T-2468"
    )


def test_certificate_pdf_carries_the_paper_fields(kit):
    cert = _issue(kit)
    text = " ".join(pdf_text(documents.certificate_pdf(cert)).split())
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "GIẤY CHỨNG NHẬN KIỂM ĐỊNH",
        cert.number,
        "Cân đồng hồ lò xo",
        kit.instrument.serial,
        kit.instrument.owner.name,
        "ĐLVN 30:2019",
        "Đạt yêu cầu kỹ thuật đo lường",
        "T-2468",
        cert.valid_until.strftime("%d/%m/%Y"),
        cert.short_signature,
        "NGƯỜI THỰC HIỆN",
        kit.verifier.person.full_name,
        "5,1 kg",  # the results table, decimal comma
        "±0,2",
    ):
        assert expected in text, expected


def test_failed_verification_gets_a_record_pdf(kit):
    record = actions.do_record_verification(
        **kit.args(points=[{"nominal": "30", "found": "31", "unit": "kg"}])
    )
    text = " ".join(pdf_text(documents.record_pdf(record)).split())
    assert "BIÊN BẢN KIỂM ĐỊNH ĐỊNH KỲ" in text
    assert record.number in text
    assert "Không đạt yêu cầu kỹ thuật đo lường" in text
    assert "không được cấp giấy chứng nhận kiểm định" in text


def test_docx_from_the_sample_and_from_an_uploaded_template(kit, media):
    from docx import Document

    cert = _issue(kit)
    body = documents.certificate_docx(cert)
    doc = Document(io.BytesIO(body))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells
    )
    assert cert.number in text and kit.instrument.owner.name in text and "Đạt" in text
    assert any(
        name.startswith("word/media/") for name in zipfile.ZipFile(io.BytesIO(body)).namelist()
    )  # the QR

    custom = Document()
    custom.add_paragraph("GCN số {{ number }} cấp cho {{ owner_name }}")
    out = io.BytesIO()
    custom.save(out)
    conf = CertificateSettings.objects.get(provider=kit.provider)
    conf.docx_template = SimpleUploadedFile("mau.docx", out.getvalue())
    conf.full_clean()
    conf.save()
    text = "\n".join(p.text for p in Document(io.BytesIO(documents.certificate_docx(cert))).paragraphs)
    assert f"GCN số {cert.number} cấp cho {kit.instrument.owner.name}" in text


def test_a_template_with_an_unknown_placeholder_is_refused(kit, media):
    from docx import Document

    doc = Document()
    doc.add_paragraph("{{ number }} {{ so_giay_phep }}")
    out = io.BytesIO()
    doc.save(out)
    conf = CertificateSettings.objects.get(provider=kit.provider)
    conf.docx_template = SimpleUploadedFile("mau.docx", out.getvalue())
    with pytest.raises(ValidationError) as info:
        conf.full_clean()
    assert "so_giay_phep" in str(info.value)
    conf.docx_template = SimpleUploadedFile("mau.docx", b"not a word file")
    with pytest.raises(ValidationError):
        conf.full_clean()


def _self_signed_p12(passphrase: bytes) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Trung tâm thử nghiệm"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
        .sign(key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        b"test", key, cert, None, serialization.BestAvailableEncryption(passphrase)
    )


def test_pades_signature_when_the_provider_configured_a_certificate(kit, media):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    cert = _issue(kit)
    plain = documents.certificate_pdf(cert)
    assert b"/ByteRange" not in plain
    conf = CertificateSettings.objects.get(provider=kit.provider)
    conf.pades_certificate = SimpleUploadedFile("ky.p12", _self_signed_p12(b"mat-khau"))
    conf.pades_passphrase = "mat-khau"
    conf.save()
    signed = documents.certificate_pdf(cert)
    reader = PdfFileReader(io.BytesIO(signed))
    assert len(reader.embedded_signatures) == 1
    status = validate_pdf_signature(
        reader.embedded_signatures[0], ValidationContext(allow_fetching=False, trust_roots=[])
    )
    assert (
        status.intact and status.valid
    )  # untouched and correctly signed (the self-made root is not trusted)
    assert "Trung tâm thử nghiệm" in status.signing_cert.subject.human_friendly
    tampered = bytearray(signed)
    index = tampered.find(b"GI")
    tampered[index + 200] ^= 0x01
    reader = PdfFileReader(io.BytesIO(bytes(tampered)), strict=False)
    bad = validate_pdf_signature(
        reader.embedded_signatures[0], ValidationContext(allow_fetching=False, trust_roots=[])
    )
    assert not bad.intact


def test_calibration_certificate_exports_a_valid_dcc(kit, client_for):
    from lxml import etree

    from doluong.parties.models import RegistrationScope
    from doluong.verification import dcc

    RegistrationScope.objects.create(
        registration=kit.provider.registrations.first(), activity="calibration", instrument_type=kit.itype
    )
    record = actions.do_record_verification(
        **kit.args(
            kind="calibration",
            mpe_rule="",
            temperature="25.5",
            humidity="60",
            reviewer_name="Lê Văn Soát",
            points=[
                {"label": "5 kg", "nominal": "5", "found": "5.01", "unit": "kg", "uncertainty": "0.02"},
                {
                    "label": "10 kg",
                    "nominal": "10",
                    "found": "10.02",
                    "unit": "kg",
                    "uncertainty": "0.02",
                    "mpe": "0.05",
                },
            ],
        )
    )
    cert = actions.do_issue_certificate(record, user=kit.staff)
    response = client_for("ct.kiemdinh").get(f"/verification/certificates/{cert.pk}/dcc/")
    assert response.status_code == 200
    assert dcc.validate_dcc(response.content) == []
    root = etree.fromstring(response.content)
    ns = {"dcc": dcc.DCC_NS, "si": dcc.SI_NS}
    assert root.findtext(".//dcc:coreData/dcc:uniqueIdentifier", namespaces=ns) == cert.number
    assert root.xpath("count(.//si:expandedUnc)", namespaces=ns) == 2
    # verification certificates have no DCC
    verification = actions.do_issue_certificate(actions.do_record_verification(**kit.args()), user=kit.staff)
    assert (
        client_for("ct.kiemdinh").get(f"/verification/certificates/{verification.pk}/dcc/").status_code == 404
    )
