"""A tiny app that plugs into doluong with its folder and one line in INSTALLED_APPS (tests/core/test_plugins.py):
no edit of core or of the URLconf."""

from django.apps import AppConfig

from doluong.core.plugins import MenuGroup


class PluginAppConfig(AppConfig):
    name = "plugin_app"
    label = "plugin_app"
    doluong_plugin = True  # not under doluong.*: says it plugs in
    menu = MenuGroup("Plugin", order=99)
    url_prefix = "plugin/"
    reminder_commands = ("plugin_reminders",)
