from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    DOST = "dost", _("Department of Science and Technology")
    DEPARTMENT = "department", _("Other provincial department or agency")
    COMMUNE_COMMITTEE = "commune_committee", _("Commune People's Committee")
    PROVINCIAL_COMMITTEE = "provincial_committee", _("Provincial People's Committee")
    SERVICE_PROVIDER = "service_provider", _("Verification/calibration/testing service provider")
    ACCREDITED_LAB = "accredited_lab", _("Accredited laboratory")
    ENTERPRISE = "enterprise", _("Enterprise")
    COOPERATIVE = "cooperative", _("Cooperative")
    HOUSEHOLD = "household", _("Household business")
    ASSOCIATION = "association", _("Association")

    @classmethod
    def agencies(cls) -> set[str]:
        return {cls.DOST, cls.DEPARTMENT, cls.COMMUNE_COMMITTEE, cls.PROVINCIAL_COMMITTEE}

    @classmethod
    def providers(cls) -> set[str]:
        return {cls.SERVICE_PROVIDER, cls.ACCREDITED_LAB}


class Sector(models.TextChoices):
    PETROLEUM = "petroleum", _("Petroleum")
    ELECTRICITY = "electricity", _("Electricity")
    WATER = "water", _("Clean water")
    TRANSPORT = "transport", _("Transport")
    MECHANICAL = "mechanical", _("Mechanical engineering")
    TELECOM_DIGITAL = "telecom_digital", _("Telecommunications and digital economy")
    LOGISTICS = "logistics", _("Logistics")
    HIGHTECH_AGRICULTURE = "hightech_agriculture", _("High-tech agriculture")
    COAL = "coal", _("Coal and mining")
    FOOD = "food", _("Food and aquatic processing")
    TRADE = "trade", _("Trade and markets")
    HEALTH = "health", _("Health care")
    CONSTRUCTION = "construction", _("Construction and building materials")
    CHEMICALS = "chemicals", _("Chemicals and fertilisers")
    ENVIRONMENT = "environment", _("Environment")
    PUBLIC_ADMIN = "public_admin", _("Public administration")
    METROLOGY = "metrology", _("Metrology services")
    OTHER = "other", _("Other")


class Ownership(models.TextChoices):
    STATE = "state", _("State capital")
    PRIVATE = "private", _("Private")
    FOREIGN = "foreign", _("Foreign investment")
    COLLECTIVE = "collective", _("Collective")
    PUBLIC = "public", _("Public body")


class SizeClass(models.TextChoices):
    MICRO = "micro", _("Micro")
    SMALL = "small", _("Small")
    MEDIUM = "medium", _("Medium")
    LARGE = "large", _("Large")


class Activity(models.TextChoices):
    VERIFICATION = "verification", _("Verification")
    CALIBRATION = "calibration", _("Calibration")
    TESTING = "testing", _("Testing")


class Role(models.TextChoices):
    PROVINCE_OFFICER = "province_officer", _("Provincial metrology officer")
    COMMUNE_OFFICER = "commune_officer", _("Commune officer")
    PROVIDER_STAFF = "provider_staff", _("Service provider staff")
    VERIFIER = "verifier", _("Verifier")
    ENTERPRISE_USER = "enterprise_user", _("Enterprise user")
    DEPARTMENT_REPORTER = "department_reporter", _("Department reporter")
    #: a consultant of the measurement assurance programme: sees the enterprises the province assigned to the
    #: organisation (assurance.AdvisoryAssignment); the assurance app's permission table gives it its rows
    CONSULTANT = "consultant", _("Measurement assurance consultant")


#: which kinds of organisation a membership of each role fits (Membership.clean): the role table's own data
ROLE_KINDS = {
    Role.PROVINCE_OFFICER: {OrganisationKind.DOST},
    Role.COMMUNE_OFFICER: {OrganisationKind.COMMUNE_COMMITTEE},
    Role.PROVIDER_STAFF: OrganisationKind.providers(),
    Role.VERIFIER: OrganisationKind.providers(),
    Role.ENTERPRISE_USER: {
        OrganisationKind.ENTERPRISE,
        OrganisationKind.COOPERATIVE,
        OrganisationKind.HOUSEHOLD,
        OrganisationKind.ASSOCIATION,
    },
    Role.DEPARTMENT_REPORTER: OrganisationKind.agencies(),
    # a technical centre, a service provider, a consulting firm or an association advises enterprises
    Role.CONSULTANT: {
        *OrganisationKind.providers(),
        OrganisationKind.ENTERPRISE,
        OrganisationKind.ASSOCIATION,
    },
}
#: the roles held for one commune: their organisation must have a commune
COMMUNE_ROLES = {Role.COMMUNE_OFFICER}
