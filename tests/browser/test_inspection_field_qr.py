"""The certificate's QR code read by the phone's camera, offline, in Debian's Chromium on a phone viewport.

Chromium is given a fake camera (--use-fake-device-for-media-stream) that films a video file written here: a Y4M
(YUV 4:2:0) of the demo certificate's real QR code — `Certificate.public_url()`, the URL printed on the
certificate, drawn with `documents.qr.qr_png` like the certificate PDF — and permission is granted without a prompt
(--use-fake-ui-for-media-stream). Chromium on Linux has no BarcodeDetector (asserted: if a later build gains one the
test says so), so the page decodes the video frames with the vendored jsQR. With the network off, the officer taps
"scan": the certificate is recognised in the day's package, the check form opens for its instrument, the QR's short
signature matches the certificate's, and the certificate's Ed25519 signature is verified on the phone with the
package's published keys. Screenshot: var/screenshots/field-qr-offline.png."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.browser.phone import ARGS, open_field_page

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WIDTH, HEIGHT = 640, 480

pytestmark = pytest.mark.browser


def write_y4m(path: Path, png: bytes, frames: int = 10) -> None:
    """A Y4M video (4:2:0, JPEG chroma siting) of the QR code centred on a light grey sheet, `frames` frames."""
    from PIL import Image

    qr = Image.open(io.BytesIO(png)).convert("RGB")
    side = int(HEIGHT * 0.7)
    qr = qr.resize((side, side), Image.NEAREST)
    sheet = Image.new("RGB", (WIDTH, HEIGHT), (236, 236, 230))
    sheet.paste(qr, ((WIDTH - side) // 2, (HEIGHT - side) // 2))
    y, cb, cr = sheet.convert("YCbCr").split()
    half = (WIDTH // 2, HEIGHT // 2)
    frame = y.tobytes() + cb.resize(half, Image.BOX).tobytes() + cr.resize(half, Image.BOX).tobytes()
    assert len(frame) == WIDTH * HEIGHT * 3 // 2
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(frames):
            out.write(b"FRAME\n" + frame)


def _wait(page, expression: str, timeout: float = 15.0) -> None:
    """Poll `expression` in the page (page.wait_for_function evaluates a string, which the site's CSP forbids)."""
    import time

    end = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < end, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


def test_write_y4m_frames(tmp_path):
    from doluong.documents.qr import qr_png

    video = tmp_path / "qr.y4m"
    write_y4m(video, qr_png("https://example.invalid/verify/?n=1"), frames=3)
    data = video.read_bytes()
    header, _, rest = data.partition(b"\n")
    assert header == b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg"
    assert rest.count(b"FRAME\n") >= 3 and len(rest) == 3 * (6 + WIDTH * HEIGHT * 3 // 2)


def test_camera_scans_the_certificate_qr_offline(live_server, chromium, monkeypatch, tmp_path):
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from playwright.sync_api import expect, sync_playwright

    from doluong.core.scope import principal
    from doluong.documents.qr import qr_png
    from doluong.inspections.models import Campaign, Inspection, Site
    from doluong.registry.models import Instrument

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the live server thread shares the test database
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    user = get_user_model().objects.get(username="ct.kiemtra")
    commune_id = principal(user).scopes[0].commune_id
    today = timezone.localdate()
    campaign = Campaign.objects.filter(
        commune_id=commune_id, start_date__lte=today, end_date__gte=today
    ).first()
    assert campaign is not None, "the live server needs the demo campaign"
    owned = (
        Instrument.objects.filter(commune_id=commune_id, certificates__isnull=False).order_by("pk").first()
    )
    cert = owned.certificates.order_by("-issued_on", "-pk").first()
    site = Site.objects.create(
        kind="shop", name="Cửa hàng thử quét QR", commune_id=commune_id, operator=owned.owner
    )
    visit = Inspection.objects.create(
        campaign=campaign, site=site, date=today, inspector=campaign.leader_name
    )
    # the QR printed on the certificate: the public check URL with its number and short signature
    payload = cert.public_url()
    query = parse_qs(urlsplit(payload).query)
    assert query["n"] == [cert.number] and cert.signature.startswith(query["s"][0])
    video = tmp_path / "certificate-qr.y4m"
    write_y4m(video, qr_png(payload))
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    errors: list[str] = []
    outside: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS + camera)
        try:
            context, page = open_field_page(
                browser,
                live_server.url,
                errors,
                outside,
                permissions=["camera"],
            )
            # headless Chromium on Linux has no BarcodeDetector: the vendored jsQR decodes the frames
            assert page.evaluate("'BarcodeDetector' in window") is False, (
                "BarcodeDetector appeared: path untested"
            )
            assert page.evaluate("typeof jsQR") == "function"
            _wait(page, "navigator.serviceWorker && navigator.serviceWorker.controller !== null")

            # ---- no network: the page, its catalogue and the decoder come from the service worker
            context.set_offline(True)
            page.reload()
            page.wait_for_selector("body[data-ready='1']")
            expect(page.locator("#net")).to_have_text("Ngoại tuyến")
            card = page.locator(f"section[data-visit='{visit.pk}']")
            scan = card.locator("button[data-scan]")
            expect(scan).to_have_text("Quét mã QR của giấy chứng nhận")
            scan.click()
            form = page.locator("#check-form")
            expect(form).to_be_visible(timeout=20_000)
            expect(form).to_contain_text(owned.__str__())
            scanned = form.locator("[data-scanned]")
            expect(scanned).to_have_attribute("data-scanned", "match")
            expect(scanned).to_have_text(f"Đã đọc giấy chứng nhận {cert.number} từ mã QR.")
            expect(form.locator(f"[data-form-cert='{cert.number}'] [data-sig]")).to_have_text(
                "Chữ ký số hợp lệ (kiểm tra trên máy)"
            )
            # the camera was released once the code was read
            assert page.evaluate("document.querySelectorAll('video[data-video]').length") == 0
            page.screenshot(
                path=str(SCREENSHOTS / "field-qr-form.png")
            )  # what the phone shows after the scan
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(SCREENSHOTS / "field-qr-offline.png"), full_page=True)
        finally:
            browser.close()
    assert not errors, errors
    assert not outside, outside
