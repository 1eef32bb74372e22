"""The impact of an out-of-tolerance standard or instrument across organisations (issue #14, item 6).

From the case (a failed calibration of the subject, or a revoked certificate of it):

1. the window opens at the subject's **last good calibration** before it was found out of tolerance: the latest
   record of the subject, not voided, passed or with results reported, whose certificate is not revoked, dated on
   or before the day it was found (the failing record itself excluded); without such a record, the date the
   registry gives (`MeasurementStandard.calibrated_on`, `Instrument.last_verified_on`) if earlier; else no bound;
2. every certificate issued from a record (not voided) that used the standard, performed on or after that day;
   a certificate of another standard calibrated against it carries the chain on (the certificates issued with
   that standard since that calibration), up to `MAX_DEPTH` links; an out-of-tolerance instrument is its own
   single link (no certificate);
3. for each instrument: the measurement processes it serves (`ProcessInstrument`) and the confirmation of that
   instrument for that process based on the certificate (by link, by number, or the latest one made on or after
   the certificate's date);
4. each confirmation is recomputed with the error found: the standard's error is added to every point's observed
   error in the direction that moves it away from zero (the sign of the standard's error in the instrument's
   reading is not known: worst case), the uncertainty kept, and judged again by `metrology.confirmation` with the
   confirmation's decision rule. Without an error found (a revoked certificate) or with another unit, nothing is
   recomputed and the row says so: the enterprise re-checks.

Each affected enterprise is e-mailed once (its reminder address, `registry.ReminderContact`, else its own
e-mail) and closes its rows with evidence; the case closes when every row is closed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from doluong.core.dates import today
from doluong.metrology import confirmation as mc
from doluong.metrology.errors import InvalidInput

log = logging.getLogger(__name__)

#: links followed through standards calibrated against the faulty one
MAX_DEPTH = 3


@dataclass
class Link:
    certificate: object | None
    instrument: object | None
    standard: object | None
    enterprise: object
    depth: int


@dataclass
class Row:
    link: Link
    process: object | None = None
    confirmation: object | None = None
    verdict_before: str = ""
    verdict_after: str = ""
    changes: bool | None = None
    note: str = ""


@dataclass
class Chain:
    last_good_on: dt.date | None
    links: list[Link] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    @property
    def certificates(self):
        return {link.certificate for link in self.links if link.certificate is not None}

    @property
    def instruments(self):
        return {link.instrument for link in self.links if link.instrument is not None}

    @property
    def processes(self):
        return {row.process for row in self.rows if row.process is not None}

    @property
    def enterprises(self):
        return {link.enterprise for link in self.links}


def last_good_calibration(case) -> dt.date | None:
    from doluong.verification.choices import CertificateStatus, Result
    from doluong.verification.models import VerificationRecord

    subject = Q(standard_id=case.standard_id) if case.standard_id else Q(instrument_id=case.instrument_id)
    records = (
        VerificationRecord.objects.filter(subject, voided_on__isnull=True, performed_on__lte=case.found_on)
        .filter(result__in=[Result.PASSED, Result.REPORTED])
        .exclude(certificate__status=CertificateStatus.REVOKED)
    )
    if case.record_id:
        records = records.exclude(pk=case.record_id)
    if case.certificate_id:
        records = records.exclude(pk=case.certificate.record_id)
    found = records.order_by("-performed_on", "-pk").values_list("performed_on", flat=True).first()
    if found is not None:
        return found
    registry_day = case.standard.calibrated_on if case.standard_id else case.instrument.last_verified_on
    return registry_day if registry_day and registry_day < case.found_on else None


def _issued_with(standard, since: dt.date | None, exclude: set[int]):
    from doluong.verification.models import Certificate

    rows = Certificate.objects.filter(
        record__standard_links__standard=standard, record__voided_on__isnull=True
    ).select_related("instrument__owner", "standard__holder", "owner")
    if since is not None:
        rows = rows.filter(record__performed_on__gte=since)
    return [c for c in rows.order_by("verified_on", "pk").distinct() if c.pk not in exclude]


def links_of(case, since: dt.date | None) -> list[Link]:
    if case.instrument_id:
        return [Link(None, case.instrument, None, case.instrument.owner, 1)]
    seen = {case.certificate_id} if case.certificate_id else set()
    out: list[Link] = []
    frontier = [(case.standard, since, 1)]
    visited_standards = {case.standard_id}
    while frontier:
        standard, start, depth = frontier.pop(0)
        for cert in _issued_with(standard, start, seen):
            seen.add(cert.pk)
            if cert.instrument_id:
                out.append(Link(cert, cert.instrument, None, cert.instrument.owner, depth))
            elif cert.standard_id:
                out.append(Link(cert, None, cert.standard, cert.standard.holder, depth))
                if depth < MAX_DEPTH and cert.standard_id not in visited_standards:
                    visited_standards.add(cert.standard_id)
                    frontier.append((cert.standard, cert.verified_on, depth + 1))
    return out


def _confirmation_for(link, process):
    from .models import Confirmation

    rows = Confirmation.objects.filter(process=process, instrument=link.instrument)
    cert = link.certificate
    if cert is None:
        return rows.filter(confirmed_on__gte=link.instrument.last_verified_on or dt.date.min).first()
    return (
        rows.filter(certificate=cert).first()
        or rows.filter(certificate__isnull=True, certificate_number=cert.number).first()
        or rows.filter(certificate__isnull=True, confirmed_on__gte=cert.verified_on).first()
    )


def shifted(error: float, delta: float) -> float:
    """The point's error with the standard's error added away from zero (worst case)."""
    return error + delta if error >= 0 else error - delta


def recompute(confirmation, delta: float) -> str | None:
    """The confirmation's verdict with every point's error moved by `delta` (worst case), through the library."""
    req = confirmation.process.requirement()
    verdicts = []
    for point in confirmation.points.all():
        result = mc.confirm_point(
            shifted(float(point.error), delta),
            float(point.uncertainty),
            req,
            rule=confirmation.rule,
            k=float(point.coverage_factor),
            itp=float(confirmation.itp),
            pfa_target=float(confirmation.pfa_target),
        )
        verdicts.append(result.verdict)
    return mc.worst(verdicts)


def _assess(case, row: Row) -> None:
    c = row.confirmation
    if c is None:
        row.note = gettext("No confirmation of this instrument for this process: re-check it.")
        return
    row.verdict_before = c.verdict
    if case.error_found is None:
        row.note = gettext("No error found is known (revoked certificate): re-check the confirmation.")
        return
    if case.unit and case.unit.strip().lower() != (c.process.unit or "").strip().lower():
        row.note = gettext(
            "The error found is in %(unit)s, the process in %(process_unit)s: re-check the confirmation."
        ) % {"unit": case.unit, "process_unit": c.process.unit}
        return
    try:
        after = recompute(c, abs(float(case.error_found)))
    except InvalidInput:
        after = None
    if after is None:
        row.note = gettext("The confirmation has no points to recompute: re-check it.")
        return
    row.verdict_after = after
    row.changes = after != c.verdict
    row.note = (
        gettext("The verdict changes once recomputed with the error found.")
        if row.changes
        else gettext("The verdict holds once recomputed with the error found.")
    )


def chain(case) -> Chain:
    """The affected certificates, instruments, processes and enterprises of `case` (nothing is written)."""
    from .models import ProcessInstrument

    since = last_good_calibration(case)
    result = Chain(since, links_of(case, since))
    for link in result.links:
        processes = (
            [
                pi.process
                for pi in ProcessInstrument.objects.filter(instrument=link.instrument).select_related(
                    "process"
                )
            ]
            if link.instrument is not None
            else []
        )
        if not processes:
            row = Row(link)
            row.note = (
                gettext(
                    "A standard calibrated against the faulty one: its own certificates are listed below."
                )
                if link.standard is not None
                else gettext("The instrument serves no recorded measurement process: re-check its use.")
            )
            result.rows.append(row)
            continue
        for process in processes:
            row = Row(link, process, _confirmation_for(link, process))
            _assess(case, row)
            result.rows.append(row)
    return result


def build_items(case) -> list:
    """Write the case's impact rows and notify each affected enterprise once."""
    from .models import ImpactItem, OutOfToleranceCase

    found = chain(case)
    OutOfToleranceCase.objects.filter(pk=case.pk).update(last_good_on=found.last_good_on)
    case.last_good_on = found.last_good_on
    items = []
    for row in found.rows:
        link = row.link
        item = ImpactItem(
            case=case,
            enterprise=link.enterprise,
            province_id=link.enterprise.province_id,
            case_province_id=case.province_id,
            case_holder_id=case.holder_id,
            depth=link.depth,
            certificate=link.certificate,
            instrument=link.instrument,
            standard=link.standard,
            process=row.process,
            confirmation=row.confirmation,
            verdict_before=row.verdict_before,
            verdict_after=row.verdict_after,
            changes=row.changes,
            note=row.note[:300],
        )
        item._history_user = getattr(case, "_history_user", None)
        item.save()
        items.append(item)
    notify(case, items)
    case.refresh_status()
    return items


