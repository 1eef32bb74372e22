"""The Vietnamese catalogue is complete, well-formed, compiled, and covers every English msgid in the code.

Vietnamese is the default language: a msgid without a Vietnamese msgstr shows English to an official. These
tests fail when someone adds a translatable string and forgets the catalogue (see docs/translation.md):

* every entry of ``locale/vi/LC_MESSAGES/django.po`` is translated, not fuzzy, and keeps its placeholders;
* the committed ``django.mo`` is compiled from the committed ``django.po`` (users have no gettext tools);
* every msgid in the Python sources and templates is in the catalogue — found by a pure-Python extractor that
  always runs (CI may have no gettext), and cross-checked by Django's ``makemessages`` when xgettext exists.
"""

from __future__ import annotations

import ast
import gettext as gnu_gettext
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.translation.template import templatize

from doluong.core.scope import ACTIONS

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "doluong"
LC_MESSAGES = SRC / "locale" / "vi" / "LC_MESSAGES"
PO_FILE = LC_MESSAGES / "django.po"
MO_FILE = LC_MESSAGES / "django.mo"
# An app may keep its own catalogue beside its code (src/doluong/<app>/locale/vi/…), which Django loads too; each
# is checked on its own, and together they must cover every msgid in the code.
# The JavaScript catalogues (djangojs.po, served by django.views.i18n.JavaScriptCatalog) get the same checks.
ALL_PO_FILES = [
    PO_FILE,
    *sorted(SRC.glob("*/locale/vi/LC_MESSAGES/django.po")),
    *sorted(SRC.glob("*/locale/vi/LC_MESSAGES/djangojs.po")),
]

# Same exclusions as the documented makemessages command (-i "metrology/*" -i "static/*"); makemessages
# itself never descends into locale/ directories.
IGNORED_DIRS = {"metrology", "static", "locale", "__pycache__", "node_modules"}
TEMPLATE_SUFFIXES = {".html", ".txt"}

# Msgids translated at run time but invisible to makemessages: the scope actions passed through gettext in
# core/actions.py and core/views.py ("You may not %(action)s …"), and django-tables2's pager, which has no
# Vietnamese catalogue of its own. makemessages --no-obsolete drops them: re-add them (docs/translation.md).
RUNTIME_MSGIDS = {*ACTIONS, "previous", "next"}

# xgettext keywords used by makemessages for Python (and for templatized templates): name -> argument roles.
KEYWORDS = {
    "_": ("msgid",),
    "gettext": ("msgid",),
    "gettext_lazy": ("msgid",),
    "gettext_noop": ("msgid",),
    "ngettext": ("msgid", "plural"),
    "ngettext_lazy": ("msgid", "plural"),
    "pgettext": ("context", "msgid"),
    "pgettext_lazy": ("context", "msgid"),
    "npgettext": ("context", "msgid", "plural"),
    "npgettext_lazy": ("context", "msgid", "plural"),
}

PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<conv>[diouxXeEfFgGcrsa%])"
)


# --------------------------------------------------------------------------------------------------- .po parser


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "\\": "\\", '"': '"'}


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"{where}: expected a quoted string, got {text!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], "\\" + m[1]), text[1:-1])


