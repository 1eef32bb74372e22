"""Provinces and communes of Vietnam (the 34 provinces and 3,321 communes in force since 01/07/2025).

Official codes are the primary keys, so every large table can carry a province code directly. Old (pre-2025)
units are kept as aliases pointing to the unit they went into, so legacy addresses still resolve.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from doluong.core.models import SearchableModel
from doluong.core.text import fold

from .choices import CommuneType, MergeType, ProvinceType


class Province(SearchableModel):
    """A province-level unit (tỉnh / thành phố trực thuộc trung ương)."""

    code = models.CharField(_("code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    type = models.CharField(_("type"), max_length=10, choices=ProvinceType.choices)
    merged_from = models.CharField(_("merged from"), max_length=200, blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)

    natural_key_fields = ("code", "name")
    search_fields = ("code", "name", "merged_from")

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name

    @property
    def short_name(self) -> str:
        for prefix in ("Thành phố ", "Tỉnh "):
            if self.name.startswith(prefix):
                return self.name[len(prefix) :]
        return self.name


class Commune(SearchableModel):
    """A commune-level unit (xã, phường, đặc khu); there is no district level since 2025."""

    code = models.CharField(_("code"), max_length=5, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    type = models.CharField(_("type"), max_length=10, choices=CommuneType.choices)
    province = models.ForeignKey(
        Province, models.PROTECT, related_name="communes", verbose_name=_("province")
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)

    natural_key_fields = ("code",)
    search_fields = ("code", "name", "province__name")

    class Meta:
        ordering = ["province_id", "name"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")

    def __str__(self) -> str:
        return f"{self.name}, {self.province.short_name}" if self.province_id else self.name

    @classmethod
    def narrow_choices(cls, queryset, who):
        """In a select, a provincial user picks among their own province's communes."""
        if who.is_admin or not who.province_ids:
            return queryset.select_related("province")
        return queryset.filter(province_id__in=who.province_ids).select_related("province")


class ProvinceAlias(SearchableModel):
    """A pre-2025 province and the province it went into."""

    old_code = models.CharField(_("old code"), max_length=2)
    old_name = models.CharField(_("old name"), max_length=100)
    province = models.ForeignKey(
        Province, models.CASCADE, related_name="aliases", verbose_name=_("new province")
    )
    merge_type = models.CharField(_("merge type"), max_length=10, choices=MergeType.choices)

    natural_key_fields = ("old_code",)
    search_fields = ("old_code", "old_name")

    class Meta:
        ordering = ["old_code"]
        constraints = [
            models.UniqueConstraint(fields=["old_code", "province"], name="geo_province_alias_unique")
        ]
        verbose_name = _("old province")
        verbose_name_plural = _("old provinces")

    def __str__(self) -> str:
        return f"{self.old_name} → {self.province}"


class CommuneAlias(SearchableModel):
    """A pre-2025 commune and a new commune it went into (partial merges have several rows)."""

    old_code = models.CharField(_("old code"), max_length=5)
    old_name = models.CharField(_("old name"), max_length=100)
    commune = models.ForeignKey(
        Commune, models.CASCADE, related_name="aliases", verbose_name=_("new commune")
    )
    merge_type = models.CharField(_("merge type"), max_length=10, choices=MergeType.choices)

    natural_key_fields = ("old_code",)
    search_fields = ("old_code", "old_name")

    class Meta:
        ordering = ["old_code"]
        constraints = [
            models.UniqueConstraint(fields=["old_code", "commune"], name="geo_commune_alias_unique")
        ]
        verbose_name = _("old commune")
        verbose_name_plural = _("old communes")

    def __str__(self) -> str:
        return f"{self.old_name} → {self.commune}"


_PROVINCE_PREFIXES = ("thanh pho ", "tinh ", "tp. ", "tp ")


def resolve_province(text: str) -> Province | None:
    """Resolve a province by code or name, old (pre-2025) or new: "tỉnh Bình Thuận" → Lâm Đồng."""
    key = fold(text)
    if not key:
        return None
    if key.isdigit():
        code = key.zfill(2)
        found = Province.objects.filter(pk=code).first()
        if found:
            return found
        alias = ProvinceAlias.objects.filter(old_code=code).select_related("province").first()
        return alias.province if alias else None
    for prefix in _PROVINCE_PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix) :]
            break
    for province in Province.objects.all():
        if fold(province.short_name) == key or fold(province.name) == key:
            return province
    for alias in ProvinceAlias.objects.select_related("province"):
        name = fold(alias.old_name)
        for prefix in _PROVINCE_PREFIXES:
            if name.startswith(prefix):
                name = name[len(prefix) :]
                break
        if name == key:
            return alias.province
    return None
