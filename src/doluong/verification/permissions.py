"""The verification app's rows of the permission table (see core.access and docs/permissions.md), and the
instruments a provider may serve.

Records and certificates are written by their actions (`do_record_verification`, `do_issue_certificate`,
`do_revoke_certificate`): the table's `add` row of a record is the provider the user may record for, checked by
the action together with `servable_instruments`; issuing and revoking need `change` on the record/certificate.
A numbered record, a certificate and their points and standard links are never deleted (voided with a reason).
"""

from django.db.models import Q

from doluong.core.access import acting_scopes, allow, named_scope, rules
from doluong.core.scope import ADD, principal

RECORD_PATHS = {
    "province": ("province_id", "provider__province_id"),
    "organisation": "provider_id",
    "owner": "owner_id",
}
CHILD_PATHS = {
    "province": ("record__province_id", "record__provider__province_id"),
    "organisation": "record__provider_id",
    "owner": "record__owner_id",
}
PROVIDER_PATHS = {"province": "provider__province_id", "organisation": "provider_id"}

PROVIDER_SETTINGS = dict(
    province_officer=allow("view", "own_province"),
    provider_staff=allow("view add change delete", "own_organisation"),
    verifier=allow("view", "own_organisation"),
)
PROVIDER_READS = dict(
    province_officer=allow("view", "own_province"),
    provider_staff=allow("view", "own_organisation"),
    verifier=allow("view", "own_organisation"),
)
RECORD_READS = dict(
    commune_officer=allow("view", "own_province"),
    enterprise_user=allow("view", "owned_by_own_organisation"),
)

PERMISSIONS = [
    rules(
        "verification.VerificationRecord",
        paths=RECORD_PATHS,
        forbid=("delete",),
        via_action={
            "add": "do_record_verification (instruments the provider may serve)",
            "change": "issuing",
        },
        province_officer=allow("view add", "own_province")
        | allow("change", "own_province", fields=("place", "reviewer_name", "notes")),
        provider_staff=allow("view add", "own_organisation")
        | allow("change", "own_organisation", fields=("place", "reviewer_name", "notes")),
        verifier=allow("view add", "own_organisation"),
        **RECORD_READS,
    ),
    rules(
        "verification.RecordStandard",
        paths=CHILD_PATHS,
        forbid=("add", "change", "delete"),
        via_action={"add": "do_record_verification"},
        province_officer=allow("view", "own_province"),
        provider_staff=allow("view", "own_organisation"),
        verifier=allow("view", "own_organisation"),
        **RECORD_READS,
    ),
    rules(
        "verification.MeasurementPoint",
        paths=CHILD_PATHS,
        forbid=("add", "delete"),
        via_action={"add": "do_record_verification"},
        province_officer=allow("view", "own_province"),
        provider_staff=allow("view", "own_organisation"),
        verifier=allow("view", "own_organisation"),
        **RECORD_READS,
    ),
    rules(
        "verification.Certificate",
        paths=RECORD_PATHS,
        forbid=("add", "delete"),
        via_action={"add": "do_issue_certificate", "change": "do_revoke_certificate (status)"},
        province_officer=allow("view", "own_province") | allow("change", "own_province", fields=("notes",)),
        provider_staff=allow("view", "own_organisation")
        | allow("change", "own_organisation", fields=("notes",)),
        verifier=allow("view", "own_organisation"),
        **RECORD_READS,
    ),
    rules(
        "verification.StatusStatement",
        paths={
            "province": ("certificate__province_id", "certificate__provider__province_id"),
            "organisation": "certificate__provider_id",
            "owner": "certificate__owner_id",
        },
        forbid=("add", "change", "delete"),
        via_action={
            "add": "do_revoke_certificate, do_reinstate_certificate, do_issue_certificate (supersession)"
        },
        province_officer=allow("view", "own_province"),
        provider_staff=allow("view", "own_organisation"),
        verifier=allow("view", "own_organisation"),
        **RECORD_READS,
    ),
    rules("verification.CertificateSettings", paths=PROVIDER_PATHS, **PROVIDER_SETTINGS),
    rules("verification.ValidityRule", paths=PROVIDER_PATHS, **PROVIDER_SETTINGS),
    rules(
        "verification.SigningKey",
        paths=PROVIDER_PATHS,
        forbid=("add",),
        via_action={"add": "do_rotate_signing_key"},
        **PROVIDER_READS,
    ),
    rules(
        "verification.BatchJob",
        paths=PROVIDER_PATHS,
        forbid=("add",),
        via_action={"add": "the batch upload page (batch_views.upload)"},
        **PROVIDER_READS,
    ),
]


# ------------------------------------------------------------------------------------ who records for whom


def provider_q(user, action: str = ADD, model=None) -> Q | None:
    """Organisations for which `user` may `action` verification records (or rows of `model`, a model whose
    rows belong to a provider), per the table (None: every one)."""
    from .models import VerificationRecord

    who = principal(user)
    if who.is_admin:
        return None
    q = Q(pk__in=[])
    for scope, grant in acting_scopes(user, model or VerificationRecord, action):
        if grant.scope == "own_province":
            q |= Q(province_id=scope.province_id)
        elif grant.scope == "own_organisation":
            q |= Q(pk=scope.organisation_id)
    return q


def servable_types_q(provider) -> Q:
    """Instrument types in a provider's registered scope or designation (any date: the action checks the
    registration and designation valid on the day)."""
    from doluong.parties.models import Designation, RegistrationScope

    lines = RegistrationScope.objects.filter(
        registration__organisation=provider, instrument_type__isnull=False
    )
    designated = Designation.objects.filter(organisation=provider).values("instrument_types")
    return Q(instrument_type__in=lines.values("instrument_type")) | Q(instrument_type__in=designated)


@named_scope(
    "servable",
    "instruments the provider may serve: a type of its registered scope or designation, in its territory (its "
    "province)",
    "phương tiện đo tổ chức được phục vụ: loại trong phạm vi đăng ký hoặc chỉ định, trên địa bàn (tỉnh) của tổ chức",
)
def _servable(scope, paths):  # documented here; used through servable_instruments()
    return None


def servable_instruments(provider, queryset=None):
    """The instruments `provider` may verify, calibrate or test: a type of its registered scope lines or of its
    designations, in the territory of that scope. Registrations and designations carry no territory of their own
    yet: the territory is the provider's province."""
    from doluong.registry.models import Instrument

    qs = queryset if queryset is not None else Instrument.objects.all()
    return qs.filter(servable_types_q(provider), province_id=provider.province_id)
