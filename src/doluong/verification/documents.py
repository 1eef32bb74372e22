"""Certificate and record documents: the Typst PDF (national heading, fields, results table, conclusion,
validity, signatures, QR), the DOCX filled into the provider's own Word template, and the optional PAdES
signature with the provider's PKCS#12 certificate.

`certificate_context(cert)` is the one dict both documents are made from; its keys are the DOCX placeholders
listed in `DOCX_FIELDS` (documented in docs/verification.md).
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from doluong.documents import docx as docx_render
from doluong.documents import pdf as pdf_render
from doluong.documents import qr, sandbox

from .choices import RecordKind, Result, Verdict
from .numbering import settings_for

HERE = Path(__file__).resolve().parent
CERTIFICATE_TYP = HERE / "typst" / "certificate.typ"
RECORD_TYP = HERE / "typst" / "record.typ"
SAMPLE_DOCX = HERE / "docx" / "certificate_sample.docx"

TITLES = {
    RecordKind.INITIAL: "GIẤY CHỨNG NHẬN KIỂM ĐỊNH",
    RecordKind.PERIODIC: "GIẤY CHỨNG NHẬN KIỂM ĐỊNH",
    RecordKind.AFTER_REPAIR: "GIẤY CHỨNG NHẬN KIỂM ĐỊNH",
    RecordKind.CALIBRATION: "GIẤY CHỨNG NHẬN HIỆU CHUẨN",
    RecordKind.TESTING: "GIẤY CHỨNG NHẬN THỬ NGHIỆM",
}
KIND_WORDS = {
    RecordKind.INITIAL: "Kiểm định ban đầu",
    RecordKind.PERIODIC: "Kiểm định định kỳ",
    RecordKind.AFTER_REPAIR: "Kiểm định sau sửa chữa",
    RecordKind.CALIBRATION: "Hiệu chuẩn",
    RecordKind.TESTING: "Thử nghiệm",
}
VERDICT_WORDS = {Verdict.PASS: "Đạt", Verdict.FAIL: "Không đạt", Verdict.NONE: "—"}

#: the placeholders a provider's Word template may use (docxtpl / Jinja2 syntax), with their meaning
DOCX_FIELDS = {
    "title": gettext_lazy("Title of the document (GIẤY CHỨNG NHẬN KIỂM ĐỊNH / HIỆU CHUẨN / THỬ NGHIỆM)"),
    "number": gettext_lazy("Certificate number"),
    "kind": gettext_lazy("Kind of verification, in words"),
    "parent_body": gettext_lazy("Governing body of the provider"),
    "provider_name": gettext_lazy("Provider's name"),
    "provider_address": gettext_lazy("Provider's address"),
    "instrument_name": gettext_lazy("Name of the instrument or standard"),
    "model": gettext_lazy("Type or model"),
    "serial": gettext_lazy("Serial number"),
    "manufacturer": gettext_lazy("Manufacturer"),
    "year": gettext_lazy("Year of manufacture"),
    "measuring_range": gettext_lazy("Measuring range"),
    "accuracy_class": gettext_lazy("Accuracy class"),
    "owner_name": gettext_lazy("Owner"),
    "owner_address": gettext_lazy("Owner's address"),
    "site": gettext_lazy("Place of use"),
    "procedure": gettext_lazy("Procedure (ĐLVN code)"),
    "standards": gettext_lazy("Standards used, one line"),
    "environment": gettext_lazy("Environmental conditions, one line"),
    "points": gettext_lazy(
        "Results table: a list of rows with no, label, nominal, found, error, mpe, uncertainty, unit, verdict"
    ),
    "conclusion": gettext_lazy("Conclusion"),
    "stamp_number": gettext_lazy("Stamp number"),
    "verified_on": gettext_lazy("Date of verification (dd/mm/yyyy)"),
    "issued_on": gettext_lazy("Date of issue (dd/mm/yyyy)"),
    "issued_on_words": gettext_lazy("Place and date of issue in words"),
    "valid_until": gettext_lazy("Valid until (dd/mm/yyyy), or a dash"),
    "verifier_name": gettext_lazy("Verifier"),
    "reviewer_name": gettext_lazy("Reviewer"),
    "head_title": gettext_lazy("Title of the head of the provider"),
    "head_name": gettext_lazy("Name of the head of the provider"),
    "check_url": gettext_lazy("Public check URL (the QR code's content)"),
    "signature_short": gettext_lazy("Short signature printed under the QR code"),
    "key_id": gettext_lazy("ID of the signing key"),
    "qr": gettext_lazy("The QR code image (put {{ qr }} alone in a paragraph or cell)"),
    "has_uncertainty": gettext_lazy(
        "True when a result has an uncertainty: {% if has_uncertainty %} … {% endif %} shows a column only then"
    ),
}

#: the keys of a row of `points` ({%tr for p in points %} … {{ p.label }} … {%tr endfor %})
DOCX_ROW_FIELDS = {
    "no": gettext_lazy("Row number (1, 2, 3 …)"),
    "label": gettext_lazy("Name of the measurement point"),
    "nominal": gettext_lazy("Nominal (reference) value"),
    "found": gettext_lazy("Value found"),
    "error": pgettext_lazy("measurement", "Error"),
    "mpe": gettext_lazy("Maximum permissible error (±…)"),
    "uncertainty": gettext_lazy("Expanded uncertainty"),
    "k": gettext_lazy("Coverage factor k"),
    "unit": gettext_lazy("Unit"),
    "verdict": gettext_lazy("Verdict of the point (Đạt / Không đạt)"),
}

#: the filters a Word template may use ({{ provider_name|upper }}); see doluong.documents.sandbox.FILTERS
DOCX_FILTERS = {
    "upper": gettext_lazy("UPPER CASE"),
    "lower": gettext_lazy("lower case"),
    "capitalize": gettext_lazy("First letter in capitals"),
    "title": gettext_lazy("Each Word Capitalised"),
    "trim": gettext_lazy("Without spaces at the start and end"),
    "default": gettext_lazy('A text shown when the value is empty: {{ site|default("—", true) }}'),
    "join": gettext_lazy('Letters or rows joined with a separator: {{ x|join(", ") }}'),
    "length": gettext_lazy("Number of rows ({{ points|length }}) or of letters"),
}

_IMAGES = ("qr",)
#: what a provider's Word template may use: the placeholders above, the rows of `points`, the QR image
DOCX_PLACEHOLDERS = sandbox.Placeholders.of(
    text=[name for name in DOCX_FIELDS if name != "points" and name not in _IMAGES],
    rows={"points": DOCX_ROW_FIELDS},
    images=_IMAGES,
)


def num(value) -> str:
    """A decimal in Vietnamese notation (decimal comma), without trailing zeros; '' for None."""
    if value is None or value == "":
        return ""
    d = Decimal(str(value)).normalize()
    text = format(d, "f")
    if text in ("-0", ""):
        text = "0"
    return text.replace(".", ",")


def dmy(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        y, m, d = value.split("-")
        return f"{d}/{m}/{y}"
    return value.strftime("%d/%m/%Y")


def date_words(day) -> str:
    mm = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {mm} năm {day.year}"


def _environment(record) -> str:
    parts = []
    if record.temperature is not None:
        parts.append(f"Nhiệt độ: {num(record.temperature)} °C")
    if record.humidity is not None:
        parts.append(f"Độ ẩm: {num(record.humidity)} %RH")
    if record.environment_notes:
        parts.append(record.environment_notes)
    return "; ".join(parts)


def _standards(record) -> str:
    rows = []
    for link in record.standard_links.select_related("standard"):
        std = link.standard
        text = f"{std.name}" + (f", số {std.serial}" if std.serial else "")
        if link.standard_valid_until:
            text += f" (hiệu lực đến {dmy(link.standard_valid_until)})"
        rows.append(text)
    return "; ".join(rows)


def _points(snapshot_points) -> list[dict]:
    return [
        {
            "no": str(i),
            "label": p.get("label") or "",
            "unit": p.get("unit") or "",
            "nominal": num(p.get("nominal")),
            "found": num(p.get("found")),
            "error": num(p.get("error")),
            "mpe": ("±" + num(p.get("mpe"))) if p.get("mpe") not in (None, "") else "",
            "uncertainty": num(p.get("uncertainty")),
            "k": num(p.get("k")),
            "verdict": VERDICT_WORDS.get(p.get("verdict") or "", "—"),
        }
        for i, p in enumerate(snapshot_points, start=1)
    ]


def _computed_mpe(rule: str) -> bool:
    """A point's `rule` is "<rule id>: <clause>" when the metrology library gave the MPE (actions.py)."""
    head, sep, _clause = rule.partition(": ")
    return bool(sep) and " " not in head


