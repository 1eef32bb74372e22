"""The field page on a phone (390×844) in Debian's Chromium: opened online, the network cut (Playwright's offline
mode), the page reloaded from the service worker, an instrument check recorded with a photo while offline, the
network back, the sync, the server's rows; then a second device's edit of the same check makes the phone's own
edit a conflict, shown with both versions, resolved by the user ("keep mine"). Screenshots in var/screenshots/."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import pytest
from tests.browser.phone import ARGS, open_field_page

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

pytestmark = pytest.mark.browser


def _png() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 240), (230, 230, 220))
    ImageDraw.Draw(img).rectangle([40, 60, 280, 200], fill=(20, 90, 60))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _wait(page, expression: str, timeout: float = 15.0) -> None:
    """Poll `expression` in the page (page.wait_for_function evaluates a string, which the site's CSP forbids)."""
    import time

    end = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < end, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


def test_field_page_offline_then_sync_then_conflict(live_server, chromium, monkeypatch):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone
    from playwright.sync_api import expect, sync_playwright

    from doluong.core.scope import principal
    from doluong.inspections.models import Campaign, Inspection, InstrumentCheck, Photo, Site

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the live server thread shares the test database
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    user = get_user_model().objects.get(username="ct.kiemtra")
    commune_id = principal(user).scopes[0].commune_id
    today = timezone.localdate()
    campaign = Campaign.objects.filter(
        commune_id=commune_id, start_date__lte=today, end_date__gte=today
    ).first()
    assert campaign is not None, "the live server needs the demo campaign"
    site = Site.objects.create(
        kind="stall",
        name="Sạp 25 – Chợ thử nghiệm",
        commune_id=commune_id,
        parent=Site.objects.filter(kind="market", commune_id=commune_id).first(),
    )
    from doluong.registry.models import Instrument

    # the stall's operator owns registered instruments in the commune: the package carries them with their
    # last certificate
    owned = (
        Instrument.objects.filter(commune_id=commune_id, certificates__isnull=False).order_by("pk").first()
    )
    site.operator = owned.owner
    site.save()
    visit = Inspection.objects.create(
        campaign=campaign, site=site, date=today, inspector=campaign.leader_name
    )
    png = _png()
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
            )
            card = page.locator(f"section[data-visit='{visit.pk}']")
            expect(card).to_contain_text("Sạp 25 – Chợ thử nghiệm")
            expect(page.locator("#net")).to_have_text("Trực tuyến")
            expect(card).to_contain_text(owned.certificates.order_by("-issued_on", "-pk").first().number)
            # the certificate's Ed25519 signature checked on the phone with the package's published keys
            expect(card.locator("[data-sig]").first).to_have_text("Chữ ký số hợp lệ (kiểm tra trên máy)")
            _wait(page, "navigator.serviceWorker && navigator.serviceWorker.controller !== null")
            page.screenshot(path=str(SCREENSHOTS / "field-online.png"), full_page=True)

            # ---- the network goes; the page comes back from the service worker
            context.set_offline(True)
            page.reload()
            page.wait_for_selector("body[data-ready='1']")
            expect(page.locator("#net")).to_have_text("Ngoại tuyến")
            expect(card).to_contain_text("Sạp 25 – Chợ thử nghiệm")
            expect(card.locator("[data-sig]").first).to_have_text("Chữ ký số hợp lệ (kiểm tra trên máy)")
            # the service worker's own fetches fail too: a file it never kept answers its offline fallback
            status = page.evaluate("fetch('/inspections/field/icon-512.png').then(r => r.status)")
            assert status == 503
            # the strings come from the app's JavaScript catalogue (djangojs.po), kept by the service worker: the
            # page is Vietnamese offline, and so is the worker's own fallback (it imports the same catalogue)
            assert page.evaluate("gettext('Offline')") == "Ngoại tuyến"
            assert page.evaluate("fetch('/inspections/field/jsi18n.js').then(r => r.status)") == 200
            fallback = page.evaluate("fetch('/inspections/field/icon-512.png').then(r => r.text())")
            assert fallback == "Không có mạng và chưa có bản lưu trên máy."
            expect(card.locator("button", has_text="Kiểm tra phương tiện này").first).to_be_visible()
            # record a check: class III scale e = 50 g, Max 15 kg, 10 kg test load shows 10.040 kg
            card.locator("button", has_text="Phương tiện chưa đăng ký").click()
            page.fill("#f-found", "Cân đồng hồ lò xo 15 kg")
            page.check("input[name=stamp_ok]")
            page.check("input[name=seal_ok]")
            page.select_option(
                "#f-kind", "nawi"
            )  # an instrument found unregistered has no type to give a kind
            page.select_option("#f-class", "III")
            page.fill("#f-e", "50")
            page.fill("#f-max_capacity", "15000")
            page.fill("#f-reference", "10000")
            page.fill("#f-indicated", "10040")
            # 2 × 25 g = 50 g in service (TT 09/2017): +40 g conforms, computed on the phone
            expect(page.locator("#live")).to_contain_text("Đạt")
            expect(page.locator("#live")).to_contain_text("50 g")
            page.fill("#f-notes", "Cân đặt sát mép sạp")
            page.locator("#check-form").screenshot(path=str(SCREENSHOTS / "field-form.png"))
            page.set_input_files(
                "#f-photo", files=[{"name": "tem.png", "mimeType": "image/png", "buffer": png}]
            )
            page.click("#check-form button[type=submit]")
            rec = card.locator(".rec").first
            expect(rec).to_contain_text("Chờ đồng bộ")
            expect(rec).to_contain_text("1 ảnh · 0 đã gửi")
            expect(page.locator("#queue")).to_contain_text("1 phép kiểm tra chờ gửi")
            _wait(
                page,
                "document.querySelector('img[data-photo]') && document.querySelector('img[data-photo]').src.startsWith('data:')",
            )
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(SCREENSHOTS / "field-offline.png"), full_page=True)
            assert not InstrumentCheck.objects.filter(inspection=visit).exists()

            # ---- the network is back: the page syncs by itself
            context.set_offline(False)
            expect(rec).to_contain_text("Đã đồng bộ", timeout=15_000)
            expect(rec).to_contain_text("1 ảnh · 1 đã gửi")
            check = InstrumentCheck.objects.get(inspection=visit)
            assert (check.verdict, check.error, check.limit, check.version) == ("pass", 40, 50, 1)
            assert (
                check.found_unregistered == "Cân đồng hồ lò xo 15 kg" and check.notes == "Cân đặt sát mép sạp"
            )
            assert check.stamp_ok and check.seal_ok and not check.certificate_ok
            photo = Photo.objects.get(inspection=visit)
            assert photo.instrument_check_id == check.pk and photo.sha256 == hashlib.sha256(png).hexdigest()
            assert photo.read_bytes() == png

            # ---- a second device edits the same check (from version 1) and syncs first
            device_b = Client()
            device_b.force_login(user)
            record = {
                "type": "check",
                "client_id": str(check.uuid),
                "inspection": visit.pk,
                "base_version": 1,
                "data": {"indicated": "10080", "notes": "Máy B: đọc lại số chỉ"},
            }
            answer = device_b.post("/inspections/field/sync/", {"changes": json.dumps([record])}).json()
            assert answer["results"][0]["status"] == "applied"
            # the phone edits its copy (still from version 1): the server answers with both versions
            rec.locator("button", has_text="Sửa").click()
            page.fill("#f-indicated", "10020")
            page.click("#check-form button[type=submit]")
            expect(rec).to_contain_text("Xung đột — cần chọn", timeout=15_000)
            conflict = rec.locator(".conflict")
            expect(conflict).to_contain_text("Bản của tôi")
            expect(conflict).to_contain_text("phiên bản 2")
            expect(conflict.locator("tr.diff").first).to_contain_text("10020")
            expect(conflict.locator("tr.diff").first).to_contain_text("10080")
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(SCREENSHOTS / "field-conflict.png"), full_page=True)
            check.refresh_from_db()
            assert (check.indicated, check.version) == (10080, 2)  # nothing overwritten
            # keep mine: sent again from version 2
            conflict.locator("button", has_text="Giữ bản của tôi").click()
            expect(rec).to_contain_text("Đã đồng bộ", timeout=15_000)
            check.refresh_from_db()
            assert (check.indicated, check.version, check.verdict) == (10020, 3, "pass")
            assert Photo.objects.filter(inspection=visit).count() == 1

            # a certificate whose stored content no longer matches its signature is shown as such on the phone
            cert = owned.certificates.order_by("-issued_on", "-pk").first()
            type(cert).objects.filter(pk=cert.pk).update(
                valid_until=cert.valid_until + dt.timedelta(days=365)
            )
            page.reload()
            page.wait_for_selector("body[data-ready='1']")
            expect(card.locator("[data-sig]").first).to_have_text("Chữ ký số không khớp")
        finally:
            browser.close()
    assert not errors, errors
    assert not outside, outside
