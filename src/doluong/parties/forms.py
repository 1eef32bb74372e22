from django.db.models import Q

from doluong.core.forms import BaseModelForm
from doluong.core.scope import VIEW

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
    class Meta:
        model = Membership
        fields = ["user", "organisation", "role", "is_active"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if user is not None and not user.is_superuser:
            # A provincial officer assigns roles to non-administrator accounts that are new (no membership yet)
            # or already belong to organisations the officer may view; another province's staff are not listed.
            accounts = self.fields["user"].queryset.model.objects.filter(is_superuser=False)
            seen = Membership.objects.restrict(user, VIEW).values("user_id")
            keep = Q(pk__in=seen) | Q(memberships__isnull=True)
            if self.instance.pk is not None:
                keep |= Q(pk=self.instance.user_id)
            self.fields["user"].queryset = accounts.filter(keep).distinct().order_by("username")
