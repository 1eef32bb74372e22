from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "doluong.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        # Every app declares its surfaces in <app>/views.py (and calculators in <app>/progress.py); importing them
        # here fills the registries at start-up, so get_absolute_url() and the menu never depend on whether the
        # URLconf was loaded first (core.plugins lists every extension point).
        from . import access, plugins

        plugins.load_all()
        # Every app declares its rows of the permission table in <app>/permissions.py (core.access).
        access.collect()
        # the input folder of background jobs (core.jobs) joins the upload folders that clean_uploads empties
        from . import jobs  # noqa: F401
