from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from doluong.core.plugins import MenuGroup


class CoverageConfig(AppConfig):
    name = "doluong.coverage"
    label = "coverage"
    menu = MenuGroup(_("Coverage"), order=15)
    verbose_name = _("Coverage of the verification demand")
