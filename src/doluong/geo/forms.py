from doluong.core.forms import BaseModelForm

from .models import Commune, CommuneAlias, Province, ProvinceAlias


class ProvinceForm(BaseModelForm):
    class Meta:
        model = Province
        fields = ["code", "name", "type", "merged_from", "effective_from", "effective_to", "legal_basis"]


class CommuneForm(BaseModelForm):
    class Meta:
        model = Commune
        fields = ["code", "name", "type", "province", "effective_from", "effective_to"]


class ProvinceAliasForm(BaseModelForm):
    class Meta:
        model = ProvinceAlias
        fields = ["old_code", "old_name", "province", "merge_type"]


class CommuneAliasForm(BaseModelForm):
    class Meta:
        model = CommuneAlias
        fields = ["old_code", "old_name", "commune", "merge_type"]
