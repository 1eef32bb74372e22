import django_tables2 as tables

from doluong.core.tables import BaseTable

from .models import Commune, CommuneAlias, Province, ProvinceAlias


class ProvinceTable(BaseTable):
    code = tables.Column(linkify=True)
    name = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Province
        fields = ["code", "name", "type", "merged_from", "effective_from"]


class CommuneTable(BaseTable):
    code = tables.Column(linkify=True)
    name = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Commune
        fields = ["code", "name", "type", "province", "effective_from"]


class ProvinceAliasTable(BaseTable):
    old_name = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = ProvinceAlias
        fields = ["old_code", "old_name", "province", "merge_type"]


class CommuneAliasTable(BaseTable):
    old_name = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = CommuneAlias
        fields = ["old_code", "old_name", "commune", "merge_type"]
