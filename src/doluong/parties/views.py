from django.utils.translation import gettext_lazy as _

from doluong.core.surface import Related, Surface, scoped_rows

from . import filtersets, forms, tables
from .api import serializers
from .models import Designation, Membership, Organisation, Person, Registration, RegistrationScope, Verifier

organisation = Surface(
    model=Organisation,
    filterset=filtersets.OrganisationFilterSet,
    table=tables.OrganisationTable,
    form=forms.OrganisationForm,
    serializer=serializers.OrganisationSerializer,
    namespace="parties",
    basename="organisation",
    route="organisations",
    nav_group="parties",
    nav_order=10,
    select_related=["province", "commune__province", "parent"],
    related=[
        Related(_("Registrations"), scoped_rows(Registration, organisation=lambda o: o)),
        Related(_("Designations"), scoped_rows(Designation, organisation=lambda o: o)),
        Related(_("Verifiers"), scoped_rows(Verifier, organisation=lambda o: o)),
        Related(_("People"), scoped_rows(Person, organisation=lambda o: o)),
        # the apps above add theirs (the registry: measurement standards held, instruments owned)
    ],
)
registration = Surface(
    model=Registration,
    filterset=filtersets.RegistrationFilterSet,
    table=tables.RegistrationTable,
    form=forms.RegistrationForm,
    serializer=serializers.RegistrationSerializer,
    namespace="parties",
    basename="registration",
    route="registrations",
    nav_group="parties",
    nav_order=20,
    select_related=["organisation"],
    related=[Related(_("Scope"), lambda o, user: o.scope_lines.select_related("instrument_type"))],
)
registration_scope = Surface(
    model=RegistrationScope,
    filterset=filtersets.RegistrationScopeFilterSet,
    table=tables.RegistrationScopeTable,
    form=forms.RegistrationScopeForm,
    serializer=serializers.RegistrationScopeSerializer,
    namespace="parties",
    basename="registrationscope",
    route="registration-scope",
    nav_group="parties",
    nav_order=25,
    select_related=["registration__organisation", "instrument_type"],
)
designation = Surface(
    model=Designation,
    filterset=filtersets.DesignationFilterSet,
    table=tables.DesignationTable,
    form=forms.DesignationForm,
    serializer=serializers.DesignationSerializer,
    namespace="parties",
    basename="designation",
    route="designations",
    nav_group="parties",
    nav_order=30,
    select_related=["organisation"],
    prefetch_related=["instrument_types"],
)
person = Surface(
    model=Person,
    filterset=filtersets.PersonFilterSet,
    table=tables.PersonTable,
    form=forms.PersonForm,
    serializer=serializers.PersonSerializer,
    namespace="parties",
    basename="person",
    route="people",
    nav_group="parties",
    nav_order=40,
    select_related=["organisation"],
)
verifier = Surface(
    model=Verifier,
    filterset=filtersets.VerifierFilterSet,
    table=tables.VerifierTable,
    form=forms.VerifierForm,
    serializer=serializers.VerifierSerializer,
    namespace="parties",
    basename="verifier",
    route="verifiers",
    nav_group="parties",
    nav_order=50,
    select_related=["person", "organisation"],
    prefetch_related=["instrument_types"],
)
membership = Surface(
    model=Membership,
    filterset=filtersets.MembershipFilterSet,
    table=tables.MembershipTable,
    form=forms.MembershipForm,
    serializer=serializers.MembershipSerializer,
    namespace="parties",
    basename="membership",
    route="memberships",
    nav_group="parties",
    nav_order=60,
    nav_action="change",  # "permissions" in the menu only for those who assign roles
    select_related=["user", "organisation"],
)

SURFACES = [organisation, registration, registration_scope, designation, person, verifier, membership]
