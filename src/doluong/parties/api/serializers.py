from doluong.core.api import make_serializer

from ..forms import (
    DesignationForm,
    MembershipForm,
    OrganisationForm,
    PersonForm,
    RegistrationForm,
    RegistrationScopeForm,
    VerifierForm,
)
from ..models import Designation, Membership, Organisation, Person, Registration, RegistrationScope, Verifier

OrganisationSerializer = make_serializer(Organisation, OrganisationForm._meta.fields)
RegistrationSerializer = make_serializer(Registration, RegistrationForm._meta.fields)
RegistrationScopeSerializer = make_serializer(RegistrationScope, RegistrationScopeForm._meta.fields)
DesignationSerializer = make_serializer(Designation, DesignationForm._meta.fields)
PersonSerializer = make_serializer(Person, PersonForm._meta.fields)
VerifierSerializer = make_serializer(Verifier, VerifierForm._meta.fields)
MembershipSerializer = make_serializer(Membership, MembershipForm._meta.fields)
