"""State changes of verification: record a verification, void a record, issue a certificate, revoke, reinstate
and supersede it (each a signed status statement), make and rotate signing keys (administrators only).

Views, the API, the batch importer, the demo and the tests all go through these functions. Each one validates
everything first and raises `ValidationError` (Vietnamese messages naming the field) or `PermissionDenied`
before writing anything, and writes in one transaction with history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from doluong.core import plausible
from doluong.core.dates import add_months, today
from doluong.core.scope import ADD, CHANGE, principal
from doluong.core.text import fold
from doluong.metrology import conformity, mpe
from doluong.metrology.errors import MetrologyError
from doluong.parties.models import Designation, Registration, RegistrationScope
from doluong.registry.choices import CycleStatus

from . import display, numbering, signing
from .choices import CertificateStatus, RecordKind, Result, Series, Verdict
from .models import (
    Certificate,
    MeasurementPoint,
    RecordStandard,
    SigningKey,
    StatusStatement,
    ValidityRule,
    VerificationRecord,
)


def _d(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "—"


@dataclass
class PointInput:
    """One row of the results table as entered: nominal and found values in `unit`; uncertainty (expanded, with
    coverage factor k) for a calibration; an MPE only where the metrology library has no rule for the type;
    operating conditions (flow_rate, temperature, current …) where the rule needs them."""

    nominal: Any
    found: Any
    unit: str
    label: str = ""
    uncertainty: Any = None
    coverage_factor: Any = 2
    mpe: Any = None
    conditions: dict = field(default_factory=dict)

    @classmethod
    def coerce(cls, value) -> PointInput:
        if isinstance(value, PointInput):
            return value
        return cls(**{k: v for k, v in dict(value).items() if k in cls.__dataclass_fields__})


def _decimal(value, label: str, errors: list, *, required: bool = True) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.append(_("%(point)s is missing.") % {"point": label})
        return None
    try:
        text = str(value).strip().replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")  # Vietnamese decimal comma
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        errors.append(_("%(point)s is not a number: “%(value)s”.") % {"point": label, "value": value})
        return None
    if not number.is_finite():
        errors.append(_("%(point)s is not a number: “%(value)s”.") % {"point": label, "value": value})
        return None
    return number


METROLOGY_MESSAGES = {
    "test_point_out_of_range": gettext_noop(
        "the test point is outside every band of the rule (for example above Max or below the minimum flow)"
    ),
    "missing_parameter": gettext_noop("an instrument parameter the rule needs is missing"),
    "missing_condition": gettext_noop("an operating condition the rule needs is missing"),
    "unknown_accuracy_class": gettext_noop("the rule has no such accuracy class"),
    "unknown_instrument_type": gettext_noop("the rule table has no such instrument type"),
    "unknown_stage": gettext_noop("the rule table has no rule for this kind of verification"),
    "unknown_unit": gettext_noop("the unit is not known"),
    "unit_dimension_mismatch": gettext_noop("the unit does not measure the quantity of the rule"),
    "unit_not_in_rule_table": gettext_noop("the rule is not given in this unit"),
    "not_positive": gettext_noop("an instrument parameter must be positive"),
}


def _metrology_message(exc: MetrologyError) -> str:
    reason = METROLOGY_MESSAGES.get(exc.code)
    return (_(reason) if reason else exc.message) + display.field_detail(exc.field, exc.value)


def _evaluate_points(kind, rule_key, accuracy_class, params, points, errors) -> list[MeasurementPoint]:
    """Error, MPE and verdict of each point (the library's rule where it has one, else the MPE entered)."""
    rows: list[MeasurementPoint] = []
    stage = RecordKind.stage(kind)
    is_verification = kind in RecordKind.verification_kinds()
    if not points:
        errors.append(_("The results table has no measurement point."))
        return rows
    for index, raw in enumerate(points, start=1):
        try:
            point = PointInput.coerce(raw)
        except TypeError:
            errors.append(_("Point %(n)s is not a results row.") % {"n": index})
            continue
        local: list[str] = []
        nominal = _decimal(point.nominal, _("Point %(n)s: the nominal value") % {"n": index}, local)
        found = _decimal(point.found, _("Point %(n)s: the value found") % {"n": index}, local)
        uncertainty = _decimal(
            point.uncertainty,
            _("Point %(n)s: the expanded uncertainty") % {"n": index},
            local,
            required=kind == RecordKind.CALIBRATION,
        )
        k = _decimal(point.coverage_factor or 2, _("Point %(n)s: the coverage factor") % {"n": index}, local)
        entered_mpe = _decimal(point.mpe, _("Point %(n)s: the MPE") % {"n": index}, local, required=False)
        unit = (point.unit or "").strip()
        if not unit:
            local.append(_("Point %(n)s: the unit is missing.") % {"n": index})
        if uncertainty is not None and uncertainty < 0:
            local.append(_("Point %(n)s: the uncertainty cannot be negative.") % {"n": index})
        if entered_mpe is not None and entered_mpe < 0:
            local.append(_("Point %(n)s: the MPE cannot be negative.") % {"n": index})
        local.extend(
            _("Point %(n)s: %(message)s") % {"n": index, "message": message}
            for message in plausible.condition_errors(point.conditions or {})
        )
        if local:
            errors.extend(local)
            continue
        error = found - nominal
        row = MeasurementPoint(
            position=index,
            label=(point.label or "").strip(),
            unit=unit,
            nominal=nominal,
            found=found,
            error=error,
            uncertainty=uncertainty,
            coverage_factor=k,
            conditions=dict(point.conditions or {}),
        )
        limit = None
        if rule_key:
            try:
                res = mpe.evaluate(
                    rule_key, accuracy_class or None, stage, nominal, found, unit, params, row.conditions
                )
            except MetrologyError as exc:
                if entered_mpe is None or exc.code not in ("unknown_stage", "unknown_accuracy_class"):
                    errors.append(
                        _("Point %(n)s: the MPE rule cannot judge this point: %(reason)s.")
                        % {"n": index, "reason": _metrology_message(exc)}
                    )
                    continue
            else:
                limit = Decimal(repr(res.mpe))
                row.rule = f"{res.rule_id}: {res.clause}"[:300]
        if limit is None and entered_mpe is not None:
            limit = entered_mpe
            row.rule = _("MPE entered by the verifier")
        row.mpe = limit
        if limit is None:
            if is_verification:
                errors.append(
                    _("Point %(n)s: there is no MPE rule for this instrument type; enter the MPE.")
                    % {"n": index}
                )
                continue
            row.verdict = Verdict.NONE
        elif uncertainty is not None and not is_verification:
            u = float(uncertainty / k) if k else 0.0
            decision = conformity.decide(float(found), float(nominal - limit), float(nominal + limit), u)
            row.verdict = Verdict.PASS if decision.accepted else Verdict.FAIL
        else:
            row.verdict = Verdict.PASS if abs(error) <= limit else Verdict.FAIL
        rows.append(row)
    return rows


def _result(kind, points, visual: bool, technical: bool) -> str:
    verdicts = [p.verdict for p in points]
    if not visual or not technical or Verdict.FAIL in verdicts:
        return Result.FAILED
    if verdicts and all(v == Verdict.PASS for v in verdicts):
        return Result.PASSED
    return Result.REPORTED


ACTIVITY_WORDS = {
    "verification": gettext_noop("verification"),
    "calibration": gettext_noop("calibration"),
    "testing": gettext_noop("testing"),
}


def _check_provider(provider, kind, itype, standard, day, errors) -> None:
    if not provider.is_provider:
        errors.append(
            _("“%(org)s” is not a verification, calibration or testing provider.") % {"org": provider}
        )
        return
    activity = RecordKind.activity(kind)
    registrations = Registration.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day),
        organisation=provider,
        issued_on__lte=day,
        **{activity: True},
    )
    if not registrations.exists():
        errors.append(
            _("%(org)s has no registration for %(activity)s valid on %(date)s.")
            % {"org": provider, "activity": _(ACTIVITY_WORDS[activity]), "date": _d(day)}
        )
        return
    lines = RegistrationScope.objects.filter(registration__in=registrations, activity=activity)
    if itype is not None:
        covered = lines.filter(instrument_type=itype).exists()
        what = itype.name
    else:
        wanted = fold(standard.quantity)
        covered = any(
            line.quantity and (fold(line.quantity) in wanted or wanted in fold(line.quantity))
            for line in lines.filter(instrument_type__isnull=True)
        )
        what = standard.quantity
    if not covered:
        errors.append(
            _("The registered scope of %(org)s does not cover %(activity)s of %(what)s.")
            % {"org": provider, "activity": _(ACTIVITY_WORDS[activity]), "what": what}
        )
    if kind in RecordKind.verification_kinds():
        designated = Designation.objects.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day),
            organisation=provider,
            valid_from__lte=day,
            instrument_types=itype,
        ).exists()
        if not designated:
            errors.append(
                _("%(org)s is not designated to verify %(type)s on %(date)s.")
                % {"org": provider, "type": itype.name if itype else "—", "date": _d(day)}
            )


