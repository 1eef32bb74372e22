import django_tables2 as tables

from doluong.core.tables import BaseTable

from .models import Designation, Membership, Organisation, Person, Registration, RegistrationScope, Verifier


class OrganisationTable(BaseTable):
    name = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Organisation
        fields = ["name", "kind", "tax_code", "commune", "sector", "ownership", "size_class"]


class RegistrationTable(BaseTable):
    certificate_number = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Registration
        fields = [
            "certificate_number",
            "organisation",
            "issuer",
            "issued_on",
            "valid_until",
            "verification",
            "calibration",
            "testing",
        ]


class RegistrationScopeTable(BaseTable):
    id = tables.Column(linkify=True, verbose_name="#")

    class Meta(BaseTable.Meta):
        model = RegistrationScope
        fields = ["id", "registration", "activity", "instrument_type", "quantity", "range_text", "accuracy"]


class DesignationTable(BaseTable):
    decision_number = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Designation
        fields = ["decision_number", "organisation", "issuer", "issued_on", "valid_from", "valid_until"]


class PersonTable(BaseTable):
    full_name = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Person
        fields = ["full_name", "organisation", "position", "phone", "email"]


class VerifierTable(BaseTable):
    card_number = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Verifier
        fields = ["card_number", "person", "organisation", "issued_on", "valid_until", "is_active"]


class MembershipTable(BaseTable):
    id = tables.Column(linkify=True, verbose_name="#")

    class Meta(BaseTable.Meta):
        model = Membership
        fields = ["id", "user", "organisation", "role", "is_active"]
