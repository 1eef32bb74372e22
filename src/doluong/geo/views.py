from django.utils.translation import gettext_lazy as _

from doluong.core.surface import Related, Surface

from . import filtersets, forms, tables
from .api import serializers
from .models import Commune, CommuneAlias, Province, ProvinceAlias

province = Surface(
    model=Province,
    filterset=filtersets.ProvinceFilterSet,
    table=tables.ProvinceTable,
    form=forms.ProvinceForm,
    serializer=serializers.ProvinceSerializer,
    namespace="geo",
    basename="province",
    route="provinces",
    nav_group="geo",
    nav_order=10,
    related=[
        Related(_("Old provinces merged into it"), lambda obj, user: obj.aliases.all()),
        Related(_("Communes"), lambda obj, user: obj.communes.all()),
    ],
)
commune = Surface(
    model=Commune,
    filterset=filtersets.CommuneFilterSet,
    table=tables.CommuneTable,
    form=forms.CommuneForm,
    serializer=serializers.CommuneSerializer,
    namespace="geo",
    basename="commune",
    route="communes",
    nav_group="geo",
    nav_order=20,
    select_related=["province"],
    related=[Related(_("Old communes merged into it"), lambda obj, user: obj.aliases.all())],
)
province_alias = Surface(
    model=ProvinceAlias,
    filterset=filtersets.ProvinceAliasFilterSet,
    table=tables.ProvinceAliasTable,
    form=forms.ProvinceAliasForm,
    serializer=serializers.ProvinceAliasSerializer,
    namespace="geo",
    basename="provincealias",
    route="old-provinces",
    nav_group="geo",
    nav_order=30,
    select_related=["province"],
)
commune_alias = Surface(
    model=CommuneAlias,
    filterset=filtersets.CommuneAliasFilterSet,
    table=tables.CommuneAliasTable,
    form=forms.CommuneAliasForm,
    serializer=serializers.CommuneAliasSerializer,
    namespace="geo",
    basename="communealias",
    route="old-communes",
    nav_group="geo",
    nav_order=40,
    select_related=["commune__province"],
)

SURFACES = [province, commune, province_alias, commune_alias]
