"""The programme dossier's workflow and the confirmation's signature: state changes, each checked and saved
through `core.actions.save_object` (scope before and after, validation, history)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from doluong.core.actions import save_object
from doluong.core.dates import today

from .choices import ORDER, Step
from .models import Programme


def _refuse(text: str):
    raise ValidationError(text)


def is_enterprise_side(programme: Programme, user) -> bool:
    """Whether `user` may change `programme` otherwise than as its consultant (the enterprise's own people, the
    administrator): the consultation and the approval are theirs alone."""
    from doluong.core.access import scope_q
    from doluong.core.scope import CHANGE, principal

    from .permissions import CONSULTANT_ROLE

    who = principal(user)
    if who.is_admin:
        return True
    parts = [scope_q(Programme, s, CHANGE) for s in who.scopes if s.role != CONSULTANT_ROLE]
    parts = [q for q in parts if q is not None]
    if not parts:
        return False
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return Programme.objects.filter(q, pk=programme.pk).exists()


def _enterprise_side(programme: Programme, user) -> None:
    """The consultation and the approval are the enterprise's (its head approves): a user who may change the
    draft only as its consultant (`assurance.permissions.advised_draft`) is refused them."""
    from django.core.exceptions import PermissionDenied

    if not is_enterprise_side(programme, user):
        raise PermissionDenied(gettext("The consultation and the approval are the enterprise's own."))


@transaction.atomic
def do_advance(programme: Programme, user) -> Programme:
    """Move the dossier to its next step. Consultation and approval have their own actions; a superseded
    version moves no more; after monitoring the next step is a revision (`do_revise`)."""
    step = programme.step
    if step == Step.DRAFT:
        _refuse(gettext("Record the consultation to move the draft on."))
    if step == Step.CONSULTATION:
        _refuse(gettext("The head of the enterprise approves the programme (the approval action)."))
    if step in (Step.MONITORING, Step.SUPERSEDED):
        _refuse(gettext("This version has no further step: make a revision."))
    programme.step = ORDER[ORDER.index(Step(step)) + 1]
    return save_object(programme, user, change_reason="step")


@transaction.atomic
def do_record_consultation(programme: Programme, user, *, on: dt.date | None, record: str) -> Programme:
    _enterprise_side(programme, user)
    if programme.step != Step.DRAFT:
        _refuse(gettext("Only a draft is sent for consultation."))
    if not on or not (record or "").strip():
        _refuse(gettext("Give the consultation's date and record (who was consulted, what they said)."))
    if on > today():
        _refuse(gettext("The consultation's date is in the future."))
    programme.consulted_on, programme.consultation, programme.step = on, record.strip(), Step.CONSULTATION
    return save_object(programme, user, change_reason="consultation")


@transaction.atomic
def do_approve(programme: Programme, user, *, on: dt.date | None, approver: str) -> Programme:
    _enterprise_side(programme, user)
    if programme.is_approved:
        _refuse(gettext("This version is already approved."))
    if not programme.consulted_on or programme.step != Step.CONSULTATION:
        _refuse(gettext("The programme cannot be approved without a recorded consultation."))
    if not on or not (approver or "").strip():
        _refuse(gettext("Give the approval's date and the head of the enterprise who approved it."))
    if on < programme.consulted_on or on > today():
        _refuse(gettext("The approval's date must lie between the consultation and today."))
    programme.approved_on, programme.approved_by, programme.step = on, approver.strip(), Step.APPROVED
    return save_object(programme, user, change_reason="approval")


@transaction.atomic
def do_review(programme: Programme, user, *, on: dt.date | None = None) -> Programme:
    """Record a review of an approved programme (monitoring and report): restarts the 12-month reminder."""
    if programme.step not in (Step.APPROVED, Step.IMPLEMENTATION, Step.MONITORING):
        _refuse(gettext("Only an approved programme in force is reviewed."))
    programme.reviewed_on = on or today()
    return save_object(programme, user, change_reason="review")


@transaction.atomic
def do_revise(programme: Programme, user, *, reason: str) -> Programme:
    """A revision: a new version (a copy of the content, at the draft step) with its reason; the approved
    version stays as it was, marked superseded. The new version needs its own consultation and approval."""
    if not programme.is_approved or programme.step == Step.SUPERSEDED:
        _refuse(gettext("Only the approved version in force is revised."))
    if not (reason or "").strip():
        _refuse(gettext("Give the reason for the revision."))
    new = Programme(
        **{name: getattr(programme, name) for name in Programme.CONTENT},
        notes=programme.notes,
        version=programme.version + 1,
        previous=programme,
        revision_reason=reason.strip(),
        step=Step.DRAFT,
    )
    programme.step = Step.SUPERSEDED
    save_object(programme, user, change_reason="superseded")
    return save_object(new, user, change_reason="revision")


@transaction.atomic
def do_sign_confirmation(confirmation, user, *, signer: str):
    if not (signer or "").strip():
        _refuse(gettext("Give the name of the person responsible who signs."))
    if not confirmation.verdict:
        _refuse(gettext("A confirmation without calibration points cannot be signed."))
    confirmation.signed_by, confirmation.signed_on = signer.strip(), today()
    return save_object(confirmation, user, change_reason="signed")


# ------------------------------------------------------------------------------ readiness checklist (item 2)


@transaction.atomic
def do_publish_checklist(checklist, user):
    """Publish a draft checklist version: only when its weights sum to one (± 0.0005); nothing changes
    otherwise."""
    from django.utils import timezone

    from doluong.metrology.readiness import WEIGHT_TOLERANCE, weights_sum_ok

    from .choices import ChecklistStatus

    if checklist.is_published:
        _refuse(gettext("This checklist version is already published."))
    weights = list(checklist.items.values_list("weight", flat=True))
    if not weights:
        _refuse(gettext("A checklist without rows cannot be published."))
    ok, total = weights_sum_ok(weights)
    if not ok:
        _refuse(
            gettext(
                "The weights of the rows must sum to 1 (within %(tolerance)s); they sum to %(total)s. "
                "Nothing was published."
            )
            % {"tolerance": WEIGHT_TOLERANCE, "total": total.normalize()}
        )
    checklist.status = ChecklistStatus.PUBLISHED
    checklist.published_at = timezone.now()
    return save_object(checklist, user, change_reason="publish")


@transaction.atomic
def do_new_checklist_version(checklist, user):
    """Copy a checklist and its rows as the next draft version (the copy is editable)."""
    from django.db.models import Max

    from .models import Checklist, ChecklistItem

    latest = Checklist.objects.filter(name=checklist.name).aggregate(v=Max("version"))["v"] or 0
    copy = Checklist(
        name=checklist.name,
        version=latest + 1,
        previous=checklist,
        legal_basis=checklist.legal_basis,
        source_verified=checklist.source_verified,
        notes=checklist.notes,
    )
    save_object(copy, user, change_reason="new version")
    for item in checklist.items.all():
        row = ChecklistItem(
            checklist=copy,
            **{
                name: getattr(item, name)
                for name in ("position", "code", "group", "group_title", "factor", "text", "weight")
            },
            prefill=item.prefill,
            source_verified=item.source_verified,
            note=item.note,
        )
        save_object(row, user, change_reason="new version")
    return copy


# ------------------------------------------------------------------------------ out-of-tolerance case (item 6)


def _value_at(obj, path: str):
    """The value `path` ("record__provider_id") reaches from `obj`, None where a link is empty."""
    value = obj
    for name in path.split("__"):
        if value is None:
            return None
        value = getattr(value, name, None)
    return value


def _holds(q, values: dict) -> bool:
    """Whether the row whose paths have `values` satisfies `q` (exact lookups only, as `core.access.path_q`
    builds them; any other lookup raises LookupError and the caller refuses)."""
    if isinstance(q, tuple):
        key, expected = q
        key = key.removesuffix("__exact")
        if key not in values:
            raise LookupError(key)
        return values[key] == expected
    if not q.children:
        result = True
    else:
        parts = [_holds(child, values) for child in q.children]
        result = all(parts) if q.connector == q.AND else any(parts)
    return not result if q.negated else result


def may_open_case(case, user) -> bool:
    """Whether the permission table lets `user` add `case` (not yet saved, its subject, holder and province
    derived): the user's memberships' add scopes of `assurance.OutOfToleranceCase`, checked against the case's
    paths (`permissions.CASE_PATHS`) before anything is written."""
    from doluong.core import access
    from doluong.core.scope import ADD, principal

    from .models import OutOfToleranceCase
    from .permissions import CASE_PATHS

    who = principal(user)
    if who.is_anonymous:
        return False
    if who.is_admin:
        return not access.forbidden(OutOfToleranceCase, ADD)
    paths = [p for names in CASE_PATHS.values() for p in ((names,) if isinstance(names, str) else names)]
    values = {path: _value_at(case, path) for path in paths}
    for scope in who.scopes:
        q = OutOfToleranceCase.scope_q(scope, ADD)
        if q is None:
            continue
        try:
            if _holds(q, values):
                return True
        except LookupError:
            continue
    return False


def existing_case(*, record=None, certificate=None):
    """The case already opened on this failed record or revoked certificate, if any."""
    from .models import OutOfToleranceCase

    if record is not None:
        return OutOfToleranceCase.objects.filter(record=record).order_by("pk").first()
    if certificate is not None:
        return OutOfToleranceCase.objects.filter(certificate=certificate).order_by("pk").first()
    return None


@transaction.atomic
def do_open_case(user, *, record=None, certificate=None, description: str = ""):
    """Open the out-of-tolerance case of a failed calibration record or a revoked certificate ("Mở vụ việc sai
    lệch"): once — a second call returns the case already open, with created False. The case is validated and
    the permission table asked before anything is written; saving it lists the impact and notifies the
    affected enterprises (`OutOfToleranceCase.save` → `assurance.impact.build_items`).

    Returns (case, created)."""
    from django.core.exceptions import PermissionDenied

    from doluong.verification.models import Certificate, VerificationRecord

    from .models import OutOfToleranceCase

    if (record is None) == (certificate is None):
        _refuse(gettext("Choose either the failed calibration record or the revoked certificate."))
    # one opening at a time per source: the second waits here and then finds the first one's case
    if record is not None:
        VerificationRecord.objects.select_for_update().filter(pk=record.pk).exists()
    else:
        Certificate.objects.select_for_update().filter(pk=certificate.pk).exists()
    found = existing_case(record=record, certificate=certificate)
    if found is not None:
        return found, False
    case = OutOfToleranceCase(record=record, certificate=certificate, description=(description or "").strip())
    case.derive()
    case.full_clean()
    if not may_open_case(case, user):
        raise PermissionDenied(
            gettext(
                "You may not open an out-of-tolerance case on this record (outside your organisation or area)."
            )
        )
    return save_object(case, user, validate=False, change_reason="opened"), True


# ------------------------------------------------------------------------------ calibration plan (item 4)


def fulfilling_records(line, user) -> list:
    """What may fulfil a plan line, newest first: the item's own calibrations in the plan's year and, for a
    Group 2 instrument, the doluong certificates of the instrument in that year (not revoked, record not
    voided) — those the user may view, not already fulfilling another line."""
    from doluong.verification.choices import CertificateStatus
    from doluong.verification.models import Certificate

    from .models import EquipmentCalibration, PlanLine

    year = line.plan.year
    taken = PlanLine.objects.exclude(pk=line.pk)
    out = list(
        EquipmentCalibration.objects.restrict(user)
        .filter(equipment_id=line.equipment_id, calibrated_on__year=year)
        .exclude(pk__in=taken.filter(calibration__isnull=False).values("calibration_id"))
        .order_by("-calibrated_on", "-pk")
    )
    if line.equipment.instrument_id:
        out += list(
            Certificate.objects.restrict(user)
            .filter(instrument_id=line.equipment.instrument_id, verified_on__year=year)
            .exclude(status=CertificateStatus.REVOKED)
            .exclude(record__voided_on__isnull=False)
            .exclude(pk__in=taken.filter(certificate__isnull=False).values("certificate_id"))
            .select_related("provider")
            .order_by("-verified_on", "-pk")
        )
    return out


@transaction.atomic
def do_mark_line_done(line, user, *, calibration=None, certificate=None):
    """ "Đánh dấu đã thực hiện": the plan line is done by the calibration record that fulfilled it — one of the
    item's own calibrations (`EquipmentCalibration`) or a doluong certificate of its instrument — in the plan's
    year, not fulfilling another line; the line's done date is the record's date."""
    from doluong.verification.choices import CertificateStatus

    from .models import PlanLine

    line = PlanLine.objects.select_for_update().get(pk=line.pk)
    if line.done_on:
        _refuse(
            gettext("This line is already done (on %(day)s).") % {"day": line.done_on.strftime("%d/%m/%Y")}
        )
    if (calibration is None) == (certificate is None):
        _refuse(gettext("Choose the calibration record that fulfilled the line."))
    year = line.plan.year
    if calibration is not None:
        if calibration.equipment_id != line.equipment_id:
            _refuse(gettext("The calibration is not of this line's inventory item."))
        day = calibration.calibrated_on
        taken = PlanLine.objects.filter(calibration=calibration).exclude(pk=line.pk)
    else:
        if not line.equipment.instrument_id or certificate.instrument_id != line.equipment.instrument_id:
            _refuse(gettext("The certificate is not of this line's instrument."))
        if certificate.status == CertificateStatus.REVOKED or certificate.record.is_voided:
            _refuse(gettext("A revoked certificate (or one of a voided record) fulfils nothing."))
        if not certificate.permits(user, "view"):
            _refuse(gettext("Choose the calibration record that fulfilled the line."))
        day = certificate.verified_on
        taken = PlanLine.objects.filter(certificate=certificate).exclude(pk=line.pk)
    if day.year != year:
        _refuse(
            gettext("The record is of %(day)s, not of the plan's year (%(year)s).")
            % {"day": day.strftime("%d/%m/%Y"), "year": year}
        )
    if day > today():
        _refuse(gettext("The calibration date is in the future."))
    if taken.exists():
        _refuse(gettext("This record already fulfils another line of the plan."))
    line.calibration, line.certificate, line.done_on = calibration, certificate, day
    return save_object(line, user, change_reason="done")
