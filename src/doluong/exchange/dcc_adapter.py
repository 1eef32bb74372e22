"""The DCC export adapter: a subscription of format "dcc" receives each calibration certificate's creation and
change as PTB's Digital Calibration Certificate XML (DCC 3.1.2, D-SI 2.1.0), built by the project's one DCC
writer (`verification.dcc_export.certificate_dcc_xml`, docs/dcc.md: it maps the certificate, builds and validates
the XML against the shipped XSD offline), not by a second one.

- Which events: `certificate.created` and `certificate.updated` of calibration certificates (the payload's
  `kind`); deletions, verification certificates and every other kind are skipped (the cursor moves past them).
- The body: the certificate's DCC as it is **at delivery time** (a status change delivers the current document),
  `content-type: application/xml`; signed exactly as the JSON deliveries (Standard Webhooks headers: webhook-id =
  the event id, HMAC "v1," with the subscriber's secret and Ed25519 "v1a,"): a receiver verifies with
  `receiver.verify_signature(headers, body, key, raw=True)` and deduplicates by the webhook-id.
- A DCC that cannot be built (the certificate removed since, or `dcc.DCCError`: missing data, XSD failure) is a
  failed attempt with its reason in the exchange log, retried with backoff, then a dead letter: never silently
  dropped.
"""

from __future__ import annotations

from django.db.models import Q

#: the event types delivered
TYPES = ("certificate.created", "certificate.updated")
CALIBRATION = "calibration"


def wants(event) -> bool:
    return event.type in TYPES and (event.payload or {}).get("kind") == CALIBRATION


def wanted_q() -> Q:
    """`wants` as a filter over OutboxEvent (the subscriptions' lag)."""
    return Q(type__in=TYPES, payload__kind=CALIBRATION)


def body(event) -> bytes:
    """The DCC XML of the event's certificate (raises ValueError when it cannot be built)."""
    from doluong.verification.dcc import DCCError
    from doluong.verification.dcc_export import certificate_dcc_xml
    from doluong.verification.models import Certificate

    cert = Certificate.objects.filter(pk=event.object_pk).first()
    if cert is None:
        raise ValueError(f"DCC: certificate {event.object_pk} no longer exists")
    try:
        return certificate_dcc_xml(cert)
    except DCCError as exc:
        raise ValueError("DCC: " + "; ".join(getattr(exc, "problems", None) or [str(exc)])) from exc
