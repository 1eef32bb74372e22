from doluong.core.api import make_serializer

from ..forms import CommuneAliasForm, CommuneForm, ProvinceAliasForm, ProvinceForm
from ..models import Commune, CommuneAlias, Province, ProvinceAlias

ProvinceSerializer = make_serializer(Province, ProvinceForm._meta.fields)
CommuneSerializer = make_serializer(Commune, CommuneForm._meta.fields)
ProvinceAliasSerializer = make_serializer(ProvinceAlias, ProvinceAliasForm._meta.fields)
CommuneAliasSerializer = make_serializer(CommuneAlias, CommuneAliasForm._meta.fields)