def _check_verifier(verifier, provider, kind, itype, day, errors) -> None:
    if verifier is None:
        if kind in RecordKind.verification_kinds():
            errors.append(_("A verification needs the verifier who did it."))
        return
    if verifier.organisation_id != provider.pk:
        errors.append(_("Verifier %(v)s does not work for %(org)s.") % {"v": verifier, "org": provider})
        return
    if kind not in RecordKind.verification_kinds():
        return
    if not verifier.is_active:
        errors.append(_("The card of verifier %(v)s is withdrawn.") % {"v": verifier})
    elif day < verifier.issued_on or day > verifier.valid_until:
        errors.append(
            _("The card of verifier %(v)s is valid from %(start)s to %(end)s, not on %(date)s.")
            % {
                "v": verifier,
                "start": _d(verifier.issued_on),
                "end": _d(verifier.valid_until),
                "date": _d(day),
            }
        )
    if itype is not None and not verifier.instrument_types.filter(pk=itype.pk).exists():
        errors.append(
            _("The card of verifier %(v)s does not cover %(type)s.") % {"v": verifier, "type": itype.name}
        )


def _check_standards(standards, provider, subject_standard, day, errors) -> None:
    if not standards:
        errors.append(_("Name the measurement standards used."))
        return
    for std in standards:
        if std.holder_id != provider.pk:
            errors.append(_("Standard %(s)s is not held by %(org)s.") % {"s": std, "org": provider})
        elif subject_standard is not None and std.pk == subject_standard.pk:
            errors.append(_("Standard %(s)s cannot be used to calibrate itself.") % {"s": std})
        elif std.valid_until is None:
            errors.append(_("Standard %(s)s has no valid calibration.") % {"s": std})
        elif std.valid_until < day:
            errors.append(
                _("Standard %(s)s was valid until %(end)s, before the verification date %(date)s.")
                % {"s": std, "end": _d(std.valid_until), "date": _d(day)}
            )
        elif std.calibrated_on and std.calibrated_on > day:
            errors.append(
                _("Standard %(s)s was calibrated on %(start)s, after the verification date %(date)s.")
                % {"s": std, "start": _d(std.calibrated_on), "date": _d(day)}
            )