def parse_po(path: Path) -> tuple[Entry, list[Entry]]:
    """(header, entries) of a .po file; obsolete (#~) entries are skipped."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # which string a continuation line extends

    def finish():
        nonlocal current, target
        if current is not None and target is not None:
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        where = f"{path.name}:{number}"
        if not line or line.startswith("#~"):
            if not line:
                finish()
            continue
        if line.startswith("#"):
            if target is not None and target[0] == "msgstr":
                finish()
            current = current or Entry(line=number)
            if line.startswith("#,"):
                current.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith('"'):
            if current is None or target is None:
                raise ValueError(f"{where}: continuation line outside an entry")
            kind, index = target
            value = _unquote(line, where)
            if kind == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, kind, getattr(current, kind) + value)
            continue
        keyword, _space, rest = line.partition(" ")
        if keyword in {"msgctxt", "msgid"} and target is not None and target[0] == "msgstr":
            finish()
        current = current or Entry(line=number)
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if keyword in {"msgctxt", "msgid", "msgid_plural"}:
            setattr(current, keyword, _unquote(rest, where))
            target = (keyword, 0)
        elif keyword == "msgstr" or match:
            index = int(match[1]) if match else 0
            current.msgstr[index] = _unquote(rest, where)
            target = ("msgstr", index)
        else:
            raise ValueError(f"{where}: unexpected line {raw!r}")
    finish()
    if not entries or entries[0].msgid != "" or entries[0].msgctxt is not None:
        raise ValueError(f'{path}: the first entry must be the header (msgid "")')
    return entries[0], entries[1:]


def header_fields(header: Entry) -> dict[str, str]:
    fields = {}
    for line in header.msgstr.get(0, "").splitlines():
        name, _colon, value = line.partition(":")
        fields[name.strip()] = value.strip()
    return fields


def placeholders(text: str) -> list[tuple[str | None, str]]:
    return sorted(
        ((m["name"], m["conv"]) for m in PLACEHOLDER.finditer(text) if m["conv"] != "%"),
        key=lambda item: (item[0] or "", item[1]),
    )


def translated_keys(entries: list[Entry]) -> set[tuple[str | None, str]]:
    return {
        entry.key
        for entry in entries
        if "fuzzy" not in entry.flags and entry.msgstr and all(text.strip() for text in entry.msgstr.values())
    }


@pytest.fixture(scope="module", params=ALL_PO_FILES, ids=lambda p: str(p.relative_to(SRC)))
def catalogue(request) -> tuple[Entry, list[Entry]]:
    header, entries = parse_po(request.param)
    header.path = request.param
    return header, entries


@pytest.fixture(scope="module")
def all_entries() -> list[Entry]:
    return [entry for path in ALL_PO_FILES for entry in parse_po(path)[1]]


# --------------------------------------------------------------------------------------------- (a) the .po


def test_header_is_vietnamese_utf8_one_plural_form(catalogue):
    header, _entries = catalogue
    fields = header_fields(header)
    assert "fuzzy" not in header.flags, "the header is fuzzy: msgfmt would drop it (and with it the charset)"
    assert fields.get("Language") == "vi"
    assert "charset=UTF-8" in fields.get("Content-Type", "")
    assert fields.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"


def test_every_entry_is_translated_and_not_fuzzy(catalogue):
    _header, entries = catalogue
    problems = []
    for entry in entries:
        label = f"line {entry.line}: {entry.msgid!r}"
        if "fuzzy" in entry.flags:
            problems.append(f"{label} is fuzzy")
        if sorted(entry.msgstr) != [0]:  # Vietnamese has one form: msgstr, or msgstr[0] for a plural
            problems.append(f"{label} has msgstr forms {sorted(entry.msgstr)}, expected only [0]")
        if any(not text.strip() for text in entry.msgstr.values()):
            problems.append(f"{label} is not translated")
    assert not problems, "Vietnamese catalogue problems:\n" + "\n".join(problems)


def test_no_duplicate_msgids(catalogue):
    _header, entries = catalogue
    keys = [entry.key for entry in entries]
    assert len(keys) == len(set(keys))


def test_placeholders_are_kept(catalogue):
    _header, entries = catalogue
    problems = []
    for entry in entries:
        texts = [entry.msgid, *entry.msgstr.values()]
        if "no-python-format" in entry.flags or (
            "python-format" not in entry.flags and not any("%(" in text for text in texts)
        ):
            continue
        # One Vietnamese form serves every count, so it must carry the plural msgid's placeholders.
        source = entry.msgid_plural if entry.msgid_plural is not None else entry.msgid
        for index, text in entry.msgstr.items():
            if placeholders(source) != placeholders(text):
                problems.append(
                    f"line {entry.line}: {entry.msgid!r}: msgstr[{index}] has {placeholders(text)}, "
                    f"msgid has {placeholders(source)}"
                )
    assert not problems, "placeholders differ:\n" + "\n".join(problems)


# --------------------------------------------------------------------------------------------- (b) the .mo


def test_committed_mo_matches_po(catalogue):
    header, entries = catalogue
    MO_FILE = header.path.with_suffix(".mo")
    assert MO_FILE.exists(), f"{MO_FILE} is missing: run msgfmt (docs/translation.md)"
    with MO_FILE.open("rb") as handle:
        compiled = gnu_gettext.GNUTranslations(handle)
    assert compiled.charset() == "UTF-8"
    stale = []
    expected_keys = {""}
    for entry in entries:
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            expected_keys.add(key)
            if compiled._catalog.get(key) != entry.msgstr[0]:
                stale.append(entry.msgid)
        else:
            expected_keys.add((key, 0))
            if compiled._catalog.get((key, 0)) != entry.msgstr[0]:
                stale.append(entry.msgid)
    extra = set(compiled._catalog) - expected_keys
    assert not stale and not extra, (
        "django.mo is out of date with django.po — recompile with\n"
        f"  msgfmt --check -o {MO_FILE.relative_to(ROOT)} {header.path.relative_to(ROOT)}\n"
        f"differing: {stale[:20]}\nonly in .mo: {sorted(map(str, extra))[:20]}"
    )


# --------------------------------------------------------------------- (c) every msgid in the code is translated


def _source_files(root: Path, suffixes: set[str]):
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part in IGNORED_DIRS or part.startswith(".") for part in relative.parts[:-1]):
            continue
        if path.suffix in suffixes and path.is_file():
            yield path


def _keys_from_call(name: str, strings: list[str]) -> tuple[str | None, str] | None:
    roles = KEYWORDS[name]
    if len(strings) < len(roles):
        return None
    values = dict(zip(roles, strings, strict=False))
    return (values.get("context"), values["msgid"])


def python_msgids(path: Path) -> set[tuple[str | None, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = (
            func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        )
        if name not in KEYWORDS:
            continue
        strings = []
        for arg in node.args[: len(KEYWORDS[name])]:
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                break
            strings.append(arg.value)
        key = _keys_from_call(name, strings)
        if key is not None:
            found.add(key)
    return found


_LITERAL = r"""[uUbBrR]{0,2}(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
_TEMPLATE_CALL = re.compile(
    rf"(?<![\w.])(?P<name>{'|'.join(map(re.escape, KEYWORDS))})\(\s*(?P<args>{_LITERAL}(?:\s*,\s*{_LITERAL})*)"
)


def template_msgids(path: Path) -> set[tuple[str | None, str]]:
    """What makemessages feeds xgettext for a template: Django's own templatize(), then its gettext calls."""
    found = set()
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    for match in _TEMPLATE_CALL.finditer(code):
        strings = [ast.literal_eval(lit) for lit in re.findall(_LITERAL, match["args"])]
        key = _keys_from_call(match["name"], strings)
        if key is not None:
            found.add(key)
    return found


def source_msgids() -> dict[tuple[str | None, str], str]:
    """Every msgid in the sources makemessages scans, with the first file that uses it."""
    found: dict[tuple[str | None, str], str] = {}
    for path in _source_files(SRC, {".py"}):
        for key in python_msgids(path):
            found.setdefault(key, str(path.relative_to(ROOT)))
    for path in _source_files(SRC, TEMPLATE_SUFFIXES):
        for key in template_msgids(path):
            found.setdefault(key, str(path.relative_to(ROOT)))
    return found


def _missing_message(missing: dict) -> str:
    lines = [
        f"  {where}: {msgid!r}" + (f" (context {ctx!r})" if ctx else "") for (ctx, msgid), where in missing
    ]
    return (
        f"{len(missing)} msgid(s) have no Vietnamese translation in {PO_FILE.relative_to(ROOT)}:\n"
        + "\n".join(lines)
        + "\nRun makemessages, translate, recompile the .mo and commit both (docs/translation.md)."
    )


def test_extractor_finds_known_msgids():
    found = source_msgids()
    assert (None, "Overdue") in found  # Python (choices) and templates
    assert (None, "Change history") in found  # {% translate %}
    assert (None, "%(shown)s record") in found  # {% blocktranslate count %}


def test_every_source_msgid_is_translated(all_entries):
    entries = all_entries
    translated = translated_keys(entries)
    needed = {
        **source_msgids(),
        **{(None, msgid): "runtime (see RUNTIME_MSGIDS)" for msgid in RUNTIME_MSGIDS},
    }
    missing = sorted((item for item in needed.items() if item[0] not in translated), key=lambda i: i[0][1])
    assert not missing, _missing_message(missing)


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("xgettext", "msguniq", "msgmerge", "msgattrib")),
    reason="GNU gettext is not installed; test_every_source_msgid_is_translated covers the same ground",
)
def test_makemessages_finds_nothing_untranslated(all_entries, tmp_path, monkeypatch, settings):
    """Django's own extraction, run on a copy of the sources so that the committed catalogue is untouched."""
    copy = tmp_path / "doluong"
    for path in _source_files(SRC, {".py", *TEMPLATE_SUFFIXES}):
        target = copy / path.relative_to(SRC)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (copy / "locale").mkdir()
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command(
        "makemessages",
        locale=["vi"],
        no_location=True,
        no_obsolete=True,
        ignore_patterns=["metrology/*", "static/*"],
        verbosity=0,
    )
    _header, extracted = parse_po(copy / "locale" / "vi" / "LC_MESSAGES" / "django.po")
    entries = all_entries
    translated = translated_keys(entries)
    missing = sorted(
        ((entry.key, "makemessages") for entry in extracted if entry.key not in translated),
        key=lambda i: i[0][1],
    )
    assert not missing, _missing_message(missing)
    # The pure-Python extractor (the only check where gettext is missing) must find what makemessages finds.
    unseen = {entry.key for entry in extracted} - set(source_msgids())
    assert not unseen, (
        f"makemessages extracts msgids the pure-Python extractor misses (an f-string?): {unseen}"
    )