def _conclusion(kind, result) -> str:
    if result == Result.FAILED:
        return "Không đạt yêu cầu kỹ thuật đo lường"
    if kind in RecordKind.verification_kinds():
        return "Đạt yêu cầu kỹ thuật đo lường"
    if result == Result.PASSED:
        return "Kết quả phù hợp với yêu cầu kỹ thuật đã công bố"
    return "Kết quả hiệu chuẩn như bảng trên"


def certificate_context(cert) -> dict:
    """Everything the certificate shows, as strings (the signed snapshot plus the certificate's own fields)."""
    snap = cert.snapshot or {}
    subject = snap.get("subject", {})
    record = cert.record
    conf = settings_for(cert.provider)
    place = conf.place_name or (cert.provider.province.name if cert.provider.province_id else "")
    url = cert.public_url()
    return {
        "title": TITLES.get(cert.kind, TITLES[RecordKind.PERIODIC]),
        "number": cert.number,
        "kind": KIND_WORDS.get(cert.kind, ""),
        "parent_body": conf.parent_body,
        "provider_name": snap.get("provider", {}).get("name", ""),
        "provider_address": snap.get("provider", {}).get("address", ""),
        "instrument_name": subject.get("name", ""),
        "model": subject.get("model", ""),
        "serial": subject.get("serial", ""),
        "manufacturer": subject.get("manufacturer", ""),
        "year": subject.get("year", ""),
        "measuring_range": subject.get("range", ""),
        "accuracy_class": subject.get("accuracy_class", ""),
        "owner_name": snap.get("owner", {}).get("name", ""),
        "owner_address": snap.get("owner", {}).get("address", ""),
        "site": subject.get("site", ""),
        "procedure": snap.get("procedure", ""),
        "standards": _standards(record),
        "environment": _environment(record),
        "points": _points(snap.get("points", [])),
        "has_uncertainty": any(p.get("uncertainty") for p in snap.get("points", [])),
        # points whose MPE the verifier typed (no rule of the type judged them): marked on the certificate
        "mpe_manual_points": [
            str(i)
            for i, p in enumerate(record.points.order_by("position"), start=1)
            if p.mpe is not None and not _computed_mpe(p.rule)
        ],
        "conclusion": _conclusion(cert.kind, snap.get("result")),
        "stamp_number": cert.stamp_number,
        "verified_on": dmy(cert.verified_on),
        "issued_on": dmy(cert.issued_on),
        "issued_on_words": f"{place}, {date_words(cert.issued_on)}" if place else date_words(cert.issued_on),
        "valid_until": dmy(cert.valid_until) if cert.valid_until else "—",
        "verifier_name": snap.get("verifier", ""),
        "reviewer_name": record.reviewer_name,
        "head_title": conf.head_title,
        "head_name": conf.head_name,
        "check_url": url,
        "signature_short": cert.short_signature,
        "key_id": cert.key.key_id,
    }


