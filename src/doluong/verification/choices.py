from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RecordKind(models.TextChoices):
    INITIAL = "initial", _("Initial verification")
    PERIODIC = "periodic", _("Periodic verification")
    AFTER_REPAIR = "after_repair", _("Verification after repair")
    CALIBRATION = "calibration", _("Calibration")
    TESTING = "testing", _("Testing")

    @classmethod
    def verification_kinds(cls) -> set[str]:
        return {cls.INITIAL, cls.PERIODIC, cls.AFTER_REPAIR}

    @classmethod
    def activity(cls, kind: str) -> str:
        """The registration/scope activity (parties.choices.Activity) a record kind belongs to."""
        if kind in cls.verification_kinds():
            return "verification"
        return "calibration" if kind == cls.CALIBRATION else "testing"

    @classmethod
    def stage(cls, kind: str) -> str:
        """The metrology library's stage: initial verification (also after repair) or in service."""
        return "in_service" if kind == cls.PERIODIC else "initial"


class Result(models.TextChoices):
    PASSED = "passed", _("Passed")
    # "Failed" alone is also a reminder's sending status (registry): the context keeps them apart
    FAILED = "failed", pgettext_lazy("verification result", "Failed")
    REPORTED = "reported", _("Results reported, no conformity statement")


class Verdict(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    NONE = "", _("No verdict")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    SUPERSEDED = "superseded", _("Superseded")
    REVOKED = "revoked", _("Revoked")


class Series(models.TextChoices):
    CERTIFICATE = "certificate", _("Certificate")
    RECORD = "record", _("Verification record")


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed: nothing issued")
