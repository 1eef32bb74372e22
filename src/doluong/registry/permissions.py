"""The registry app's rows of the permission table (see core.access and docs/permissions.md)."""

from doluong.core.access import LOAD_PROTECTED, allow, rules

VACD = "view add change delete"

#: an instrument's verification dates follow from records and certificates (verification.actions); forms and the
#: API of everyone but the administrator never write them. The province officer's bulk load of legacy data
#: (registry.bulk, the "instruments" kind) may carry them: they come from the authority's paper registers.
DERIVED_DATES = ("last_verified_on", "last_verified_by", "valid_until")

REFERENCE = allow("view", "all")

HOLDER_PATHS = {"province": "holder__province_id", "organisation": "holder_id"}
OWNER_PATHS = {"province": "owner__province_id", "organisation": "owner_id"}

PERMISSIONS = [
    rules("registry.InstrumentType", everyone=REFERENCE, note="reference data: the administrator edits it"),
    rules(
        "registry.InstrumentTypeRule", everyone=REFERENCE, note="reference data: the administrator edits it"
    ),
    rules("registry.ReminderLeadTime", everyone=REFERENCE, note="reference data: the administrator edits it"),
    rules(
        "registry.Instrument",
        paths={
            "province": "province_id",
            "commune": "commune_id",
            "organisation": "owner_id",
            "served": "last_verified_by_id",
        },
        protected=DERIVED_DATES,
        note="a provider sees the instruments it served but gains no right over them; it records verifications "
        "only for the instruments it may serve (verification.permissions.servable_instruments)",
        province_officer=allow(VACD, "own_province") | allow(LOAD_PROTECTED, "own_province"),
        commune_officer=allow("view", "own_province") | allow("add change delete", "own_commune"),
        provider_staff=allow("view", "own_or_served") | allow("add change delete", "own_organisation"),
        verifier=allow("view", "own_or_served"),
        enterprise_user=allow(VACD, "own_organisation"),
    ),
    rules(
        "registry.MeasurementStandard",
        paths=HOLDER_PATHS,
        province_officer=allow(VACD, "own_province"),
        commune_officer=allow("view", "own_province"),
        provider_staff=allow(VACD, "own_organisation"),
        verifier=allow("view", "own_organisation"),
        enterprise_user=allow(VACD, "own_organisation"),
        department_reporter=allow("view", "own_organisation"),
    ),
    rules(
        "registry.ReminderContact",
        paths=OWNER_PATHS,
        province_officer=allow(VACD, "own_province"),
        commune_officer=allow("view", "own_province") | allow("add change delete", "own_organisation"),
        provider_staff=allow(VACD, "own_organisation"),
        verifier=allow("view", "own_organisation"),
        enterprise_user=allow(VACD, "own_organisation"),
        department_reporter=allow("view", "own_organisation"),
    ),
    rules(
        "registry.ReminderLog",
        paths=OWNER_PATHS,
        forbid=("add", "change", "delete"),
        via_action={"add": "the send_reminders command"},
        province_officer=allow("view", "own_province"),
        commune_officer=allow("view", "own_province"),
        provider_staff=allow("view", "own_organisation"),
        verifier=allow("view", "own_organisation"),
        enterprise_user=allow("view", "own_organisation"),
        department_reporter=allow("view", "own_organisation"),
    ),
]
