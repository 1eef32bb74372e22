"""A provider's Word template cannot run code (issue #11).

Each payload class is put into a real DOCX built here with python-docx (in the body, split across Word runs, in
a header, in the document properties) and must be

* refused at upload, with the Vietnamese message naming the offending placeholder — through the model's
  validation and through the real settings form posted by the provider's staff persona;
* refused at render when it is already stored (written to the model past the form): a clear Vietnamese error on
  the page and in the API, and nothing executed — payloads that would write a file or print SECRET_KEY (shown to
  do so in a plain Jinja2 environment first, so the test can fail) leave no file and no secret.

A legitimate template using every documented placeholder, the points loop and every allowed filter renders
correctly (the text is read back with python-docx).
"""

from __future__ import annotations

import io
import zipfile

import jinja2
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from docx import Document

from doluong.documents import docx as docx_render
from doluong.documents import sandbox
from doluong.verification import actions, documents
from doluong.verification.models import CertificateSettings

pytestmark = pytest.mark.django_db

REFUSED = "Mẫu Word có chỗ điền không được phép"


# ------------------------------------------------------------------------------------------- building DOCX


def make_docx(
    *paragraphs: str | list[str],
    header: str | None = None,
    footer: str | None = None,
    title: str | None = None,
    table: list[list[str]] | None = None,
) -> bytes:
    """A Word document: each paragraph a text (one run) or a list of texts (one run each, alternately bold, so
    Word keeps them apart); an optional header, footer, title property and table."""
    doc = Document()
    for para in paragraphs:
        p = doc.add_paragraph()
        for i, text in enumerate([para] if isinstance(para, str) else para):
            p.add_run(text).bold = bool(i % 2)
    if header is not None:
        doc.sections[0].header.paragraphs[0].text = header
    if footer is not None:
        doc.sections[0].footer.paragraphs[0].text = footer
    if title is not None:
        doc.core_properties.title = title
    if table:
        t = doc.add_table(rows=len(table), cols=len(table[0]))
        for row, texts in zip(t.rows, table, strict=True):
            for cell, text in zip(row.cells, texts, strict=True):
                cell.paragraphs[0].add_run(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    parts += [p.text for s in doc.sections for p in s.header.paragraphs + s.footer.paragraphs]
    return "\n".join(parts)


# ------------------------------------------------------------------------------------------------ payloads

#: (id, where, source, the tag the message must name); `where` is body / runs / header / footer / title
PAYLOADS = [
    # dunder attribute and item chains
    ("dunder-attr", "body", "{{ number.__class__.__mro__ }}", "{{ number.__class__.__mro__ }}"),
    ("dunder-item", "body", "{{ number['__class__'] }}", '{{ number["__class__"] }}'),
    ("dunder-doc", "body", "{{ title.__doc__ }}", "{{ title.__doc__ }}"),
    ("private-attr", "body", "{{ number._meta }}", "{{ number._meta }}"),
    ("plain-attr", "body", "{{ owner_name.upper }}", "{{ owner_name.upper }}"),
    # the Jinja globals
    (
        "cycler",
        "body",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        '{{ cycler.__init__.__globals__.os.popen("id").read() }}',
    ),
    ("joiner", "body", "{{ joiner.__init__.__globals__ }}", "{{ joiner.__init__.__globals__ }}"),
    ("namespace", "body", "{{ namespace.__init__ }}", "{{ namespace.__init__ }}"),
    ("namespace-bare", "body", "{{ namespace }}", "{{ namespace }}"),
    ("lipsum", "body", "{{ lipsum.__globals__['os'] }}", '{{ lipsum.__globals__["os"] }}'),
    ("range", "body", "{% for i in range(100000000) %}x{% endfor %}", "{% for i in range(100000000) %}"),
    ("dict", "body", "{{ dict(a=1) }}", "{{ dict(a=1) }}"),
    ("self", "body", "{{ self._TemplateReference__context }}", "{{ self._TemplateReference__context }}"),
    ("settings-name", "body", "{{ settings.SECRET_KEY }}", "{{ settings.SECRET_KEY }}"),
    # filters that reach objects or format
    ("attr-filter", "body", "{{ number|attr('__class__') }}", '{{ number|attr("__class__") }}'),
    (
        "map-filter",
        "body",
        "{{ points|map(attribute='__class__')|list }}",
        '{{ points|map(attribute="__class__")|list }}',
    ),
    (
        "join-attribute",
        "body",
        "{{ points|join(attribute='__class__') }}",
        '{{ points|join(attribute="__class__") }}',
    ),
    ("format-filter", "body", "{{ '%s'|format(number) }}", '{{ "%s"|format(number) }}'),
    ("safe-filter", "body", "{{ owner_name|safe }}", "{{ owner_name|safe }}"),
    ("selectattr", "body", "{{ points|selectattr('no')|list }}", '{{ points|selectattr("no")|list }}'),
    ("filter-block", "body", "{% filter upper %}{{ number }}{% endfilter %}", "{% filter upper %}"),
    # calls, .format, % formatting, arithmetic
    ("call", "body", "{{ number.upper() }}", "{{ number.upper() }}"),
    ("format-method", "body", "{{ '{0.__class__}'.format(number) }}", '{{ "{0.__class__}".format(number) }}'),
    ("percent", "body", "{{ '%s' % number }}", '{{ "%s" % number }}'),
    ("multiply", "body", "{{ number * 100000000 }}", "{{ number * 100000000 }}"),
    ("test-is", "body", "{{ number is callable }}", "{{ number is callable }}"),
    ("literal-dict", "body", "{{ {'a': number} }}", '{{ {"a": number} }}'),
    # tags that load, define or bind
    ("include", "body", "{% include 'base.html' %}", '{% include "base.html" %}'),
    ("import", "body", "{% import 'base.html' as b %}", '{% import "base.html" as b %}'),
    ("from-import", "body", "{% from 'base.html' import x %}", '{% from "base.html" import x %}'),
    ("extends", "body", "{% extends 'base.html' %}", '{% extends "base.html" %}'),
    ("macro", "body", "{% macro m() %}x{% endmacro %}", "{% macro m() %}"),
    ("call-block", "body", "{% call number() %}x{% endcall %}", "{% call number() %}"),
    ("set", "body", "{% set x = number.__class__ %}{{ x }}", "{% set x = number.__class__ %}"),
    ("set-block", "body", "{% set x %}{{ number }}{% endset %}{{ x }}", "{% set x %}"),
    ("set-shadow", "body", "{% set number = title %}{{ number }}", "{% set number = title %}"),
    ("with", "body", "{% with x = number %}{{ x }}{% endwith %}", "{% with x = number %}"),
    (
        "autoescape",
        "body",
        "{% autoescape false %}{{ owner_name }}{% endautoescape %}",
        "{% autoescape false %}",
    ),
    # loops
    (
        "loop-subclasses",
        "body",
        "{% for c in number.__class__.__mro__[1].__subclasses__() %}{{ c }}{% endfor %}",
        "{% for c in number.__class__.__mro__[1].__subclasses__() %}",
    ),
    ("row-dunder", "body", "{% for p in points %}{{ p.__class__ }}{% endfor %}", "{{ p.__class__ }}"),
    ("row-method", "body", "{% for p in points %}{{ p.items() }}{% endfor %}", "{{ p.items() }}"),
    ("row-unknown-key", "body", "{% for p in points %}{{ p.secret }}{% endfor %}", "{{ p.secret }}"),
    (
        "loop-cycle",
        "body",
        "{% for p in points %}{{ loop.cycle('a', 'b') }}{% endfor %}",
        '{{ loop.cycle("a", "b") }}',
    ),
    (
        "loop-recursive",
        "body",
        "{% for p in points recursive %}{{ loop(points) }}{% endfor %}",
        "{% for p in points %}",
    ),
    (
        "nested-loop",
        "body",
        "{% for p in points %}{% for q in points %}x{% endfor %}{% endfor %}",
        "{% for q in points %}",
    ),
    (
        "loop-shadow",
        "body",
        "{% for number in points %}{{ number.label }}{% endfor %}",
        "{% for number in points %}",
    ),
    ("qr-attribute", "body", "{{ qr._insert_image }}", "{{ qr._insert_image }}"),
    # where the payload hides
    ("split-runs", "runs", ["{{ number.__cl", "ass__.__m", "ro__ }}"], "{{ number.__class__.__mro__ }}"),
    ("header", "header", "{{ cycler.__init__.__globals__ }}", "{{ cycler.__init__.__globals__ }}"),
    ("footer", "footer", "{{ joiner.__init__ }}", "{{ joiner.__init__ }}"),
    ("properties", "title", "{{ self.__init__ }}", "{{ self.__init__ }}"),
]


def payload_docx(where: str, source) -> bytes:
    if where == "runs":
        return make_docx(["Số: ", *source])
    if where == "header":
        return make_docx("Số {{ number }}", header=source)
    if where == "footer":
        return make_docx("Số {{ number }}", footer=source)
    if where == "title":
        return make_docx("Số {{ number }}", title=source)
    return make_docx("Số {{ number }}", source)


def _settings(kit) -> CertificateSettings:
    return CertificateSettings.objects.get(provider=kit.provider)


def _issue(kit):
    record = actions.do_record_verification(**kit.args())
    return actions.do_issue_certificate(
        record, user=kit.staff, issued_on=record.performed_on, stamp_number="T-1"
    )


def _store_unchecked(kit, data: bytes) -> CertificateSettings:
    """Put a template on the provider's settings past every check (as an old row, or a restore, would)."""
    conf = _settings(kit)
    conf.docx_template.save("mau-cu.docx", ContentFile(data), save=False)
    conf.save()
    return conf


@pytest.mark.parametrize(("where", "source", "tag"), [p[1:] for p in PAYLOADS], ids=[p[0] for p in PAYLOADS])
def test_payload_is_refused_at_upload_naming_it(kit, media, where, source, tag):
    conf = _settings(kit)
    conf.docx_template = SimpleUploadedFile("mau.docx", payload_docx(where, source))
    with translation.override("vi"), pytest.raises(ValidationError) as info:
        conf.full_clean()
    message = " ".join(info.value.message_dict["docx_template"])
    assert REFUSED in message
    assert f"“{tag}”" in message, message


def test_the_checker_sees_exactly_what_docxtpl_renders():
    """A body, a header, a footer and a property each reach the sandbox (the check reads the same texts)."""
    data = make_docx("{{ number }}", header="{{ title }}", footer="{{ kind }}", title="{{ serial }}")
    sources = dict(docx_render.template_sources(data))
    assert {"body", "header", "footer", "properties.title"} <= set(sources)
    assert docx_render.template_fields(data) >= {"number", "title", "kind", "serial"}


# ------------------------------------------------------------------------------------------- stored ones


def _writes_file(path) -> str:
    return "{{ cycler.__init__.__globals__.__builtins__.open('" + str(path) + "', 'w').write('pwned') }}"


SECRET_PAYLOAD = (
    "{{ cycler.__init__.__globals__.__builtins__.__import__('django.conf').conf.settings.SECRET_KEY }}"
)


def test_the_payloads_are_real(tmp_path, settings):
    """Outside the sandbox the two payloads below do write a file and print the secret (so the tests that
    they don't, in the sandbox, can fail)."""
    marker = tmp_path / "plain.txt"
    jinja2.Environment().from_string(_writes_file(marker)).render()
    assert marker.exists()
    assert settings.SECRET_KEY in jinja2.Environment().from_string(SECRET_PAYLOAD).render()


@pytest.mark.parametrize("kind", ["file", "secret"])
def test_a_stored_payload_is_refused_at_render_and_nothing_runs(kit, media, kind, settings, client_for):
    marker = media / "pwned.txt"
    source = _writes_file(marker) if kind == "file" else SECRET_PAYLOAD
    _store_unchecked(kit, make_docx("Số {{ number }}", source, header=source, title=source))
    cert = _issue(kit)

    with translation.override("vi"), pytest.raises(ValidationError) as info:
        documents.certificate_docx(cert)
    message = " ".join(info.value.messages)
    assert "Không dùng được mẫu Word của tổ chức" in message and REFUSED in message
    assert "cycler.__init__.__globals__" in message
    assert not marker.exists()
    assert settings.SECRET_KEY not in message

    # the page: back to the certificate with the reason, not a 500 and not a document
    client = client_for("ct.kiemdinh")
    response = client.get(reverse("verification:certificate_docx", args=[cert.pk]), follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Không dùng được mẫu Word của tổ chức" in body
    assert settings.SECRET_KEY not in body
    # the API: 400 with the reason
    response = client.get(f"/api/verification/certificates/{cert.pk}/docx/")
    assert response.status_code == 400, response.content[:300]
    assert "Không dùng được mẫu Word" in response.content.decode()
    assert settings.SECRET_KEY not in response.content.decode()
    assert not marker.exists()


def test_the_sandbox_itself_refuses_at_run_time(tmp_path, settings):
    """Below the checker: the environment has no globals, no tests, only the whitelisted filters, and its
    lookups, calls and arithmetic raise even for a tree that reached it."""
    allowed = documents.DOCX_PLACEHOLDERS
    env = sandbox.environment(allowed)
    assert env.globals == {} and env.tests == {}
    assert set(env.filters) == set(sandbox.FILTERS)
    with pytest.raises(sandbox.TemplateRefused):
        env.from_string(_writes_file(tmp_path / "x"))
    # run-time guards, tried on an environment whose compile-time check is switched off
    loose = sandbox.TemplateEnvironment(allowed)
    loose.allowed = sandbox.Placeholders.of(["number"])
    object.__setattr__(loose, "_generate", super(sandbox.TemplateEnvironment, loose)._generate)
    for source in (
        "{{ number.__class__ }}",
        "{{ number.upper() }}",
        "{{ number * 3 }}",
        "{{ '%s' % number }}",
    ):
        with pytest.raises(jinja2.exceptions.SecurityError):
            loose.from_string(source).render(number="1")
    assert not (tmp_path / "x").exists()


def test_plain_context_keeps_only_documented_plain_values(kit):
    cert = _issue(kit)
    ctx = sandbox.plain_context(
        {**documents.certificate_context(cert), "cert": cert}, documents.DOCX_PLACEHOLDERS
    )
    assert "cert" not in ctx and "qr" not in ctx
    for name, value in ctx.items():
        if name == "points":
            assert value and all(type(row) is dict for row in value)
            assert all(type(v) is str for row in value for v in row.values())
            assert set(value[0]) == set(documents.DOCX_ROW_FIELDS)
        else:
            assert type(value) in (str, int, float, bool), name


# ----------------------------------------------------------------------------------------- a good one

ALL_TEXT = [name for name in documents.DOCX_FIELDS if name not in ("points", "qr", "has_uncertainty")]


def legit_docx() -> bytes:
    paragraphs = [f"{name}=[{{{{ {name} }}}}]" for name in ALL_TEXT]
    paragraphs += [
        "UP=[{{ provider_name|upper }}] LO=[{{ kind|lower }}] CAP=[{{ kind|lower|capitalize }}]",
        "TI=[{{ owner_name|lower|title }}] TR=[{{ '  x  '|trim }}] DEF=[{{ site|default('—', true) }}]",
        "JOIN=[{{ serial|join('.') }}] LEN=[{{ points|length }}] CAT=[{{ number ~ ' / ' ~ serial }}]",
        "{% if has_uncertainty %}U=[có]{% else %}U=[không]{% endif %}",
        "{% if points|length > 2 and conclusion != '' %}MANY{% elif points %}FEW{% endif %}",
        "{{ qr }}",
    ]
    header = [["TT", "Điểm", "Danh định", "Đo được", "Sai số", "MPE", "U", "k", "Đánh giá"]]
    rows = [
        ["{%tr for p in points %}", "", "", "", "", "", "", "", ""],
        [
            "{{ p.no }}|{{ loop.index }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}",
            "{{ p['label'] }}",
            "{{ p.nominal }} {{ p.unit }}",
            "{{ p.found }}",
            "{{ p.error }}",
            "{{ p.mpe }}",
            "{{ p.uncertainty|default('—', true) }}",
            "{{ p.k }}",
            "{{ p.verdict|upper }}",
        ],
        ["{%tr endfor %}", "", "", "", "", "", "", "", ""],
    ]
    return make_docx(*paragraphs, header="GCN {{ number }}", footer="{{ key_id }}", table=header + rows)


def test_a_legitimate_template_with_every_placeholder_renders(kit, media):
    data = legit_docx()
    conf = _settings(kit)
    conf.docx_template = SimpleUploadedFile("mau.docx", data)
    conf.full_clean()  # accepted
    conf.save()
    cert = _issue(kit)
    ctx = documents.certificate_context(cert)
    body = documents.certificate_docx(cert)
    text = docx_text(body)
    for name in ALL_TEXT:
        assert f"{name}=[{ctx[name]}]" in text, name
    assert f"UP=[{ctx['provider_name'].upper()}]" in text
    assert f"LO=[{ctx['kind'].lower()}]" in text
    assert f"CAP=[{ctx['kind'].lower().capitalize()}]" in text
    assert f"TI=[{ctx['owner_name'].lower().title()}]" in text
    assert "TR=[x]" in text
    assert f"DEF=[{ctx['site'] or '—'}]" in text
    assert f"JOIN=[{'.'.join(ctx['serial'])}]" in text
    assert f"LEN=[{len(ctx['points'])}]" in text and len(ctx["points"]) == 3
    assert f"CAT=[{ctx['number']} / {ctx['serial']}]" in text
    assert ("U=[có]" if ctx["has_uncertainty"] else "U=[không]") in text
    assert "MANY" in text
    assert f"GCN {cert.number}" in text and cert.key.key_id in text  # header and footer
    table = Document(io.BytesIO(body)).tables[0]
    cells = [[c.text for c in r.cells] for r in table.rows]
    assert len(cells) == 1 + 3
    assert cells[1][0] == "1|1F" and cells[2][0] == "2|2" and cells[3][0] == "3|3L"
    for row, point in zip(cells[1:], ctx["points"], strict=True):
        assert row[1] == point["label"]
        assert row[2] == f"{point['nominal']} {point['unit']}"
        assert row[3] == point["found"] and row[4] == point["error"] and row[5] == point["mpe"]
        assert row[8] == point["verdict"].upper()
    assert any(n.startswith("word/media/") for n in zipfile.ZipFile(io.BytesIO(body)).namelist())


def test_the_shipped_sample_passes_the_check():
    assert documents.check_docx_template(documents.SAMPLE_DOCX.read_bytes()) is None


# --------------------------------------------------------------------------------------- the real form


def _edit(client, conf, upload, helpers):
    url = reverse("verification:certificatesettings_edit", args=[conf.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = helpers.form_data(page.context["form"])
    data.pop("docx_template", None)
    data.pop("pades_certificate", None)
    data["docx_template"] = upload
    return client.post(url, data)


def test_the_provider_staff_upload_through_the_form(kit, media, client_for, helpers):
    conf = _settings(kit)
    client = client_for("ct.kiemdinh")
    bad = SimpleUploadedFile("mau.docx", payload_docx("body", "{{ cycler.__init__.__globals__.os }}"))
    with translation.override("vi"):
        response = _edit(client, conf, bad, helpers)
    assert response.status_code == 200  # the form again, with the error
    body = response.content.decode()
    assert REFUSED in body and "{{ cycler.__init__.__globals__.os }}" in body
    conf.refresh_from_db()
    assert not conf.docx_template

    split = SimpleUploadedFile("mau.docx", payload_docx("runs", ["{{ title.__cl", "ass__ }}"]))
    response = _edit(client, conf, split, helpers)
    assert response.status_code == 200 and "{{ title.__class__ }}" in response.content.decode()

    good = SimpleUploadedFile("mau.docx", make_docx("GCN số {{ number }} — {{ owner_name|upper }}"))
    response = _edit(client, conf, good, helpers)
    assert response.status_code == 302, response.content.decode()[:2000]
    conf.refresh_from_db()
    assert conf.docx_template
    cert = _issue(kit)
    text = docx_text(documents.certificate_docx(cert))
    assert f"GCN số {cert.number} — {kit.instrument.owner.name.upper()}" in text


# ------------------------------------------------------------------------------------ numbering patterns


@pytest.mark.parametrize(
    ("pattern", "bad"),
    [
        ("{n} - {yy}", []),
        ("BB {n}/{yyyy}", []),
        ("{n.__class__.__mro__}", ["{n.__class__.__mro__}"]),
        ("{n:>999999999}", ["{n:>999999999}"]),
        ("{n!r}", ["{n!r}"]),
        ("{0}", ["{0}"]),
        ("{yy[0]}", ["{yy[0]}"]),
        ("{n}{x}", ["{x}"]),
    ],
)
def test_number_patterns_allow_only_the_plain_fields(pattern, bad):
    assert sandbox.check_format_pattern(pattern, ("n", "yy", "yyyy")) == bad
    values = {"n": "7", "yy": "26", "yyyy": "2026"}
    if bad:
        with pytest.raises(ValueError):
            sandbox.format_pattern(pattern, values)
    else:
        assert sandbox.format_pattern(pattern, values) == pattern.format(**values)


def test_the_api_upload_is_checked_the_same(kit, media, client_for):
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    conf = _settings(kit)
    client = client_for("ct.kiemdinh")
    url = f"/api/verification/settings/{conf.pk}/"
    bad = SimpleUploadedFile("mau.docx", payload_docx("body", "{{ lipsum.__globals__ }}"))
    response = client.patch(
        url, encode_multipart(BOUNDARY, {"docx_template": bad}), content_type=MULTIPART_CONTENT
    )
    assert response.status_code == 400, response.content[:500]
    text = response.content.decode()
    assert "Mẫu Word có chỗ điền không được phép" in text and "lipsum.__globals__" in text
    conf.refresh_from_db()
    assert not conf.docx_template


def test_many_refused_tags_are_counted():
    problems = [
        sandbox.Problem(tag="{{ x" + str(i) + " }}", reason="unknown_name", name=f"x{i}") for i in range(8)
    ]
    with translation.override("vi"):
        message = documents.refusal_message(problems)
    assert "“{{ x0 }}”" in message and "“{{ x4 }}”" in message and "{{ x5 }}" not in message
    assert "Và 3 chỗ khác." in message


def test_markup_in_the_data_is_still_escaped():
    """A value that claims to be safe XML (a Markup string) is text like any other: it cannot inject XML."""
    from markupsafe import Markup

    out = docx_render.render_docx(
        make_docx("Số {{ number }}"),
        {"number": Markup("</w:t></w:r><w:r><w:t>chèn")},
        allowed=sandbox.Placeholders.of(["number"]),
    )
    assert "Số </w:t></w:r><w:r><w:t>chèn" in docx_text(out)
