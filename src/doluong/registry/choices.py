from django.db import models
from django.utils.translation import gettext_lazy as _


class Field(models.TextChoices):
    LENGTH = "length", _("Length")
    SPEED = "speed", _("Speed")
    MASS = "mass", _("Mass")
    FORCE = "force", _("Force and torque")
    VOLUME = "volume", _("Volume and capacity")
    FLOW = "flow", _("Flow")
    PRESSURE = "pressure", _("Pressure")
    TEMPERATURE = "temperature", _("Temperature")
    PHYSICO_CHEMICAL = "physico_chemical", _("Physico-chemical")
    ACOUSTICS = "acoustics", _("Acoustics and vibration")
    ELECTRICAL = "electrical", _("Electrical")
    OPTICS = "optics", _("Optics")
    MEDICAL = "medical", _("Medical")
    HYDROMET = "hydromet", _("Hydrometeorology")
    OTHER = "other", _("Other")


class CycleStatus(models.TextChoices):
    KNOWN = "known", _("Known")
    NO_PERIODIC = "no_periodic", _("No periodic verification")
    UNKNOWN = "unknown", _("Unknown — to be set by an administrator")


class SourceStatus(models.TextChoices):
    VERIFIED = "verified", _("Read in the legal text")
    TWO_SOURCES = "two_sources", _("Read in the legal text and confirmed by a second source")
    ASSUMED = "assumed", _("Assumed unchanged from the previous wording, to be confirmed")
    SECONDARY = "secondary", _("Read in a secondary source only")
    UNVERIFIED = "unverified", _("Not yet checked against the legal text")


class InstrumentStatus(models.TextChoices):
    IN_USE = "in_use", _("In use")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")
    AWAITING_VERIFICATION = "awaiting", _("Awaiting verification")
    RETIRED = "retired", _("Retired")


class StandardLevel(models.TextChoices):
    NATIONAL = "national", _("National standard")
    PRIMARY = "primary", _("Primary (reference) standard")
    SECONDARY = "secondary", _("Secondary standard")
    WORKING = "working", _("Working standard")


class DueState(models.TextChoices):
    OVERDUE = "overdue", _("Overdue")
    DUE_30 = "due_30", _("Due within 30 days")
    DUE_60 = "due_60", _("Due within 60 days")
    DUE_90 = "due_90", _("Due within 90 days")
    LATER = "later", _("Valid more than 90 days")
    UNKNOWN = "unknown", _("No due date")
