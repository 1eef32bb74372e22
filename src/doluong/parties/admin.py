from doluong.core.admin import register

from .models import Designation, Membership, Organisation, Person, Registration, RegistrationScope, Verifier

register(Organisation, Registration, RegistrationScope, Designation, Person, Verifier, Membership)
