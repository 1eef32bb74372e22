"""The readiness survey's figures (issue 14, item 2): what the registry says of an enterprise, the answers it
pre-fills, the score and band of a survey, the before/after delta, and the province's summary.

* registry figures (`registry_figures`, as they stood on the survey's date: certificates issued by then with
  their validity and revocations on that day, the due dates they gave, calibrations made by then, cases found
  by then and not closed by then, the instruments the enterprise owned and had not retired that day, read from
  the registry's history — `owned_on`): the enterprise's Group 2 instruments in the registry (not retired), its
  own Group 1 equipment in the inventory, the Group 2 ones overdue (next due date passed), those whose latest
  certificate is expired or revoked, those with no certificate in doluong, the Group 1 items overdue or without a
  due date, and the open out-of-tolerance cases that touch it (its own instrument or standard, or an open impact
  item of another's case);
* pre-fill (`prefill`): a checklist row names the figure it bears on (`ChecklistItem.prefill`); the answer gets
  a note with the figures and, where they decide it, a status (the surveyor may change it):
  inventory — 1 if every registry Group 2 instrument is in the inventory and it lists Group 1 equipment too,
  0.5 if it lists some, 0 if none; Group 2 — not applicable without Group 2 instruments, else 1 when none is
  overdue, expired or without certificate, 0.5 when at least half are in order, 0 otherwise; Group 1 — the same
  over the Group 1 items overdue or undated; open out-of-tolerance cases — 0 while one is open, else no status;
* score = 100 × Σ w·v / Σ w over the applicable rows (`doluong.metrology.readiness.score`; an unanswered row
  counts 0, a row marked not applicable is left out); the band from `data/readiness_bands.json`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from doluong.core.dates import today
from doluong.metrology import readiness as mr

from .choices import ActionStatus, AnswerValue, Prefill, SurveyStatus

DATA = Path(__file__).with_name("data")


@cache
def bands() -> dict:
    """The score bands in force (data/readiness_bands.json): {"effective_from", "source", "bands": [...]}."""
    data = json.loads((DATA / "readiness_bands.json").read_text(encoding="utf-8"))
    data["bands"] = [dict(b, **{"from": Decimal(b["from"])}) for b in data["bands"]]
    data["effective_from"] = dt.date.fromisoformat(data["effective_from"])
    return data


def band(score: Decimal | None) -> dict | None:
    """The band of `score`: {"from", "label", "css"} (None without a score)."""
    label = mr.band(score, [(b["from"], b["label"]) for b in bands()["bands"]])
    return next((b for b in bands()["bands"] if b["label"] == label), None)


# ------------------------------------------------------------------------------------------ registry figures


@dataclass
class Figures:
    group1: int = 0
    group2: int = 0
    group2_in_inventory: int = 0
    overdue: int = 0
    expired: int = 0
    missing_certificate: int = 0
    group2_not_in_order: int = 0
    group1_overdue: int = 0
    open_cases: int = 0
    on: dt.date | None = None
    case_ids: list = field(default_factory=list)


def certificate_status_on(cert, statements: list, on: dt.date) -> str:
    """The status `cert` had on the day `on`: the last of its signed status statements (`statements`, in
    sequence order) effective by then, else valid as issued; a certificate whose status changed without a
    statement keeps its stored status only from its change date; a valid one past its validity is expired."""
    from doluong.verification.choices import CertificateStatus
    from doluong.verification.models import effective_status

    by_then = [st for st in statements if timezone.localdate(st.effective_at) <= on]
    if by_then:
        status = by_then[-1].status
    elif statements:
        status = CertificateStatus.VALID
    elif cert.status == CertificateStatus.EXPIRED:
        status = CertificateStatus.VALID  # "expired" follows from the date, judged below
    elif cert.status_changed_on is not None and cert.status_changed_on > on:
        status = CertificateStatus.VALID
    else:
        status = cert.status
    return effective_status(status, cert.valid_until, on)


def owned_on(enterprise, on: dt.date) -> set[int]:
    """The registry instruments `enterprise` owned, not retired, at the end of the day `on`.

    The registry keeps no owner-change or retirement dates, but every change made through doluong's forms, API
    and actions leaves a row in the instrument's history (`Instrument.history`, django-simple-history): the
    owner and status of its last history row by the end of `on` are those of that day. The history dates what
    doluong was told, not when the enterprise acquired the instrument: one first recorded after `on` is taken as
    its first row has it (an instrument registered today was most likely in use before; only a change recorded
    later — another owner, a retirement — is undone). An instrument without any history row (loaded in bulk from
    an old register: one job row stands for the load, `core.bulk`) is taken as the registry holds it now. On or
    after today the registry's current rows decide."""
    from doluong.registry.choices import InstrumentStatus
    from doluong.registry.models import Instrument

    current = set(
        Instrument.objects.filter(owner=enterprise)
        .exclude(status=InstrumentStatus.RETIRED)
        .values_list("pk", flat=True)
    )
    if on >= today():
        return current
    History = Instrument.history.model
    # every instrument that was ever the enterprise's (a history row names it owner) or is now
    candidates = set(History.objects.filter(owner_id=enterprise.pk).values_list("id", flat=True)) | set(
        Instrument.objects.filter(owner=enterprise).values_list("pk", flat=True)
    )
    end = timezone.make_aware(dt.datetime.combine(on + dt.timedelta(days=1), dt.time.min))
    state: dict[int, tuple] = {}
    for pk, owner_id, status, when in (
        History.objects.filter(id__in=candidates)
        .order_by("id", "history_date", "history_id")
        .values_list("id", "owner_id", "status", "history_date")
    ):
        # the last row by the end of that day; for an instrument recorded later, its first (earliest known) row
        if pk not in state or when < end:
            state[pk] = (owner_id, status)
    owned = {
        pk
        for pk, (owner_id, status) in state.items()
        if owner_id == enterprise.pk and status != InstrumentStatus.RETIRED
    }
    # no history at all: the registry's row as it is now
    return owned | (current - set(state))