def _may(user, model, action, provider) -> bool:
    """Whether `user` may `action` records of `provider`, per the permission table (checked again on the saved
    row)."""
    from doluong.parties.models import Organisation

    from .permissions import provider_q

    q = provider_q(user, action, model)
    return q is None or Organisation.objects.filter(q, pk=provider.pk).exists()


def _check_servable(provider, instrument) -> None:
    """A provider records only for the instruments it may serve (a type of its registered scope or designation, in
    its territory); the refusal names nothing of an instrument the user may not see."""
    from .permissions import servable_instruments

    if instrument is not None and not servable_instruments(provider).filter(pk=instrument.pk).exists():
        raise PermissionDenied(_("This provider may not record verifications for this instrument."))


def _check_in_scope(obj, user, action) -> None:
    if not obj.permits(user, action):
        raise PermissionDenied(_("You may not record or issue for this provider or area."))


def do_record_verification(
    *,
    user,
    kind: str,
    provider,
    performed_on: dt.date,
    points: list,
    instrument=None,
    standard=None,
    verifier=None,
    standards=(),
    place: str = "",
    procedure: str = "",
    accuracy_class: str | None = None,
    mpe_rule: str | None = None,
    mpe_params: dict | None = None,
    temperature=None,
    humidity=None,
    environment_notes: str = "",
    visual_check_passed: bool = True,
    technical_check_passed: bool = True,
    reviewer_name: str = "",
    notes: str = "",
) -> VerificationRecord:
    """Validate and write a verification/calibration/test record with its points. Raises ValidationError with
    every problem found (nothing written) or PermissionDenied."""
    if not _may(user, VerificationRecord, ADD, provider):
        raise PermissionDenied(_("You may not record verifications for %(org)s.") % {"org": provider})
    _check_servable(provider, instrument)
    errors: list[str] = []
    if kind not in RecordKind.values:
        raise ValidationError({"kind": _("Unknown kind of record: %(kind)s.") % {"kind": kind}})
    if (instrument is None) == (standard is None):
        raise ValidationError(_("A record is about one instrument or one standard."))
    if standard is not None and kind in RecordKind.verification_kinds():
        errors.append(_("A measurement standard is calibrated, not verified: choose calibration or testing."))
    if not isinstance(performed_on, dt.date):
        raise ValidationError({"performed_on": _("Enter the date of verification (dd/mm/yyyy).")})
    if performed_on > today():
        errors.append(_("The date of verification %(date)s is in the future.") % {"date": _d(performed_on)})
    itype = instrument.instrument_type if instrument is not None else None
    standards = list(standards or [])
    _check_provider(provider, kind, itype, standard, performed_on, errors)
    _check_verifier(verifier, provider, kind, itype, performed_on, errors)
    _check_standards(standards, provider, standard, performed_on, errors)
    if accuracy_class is None:
        accuracy_class = instrument.accuracy_class if instrument is not None else ""
    if mpe_rule is None:
        mpe_rule = itype.mpe_rule if itype is not None else ""
    if mpe_rule and mpe_rule not in mpe.instrument_types():
        errors.append(_("Unknown MPE rule “%(rule)s”.") % {"rule": mpe_rule})
        mpe_rule = ""
    params = {}
    for key, value in (mpe_params or {}).items():
        number = _decimal(value, _("Instrument parameter %(name)s") % {"name": key}, errors)
        if number is not None:
            params[key] = number
    env: dict[str, Decimal | None] = {}
    for name, value, label in (
        ("temperature", temperature, _("The temperature")),
        ("humidity", humidity, _("The relative humidity")),
    ):
        env[name] = _decimal(value, label, errors, required=False)
    if env["humidity"] is not None and not 0 <= env["humidity"] <= 100:
        errors.append(_("The relative humidity must be between 0 and 100 %."))
    temperature_error = plausible.AMBIENT_TEMPERATURE.check(env["temperature"])
    if temperature_error:
        errors.append(temperature_error)
    rows = _evaluate_points(kind, mpe_rule, accuracy_class, params, points, errors)
    if errors:
        raise ValidationError(errors)
    subject_owner = instrument.owner if instrument is not None else standard.holder
    with transaction.atomic():
        record = VerificationRecord(
            number=numbering.allocate(provider, Series.RECORD, performed_on.year),
            kind=kind,
            instrument=instrument,
            standard=standard,
            provider=provider,
            verifier=verifier,
            performed_on=performed_on,
            place=place or "",
            procedure=procedure or "",
            accuracy_class=accuracy_class or "",
            mpe_rule=mpe_rule or "",
            mpe_params={k: signing._text(v) for k, v in params.items()},
            temperature=env["temperature"],
            humidity=env["humidity"],
            environment_notes=environment_notes or "",
            visual_check_passed=visual_check_passed,
            technical_check_passed=technical_check_passed,
            result=_result(kind, rows, visual_check_passed, technical_check_passed),
            reviewer_name=reviewer_name or "",
            province_id=instrument.province_id if instrument is not None else standard.province_id,
            owner=subject_owner,
            notes=notes or "",
        )
        if user is not None and user.is_authenticated:
            record._history_user = user
        record.save()
        _check_in_scope(record, user, ADD)
        for row in rows:
            row.record, row.province_id = record, record.province_id
        MeasurementPoint.objects.bulk_create(rows)
        RecordStandard.objects.bulk_create(
            [
                RecordStandard(
                    record=record,
                    province_id=record.province_id,
                    standard=std,
                    standard_valid_until=std.valid_until,
                    standard_certificate=std.external_certificate,
                    traceability=" → ".join(str(link) for link in std.chain()[1:])
                    or (std.external_calibrator or ""),
                )
                for std in standards
            ]
        )
    return record


