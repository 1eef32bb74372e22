from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "doluong.exchange"
    label = "exchange"
    verbose_name = _("Exchange with other systems")

    def ready(self):
        from . import outbox

        outbox.connect()