def registry_figures(enterprise, on: dt.date | None = None) -> Figures:
    """The registry's figures for `enterprise` as they stood on the day `on` (today by default): the
    certificates issued by then with their validity and status on that day (signed status statements effective
    by then), the due dates then (the registry's, unless the instrument was verified again since: then the one
    its certificate in force that day gave), the calibrations of the inventory made by then, and the
    out-of-tolerance cases found by then and not closed by then; the instruments the enterprise owned and had not
    retired that day (`owned_on`, from the registry's history). The inventory is taken as it is now."""
    from doluong.registry.models import Instrument
    from doluong.verification.choices import CertificateStatus
    from doluong.verification.models import Certificate, StatusStatement

    from .models import Equipment, ImpactItem, OutOfToleranceCase

    on = on or today()
    f = Figures(on=on)
    instruments = list(
        Instrument.objects.filter(pk__in=owned_on(enterprise, on)).only("pk", "next_due", "last_verified_on")
    )
    ids = [i.pk for i in instruments]
    f.group2 = len(ids)
    latest = {}
    for cert in (
        Certificate.objects.filter(instrument_id__in=ids, issued_on__lte=on)
        .order_by("instrument_id", "issued_on", "pk")
        .only("pk", "instrument_id", "issued_on", "valid_until", "status", "status_changed_on")
    ):
        latest[cert.instrument_id] = cert
    statements: dict[int, list] = {}
    for st in StatusStatement.objects.filter(certificate_id__in=[c.pk for c in latest.values()]).order_by(
        "certificate_id", "sequence"
    ):
        statements.setdefault(st.certificate_id, []).append(st)
    status = {pk: certificate_status_on(c, statements.get(c.pk, []), on) for pk, c in latest.items()}
    expired = {pk for pk, s in status.items() if s in (CertificateStatus.EXPIRED, CertificateStatus.REVOKED)}
    overdue = set()
    for inst in instruments:
        cert = latest.get(inst.pk)
        if inst.last_verified_on is None or inst.last_verified_on <= on:
            # no verification since that day: the registry's due date is the one that stood then
            due = inst.next_due
        else:
            # verified again since: the due date the certificate in force that day gave (unknown without one)
            due = cert.valid_until if cert is not None else None
        if due is not None and due < on:
            overdue.add(inst.pk)
    missing = set(ids) - set(latest)
    f.overdue, f.expired, f.missing_certificate = len(overdue), len(expired), len(missing)
    f.group2_not_in_order = len(overdue | expired | missing)
    equipment = Equipment.objects.filter(enterprise=enterprise, in_use=True)
    f.group2_in_inventory = equipment.filter(instrument_id__in=ids).count()
    group1 = list(equipment.filter(instrument__isnull=True))
    f.group1 = len(group1)
    f.group1_overdue = sum(1 for item in group1 if (due := item.next_due(on)) is None or due < on)
    # an impact item was open that day unless closed by then; a case, unless all its items were
    items = ImpactItem.objects.filter(case__found_on__lte=on).filter(
        Q(status=ActionStatus.OPEN) | Q(closed_on__isnull=True) | Q(closed_on__gt=on)
    )
    open_then = set(items.values_list("case_id", flat=True))
    cases = set(
        OutOfToleranceCase.objects.filter(found_on__lte=on)
        .filter(Q(holder=enterprise) | Q(instrument__owner=enterprise))
        .filter(Q(status=ActionStatus.OPEN) | Q(pk__in=open_then))
        .values_list("pk", flat=True)
    )
    cases |= set(items.filter(enterprise=enterprise).values_list("case_id", flat=True))
    f.case_ids = sorted(cases)
    f.open_cases = len(cases)
    return f