def certificate_pdf(cert, *, pades: bool = True) -> bytes:
    data = certificate_context(cert)
    data["qr_svg"] = qr.qr_svg(data["check_url"])
    data["place"] = data["issued_on_words"]
    pdf = pdf_render.render_pdf(CERTIFICATE_TYP, data)
    if pades:
        pdf = pades_sign(cert.provider, pdf)
    return pdf


def certificate_png(cert) -> bytes:
    data = certificate_context(cert)
    data["qr_svg"] = qr.qr_svg(data["check_url"])
    return pdf_render.render_pdf(CERTIFICATE_TYP, data, format="png", ppi=80)


def record_context(record) -> dict:
    conf = settings_for(record.provider)
    inst = record.instrument
    std = record.standard
    place = conf.place_name or record.provider.province.name
    t = str
    return {
        "number": record.number,
        "kind": KIND_WORDS.get(record.kind, ""),
        "parent_body": conf.parent_body,
        "provider_name": record.provider.name,
        "instrument_name": inst.instrument_type.name if inst else std.name,
        "model": inst.model if inst else "",
        "serial": (inst.serial if inst else std.serial) or "",
        "manufacturer": (inst.manufacturer if inst else std.manufacturer) or "",
        "year": t(inst.year) if inst and inst.year else "",
        "measuring_range": (inst.measuring_range if inst else std.measuring_range) or "",
        "accuracy_class": record.accuracy_class,
        "owner_name": record.owner.name,
        "owner_address": record.owner.address,
        "site": inst.site_address if inst else "",
        "procedure": record.procedure,
        "place_done": record.place,
        "standards": _standards(record),
        "environment": _environment(record),
        "visual": "Đạt" if record.visual_check_passed else "Không đạt",
        "technical": "Đạt" if record.technical_check_passed else "Không đạt",
        "points": [
            {
                "no": str(p.position),
                "label": p.label,
                "unit": p.unit,
                "nominal": num(p.nominal),
                "found": num(p.found),
                "error": num(p.error),
                "mpe": ("±" + num(p.mpe)) if p.mpe is not None else "",
                "uncertainty": num(p.uncertainty),
                "k": num(p.coverage_factor) if p.uncertainty is not None else "",
                "verdict": VERDICT_WORDS.get(p.verdict, "—"),
            }
            for p in record.points.all()
        ],
        "has_uncertainty": record.points.filter(uncertainty__isnull=False).exists(),
        "failed": record.result == Result.FAILED,
        "conclusion": _conclusion(record.kind, record.result),
        "performed_on": dmy(record.performed_on),
        "date_words": f"{place}, {date_words(record.performed_on)}",
        "verifier_name": record.verifier.person.full_name if record.verifier_id else "",
        "reviewer_name": record.reviewer_name,
        "head_title": conf.head_title,
        "head_name": conf.head_name,
    }