def _address(org) -> str:
    from doluong.registry.models import ReminderContact

    contact = ReminderContact.objects.filter(owner=org).first()
    if contact is not None and contact.opted_out:
        return org.email or ""
    return (contact.address if contact else "") or org.email or ""


def notify(case, items) -> dict:
    """One e-mail per affected enterprise listing its rows; the rows record when and to whom.

    The e-mails leave when the case's transaction commits (`transaction.on_commit`): a save that is refused
    afterwards (the permission table asked once the row exists, a validation error, a database error) rolls back
    the rows and e-mails nobody. A message the mail server refuses clears its rows' `notified_on` again, so the
    page never claims an e-mail that did not leave."""
    from .models import ImpactItem

    by_org = defaultdict(list)
    for item in items:
        by_org[item.enterprise].append(item)
    sent = {}
    outgoing = []
    for org, rows in by_org.items():
        address = _address(org)
        if not address:
            continue
        lines = [
            f"- {item.certificate or '—'} · {item.instrument or item.standard} · {item.process or '—'}: "
            f"{item.get_verdict_before_display() or '—'} → {item.get_verdict_after_display() or '?'}. {item.note}"
            for item in rows
        ]
        subject = gettext("Out-of-tolerance standard: %(subject)s") % {"subject": case.subject}
        body = (
            gettext(
                "%(subject)s (held by %(holder)s) was found out of tolerance on %(day)s. These certificates, "
                "instruments and measurement processes of %(org)s are affected; review each and record its "
                "closure with evidence:"
            )
            % {
                "subject": case.subject,
                "holder": case.holder,
                "day": case.found_on.strftime("%d/%m/%Y"),
                "org": org,
            }
            + "\n"
            + "\n".join(lines)
        )
        pks = [i.pk for i in rows]
        ImpactItem.objects.filter(pk__in=pks).update(notified_on=today(), notified_to=address)
        for item in rows:
            item.notified_on, item.notified_to = today(), address
        outgoing.append((subject, body, address, pks))
        sent[org.pk] = address
    if outgoing:
        transaction.on_commit(lambda: _send(outgoing))
    return sent


def _send(outgoing) -> None:
    """Send the committed case's e-mails; one the mail server refuses is logged and its rows' notification
    cleared (`notified_on` empty: the case page shows them as not notified)."""
    from django.core.mail import send_mail

    from .models import ImpactItem

    for subject, body, address, pks in outgoing:
        try:
            send_mail(subject, body, None, [address])
        except Exception:  # any transport failure: record it, never fail the committed case
            log.exception("out-of-tolerance e-mail to %s not sent", address)
            ImpactItem.objects.filter(pk__in=pks).update(notified_on=None, notified_to="")


def by_enterprise(items) -> list[dict]:
    """The case's closure per enterprise: rows, open rows, changed verdicts, notification."""
    out = {}
    for item in items:
        entry = out.setdefault(
            item.enterprise_id,
            {"enterprise": item.enterprise, "rows": 0, "open": 0, "changes": 0, "notified_to": ""},
        )
        entry["rows"] += 1
        entry["open"] += item.status == "open"
        entry["changes"] += bool(item.changes)
        entry["notified_to"] = entry["notified_to"] or item.notified_to
    return list(out.values())


__all__ = ["Chain", "build_items", "by_enterprise", "chain", "last_good_calibration", "recompute", "shifted"]
