from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from doluong.core.plugins import MenuGroup


class ProgramsConfig(AppConfig):
    name = "doluong.programs"
    label = "programs"
    menu = MenuGroup(_("Plans"), order=10)
    reminder_commands = ("send_report_reminders",)
    verbose_name = _("Metrology plans")