# ----------------------------------------------------------------------------------------- (d) at run time


def test_vietnamese_is_served():
    with translation.override("vi"):
        assert translation.gettext("Overdue") == "Quá hạn"
        assert translation.gettext("measuring instrument") == "phương tiện đo"
        assert translation.ngettext("%(shown)s record", "%(shown)s records", 3) % {"shown": 3} == "3 bản ghi"
        for msgid in sorted(RUNTIME_MSGIDS):
            assert translation.gettext(msgid) != msgid, msgid
    with translation.override("en"):
        assert translation.gettext("Overdue") == "Overdue"


# ------------------------------------------------------------------------- (e) the catalogues cannot collide

#: msgids that mean different things in different apps: each use must carry a pgettext context
#: ("Failed" is a verification result — Không đạt — and a reminder's sending status — Gửi lỗi; "Error" is a
#: measurement's error — Sai số — and an import row's error — Lỗi)
AMBIGUOUS_MSGIDS = {"Failed", "Error"}
AMBIGUOUS_ALLOWED_BARE = {"Error"}  # the import tables' column "Lỗi" stays the bare, general meaning


def test_one_msgid_has_one_translation_across_catalogues():
    """Django merges every app's catalogue into one: a msgid (same context) translated differently in two
    catalogues silently takes one translation everywhere (verification results read "Gửi lỗi")."""
    seen: dict[tuple[str | None, str], dict[str, str]] = {}
    for path in ALL_PO_FILES:
        for entry in parse_po(path)[1]:
            seen.setdefault(entry.key, {})[str(path.relative_to(SRC))] = entry.msgstr.get(0, "")
    clashes = {key: where for key, where in seen.items() if len(set(where.values())) > 1}
    assert not clashes, "one msgid, several translations — give it a context (pgettext):\n" + "\n".join(
        f"  {msgid!r}" + (f" (context {ctx!r})" if ctx else "") + f": {where}"
        for (ctx, msgid), where in clashes.items()
    )


