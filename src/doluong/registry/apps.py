from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from doluong.core.plugins import MenuGroup


class RegistryConfig(AppConfig):
    name = "doluong.registry"
    label = "registry"
    menu = MenuGroup(_("Registry"), order=30)
    reminder_commands = ("send_reminders",)
    verbose_name = _("Metrology registry")