# ---------------------------------------------------------------------------------------------- certificates


def validity(record) -> tuple[dt.date | None, str]:
    """(valid until, basis) of a certificate for `record`: the type's cycle in force on the verification day, or
    the provider's rule for the procedure (which may shorten, never lengthen, a legal cycle). Raises
    ValidationError when neither gives one for a verification; never guesses."""
    day = record.performed_on
    itype = record.subject_type
    rules = ValidityRule.objects.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=day),
        provider_id=record.provider_id,
        effective_from__lte=day,
    ).filter(
        Q(instrument_type__isnull=True) | Q(instrument_type=itype)
        if itype
        else Q(instrument_type__isnull=True)
    )
    own = None
    if record.procedure:
        wanted = fold(record.procedure).replace(" ", "")
        matching = [r for r in rules if fold(r.procedure).replace(" ", "") == wanted]
        matching.sort(key=lambda r: (r.instrument_type_id is None, -r.effective_from.toordinal()))
        own = matching[0] if matching else None
    if not record.is_verification:
        if own is not None:
            return add_months(day, own.months), _("Provider's rule for %(procedure)s: %(months)s months") % {
                "procedure": own.procedure,
                "months": own.months,
            }
        return None, _("No validity: the owner sets the recalibration interval")
    rule = itype.rule_on(day) if itype else None
    if rule is not None and rule.cycle_status == CycleStatus.KNOWN:
        if own is not None and own.months > rule.cycle_months:
            raise ValidationError(
                _(
                    "The provider's rule for %(procedure)s (%(own)s months) is longer than the legal cycle of "
                    "%(type)s (%(legal)s months)."
                )
                % {
                    "procedure": own.procedure,
                    "own": own.months,
                    "type": itype.name,
                    "legal": rule.cycle_months,
                }
            )
        months = own.months if own is not None else rule.cycle_months
        basis = (
            _("Provider's rule for %(procedure)s: %(months)s months")
            % {"procedure": own.procedure, "months": months}
            if own is not None
            else _("Verification cycle %(months)s months (%(basis)s)")
            % {"months": months, "basis": rule.legal_basis}
        )
        return add_months(day, months), basis
    if own is not None:
        return add_months(day, own.months), _("Provider's rule for %(procedure)s: %(months)s months") % {
            "procedure": own.procedure,
            "months": own.months,
        }
    if rule is not None and rule.cycle_status == CycleStatus.NO_PERIODIC:
        return None, _("No periodic verification for this type")
    raise ValidationError(
        _(
            "The verification cycle of %(type)s in force on %(date)s is unknown (to be set by an administrator), "
            "and %(org)s has no validity rule for procedure “%(procedure)s”: the validity cannot be computed."
        )
        % {
            "type": itype.name if itype else "—",
            "date": _d(day),
            "org": record.provider,
            "procedure": record.procedure or "—",
        }
    )


