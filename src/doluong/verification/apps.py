from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from doluong.core.plugins import MenuGroup


class VerificationConfig(AppConfig):
    name = "doluong.verification"
    label = "verification"
    menu = MenuGroup(_("Verification"), order=20)
    verbose_name = _("Verification and certificates")

    def ready(self):
        from . import checks  # noqa: F401  (registers the secrets checks)
