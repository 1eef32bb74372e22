from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from doluong.core.plugins import MenuGroup


class InspectionsConfig(AppConfig):
    name = "doluong.inspections"
    label = "inspections"
    menu = MenuGroup(_("State inspection"), order=60)
    verbose_name = _("State metrological inspection")
    #: the notice added to the public certificate check (verification.public.with_notices)
    public_check_notices = "doluong.inspections.public.notices"