def _share(bad: int, total: int) -> str:
    if bad == 0:
        return AnswerValue.YES
    return AnswerValue.PARTLY if (total - bad) * 2 >= total else AnswerValue.NO


def prefill(kind: str, f: Figures) -> tuple[str | None, str]:
    """(status or None, note) of a row that bears on the registry figure `kind`."""
    stamp = gettext("Registry on %(on)s") % {"on": f"{f.on:%d/%m/%Y}"}
    if kind == Prefill.INVENTORY:
        note = gettext(
            "%(stamp)s: %(group2)s Group 2 instruments in the registry (%(listed)s of them in the inventory), "
            "%(group1)s Group 1 items in the inventory."
        ) % {"stamp": stamp, "group2": f.group2, "listed": f.group2_in_inventory, "group1": f.group1}
        if f.group1 + f.group2_in_inventory == 0:
            return AnswerValue.NO, note
        if f.group2_in_inventory >= f.group2 and f.group1 > 0:
            return AnswerValue.YES, note
        return AnswerValue.PARTLY, note
    if kind == Prefill.GROUP2:
        note = gettext(
            "%(stamp)s: %(group2)s Group 2 instruments; %(overdue)s overdue for verification, %(expired)s with "
            "an expired or revoked certificate, %(missing)s without a certificate in doluong (%(bad)s not in "
            "order)."
        ) % {
            "stamp": stamp,
            "group2": f.group2,
            "overdue": f.overdue,
            "expired": f.expired,
            "missing": f.missing_certificate,
            "bad": f.group2_not_in_order,
        }
        if f.group2 == 0:
            return AnswerValue.NA, note
        return _share(f.group2_not_in_order, f.group2), note
    if kind == Prefill.GROUP1:
        note = gettext(
            "%(stamp)s: %(group1)s Group 1 items in the inventory, %(overdue)s overdue or without a due date."
        ) % {"stamp": stamp, "group1": f.group1, "overdue": f.group1_overdue}
        if f.group1 == 0:
            return None, note
        return _share(f.group1_overdue, f.group1), note
    if kind == Prefill.OOT:
        note = gettext("%(stamp)s: %(count)s open out-of-tolerance cases concern the enterprise.") % {
            "stamp": stamp,
            "count": f.open_cases,
        }
        return (AnswerValue.NO if f.open_cases else None), note
    return None, ""


