"""The parties app's rows of the permission table (see core.access and docs/permissions.md)."""

from django.db.models import Q

from doluong.core.access import allow, rules
from doluong.core.scope import VIEW, principal

VACD = "view add change delete"

#: what an organisation may edit about itself: contact data, never its province, seat, kind or tax code
CONTACT_FIELDS = ("short_name", "address", "phone", "email", "website", "notes")


def assignable_users(user, queryset):
    """The accounts a provincial officer may give a role: non-administrators that are new (no membership yet) or
    already belong only to organisations the officer may view — another province's staff are not listed."""
    from .models import Membership

    accounts = queryset.filter(is_superuser=False)
    seen = Membership.objects.restrict(user, VIEW).values("user_id")
    elsewhere = Membership.objects.exclude(pk__in=Membership.objects.restrict(user, VIEW).values("pk"))
    keep = (Q(pk__in=seen) | Q(memberships__isnull=True)) & ~Q(pk__in=elsewhere.values("user_id"))
    if principal(user).is_anonymous:
        return accounts.none()
    return accounts.filter(keep).distinct().order_by("username")


ORG_PATHS = {"province": "organisation__province_id", "organisation": "organisation_id"}

#: registration data of a provider: the province's officer writes it, everybody concerned reads it
_REGISTRATION_DATA = dict(
    province_officer=allow(VACD, "own_province"),
    commune_officer=allow("view", "own_province"),
    provider_staff=allow("view", "own_organisation"),
    verifier=allow("view", "own_organisation"),
    enterprise_user=allow("view", "own_organisation"),
    department_reporter=allow("view", "own_organisation"),
)

#: anonymous users read no row through restrict(); the public list of providers reads these through the explicit
#: public querysets of `parties.public` (public facts of active providers only, never their people)
PUBLIC_NOTE = (
    "anonymous: nothing through restrict(); the public list of providers (/verify/providers/) reads the public "
    "facts of active providers through parties.public"
)

PERMISSIONS = [
    rules(
        "parties.Organisation",
        paths={"province": "province_id", "commune": "commune_id", "organisation": "pk"},
        note="province and seat (commune), kind and tax code: only the province's officer; " + PUBLIC_NOTE,
        province_officer=allow(VACD, "own_province"),
        commune_officer=allow("view", "own_province")
        | allow("change", "own_organisation", fields=CONTACT_FIELDS),
        provider_staff=allow("view", "own_organisation")
        | allow("change", "own_organisation", fields=CONTACT_FIELDS),
        verifier=allow("view", "own_organisation"),
        enterprise_user=allow("view", "own_organisation")
        | allow("change", "own_organisation", fields=CONTACT_FIELDS),
        department_reporter=allow("view", "own_organisation"),
    ),
    rules("parties.Registration", paths=ORG_PATHS, note=PUBLIC_NOTE, **_REGISTRATION_DATA),
    rules(
        "parties.RegistrationScope",
        paths={
            "province": "registration__organisation__province_id",
            "organisation": "registration__organisation_id",
        },
        note=PUBLIC_NOTE,
        **_REGISTRATION_DATA,
    ),
    rules("parties.Designation", paths=ORG_PATHS, note=PUBLIC_NOTE, **_REGISTRATION_DATA),
    rules(
        "parties.Person",
        paths=ORG_PATHS,
        province_officer=allow(VACD, "own_province"),
        commune_officer=allow("view", "own_province") | allow("add change delete", "own_organisation"),
        provider_staff=allow(VACD, "own_organisation"),
        verifier=allow("view", "own_organisation"),
        enterprise_user=allow(VACD, "own_organisation"),
        department_reporter=allow("view", "own_organisation"),
    ),
    rules(
        "parties.Verifier",
        paths=ORG_PATHS,
        note="a verifier's card is written only by the authority that issues it: the officer of the card's "
        "province (the organisation's province) or the administrator",
        **_REGISTRATION_DATA,
    ),
    rules(
        "parties.Membership",
        paths=ORG_PATHS,
        choices={"user": assignable_users},
        note="the role must fit the organisation's kind (Membership.clean); the account must be within the "
        "officer's reach (no administrator, nobody of another province)",
        province_officer=allow(VACD, "own_province"),
        commune_officer=allow("view", "own_organisation"),
        provider_staff=allow("view", "own_organisation"),
        verifier=allow("view", "own_organisation"),
        enterprise_user=allow("view", "own_organisation"),
        department_reporter=allow("view", "own_organisation"),
    ),
]
