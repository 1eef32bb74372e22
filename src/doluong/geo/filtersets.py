import django_filters

from doluong.core.filtersets import BaseFilterSet

from .models import Commune, CommuneAlias, Province, ProvinceAlias


class ProvinceFilterSet(BaseFilterSet):
    class Meta:
        model = Province
        fields = ["type"]


class CommuneFilterSet(BaseFilterSet):
    province = django_filters.ModelChoiceFilter(queryset=Province.objects.all())

    class Meta:
        model = Commune
        fields = ["province", "type"]


class ProvinceAliasFilterSet(BaseFilterSet):
    province = django_filters.ModelChoiceFilter(queryset=Province.objects.all())

    class Meta:
        model = ProvinceAlias
        fields = ["province", "merge_type"]


class CommuneAliasFilterSet(BaseFilterSet):
    commune__province = django_filters.ModelChoiceFilter(queryset=Province.objects.all())

    class Meta:
        model = CommuneAlias
        fields = ["commune__province", "merge_type"]
