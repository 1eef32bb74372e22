from doluong.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "plugin_app"]  # noqa: F405  (the one line that adds an app)
