from doluong.core.admin import register

from .models import Commune, CommuneAlias, Province, ProvinceAlias

register(Province, Commune, ProvinceAlias, CommuneAlias)
