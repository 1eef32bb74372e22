from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from doluong.core.plugins import MenuGroup


class GeoConfig(AppConfig):
    name = "doluong.geo"
    label = "geo"
    menu = MenuGroup(_("Administrative units"), order=50)
    verbose_name = _("Administrative units")