def record_pdf(record) -> bytes:
    return pdf_render.render_pdf(RECORD_TYP, record_context(record))


# ------------------------------------------------------------------------------------------------------ DOCX

#: why a tag is refused (sandbox.Problem.reason), in words; %(name)s is the offending name
_REASONS = {
    "unknown_name": gettext_lazy("“%(name)s” is not one of the placeholders in the list"),
    "attribute": gettext_lazy("reading “.%(name)s” of a value is not allowed"),
    "item": gettext_lazy("only a column name in quotes may be read with [ ]"),
    "row_key": gettext_lazy("a results row has no column “%(name)s”"),
    "row_alone": gettext_lazy("write a column of the row, for example p.label, not “%(name)s” alone"),
    "loop_attribute": gettext_lazy("only loop.index, loop.first, loop.last and loop.length may be used"),
    "list_outside_loop": gettext_lazy("the list “%(name)s” can only be used in a for loop or with |length"),
    "image_alone": gettext_lazy("the image “%(name)s” must stand alone: {{ %(name)s }}"),
    "call": gettext_lazy("calling functions is not allowed"),
    "filter": gettext_lazy("the filter “%(name)s” is not allowed"),
    "filter_arguments": gettext_lazy("the filter “%(name)s” takes only plain text or numbers as arguments"),
    "test": gettext_lazy("tests with “is” are not allowed"),
    "operator": gettext_lazy("calculations and formatting (“%(name)s”) are not allowed"),
    "constant": gettext_lazy("this kind of value is not allowed"),
    "expression": gettext_lazy("this expression is not allowed"),
    "tag": gettext_lazy("the tag “%(name)s” is not allowed"),
    "nested_loop": gettext_lazy("loops cannot be nested"),
    "recursive_loop": gettext_lazy("recursive loops are not allowed"),
    "loop_target": gettext_lazy("the loop variable “%(name)s” is not allowed (use a new name such as p)"),
    "loop_over": gettext_lazy("a for loop can only go over points"),
}

#: at most this many refused tags are named in one message
_MAX_NAMED = 5