def _snapshot(record) -> dict:
    """What the paper certificate shows about the subject, the owner, the provider and the results."""
    t = signing._text
    provider = record.provider
    owner = record.owner
    if record.instrument_id:
        inst = record.instrument
        subject = {
            "name": inst.instrument_type.name,
            "type_code": inst.instrument_type.code,
            "model": inst.model,
            "serial": inst.serial,
            "manufacturer": inst.manufacturer,
            "year": t(inst.year) or "",
            "range": inst.measuring_range,
            "accuracy_class": record.accuracy_class,
            "site": inst.site_address,
        }
    else:
        std = record.standard
        subject = {
            "name": std.name,
            "type_code": "",
            "model": "",
            "serial": std.serial,
            "manufacturer": std.manufacturer,
            "year": "",
            "range": std.measuring_range,
            "accuracy_class": record.accuracy_class or std.uncertainty,
            "site": "",
        }
    return {
        "subject": subject,
        "owner": {"name": owner.name, "address": owner.address},
        "provider": {"name": provider.name, "address": provider.address},
        "procedure": record.procedure,
        "result": record.result,
        "record_number": record.number,
        "verifier": record.verifier.person.full_name if record.verifier_id else "",
        "points": [
            {
                "label": p.label,
                "unit": p.unit,
                "nominal": t(p.nominal),
                "found": t(p.found),
                "error": t(p.error),
                "mpe": t(p.mpe),
                "uncertainty": t(p.uncertainty),
                "k": t(p.coverage_factor) if p.uncertainty is not None else None,
                "verdict": p.verdict,
            }
            for p in record.points.all()
        ],
    }


def active_key(provider, user=None) -> SigningKey:
    """The key that signs for `provider` now. A provider without one cannot issue: only an administrator makes
    keys (`do_rotate_signing_key`)."""
    key = (
        SigningKey.objects.filter(provider=provider, retired_on__isnull=True, retired_at__isnull=True)
        .order_by("-sequence", "-pk")
        .first()
    )
    if key is None:
        raise ValidationError(
            _("%(org)s has no signing key yet: an administrator must make one (Signing keys).")
            % {"org": provider}
        )
    return key


