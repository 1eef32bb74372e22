"""Organisations, registrations, verifiers and memberships keep their invariants."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from doluong.core.validators import make_tax_code
from doluong.parties.choices import OrganisationKind, Role
from doluong.parties.models import Membership, Organisation, Person, Registration, Verifier
from doluong.registry.models import InstrumentType

pytestmark = pytest.mark.django_db


def _provider(province="92") -> Organisation:
    return Organisation.objects.get(
        memberships__user__username=f"{'ct' if province == '92' else 'dt'}.kiemdinh"
    )


def test_commune_must_lie_in_the_province():
    org = Organisation(
        name="Công ty Sai Địa Bàn", kind=OrganisationKind.ENTERPRISE, province_id="92", commune_id="29869"
    )
    with pytest.raises(ValidationError) as excinfo:
        org.full_clean()
    assert "commune" in excinfo.value.message_dict


def test_tax_code_is_normalised_and_unique():
    code = make_tax_code("180000999") or make_tax_code("180000998")
    org = Organisation.objects.create(
        name="A", kind="enterprise", province_id="92", tax_code=f"{code[:4]} {code[4:]}"
    )
    assert org.tax_code == code
    duplicate = Organisation(name="B", kind="enterprise", province_id="92", tax_code=code)
    with pytest.raises(ValidationError):
        duplicate.full_clean()
    # organisations without a tax code are not duplicates of each other
    Organisation(name="C", kind="household", province_id="92", tax_code="").full_clean()


def test_registration_covers_at_least_one_activity():
    reg = Registration(
        organisation=_provider(), certificate_number="999/ĐK-TĐC", issuer="x", issued_on=dt.date(2025, 1, 1)
    )
    with pytest.raises(ValidationError):
        reg.full_clean()
    reg.calibration = True
    reg.full_clean()


def test_verifier_person_must_work_for_the_organisation():
    person = Person.objects.filter(organisation=_provider("82")).first()
    card = Verifier(
        person=person,
        organisation=_provider("92"),
        card_number="KĐV-TEST",
        issuer="x",
        issued_on=dt.date(2025, 1, 1),
        valid_until=dt.date(2030, 1, 1),
    )
    with pytest.raises(ValidationError) as excinfo:
        card.full_clean()
    assert "person" in excinfo.value.message_dict


def test_verifier_card_covers_its_types_while_valid():
    card = Verifier.objects.filter(organisation=_provider(), valid_until__gte=dt.date(2026, 11, 21)).first()
    covered = card.instrument_types.first()
    other = InstrumentType.objects.exclude(pk__in=card.instrument_types.all()).first()
    assert card.covers(covered, card.issued_on)
    assert card.covers(covered, card.valid_until)
    assert not card.covers(covered, card.valid_until + dt.timedelta(days=1))
    assert not card.covers(other, card.issued_on)


def test_demo_has_an_expired_card_per_provider():
    for org in Organisation.objects.filter(kind__in=OrganisationKind.providers()):
        assert org.verifiers.filter(valid_until__lt=dt.date.today()).exists(), org


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        (Role.PROVINCE_OFFICER, OrganisationKind.ENTERPRISE),
        (Role.ENTERPRISE_USER, OrganisationKind.DOST),
        (Role.VERIFIER, OrganisationKind.DEPARTMENT),
    ],
)
def test_membership_role_must_fit_the_organisation(user_for, role, kind):
    org = Organisation.objects.filter(province_id="92", kind=kind).first()
    membership = Membership(user=user_for("ct.songanh"), organisation=org, role=role)
    with pytest.raises(ValidationError) as excinfo:
        membership.full_clean()
    assert "role" in excinfo.value.message_dict


def test_province_officer_manages_memberships_of_its_province_only(client_for, user_for):
    user = user_for("ct.sokhcn")
    visible = Membership.objects.restrict(user)
    assert set(visible.values_list("organisation__province_id", flat=True)) == {"92"}
    form_users = Membership._meta.get_field("user").related_model.objects.filter(is_superuser=True)
    from doluong.parties.views import membership

    form = membership.form(user=user)
    assert not form.fields["user"].queryset.filter(pk__in=form_users).exists()
    assert not form.fields["organisation"].queryset.exclude(province_id="92").exists()