def start_answers(survey, user=None) -> list:
    """Make the answers of a new survey, one per checklist row, pre-filled from the registry."""
    from .models import SurveyAnswer

    figures = registry_figures(survey.enterprise, survey.surveyed_on)
    made = []
    for item in survey.checklist.items.all():
        value, note = prefill(item.prefill, figures) if item.prefill else (None, "")
        answer = SurveyAnswer(survey=survey, item=item, value=value or "", prefill_note=note)
        if user is not None and getattr(user, "is_authenticated", False):
            answer._history_user = user
        answer.save()
        made.append(answer)
    return made


# ------------------------------------------------------------------------------------------- score, delta


def score(survey, answers=None) -> Decimal | None:
    answers = answers if answers is not None else survey.answers.select_related("item")
    return mr.score((a.item.weight, a.numeric) for a in answers)


def previous(survey):
    """The enterprise's survey before this one (by date, then by entry), or None."""
    from .models import Survey

    return (
        Survey.objects.filter(enterprise_id=survey.enterprise_id)
        .filter(Q(surveyed_on__lt=survey.surveyed_on) | Q(surveyed_on=survey.surveyed_on, pk__lt=survey.pk))
        .order_by("-surveyed_on", "-pk")
        .first()
    )


@dataclass
class Result:
    survey: object
    score: Decimal | None
    band: dict | None
    previous: object | None = None
    previous_score: Decimal | None = None
    delta: Decimal | None = None
    by_factor: dict = field(default_factory=dict)
    unanswered: int = 0


def result(survey) -> Result:
    """The survey's score, band, the previous survey's score and the delta, and the score per factor."""
    from .choices import Factor

    answers = list(survey.answers.select_related("item"))
    s = score(survey, answers)
    out = Result(survey, s, band(s), unanswered=sum(1 for a in answers if not a.value))
    for factor in Factor:
        rows = [(a.item.weight, a.numeric) for a in answers if a.item.factor == factor]
        out.by_factor[factor.label] = mr.score(rows)
    prev = previous(survey)
    if prev is not None:
        out.previous, out.previous_score = prev, score(prev)
        if s is not None and out.previous_score is not None:
            out.delta = s - out.previous_score
    return out


def province_overview(province_id, enterprises=None) -> list[dict]:
    """Per enterprise of the province that was surveyed: its latest survey, score, band and delta."""
    from .models import Survey

    rows = (
        Survey.objects.filter(province_id=province_id)
        .select_related("enterprise")
        .order_by("enterprise__name", "enterprise_id", "-surveyed_on", "-pk")
    )
    if enterprises is not None:
        rows = rows.filter(enterprise__in=enterprises)
    seen: dict[int, dict] = {}
    for survey in rows:
        if survey.enterprise_id in seen:
            seen[survey.enterprise_id]["count"] += 1
            continue
        r = result(survey)
        seen[survey.enterprise_id] = {
            "enterprise": survey.enterprise,
            "survey": survey,
            "score": r.score,
            "band": r.band,
            "delta": r.delta,
            "count": 1,
        }
    return list(seen.values())


def province_progress(province_id, start: dt.date, end: dt.date) -> dict:
    """The province's readiness figures for a period: completed surveys dated in it, and the average change
    of score of the enterprises surveyed again in it (each enterprise's latest completed survey of the period
    against its previous one)."""
    from .models import Survey

    done = Survey.objects.filter(
        province_id=province_id, status=SurveyStatus.DONE, surveyed_on__gte=start, surveyed_on__lte=end
    ).order_by("enterprise_id", "-surveyed_on", "-pk")
    deltas = []
    seen = set()
    for survey in done:
        if survey.enterprise_id in seen:
            continue
        seen.add(survey.enterprise_id)
        r = result(survey)
        if r.delta is not None:
            deltas.append(r.delta)
    average = (sum(deltas) / len(deltas)).quantize(Decimal("0.1")) if deltas else None
    return {
        "surveys": done.count(),
        "enterprises": len(seen),
        "resurveyed": len(deltas),
        "average_delta": average,
    }
