"""The field page opened on a phone in Chromium, as the commune inspector: the browser tests' shared start."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def open_field_page(browser, base_url: str, errors: list, outside: list, **context_options):
    """(context, page): a phone context (Vietnamese locale, `context_options` added), logged in as ct.kiemtra, on
    the field page once it has drawn its package. Page errors go to `errors`, requests that leave the test server
    to `outside`."""
    from doluong.core.personas import DEMO_PASSWORD

    context = browser.new_context(**PHONE, locale="vi-VN", **context_options)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith((base_url, "data:", "blob:")) else None,
    )
    page.goto(f"{base_url}/login/?next=/inspections/field/")
    page.fill("#id_username", "ct.kiemtra")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/inspections/field/")
    page.wait_for_selector("body[data-ready='1']")
    return context, page
