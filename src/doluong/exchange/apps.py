from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from doluong.core.plugins import MenuGroup


class ExchangeConfig(AppConfig):
    name = "doluong.exchange"
    label = "exchange"
    verbose_name = _("Exchange with other systems")
    menu = MenuGroup(_("Exchange with other systems"), order=90)

    def ready(self):
        from . import outbox

        outbox.connect()
