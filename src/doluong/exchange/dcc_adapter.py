"""The DCC export adapter: a subscription of format "dcc" receives each calibration certificate's creation and
change as PTB's Digital Calibration Certificate XML (DCC 3.1.2, D-SI 2.1.0), built by the project's one DCC
writer (`verification.dcc_export.certificate_dcc_xml`, docs/dcc.md: it maps the certificate, builds and validates
the XML against the shipped XSD offline), not by a second one.

- Which events: `certificate.created` and `certificate.updated` of calibration certificates (the payload's
  `kind`); deletions, verification certificates and every other kind are skipped (the cursor moves past them).
- The body: the certificate's DCC **as it was at the event** (`as_at`: the certificate rebuilt from the event's
  payload, the outbox's snapshot of every column written in the change's transaction), whenever it is delivered:
  a certificate issued and then revoked before the delivery runs gives a first DCC that says it is valid and a
  second that says it is revoked (a `doluong_status` statement: the status, its date and reason, `dcc:valid`; the
  "valid until" statement's `dcc:valid` follows it). The objects it refers to (record, provider, standards) are
  read as they are now; `content-type: application/xml`; signed exactly as the JSON deliveries (Standard Webhooks headers: webhook-id =
  the event id, HMAC "v1," with the subscriber's secret and Ed25519 "v1a,"): a receiver verifies with
  `receiver.verify_signature(headers, body, key, raw=True)` and deduplicates by the webhook-id.
- A DCC that cannot be built (the certificate removed since, or `dcc.DCCError`: missing data, XSD failure) is a
  failed attempt with its reason in the exchange log, retried with backoff, then a dead letter: never silently
  dropped.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

#: the event types delivered
TYPES = ("certificate.created", "certificate.updated")
CALIBRATION = "calibration"


def wants(event) -> bool:
    """A calibration certificate's creation or change made here (a re-published event of another instance,
    `OutboxEvent.origin`, names a certificate this instance does not hold)."""
    return event.type in TYPES and (event.payload or {}).get("kind") == CALIBRATION and not event.origin


def wanted_q() -> Q:
    """`wants` as a filter over OutboxEvent (the subscriptions' lag)."""
    return Q(type__in=TYPES, payload__kind=CALIBRATION, origin="")


#: the `doluong_status` statement's text per status (the certificate's status as at the event)
STATUS_TEXTS = {
    "valid": ("Giấy chứng nhận còn hiệu lực", "The certificate is valid"),
    "expired": ("Giấy chứng nhận đã hết hiệu lực", "The certificate has expired"),
    "superseded": (
        "Giấy chứng nhận đã được thay thế bằng giấy chứng nhận mới hơn",
        "The certificate has been superseded by a newer one",
    ),
    "revoked": ("Giấy chứng nhận đã bị thu hồi", "The certificate has been revoked"),
}


def as_at(event):
    """The event's certificate as it was at the event: the row's columns from the event's payload (the snapshot
    written in the change's transaction), the current row for the columns the outbox does not carry (search
    text), or the payload alone when the row is gone. Unsaved; raises ValueError when there is nothing to build
    from."""
    from doluong.verification.models import Certificate

    payload = event.payload or {}
    cert = Certificate.objects.filter(pk=event.object_pk).first()
    if cert is None:
        if not payload:
            raise ValueError(f"DCC: certificate {event.object_pk} no longer exists")
        cert = Certificate(pk=int(event.object_pk))
    for field in Certificate._meta.concrete_fields:
        if field.attname in payload and not field.primary_key:
            try:
                value = field.to_python(payload[field.attname])
            except Exception as exc:  # a value the column refuses (ValidationError)
                raise ValueError(f"DCC: {field.attname}: {exc}") from exc
            setattr(cert, field.attname, value)
    return cert


def _status_statement(cert, on):
    from doluong.verification.dcc import Statement, Text
    from doluong.verification.models import effective_status

    status = effective_status(cert.status, cert.valid_until, on)
    vi, en = STATUS_TEXTS.get(status, (status, status))
    if status != "valid" and cert.status_reason:
        vi, en = f"{vi}. Lý do: {cert.status_reason}", f"{en}. Reason: {cert.status_reason}"
    return status, Statement(
        Text(vi, en),
        valid=status == "valid",
        date=cert.status_changed_on if status in ("revoked", "superseded") else None,
        ref_type="doluong_status",
    )


def body(event) -> bytes:
    """The DCC XML of the event's certificate as it was at the event (raises ValueError when it cannot be
    built): the project's DCC writer (`dcc_export.to_dcc`, `dcc.build_dcc`, the XSD check) over `as_at(event)`,
    with the status statement."""
    from doluong.verification import dcc
    from doluong.verification.dcc_export import to_dcc

    cert = as_at(event)
    try:
        doc = to_dcc(cert)
        status, statement = _status_statement(cert, timezone.localdate(event.occurred_at))
        doc.statements.append(statement)
        doc.valid = status == "valid"
        xml = dcc.build_dcc(doc)
        problems = dcc.validate_dcc(xml)
        if problems:
            raise dcc.DCCError(problems)
        return xml
    except dcc.DCCError as exc:
        raise ValueError("DCC: " + "; ".join(getattr(exc, "problems", None) or [str(exc)])) from exc
