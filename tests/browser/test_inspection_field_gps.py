"""The field page on a phone (390×844) in Debian's Chromium, GPS and signatures: geolocation granted at a fixed
position, the network cut (Playwright's offline mode), the certificate found by its typed number in the offline
package (the camera's QR path: test_inspection_field_qr.py), an instrument check recorded with the phone's position, the
signatures of the inspector and of the person inspected drawn on the screen, then the network back, the sync, and
the server's rows carry the position and both PNGs. Screenshots in var/screenshots/field-gps-*.png."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from tests.browser.phone import ARGS, open_field_page

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
#: a fixed position in Ninh Kiều (Cần Thơ), as the phone's positioning would give it
POSITION = {"latitude": 10.034567, "longitude": 105.787654, "accuracy": 12}

pytestmark = pytest.mark.browser


def _wait(page, expression: str, timeout: float = 15.0) -> None:
    """Poll `expression` in the page (page.wait_for_function evaluates a string, which the site's CSP forbids)."""
    import time

    end = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < end, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


def _sign(page, role: str, strokes: int = 3) -> None:
    """Draw a few strokes with the pointer in the role's signature pad."""
    box = page.locator(f"[data-pad='{role}'] canvas").bounding_box()
    for k in range(strokes):
        y = box["y"] + box["height"] * (0.3 + 0.2 * k)
        page.mouse.move(box["x"] + 20, y)
        page.mouse.down()
        for step in range(1, 9):
            page.mouse.move(box["x"] + 20 + step * (box["width"] - 40) / 8, y + (10 if step % 2 else -10))
        page.mouse.up()


def test_field_check_with_gps_and_signatures_offline_then_sync(live_server, chromium, monkeypatch):
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from playwright.sync_api import expect, sync_playwright

    from doluong.core.scope import principal
    from doluong.inspections.models import Campaign, Inspection, InstrumentCheck, Signature, Site
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
        kind="shop", name="Cửa hàng thử GPS", commune_id=commune_id, operator=owned.owner
    )
    visit = Inspection.objects.create(
        campaign=campaign,
        site=site,
        date=today,
        inspector=campaign.leader_name,
        person_present="Nguyễn Văn Chủ",
    )
    errors: list[str] = []
    outside: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            context, page = open_field_page(
                browser,
                live_server.url,
                errors,
                outside,
                geolocation=POSITION,
                permissions=["geolocation"],
            )
            card = page.locator(f"section[data-visit='{visit.pk}']")
            expect(card).to_contain_text("Cửa hàng thử GPS")
            _wait(page, "navigator.serviceWorker && navigator.serviceWorker.controller !== null")

            # ---- offline: the page comes back from the service worker
            context.set_offline(True)
            page.reload()
            page.wait_for_selector("body[data-ready='1']")
            expect(page.locator("#net")).to_have_text("Ngoại tuyến")
            # the scan button is there (the vendored jsQR decodes where there is no BarcodeDetector: the camera
            # path is tests/browser/test_inspection_field_qr.py); here the number is typed and found offline
            expect(card.locator("[data-scan]")).to_have_count(1)
            card.locator("[data-cert-input]").fill("KHÔNG-CÓ-SỐ-NÀY")
            card.locator("[data-lookup]").click()
            expect(card.locator("[data-cert-msg]")).to_contain_text("Không tìm thấy giấy chứng nhận")
            card.locator("[data-cert-input]").fill(cert.number)
            card.locator("[data-lookup]").click()
            form = page.locator("#check-form")
            expect(form).to_contain_text(str(owned))
            expect(page.locator("#gps")).to_contain_text("Vị trí GPS: 10,034567")
            # the check's kind follows the instrument's type (blank for a type without a scale or dispenser
            # rule): this check weighs, so the officer chooses a scale when the package gives no kind
            page.select_option("#f-kind", "nawi")
            page.select_option("#f-class", "III")
            page.check("input[name=stamp_ok]")
            page.check("input[name=seal_ok]")
            page.fill("#f-e", "50")
            page.fill("#f-max_capacity", "15000")
            page.fill("#f-reference", "10000")
            page.fill("#f-indicated", "10040")
            expect(page.locator("#live")).to_contain_text("Đạt")
            page.click("#check-form button[type=submit]")
            rec = card.locator(".rec").first
            expect(rec).to_contain_text("Chờ đồng bộ")
            expect(rec.locator("[data-gps='recorded']")).to_contain_text("10,034567")
            expect(rec.locator("[data-gps='recorded']")).to_contain_text("± 12 m")

            # ---- the two signatures, drawn on the screen
            card.locator("[data-sign]").click()
            page.locator("[data-save-sig='inspector']").click()
            expect(page.locator("#sig-msg")).to_have_text("Chưa có nét ký: hãy ký vào khung.")
            _sign(page, "inspector")
            page.locator("[data-save-sig='inspector']").click()
            expect(card.locator("[data-sig-rec]")).to_have_count(1)
            expect(page.locator("#signer-inspected")).to_have_value("Nguyễn Văn Chủ")
            _sign(page, "inspected")
            page.locator("[data-save-sig='inspected']").click()
            expect(card.locator("[data-sig-rec]")).to_have_count(2)
            expect(page.locator("#queue")).to_contain_text("1 phép kiểm tra chờ gửi")
            expect(page.locator("#queue")).to_contain_text("2 chữ ký chờ gửi")
            _wait(
                page,
                "[...document.querySelectorAll('img[data-sig-img]')].every(i => i.src.startsWith('data:'))",
            )
            page.screenshot(path=str(SCREENSHOTS / "field-gps-offline.png"), full_page=True)
            assert not InstrumentCheck.objects.filter(inspection=visit).exists()
            assert not Signature.objects.filter(inspection=visit).exists()

            # ---- online again: the page syncs by itself
            context.set_offline(False)
            expect(page.locator("#queue")).to_have_text("Mọi thay đổi đã được đồng bộ", timeout=20_000)
            expect(card.locator("[data-sig-rec] .badge.ok")).to_have_count(2)
            page.screenshot(path=str(SCREENSHOTS / "field-gps-synced.png"), full_page=True)
        finally:
            browser.close()
    check = InstrumentCheck.objects.get(inspection=visit)
    assert check.instrument_id == owned.pk and check.verdict == "pass"
    assert check.location_status == "recorded"
    assert (check.latitude, check.longitude, check.location_accuracy) == (
        Decimal("10.034567"),
        Decimal("105.787654"),
        Decimal("12.0"),
    )
    assert check.located_at is not None
    sigs = {s.role: s for s in Signature.objects.filter(inspection=visit)}
    assert set(sigs) == {"inspector", "inspected"}
    assert sigs["inspector"].signer == campaign.leader_name and sigs["inspected"].signer == "Nguyễn Văn Chủ"
    for s in sigs.values():
        data = s.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and hashlib.sha256(data).hexdigest() == s.sha256
    assert not errors, errors
    assert not outside, outside
