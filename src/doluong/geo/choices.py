from django.db import models
from django.utils.translation import gettext_lazy as _


class ProvinceType(models.TextChoices):
    CITY = "city", _("Centrally-run city")
    PROVINCE = "province", _("Province")


class CommuneType(models.TextChoices):
    XA = "xa", _("Commune (xã)")
    PHUONG = "phuong", _("Ward (phường)")
    DAC_KHU = "dac_khu", _("Special zone (đặc khu)")


class MergeType(models.TextChoices):
    FULL = "full", _("Whole unit")
    PARTIAL = "partial", _("Part of the unit")
