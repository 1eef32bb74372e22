from decimal import Decimal

from doluong.programs.progress import COUNT, calculator
from doluong.programs.sources import SOURCES

SOURCES.register("plugin_count", "Plugin: things counted")


@calculator("plugin_count", COUNT, "Counts the plugin's things.")
def plugin_count(target, start, end):
    return Decimal(7)
