import django_filters
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from doluong.core.filtersets import BaseFilterSet
from doluong.geo.models import Commune, Province

from .models import Designation, Membership, Organisation, Person, Registration, RegistrationScope, Verifier


def _instrument_types(request=None):
    """The Group 2 catalogue, reached through the relation (the catalogue's app sits above parties; see
    docs/architecture.md on the parties → catalogue references)."""
    return Designation._meta.get_field("instrument_types").related_model.objects.all()


class OrganisationFilterSet(BaseFilterSet):
    province = django_filters.ModelChoiceFilter(queryset=Province.objects.all())
    commune = django_filters.ModelChoiceFilter(queryset=Commune.objects.all())

    class Meta:
        model = Organisation
        fields = ["kind", "province", "commune", "sector", "ownership", "size_class", "is_active"]


class RegistrationFilterSet(BaseFilterSet):
    organisation = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())

    class Meta:
        model = Registration
        fields = ["organisation", "verification", "calibration", "testing"]


class RegistrationScopeFilterSet(BaseFilterSet):
    registration = django_filters.ModelChoiceFilter(queryset=Registration.objects.all())
    instrument_type = django_filters.ModelChoiceFilter(queryset=_instrument_types())

    class Meta:
        model = RegistrationScope
        fields = ["registration", "activity", "instrument_type"]


class DesignationFilterSet(BaseFilterSet):
    organisation = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())
    instrument_types = django_filters.ModelChoiceFilter(queryset=_instrument_types())

    class Meta:
        model = Designation
        fields = ["organisation", "instrument_types"]


class PersonFilterSet(BaseFilterSet):
    organisation = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())

    class Meta:
        model = Person
        fields = ["organisation"]


class VerifierFilterSet(BaseFilterSet):
    organisation = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())
    instrument_types = django_filters.ModelChoiceFilter(queryset=_instrument_types())
    valid_on = django_filters.DateFilter(method="filter_valid_on", label=_("Valid on"))

    class Meta:
        model = Verifier
        fields = ["organisation", "instrument_types", "is_active"]

    def filter_valid_on(self, queryset, name, value):
        return queryset.filter(issued_on__lte=value, valid_until__gte=value)


class MembershipFilterSet(BaseFilterSet):
    organisation = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())
    user = django_filters.ModelChoiceFilter(queryset=get_user_model().objects.all())

    class Meta:
        model = Membership
        fields = ["organisation", "user", "role", "is_active"]
