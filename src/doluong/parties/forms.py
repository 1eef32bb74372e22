from doluong.core.forms import BaseModelForm

from .models import Designation, Membership, Organisation, Person, Registration, RegistrationScope, Verifier


class OrganisationForm(BaseModelForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "short_name",
            "kind",
            "tax_code",
            "address",
            "province",
            "commune",
            "sector",
            "ownership",
            "size_class",
            "phone",
            "email",
            "website",
            "parent",
            "is_active",
            "notes",
        ]


class RegistrationForm(BaseModelForm):
    class Meta:
        model = Registration
        fields = [
            "organisation",
            "certificate_number",
            "issuer",
            "issued_on",
            "valid_until",
            "verification",
            "calibration",
            "testing",
            "notes",
        ]


class RegistrationScopeForm(BaseModelForm):
    class Meta:
        model = RegistrationScope
        fields = ["registration", "activity", "instrument_type", "quantity", "range_text", "accuracy"]


class DesignationForm(BaseModelForm):
    class Meta:
        model = Designation
        fields = [
            "organisation",
            "decision_number",
            "issuer",
            "issued_on",
            "valid_from",
            "valid_until",
            "instrument_types",
            "notes",
        ]


class PersonForm(BaseModelForm):
    class Meta:
        model = Person
        fields = ["full_name", "organisation", "position", "phone", "email"]


class VerifierForm(BaseModelForm):
    class Meta:
        model = Verifier
        fields = [
            "person",
            "organisation",
            "card_number",
            "issuer",
            "issued_on",
            "valid_until",
            "instrument_types",
            "is_active",
        ]


class MembershipForm(BaseModelForm):
    """The accounts offered are limited by the permission table (parties.permissions.assignable_users), for the
    form and the API alike."""

    class Meta:
        model = Membership
        fields = ["user", "organisation", "role", "is_active"]