def refusal_message(problems: list[sandbox.Problem]) -> str:
    """The Vietnamese message naming the refused placeholders (the first few, and how many more)."""
    parts = []
    for problem in problems[:_MAX_NAMED]:
        reason = _REASONS.get(problem.reason, _REASONS["expression"])
        parts.append(f"“{problem.tag}” ({str(reason) % {'name': problem.name}})")
    text = _("The Word template has placeholders that are not allowed: %(tags)s.") % {
        "tags": "; ".join(parts)
    }
    if len(problems) > _MAX_NAMED:
        text += " " + _("And %(count)s more.") % {"count": len(problems) - _MAX_NAMED}
    return text + " " + _("The placeholders and filters you may use are listed in the guide.")


def _sample_context() -> dict:
    """Values to try a template with at upload (every placeholder, two result rows)."""
    context: dict = {name: "…" for name in DOCX_PLACEHOLDERS.text}
    context["has_uncertainty"] = True
    context["points"] = [{key: str(i) for key in DOCX_ROW_FIELDS} for i in (1, 2)]
    return context


def check_docx_template(upload) -> str | None:
    """None if the Word template can be filled, else the reason in Vietnamese: not a Word file, broken
    placeholder syntax, or a tag outside the whitelist (named). The template is then tried once in the
    sandbox with sample values."""
    data = upload.read() if hasattr(upload, "read") else bytes(upload)
    if hasattr(upload, "seek"):
        upload.seek(0)
    try:
        problems = docx_render.check_template(data, DOCX_PLACEHOLDERS)
    except docx_render.TemplateError as exc:
        if isinstance(exc.__cause__, sandbox.TemplateSyntaxError):
            return _("A placeholder of the Word template is not written correctly: %(reason)s") % {
                "reason": exc.__cause__.message
            }
        return _("This file is not a Word (.docx) template that can be filled.")
    if problems:
        return refusal_message(problems)
    try:
        docx_render.render_docx(
            data,
            _sample_context(),
            allowed=DOCX_PLACEHOLDERS,
            images={"qr": (qr.qr_png("https://example.invalid/"), 28)},
        )
    except docx_render.TemplateRefused as exc:  # pragma: no cover - the check above saw the same texts
        return refusal_message(exc.problems)
    except docx_render.TemplateError as exc:
        return _("The Word template cannot be filled: %(reason)s") % {"reason": exc}
    return None


def certificate_docx(cert) -> bytes:
    """The certificate in the provider's Word template (or the sample one), filled in the sandbox.

    Raises:
        ValidationError: the stored template is refused (a placeholder outside the whitelist, named in the
            message) or cannot be filled; nothing of it was run.
    """
    conf = settings_for(cert.provider)
    if conf.docx_template:
        with conf.docx_template.open("rb") as fh:
            template = fh.read()
    else:
        template = SAMPLE_DOCX.read_bytes()
    context = certificate_context(cert)
    try:
        return docx_render.render_docx(
            template,
            context,
            allowed=DOCX_PLACEHOLDERS,
            images={"qr": (qr.qr_png(context["check_url"]), 28)},
        )
    except docx_render.TemplateRefused as exc:
        raise ValidationError(
            _(
                "The provider's Word template cannot be used; upload a corrected one in the certificate settings."
            )
            + " "
            + refusal_message(exc.problems),
            code="docx_template_refused",
        ) from exc
    except docx_render.TemplateError as exc:
        raise ValidationError(
            _("The provider's Word template cannot be filled: %(reason)s") % {"reason": exc},
            code="docx_template_broken",
        ) from exc


# ----------------------------------------------------------------------------------------------------- PAdES


def pades_sign(provider, pdf: bytes) -> bytes:
    """PAdES-sign `pdf` with the provider's PKCS#12 certificate if it configured one; else return it unchanged."""
    conf = settings_for(provider)
    if not conf.pk or not conf.pades_certificate:
        return pdf
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    with conf.pades_certificate.open("rb") as fh:
        p12 = fh.read()
    secret = conf.passphrase()  # sealed with the KEK; signing.SealError (a ValidationError) if it cannot open
    passphrase = secret.encode("utf-8") if secret else None
    signer = signers.SimpleSigner.load_pkcs12_data(p12, other_certs=[], passphrase=passphrase)
    meta = signers.PdfSignatureMetadata(
        field_name="ChuKySo",
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason="Giấy chứng nhận do tổ chức cung cấp dịch vụ ký số",
        location=conf.place_name or "",
        name=provider.name,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = signers.sign_pdf(writer, meta, signer=signer)
    return out.getvalue()
