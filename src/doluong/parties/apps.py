from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from doluong.core.plugins import MenuGroup


class PartiesConfig(AppConfig):
    name = "doluong.parties"
    label = "parties"
    menu = MenuGroup(_("Organisations"), order=40)
    scope_source = "doluong.parties.scope.memberships"
    verbose_name = _("Organisations and people")