def _require_admin(user, provider) -> None:
    if not principal(user).is_admin:
        raise PermissionDenied(
            _("Only an administrator may make, rotate or retire the signing keys of %(org)s.")
            % {"org": provider}
        )


def _retire(key, now, user) -> None:
    key.retired_at = now
    key.retired_on = timezone.localdate(now)
    key.retirement = signing.root_sign(signing.retirement_record(key))
    if user is not None and user.is_authenticated:
        key._history_user = user
    key._change_reason = _("Key retired")
    key.save()


def do_rotate_signing_key(provider, *, user) -> SigningKey:
    """A new signing key for `provider` (its first, or the next one): the active key is retired (it stays to
    verify what it signed). Both changes are entries of the signed key history, endorsed by the site root key;
    only an administrator may make them."""
    _require_admin(user, provider)
    with transaction.atomic():
        now = timezone.now()
        keys = list(
            SigningKey.objects.select_for_update().filter(provider=provider).order_by("sequence", "pk")
        )
        for old in keys:
            if old.retired_at is None:
                _retire(old, now, user)
        last = keys[-1] if keys else None
        key_id, public, sealed = signing.new_keypair()
        key = SigningKey(
            provider=provider,
            key_id=key_id,
            public_key=public,
            private_key=sealed,
            activated_on=timezone.localdate(now),
            activated_at=now,
            sequence=(last.sequence if last else 0) + 1,
            previous_hash=signing.link_hash(signing.key_record(last), last.endorsement) if last else "",
            root_id=signing.root_id(),
        )
        key.endorsement = signing.root_sign(signing.key_record(key))
        if user is not None and user.is_authenticated:
            key._history_user = user
        key._change_reason = _("Key rotated") if last else _("First key")
        key.save()
    return key


def do_retire_signing_key(key, *, user) -> SigningKey:
    """Retire a key without a successor (the provider cannot sign until an administrator makes a new key)."""
    _require_admin(user, key.provider)
    with transaction.atomic():
        key = SigningKey.objects.select_for_update().get(pk=key.pk)
        if key.retired_at is not None:
            raise ValidationError(_("Signing key %(key)s is already retired.") % {"key": key.key_id})
        _retire(key, timezone.now(), user)
    return key


# ------------------------------------------------------------------------------------------ status statements


def statement_record(st) -> dict:
    return signing.status_payload(
        number=st.certificate.number,
        provider_id=st.certificate.provider_id,
        sequence=st.sequence,
        status=st.status,
        effective_at=st.effective_at,
        reason=st.reason,
        superseded_by=st.superseded_by_number,
        previous=st.previous,
        key_id=st.key.key_id,
    )


