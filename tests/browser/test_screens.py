"""The screens in a real browser (Debian's Chromium driven by Playwright): log in as the Cần Thơ metrology
officer, open the dashboard, the instrument list and an instrument; headings are Vietnamese. Screenshots go to
var/screenshots/ (not committed).

Runs after the database tests (pytest-django orders live-server tests last): the live server needs committed
data, and the demo built for the session is committed; this test's teardown empties the database.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_rows(live_server):
    """What the browser will look for, read before Playwright starts its event loop (the ORM is sync-only)."""
    from django.urls import reverse
    from django.utils import translation

    from doluong.core.personas import BY_USERNAME, DEMO_PASSWORD
    from doluong.registry.models import Instrument

    instrument = (
        Instrument.objects.filter(province_id="92").select_related("instrument_type").order_by("pk").first()
    )
    assert instrument is not None, "the live server needs the demo data"
    with translation.override("vi"):
        headings = {
            "home": translation.gettext("Overview"),
            "list": str(Instrument._meta.verbose_name_plural).capitalize(),
            "history": translation.gettext("Change history"),
        }
    return {
        "password": DEMO_PASSWORD,
        "full_name": BY_USERNAME["ct.sokhcn"].full_name,
        "instrument_url": reverse("registry:instrument_detail", args=[instrument.pk]),
        "instrument": str(instrument),
        "type_name": instrument.instrument_type.name,
        "headings": headings,
    }


def test_officer_screens(live_server, chromium, demo_rows, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the live server thread shares the test database
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    headings = demo_rows["headings"]
    assert headings["home"] == "Tổng quan"
    errors: list[str] = []
    outside: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="en-US")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on(
                "request",
                lambda request: (
                    outside.append(request.url)
                    if not request.url.startswith((live_server.url, "data:", "blob:"))
                    else None
                ),
            )

            page.goto(f"{live_server.url}/")
            expect(page).to_have_url(f"{live_server.url}/login/?next=/")
            page.fill("#id_username", "ct.sokhcn")
            page.fill("#id_password", demo_rows["password"])
            page.click("button[type=submit]")

            page.wait_for_url(f"{live_server.url}/")
            expect(page.locator("html")).to_have_attribute("lang", "vi")  # English browser, Vietnamese site
            expect(page.locator("h1")).to_have_text(headings["home"])
            expect(page.locator("nav")).to_contain_text(demo_rows["full_name"])
            expect(page.locator("#chart-by-type")).to_be_visible()
            page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

            page.goto(f"{live_server.url}/registry/instruments/")
            expect(page.locator("h1")).to_have_text(headings["list"])
            expect(page.locator("table tbody tr").first).to_be_visible()
            page.screenshot(path=str(SCREENSHOTS / "instrument-list.png"), full_page=True)

            page.goto(f"{live_server.url}{demo_rows['instrument_url']}")
            expect(page.locator("h1")).to_have_text(demo_rows["instrument"])
            expect(page.locator("main")).to_contain_text(demo_rows["type_name"])
            expect(page.locator("main")).to_contain_text(headings["history"])
            page.screenshot(path=str(SCREENSHOTS / "instrument-detail.png"), full_page=True)
        finally:
            browser.close()
    assert not errors, errors
    assert not outside, outside  # no CDN, no network
    for name in ("dashboard", "instrument-list", "instrument-detail"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000
