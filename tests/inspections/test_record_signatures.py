"""The signatures drawn on the phone's screen appear on the inspection record (biên bản kiểm tra) PDF: each image
with the signer's name, role and time; a record without any says so. The PDF is rendered through the web page and
read back with poppler (pdftotext for the words, pdfimages for the pictures)."""

import datetime as dt
import io
import shutil
import subprocess

import pytest
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from doluong.core.scope import principal
from doluong.geo.models import Commune
from doluong.inspections.models import Campaign, Inspection, Signature, Site
from doluong.programs.models import Attendance, Training

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed"),
]

NO_SIGNATURE = "Chưa có chữ ký trên màn hình"


def _text(pdf: bytes, *layout: str) -> str:
    """The PDF's words, white space collapsed: in reading order (each signature's lines together), or with
    ``"-layout"`` as the page places them (the signatures side by side)."""
    out = subprocess.run(["pdftotext", *layout, "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def _images(pdf: bytes, tmp_path) -> list[tuple[int, int]]:
    """(width, height) in pixels of every image of the PDF (pdfimages -list)."""
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True).stdout.decode()
    rows = out.splitlines()[2:]  # two header lines
    return [(int(r.split()[3]), int(r.split()[4])) for r in rows if r.split() and r.split()[2] == "image"]


def _drawn(width: int, height: int) -> bytes:
    img = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    ImageDraw.Draw(img).line(
        [(10, height - 20), (width // 2, 15), (width - 10, height - 25)], fill="black", width=4
    )
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _dump(name: str, data: bytes) -> None:
    """INSPECT_DUMP=<folder>: keep the rendered record to look at it."""
    import os

    folder = os.environ.get("INSPECT_DUMP")
    if folder:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, name), "wb") as fh:
            fh.write(data)


@pytest.fixture
def visit(user_for, media_tmp):
    officer = user_for("ct.xa")
    commune = Commune.objects.get(pk=principal(officer).scopes[0].commune_id)
    training = Training.objects.create(
        province_id=commune.province_id,
        date=dt.date(2025, 3, 1),
        title="Tập huấn kiểm tra nhà nước về đo lường",
    )
    leader = Attendance.objects.create(training=training, full_name="Lê Minh Tâm")
    campaign = Campaign.objects.create(
        province_id=commune.province_id,
        commune=commune,
        kind="thematic",
        year=2026,
        title="Kiểm tra cân tại chợ",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        leader_name="Lê Minh Tâm",
        leader_training=leader,
    )
    site = Site.objects.create(kind="shop", name="Cửa hàng Chữ Ký", commune=commune)
    return Inspection.objects.create(
        campaign=campaign,
        site=site,
        date=dt.date(2026, 6, 1),
        inspector="Lê Minh Tâm",
        person_present="Trần Thị Hoa",
    )


def _record(client, visit) -> bytes:
    r = client.get(f"/inspections/inspections/{visit.pk}/record.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    return r.content


def test_record_without_signatures_says_so(visit, client_for, tmp_path):
    pdf = _record(client_for("ct.xa"), visit)
    text = _text(pdf)
    assert "7. Chữ ký trên màn hình Chưa có chữ ký trên màn hình." in text
    # the site's representative, after the site (a ";" the template once swallowed)
    assert "Cửa hàng Chữ Ký; đại diện: Trần Thị Hoa." in text
    assert _images(pdf, tmp_path) == []


def test_record_shows_each_signature_with_name_role_and_time(visit, client_for, tmp_path):
    # 02:30 and 02:41 UTC are 09:30 and 09:41 in Hồ Chí Minh City (UTC+7)
    Signature.objects.create(
        inspection=visit,
        role="inspector",
        signer="Lê Minh Tâm",
        signed_at=dt.datetime(2026, 6, 1, 2, 30, tzinfo=dt.UTC),
        image=ContentFile(_drawn(300, 120), name="kiem-tra-vien.png"),
    )
    Signature.objects.create(
        inspection=visit,
        role="inspected",
        signer="Trần Thị Hoa",
        signed_at=dt.datetime(2026, 6, 1, 2, 41, tzinfo=dt.UTC),
        image=ContentFile(_drawn(240, 100), name="nguoi-duoc-kiem-tra.png"),
    )
    pdf = _record(client_for("ct.xa"), visit)
    _dump("bien-ban-chu-ky.pdf", pdf)
    text = _text(pdf)
    assert NO_SIGNATURE not in text
    assert "7. Chữ ký trên màn hình Lê Minh Tâm Trần Thị Hoa" in text
    assert "Người kiểm tra ký lúc 09:30 ngày 01/06/2026" in text
    assert "Người được kiểm tra ký lúc 09:41 ngày 01/06/2026" in text
    # side by side, in the order given: each name above its role and time
    assert (
        "Lê Minh Tâm Trần Thị Hoa Người kiểm tra Người được kiểm tra "
        "ký lúc 09:30 ngày 01/06/2026 ký lúc 09:41 ngày 01/06/2026"
    ) in _text(pdf, "-layout")
    # the two drawn images, at their own pixel sizes (not a placeholder)
    assert sorted(_images(pdf, tmp_path)) == [(240, 100), (300, 120)]


def test_a_missing_signature_file_is_said_not_fatal(visit, client_for, tmp_path):
    sig = Signature.objects.create(
        inspection=visit,
        role="inspected",
        signer="Trần Thị Hoa",
        signed_at=dt.datetime(2026, 6, 1, 2, 41, tzinfo=dt.UTC),
        image=ContentFile(_drawn(240, 100), name="mat.png"),
    )
    sig.image.storage.delete(sig.image.name)
    text = _text(_record(client_for("ct.xa"), visit))
    assert "(thiếu tệp ảnh chữ ký) Trần Thị Hoa Người được kiểm tra ký lúc 09:41 ngày 01/06/2026" in text
