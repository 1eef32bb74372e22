"""No page shows an untranslated English label, a code value or a Python literal to a Vietnamese user.

Every persona opens every page it can reach (the dashboard, the menu's extra pages, every surface's list, its
first object and its add form, the API documentation) in Vietnamese, *after* the API schema has been built in
the same process (building it once turned the filter labels English for every later page: django-filter's
form field, cached on the class's filter, carried ``label=None``). The visible text (text nodes and the
``title``, ``placeholder``, ``aria-label`` and ``alt`` attributes) must contain none of:

* a text that is, ignoring case and a trailing colon, an English msgid of our catalogues whose Vietnamese
  translation differs (``Kind``, ``Result``, ``Status`` …), or a word of a short list of common English UI
  words (``From``, ``To``, ``Save``, ``Search``, ``Choose File`` …);
* a ``snake_case`` code value (``water_meter``, ``accuracy_class``) or a Python dict (``{'Q3': '2.5'}``).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import NoReverseMatch, reverse
from test_i18n import ALL_PO_FILES, parse_po  # the same directory: pytest puts it on sys.path

from doluong.core.personas import PERSONAS

pytestmark = pytest.mark.django_db

#: English UI words a page must never show on their own (a label, a button, a column heading)
ENGLISH_WORDS = {
    "status", "kind", "result", "from", "to", "until", "valid on", "save", "delete", "cancel", "search",
    "filter", "next", "previous", "submit", "edit", "add", "export", "import", "choose file", "no file chosen",
    "browse…", "yes", "no", "unknown", "none", "type", "name", "date", "owner", "provider", "error",
    "page not found", "server error", "forbidden", "bad request", "too many requests", "not found",
}  # fmt: skip

#: text that is allowed to look like code: file names, e-mail addresses, URLs, API paths, identifiers we show
#: on purpose (a certificate's key id is shown in the signature block)
CODE_ALLOWED = re.compile(
    r"\{[%{].*?[%}]\}|[\w.+-]+@[\w.-]+|\S+\.(?:xlsx|csv|pdf|png|jpg|json|txt|zip)\b|https?://\S+|/\S+"
)
SNAKE = re.compile(r"(?<![\w./-])[a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9](?![\w./-])")
PY_DICT = re.compile(r"\{'[^']*':")

VISIBLE_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
#: not read: scripts, styles, what a person typed, and <code> (placeholders such as {serial} shown on purpose)
HIDDEN_TAGS = {"script", "style", "template", "textarea", "code"}


class _Visible(HTMLParser):
    """The texts a person sees: text nodes outside script/style/template, and some attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN_TAGS:
            self._hidden += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in HIDDEN_TAGS and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data)


