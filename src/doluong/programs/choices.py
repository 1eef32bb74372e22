from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanKind(models.TextChoices):
    KE_HOACH = "ke_hoach", _("Plan (kế hoạch)")
    QUYET_DINH = "quyet_dinh", _("Decision (quyết định)")
    CHUONG_TRINH = "chuong_trinh", _("Programme (chương trình)")
    DE_AN = "de_an", _("Scheme (đề án)")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_FORCE = "in_force", _("In force")
    COMPLETED = "completed", _("Completed")
    UNKNOWN = "unknown", _("Not known")


class Comparator(models.TextChoices):
    GTE = ">=", "≥"
    GT = ">", ">"
    LTE = "<=", "≤"
    EQ = "=", "="


class Unit(models.TextChoices):
    NGUOI = "nguoi", _("people")
    LUOT_NGUOI = "luot_nguoi", _("person-attendances (lượt người)")
    LUOT_DOANH_NGHIEP = "luot_doanh_nghiep", _("enterprise engagements (lượt doanh nghiệp)")
    DOANH_NGHIEP = "doanh_nghiep", _("enterprises")
    PHONG_THI_NGHIEM = "phong_thi_nghiem", _("laboratories")
    CHUAN = "chuan", _("standards")
    PERCENT = "percent", "%"
    TO_CHUC = "to_chuc", _("organisations")
    HOI_NGHI = "hoi_nghi", _("conferences")
    LOP = "lop", _("courses")
    TIN_BAI = "tin_bai", _("news items")
    PHUONG_TIEN_DO = "phuong_tien_do", _("measuring instruments")
    OTHER = "other", _("other")


class TimelineKind(models.TextChoices):
    YEARLY = "yearly", _("Every year")
    BY_DATE = "by_date", _("By a date")
    ONGOING = "ongoing", _("Continuous")
    PERIOD = "period", _("Over a period")
    OTHER = "other", _("Other")


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    DELAYED = "delayed", _("Behind schedule")


class Frequency(models.TextChoices):
    YEARLY = "yearly", _("Yearly")
    HALF_YEARLY = "half_yearly", _("Half-yearly")
    QUARTERLY = "quarterly", _("Quarterly")
    ON_REQUEST = "on_request", _("On request")
    FINAL = "final", _("Final (closing) report")
    PERIODIC = "periodic", _("Periodic (interval not stated)")
    AD_HOC = "ad_hoc", _("When difficulties arise")


class ReporterKind(models.TextChoices):
    DEPARTMENTS = "departments", _("Provincial departments and agencies")
    COMMUNES = "communes", _("Commune People's Committees")
    ALL_UNITS = "all_units", _("All units concerned")
    DOST = "dost", _("Department of Science and Technology")
    OTHER = "other", _("Other")


class EventKind(models.TextChoices):
    CONFERENCE = "conference", _("Conference")
    WORKSHOP = "workshop", _("Workshop")
    DISSEMINATION = "dissemination", _("Legal dissemination session")
    METROLOGY_DAY = "metrology_day", _("Vietnam Metrology Day (20/01)")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    PRESS = "press", _("Newspaper")
    RADIO = "radio", _("Radio")
    TELEVISION = "television", _("Television")
    PORTAL = "portal", _("Web portal")
    SOCIAL = "social", _("Social media")
    PRINT = "print", _("Leaflet or poster")
    OTHER = "other", _("Other")


class MapKind(models.TextChoices):
    SERVICE_SUPPORT = "service_support", _("Verification, calibration or testing support")
    METHOD = "method", _("Measurement-method development")
    PREPACKAGE = "prepackage", _("Pre-packaged quantity control")


class SupportKind(models.TextChoices):
    INVESTED = "invested", _("Invested by the state")
    SUPPORTED = "supported", _("Supported")
    SOCIALISED = "socialised", _("Socialised (private investment encouraged)")


class AssessmentResult(models.TextChoices):
    MEETS = "meets", _("Meets the criteria")
    PARTLY = "partly", _("Partly meets the criteria")
    FAILS = "fails", _("Does not meet the criteria")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