def _state(cert, status: str, reason: str, user, *, superseded_by: str = "", key=None) -> StatusStatement:
    """Append a signed status statement to `cert`'s chain (inside the caller's transaction) and set its status
    columns to match."""
    key = key or active_key(cert.provider, user)
    last = (
        StatusStatement.objects.filter(certificate=cert).select_related("key").order_by("-sequence").first()
    )
    if last is not None:
        last.certificate = cert
        previous = signing.link_hash(statement_record(last), last.signature)
    else:
        previous = signing.genesis(cert.signature)
    st = StatusStatement(
        certificate=cert,
        province_id=cert.province_id,
        sequence=(last.sequence if last else 0) + 1,
        status=status,
        reason=reason,
        effective_at=timezone.now(),
        superseded_by_number=superseded_by,
        previous=previous,
        key=key,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    st.signature = signing.sign(key, statement_record(st))
    if user is not None and user.is_authenticated:
        st._history_user = user
    st.save()
    cert.status = status
    cert.status_reason = reason
    cert.status_changed_on = timezone.localdate(st.effective_at)
    return st


def do_issue_certificate(
    record,
    *,
    user,
    issued_on: dt.date | None = None,
    stamp_number: str = "",
    notes: str = "",
) -> Certificate:
    """Issue the certificate of a passed record: number from the provider's pattern, validity from the rule in
    force, Ed25519 signature; the previous certificate of the same instrument is superseded and the instrument's
    verification dates are updated, all in one transaction."""
    record = VerificationRecord.objects.select_related(
        "provider", "instrument__instrument_type", "standard", "owner", "verifier__person"
    ).get(pk=record.pk)
    if not record.permits(user, CHANGE):
        raise PermissionDenied(_("You may not issue certificates for %(org)s.") % {"org": record.provider})
    if record.is_voided:
        raise ValidationError(
            _("Record %(number)s is voided: no certificate is issued.") % {"number": record.number}
        )
    existing = Certificate.objects.filter(record=record).first()
    if existing is not None:
        if existing.status == CertificateStatus.REVOKED:
            raise ValidationError(
                _(
                    "Certificate %(number)s of this record was revoked; a revoked certificate is not issued again. "
                    "Record a new verification."
                )
                % {"number": existing.number}
            )
        raise ValidationError(
            _("Certificate %(number)s was already issued for this record.") % {"number": existing.number}
        )
    if record.result == Result.FAILED:
        raise ValidationError(
            _(
                "The verification failed: record %(number)s is the document to give the owner, not a certificate."
            )
            % {"number": record.number}
        )
    if record.is_verification and record.result != Result.PASSED:
        raise ValidationError(_("A verification certificate needs a verdict on every point."))
    issued_on = issued_on or today()
    if issued_on < record.performed_on:
        raise ValidationError(
            {
                "issued_on": _("The issue date is before the verification date %(date)s.")
                % {"date": _d(record.performed_on)}
            }
        )
    valid_until, _basis = validity(record)
    with transaction.atomic():
        key = active_key(record.provider, user)
        cert = Certificate(
            number=numbering.allocate(record.provider, Series.CERTIFICATE, issued_on.year),
            record=record,
            provider=record.provider,
            instrument=record.instrument,
            standard=record.standard,
            owner=record.owner,
            province_id=record.province_id,
            kind=record.kind,
            issued_on=issued_on,
            verified_on=record.performed_on,
            valid_until=valid_until,
            stamp_number=(stamp_number or "").strip(),
            snapshot=_snapshot(record),
            key=key,
            notes=notes or "",
        )
        cert.signature = signing.sign(key, signing.payload(cert))
        if user is not None and user.is_authenticated:
            cert._history_user = user
        cert.save()
        _supersede(cert, user, key)
        _update_subject(record, cert, user)
    return cert


def _family(kind: str) -> list[str]:
    return sorted(RecordKind.verification_kinds()) if kind in RecordKind.verification_kinds() else [kind]


def _supersede(cert, user, key) -> None:
    subject = Q(instrument_id=cert.instrument_id) if cert.instrument_id else Q(standard_id=cert.standard_id)
    older = (
        Certificate.objects.select_for_update()
        .filter(
            subject,
            kind__in=_family(cert.kind),
            status=CertificateStatus.VALID,
            verified_on__lte=cert.verified_on,
        )
        .exclude(pk=cert.pk)
    )
    for old in older:
        reason = _("Replaced by certificate %(number)s.") % {"number": cert.number}
        _state(old, CertificateStatus.SUPERSEDED, reason, user, superseded_by=cert.number, key=key)
        old.superseded_by = cert
        old.status_changed_on = cert.issued_on
        if user is not None and user.is_authenticated:
            old._history_user = user
        old.save()


def _update_subject(record, cert, user) -> None:
    """The instrument's last verification and due dates (or the standard's calibration dates)."""
    if record.instrument_id and record.is_verification:
        inst = type(record.instrument).objects.select_for_update().get(pk=record.instrument_id)
        if inst.last_verified_on and inst.last_verified_on > record.performed_on:
            return  # an older verification entered late does not move the dates back
        inst.last_verified_on = record.performed_on
        inst.last_verified_by_id = record.provider_id
        inst.valid_until = cert.valid_until
        if user is not None and user.is_authenticated:
            inst._history_user = user
        inst._change_reason = _("Certificate %(number)s") % {"number": cert.number}
        inst.save()
    elif record.standard_id and cert.valid_until:
        std = type(record.standard).objects.select_for_update().get(pk=record.standard_id)
        if std.calibrated_on and std.calibrated_on > record.performed_on:
            return
        std.calibrated_on = record.performed_on
        std.valid_until = cert.valid_until
        if user is not None and user.is_authenticated:
            std._history_user = user
        std._change_reason = _("Certificate %(number)s") % {"number": cert.number}
        std.save()


def do_revoke_certificate(cert, *, user, reason: str) -> Certificate:
    """Revoke a certificate with a reason. The public check shows it at once; the instrument is due again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for revoking the certificate.")})
    with transaction.atomic():
        cert = Certificate.objects.select_for_update().get(pk=cert.pk)
        if not cert.permits(user, CHANGE):
            raise PermissionDenied(_("You may not revoke certificates of %(org)s.") % {"org": cert.provider})
        if cert.status == CertificateStatus.REVOKED:
            raise ValidationError(_("Certificate %(number)s is already revoked.") % {"number": cert.number})
        was_current = cert.status == CertificateStatus.VALID
        _state(cert, CertificateStatus.REVOKED, reason, user)
        if user is not None and user.is_authenticated:
            cert._history_user = user
        cert.save()
        if was_current and cert.instrument_id and cert.kind in RecordKind.verification_kinds():
            inst = type(cert.instrument).objects.select_for_update().get(pk=cert.instrument_id)
            if inst.last_verified_on == cert.verified_on:
                inst.valid_until = max(cert.status_changed_on, cert.verified_on)
                if user is not None and user.is_authenticated:
                    inst._history_user = user
                inst._change_reason = _("Certificate %(number)s revoked") % {"number": cert.number}
                inst.save()
    return cert


def _newer_valid(cert):
    subject = Q(instrument_id=cert.instrument_id) if cert.instrument_id else Q(standard_id=cert.standard_id)
    return (
        Certificate.objects.filter(
            subject,
            kind__in=_family(cert.kind),
            status=CertificateStatus.VALID,
            verified_on__gte=cert.verified_on,
        )
        .exclude(pk=cert.pk)
        .first()
    )


def do_reinstate_certificate(cert, *, user, reason: str) -> Certificate:
    """Make a revoked certificate valid again (a revocation made in error), with a reason: a signed statement
    like the revocation. Refused when its record is voided or a newer valid certificate replaced it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for reinstating the certificate.")})
    with transaction.atomic():
        cert = Certificate.objects.select_for_update().select_related("record").get(pk=cert.pk)
        if not cert.permits(user, CHANGE):
            raise PermissionDenied(
                _("You may not reinstate certificates of %(org)s.") % {"org": cert.provider}
            )
        if cert.status != CertificateStatus.REVOKED:
            raise ValidationError(
                _("Certificate %(number)s is not revoked: there is nothing to reinstate.")
                % {"number": cert.number}
            )
        if cert.record.is_voided:
            raise ValidationError(
                _("The record of certificate %(number)s is voided: the certificate stays revoked.")
                % {"number": cert.number}
            )
        newer = _newer_valid(cert)
        if newer is not None:
            raise ValidationError(
                _("Certificate %(newer)s replaced %(number)s since: it cannot be reinstated.")
                % {"newer": newer.number, "number": cert.number}
            )
        _state(cert, CertificateStatus.VALID, reason, user)
        if user is not None and user.is_authenticated:
            cert._history_user = user
        cert.save()
        if cert.instrument_id and cert.kind in RecordKind.verification_kinds():
            inst = type(cert.instrument).objects.select_for_update().get(pk=cert.instrument_id)
            if inst.last_verified_on == cert.verified_on:
                inst.valid_until = cert.valid_until
                if user is not None and user.is_authenticated:
                    inst._history_user = user
                inst._change_reason = _("Certificate %(number)s reinstated") % {"number": cert.number}
                inst.save()
    return cert


# ------------------------------------------------------------------------------------------------- voiding


def do_void_record(record, *, user, reason: str) -> VerificationRecord:
    """Void a numbered record with a reason: it keeps its number (numbering stays gap-free) and is shown as
    voided; its certificate, if any and not yet revoked, is revoked by a signed statement in the same
    transaction."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for voiding the record.")})
    with transaction.atomic():
        record = VerificationRecord.objects.select_for_update().get(pk=record.pk)
        if not record.permits(user, CHANGE):
            raise PermissionDenied(_("You may not void records of %(org)s.") % {"org": record.provider})
        if record.is_voided:
            raise ValidationError(_("Record %(number)s is already voided.") % {"number": record.number})
        cert = Certificate.objects.filter(record=record).first()
        if cert is not None and cert.status != CertificateStatus.REVOKED:
            do_revoke_certificate(
                cert,
                user=user,
                reason=_("Record %(number)s voided: %(reason)s")
                % {"number": record.number, "reason": reason},
            )
        record.voided_on = timezone.now()
        record.void_reason = reason
        record.voided_by = user if user is not None and user.is_authenticated else None
        if user is not None and user.is_authenticated:
            record._history_user = user
        record._change_reason = _("Record voided")
        record.save()
    return record
