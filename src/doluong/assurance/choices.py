from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Step(models.TextChoices):
    """The steps of a programme dossier (the order of the workflow; an administrator's checklist data say what
    each step contains)."""

    RECEPTION = "reception", _("Reception")
    DATA_COLLECTION = "data_collection", _("Data collection")
    ANALYSIS = "analysis", _("Current-state analysis")
    EXPECTED_EFFECT = "expected_effect", _("Expected effect")
    PLANNING = "planning", _("Objectives, tasks, solutions and budget")
    DRAFT = "draft", _("Draft programme")
    CONSULTATION = "consultation", _("Consultation")
    APPROVED = "approved", _("Approved by the head of the enterprise")
    IMPLEMENTATION = "implementation", _("Implementation")
    MONITORING = "monitoring", _("Monitoring and report")
    SUPERSEDED = "superseded", _("Superseded by a revision")


#: the steps an approved version may still move through (its content is frozen)
APPROVED_STEPS = (Step.APPROVED, Step.IMPLEMENTATION, Step.MONITORING, Step.SUPERSEDED)
#: the steps of the dossier being drafted (a consultant writes with the enterprise until consultation)
DRAFT_STEPS = (
    Step.RECEPTION,
    Step.DATA_COLLECTION,
    Step.ANALYSIS,
    Step.EXPECTED_EFFECT,
    Step.PLANNING,
    Step.DRAFT,
)
#: the order `do_advance` follows; consultation and approval have their own actions
ORDER = [
    Step.RECEPTION,
    Step.DATA_COLLECTION,
    Step.ANALYSIS,
    Step.EXPECTED_EFFECT,
    Step.PLANNING,
    Step.DRAFT,
    Step.CONSULTATION,
    Step.APPROVED,
    Step.IMPLEMENTATION,
    Step.MONITORING,
]


class Rule(models.TextChoices):
    SIMPLE = "simple", _("Simple acceptance (w = 0)")
    GUARD_BAND = "guard_band", _("Guard band w = U")
    TARGET_PFA = "target_pfa", _("False-accept target")


class Verdict(models.TextChoices):
    CONFORMING = "conforming", _("Conforming")
    CONDITIONAL = "conditional", _("Conditionally conforming")
    NONCONFORMING = "nonconforming", _("Nonconforming")


class Label(models.TextChoices):
    IN_USE = "in_use", _("In use")
    LIMITED = "limited", _("Limited use")
    BLOCKED = "blocked", _("Blocked")


LABEL_FOR = {
    Verdict.CONFORMING: Label.IN_USE,
    Verdict.CONDITIONAL: Label.LIMITED,
    Verdict.NONCONFORMING: Label.BLOCKED,
}


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Trigger(models.TextChoices):
    FAILED_CALIBRATION = "failed_calibration", _("Failed calibration (as-found values)")
    REVOKED_CERTIFICATE = "revoked_certificate", _("Revoked certificate")


class SupportKind(models.TextChoices):
    """The province's support to an enterprise's programme (issue #14, item 7)."""

    CONSULTANCY = "consultancy", _("Consultancy on the programme")
    TRAINING = "training", _("Training")
    CALIBRATION_SUPPORT = "calibration_support", _("Verification, calibration or testing support")
    METHOD = "method", _("Measurement-method development")
    PREPACKAGE = "prepackage", _("Pre-packaged quantity control")


#: programs.MapKind → SupportKind (the migrated engagements keep their kind)
FROM_MAP_KIND = {
    "service_support": SupportKind.CALIBRATION_SUPPORT,
    "method": SupportKind.METHOD,
    "prepackage": SupportKind.PREPACKAGE,
}


class Funding(models.TextChoices):
    STATE = "state", _("State budget (provincial programme)")
    ENTERPRISE = "enterprise", pgettext_lazy("funding", "The enterprise")
    OTHER = "other", _("Other sources")


# ------------------------------------------------------------------------------ readiness survey (item 2)


class ChecklistStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("checklist", "Draft")
    PUBLISHED = "published", pgettext_lazy("checklist", "Published")


class Factor(models.TextChoices):
    ORGANISATION = "organisation", pgettext_lazy("readiness factor", "Organisation")
    METHOD = "method", pgettext_lazy("readiness factor", "Method")
    TECHNICAL = "technical", pgettext_lazy("readiness factor", "Technical means")


class ContentGroup(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"
    E = "E", "E"
    F = "F", "F"
    G = "G", "G"
    H = "H", "H"


class Prefill(models.TextChoices):
    """Which registry figure pre-fills a checklist row (`assurance.readiness.prefill`)."""

    NONE = "", pgettext_lazy("prefill", "None")
    INVENTORY = "inventory", _("Inventory: instruments by Group 1 / Group 2")
    GROUP2 = "group2", _("Group 2: overdue, expired and missing certificates")
    GROUP1 = "group1", _("Group 1: calibrations overdue")
    OOT = "oot", _("Open out-of-tolerance cases")


class AnswerValue(models.TextChoices):
    UNANSWERED = "", _("Not answered")
    NO = "0", _("Not met (0)")
    PARTLY = "0.5", _("Partly met (0.5)")
    YES = "1", _("Met (1)")
    NA = "na", _("Not applicable")


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("survey", "In progress")
    DONE = "done", pgettext_lazy("survey", "Completed")
