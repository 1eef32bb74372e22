from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from doluong.core.plugins import MenuGroup


class ExchangeConfig(AppConfig):
    name = "doluong.exchange"
    label = "exchange"
    verbose_name = _("Exchange with other systems")
    menu = MenuGroup(pgettext_lazy("menu", "Exchange"), order=90)

    def ready(self):
        from . import outbox

        outbox.connect()