def visible_texts(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return [" ".join(text.split()) for text in parser.texts]


def english_msgids() -> set[str]:
    """Lower-cased msgids our catalogues translate into something else (msgids that are the same in both
    languages, like ``OIML`` or ``QR``, are not English labels)."""
    found = set()
    for path in ALL_PO_FILES:
        for entry in parse_po(path)[1]:
            text = entry.msgstr.get(0, "")
            if text and text.strip().lower() != entry.msgid.strip().lower() and "%" not in entry.msgid:
                found.add(entry.msgid.strip().lower())
    return found


#: "English" is the language switcher's name of the other language, on purpose
ENGLISH = (english_msgids() | ENGLISH_WORDS) - {"english"}


def untranslated(html: str) -> list[str]:
    """The visible texts that give English or code away (empty when the page is clean)."""
    problems = []
    for text in visible_texts(html):
        bare = text.strip().rstrip(":*").strip().lower()
        if bare in ENGLISH:
            problems.append(f"English: {text!r}")
            continue
        cleaned = CODE_ALLOWED.sub(" ", text)
        if SNAKE.search(cleaned) or PY_DICT.search(cleaned):
            problems.append(f"code: {text!r}")
    return problems


_schema_built = False


@pytest.fixture
def schema_built(client_for):
    """Build the API schema once in this process, as anyone opening /api/schema/ would."""
    global _schema_built
    if not _schema_built:
        assert client_for("admin").get("/api/schema/").status_code == 200
        _schema_built = True


def persona_urls(user, details: bool) -> list[str]:
    from doluong.core.surface import NAV_LINKS, SURFACES

    urls = [reverse("home"), reverse("api-docs")]
    for link in NAV_LINKS:
        try:
            urls.append(link.url())
        except NoReverseMatch:  # pragma: no cover - a link to a page that needs arguments
            continue
    for surface in SURFACES.values():
        urls.append(surface.list_url())
        if not details:
            continue
        obj = surface.queryset(user).order_by("pk").first()
        if obj is not None:
            urls.append(surface.object_url(obj))
        if surface.model.can_add(user):
            urls.append(reverse(surface.url_name("add")))
    return list(dict.fromkeys(urls))


def test_the_checker_finds_english_and_code():
    assert untranslated("<label>Kind</label><p>Trạng thái</p>") == ["English: 'Kind'"]
    assert untranslated('<span title="Status">x</span>') == ["English: 'Status'"]
    assert untranslated("<td>water_meter</td>") == ["code: 'water_meter'"]
    assert untranslated("<td>{'Q3': '2.5', 'R': '80'}</td>") == ["code: \"{'Q3': '2.5', 'R': '80'}\""]
    assert untranslated("<td>bang_ke_2026.xlsx</td><td>a_b@so.gov.vn</td><td>/api/registry/x_y/</td>") == []
    assert untranslated("<script>var to_do = 'Status';</script><p>Từ ngày:</p>") == []


def national_urls() -> list[str]:
    """National mode's administrator pages beyond the menu's: a registered source's page."""
    from doluong.exchange import aggregate, signing
    from doluong.exchange.models import NationalSource
    from doluong.geo.models import Province

    source = NationalSource.objects.order_by("pk").first()
    if source is None:
        source, _secret = aggregate.add_source(
            Province.objects.order_by("pk").first(), public_key=signing.public_key(), name="Hệ thống tỉnh"
        )
    return [reverse("exchange:national_source", args=[source.pk])]


@pytest.mark.parametrize("username", [p.username for p in PERSONAS])
def test_no_english_on_any_page(schema_built, client_for, user_for, username, settings):
    # national mode on: its pages (the national sources) are in the menu, 403 to everyone but the administrator
    settings.DOLUONG_NATIONAL_MODE = True
    client = client_for(username)
    user = user_for(username)
    problems = {}
    # every persona's menus and list pages (filters, columns); the administrator, who sees every row, also opens
    # each surface's first object and its add form (the same templates serve every persona)
    urls = persona_urls(user, details=username == "admin")
    if username == "admin":
        urls += national_urls()
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 403), (url, response.status_code)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        found = untranslated(response.content.decode())
        if found:
            problems[url] = sorted(set(found))
    assert not problems, "\n".join(f"{url}: {found}" for url, found in problems.items())


def test_schema_does_not_turn_filter_labels_english(client_for):
    """Opening /api/schema/ once turned the filter labels English for every later page of the worker."""
    client = client_for("ct.sokhcn")
    assert client.get("/api/schema/").status_code == 200
    for language_cookie in (None, "vi"):
        if language_cookie:
            client.cookies["doluong_language"] = language_cookie
        html = client.get("/verification/records/").content.decode()
        labels = [" ".join(text.split()) for text in re.findall(r"<label[^>]*>([^<]*)</label>", html)]
        assert {"Loại hình", "Kết quả"} <= set(labels), labels
        assert not {"Kind", "Result"} & set(labels), labels
    html = client.get("/registry/instruments/").content.decode()
    assert "Tình trạng" in re.findall(r"<label[^>]*>([^<]*)</label>", html)
