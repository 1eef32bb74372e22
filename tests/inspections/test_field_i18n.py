"""The field page's strings go through the JavaScript catalogue of the app: every gettext/pgettext/ngettext
literal of field.js and sw.js has its Vietnamese translation in locale/vi/LC_MESSAGES/djangojs.po, no Vietnamese
(or any non-ASCII) literal is left in the scripts, and the catalogue view mounted in the app's urls serves it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from doluong.inspections import field

LOCALE = Path(field.__file__).resolve().parent / "locale" / "vi" / "LC_MESSAGES"
SCRIPTS = [field.STATIC / "field.js", field.STATIC / "sw.js"]
_STR = r'"(?:[^"\\\n]|\\.)*"'
CALL = re.compile(rf"(?<![\w.])(gettext|pgettext|ngettext)\(\s*({_STR})(?:\s*,\s*({_STR}))?")


def js_msgids(path: Path) -> set[tuple[str | None, str]]:
    found = set()
    for name, first, second in CALL.findall(path.read_text(encoding="utf-8")):
        if name == "pgettext":
            found.add((json.loads(first), json.loads(second)))
        else:
            found.add((None, json.loads(first)))
    return found


def po_entries() -> dict[tuple[str | None, str], str]:
    from tests.core.test_i18n import parse_po

    _header, entries = parse_po(LOCALE / "djangojs.po")
    return {entry.key: entry.msgstr.get(0, "") for entry in entries}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_js_msgid_is_in_djangojs_po(script):
    msgids = js_msgids(script)
    assert len(msgids) > (50 if script.name == "field.js" else 0)
    translated = {key for key, text in po_entries().items() if text.strip()}
    missing = sorted(str(key) for key in msgids - translated)
    assert not missing, f"{script.name}: msgids without a translation in djangojs.po: {missing}"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_no_literal_bypasses_the_catalogue(script):
    """A Vietnamese string typed into the script (not through gettext) would be non-ASCII: none is left."""
    lines = [
        f"{number}: {line.strip()[:80]}"
        for number, line in enumerate(script.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"[^\x00-\x7f]", line)
    ]
    assert not lines, lines


def test_the_extractor_sees_each_kind_of_call(tmp_path):
    js = tmp_path / "a.js"
    js.write_text(
        'x = gettext("A"); y = pgettext("ctx", "B \\u00b7 C"); z = ngettext("%(n)s d", "%(n)s ds", n);'
    )
    assert js_msgids(js) == {(None, "A"), ("ctx", "B · C"), (None, "%(n)s d")}


def test_the_catalogue_is_served_in_vietnamese(db, client):
    """Anonymous (the service worker fetches it at install), inside the worker's scope, with the app's strings."""
    response = client.get("/inspections/field/jsi18n.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert "Ngo\\u1ea1i tuy\\u1ebfn" in body or "Ngoại tuyến" in body  # "Offline"
    assert '"Offline"' in body


def test_the_page_shell_and_manifest_are_vietnamese(client_for):
    client = client_for("ct.kiemtra")
    page = client.get("/inspections/field/").content.decode()
    assert "Kiểm tra đo lường hiện trường" in page and "Chưa có thay đổi chờ gửi" in page
    assert page.index("/inspections/field/jsi18n.js") < page.index("/inspections/field/field.js")
    manifest = json.loads(client.get("/inspections/field/manifest.webmanifest").content)
    assert manifest["name"] == "Kiểm tra đo lường hiện trường" and manifest["short_name"] == "Kiểm tra ĐL"