def test_the_clash_check_can_fail(tmp_path, monkeypatch):
    first, second = tmp_path / "a.po", tmp_path / "b.po"
    head = 'msgid ""\nmsgstr "Language: vi\\n"\n\n'
    first.write_text(head + 'msgid "Failed"\nmsgstr "Gửi lỗi"\n', encoding="utf-8")
    second.write_text(head + 'msgid "Failed"\nmsgstr "Không đạt"\n', encoding="utf-8")
    monkeypatch.setitem(globals(), "ALL_PO_FILES", [first, second])
    monkeypatch.setitem(globals(), "SRC", tmp_path)
    with pytest.raises(AssertionError, match="Failed"):
        test_one_msgid_has_one_translation_across_catalogues()


def test_ambiguous_msgids_carry_a_context():
    bare = {
        where: msgid
        for (ctx, msgid), where in source_msgids().items()
        if ctx is None and msgid in AMBIGUOUS_MSGIDS - AMBIGUOUS_ALLOWED_BARE
    }
    assert not bare, f"use pgettext/pgettext_lazy or {{% translate … context … %}} for: {bare}"


def test_failed_reads_right_in_each_meaning():
    from doluong.registry.models import ReminderStatus
    from doluong.verification.choices import Result
    from doluong.verification.documents import DOCX_ROW_FIELDS

    with translation.override("vi"):
        assert str(Result.FAILED.label) == "Không đạt"
        assert translation.pgettext("reminder", "Failed") == "Gửi lỗi"
        assert str(ReminderStatus.FAILED.label) == "Gửi lỗi"
        assert str(DOCX_ROW_FIELDS["error"]) == "Sai số"
        assert translation.gettext("Error") == "Lỗi"
