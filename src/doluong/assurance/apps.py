from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from doluong.core.plugins import MenuGroup


class AssuranceConfig(AppConfig):
    name = "doluong.assurance"
    label = "assurance"
    menu = MenuGroup(_("Measurement assurance"), order=15)
    reminder_commands = ("send_programme_reminders", "send_calibration_plan_reminders")
    verbose_name = _("Measurement assurance programme")
