import importlib

from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "doluong.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        # Every app declares its surfaces in <app>/views.py; importing them here fills the surface registry at
        # start-up, so get_absolute_url() and the menu never depend on whether the URLconf was loaded first.
        for config in apps.get_app_configs():
            if config.name.startswith("doluong.") and importlib.util.find_spec(f"{config.name}.views"):
                importlib.import_module(f"{config.name}.views")
        # Every app declares its rows of the permission table in <app>/permissions.py (core.access).
        from . import access

        access.collect()
        # the input folder of background jobs (core.jobs) joins the upload folders that clean_uploads empties
        from . import jobs  # noqa: F401
