"""How an app plugs in: what each doluong app contributes, found by `core` without naming the app.

An app is its folder plus one line in `INSTALLED_APPS`. `core` walks the installed apps in `INSTALLED_APPS` order —
the dependency order, bottom first — and reads, for each app whose name starts with ``doluong.``:

AppConfig attributes (`<app>/apps.py`)
    ``menu = MenuGroup(title, order)``      the app's menu group (its surfaces and nav links are listed in it)
    ``url_prefix = "registry/"``            where `<app>/urls.py` is mounted (default: the app label + "/")
    ``scope_source = "dotted.path"``        the function that turns a user into scope facts (one app: parties)
    ``reminder_commands = ("cmd", …)``      the periodic reminder commands `doluong manage reminders` runs

Conventional modules (each optional)
    ``views.py``        ``SURFACES``: the models' surfaces (menu entries, pages, API viewsets); ``nav_link(...)``
    ``urls.py``         the app's pages (``app_name`` = its namespace), included under ``url_prefix``
    ``public_urls.py``  pages mounted at the site root (the public certificate check)
    ``permissions.py``  ``PERMISSIONS``: the app's rows of the permission table (`core.access`)
    ``home.py``         ``panels(request) -> list[Panel]``: the app's blocks of the home page, per role
    ``demo.py``         ``build(ctx) -> dict``: the app's demo data (run in app order inside one transaction)
    ``reference.py``    ``load(stdout) -> str``: the reference data the app ships (`doluong manage load_reference`)
    ``progress.py``     plan-progress calculators (``programs.progress.calculator``), imported at start-up

docs/architecture.md lists the same, with an example app (tests/plugin_app).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from django.apps import AppConfig, apps
from django.utils.module_loading import import_string

PREFIX = "doluong."


@dataclass(frozen=True)
class MenuGroup:
    """An app's group in the menu: its title and place (lower first)."""

    title: Any
    order: int = 100


def doluong_apps(*, include_core: bool = False) -> Iterator[AppConfig]:
    """The installed apps that plug into doluong, in INSTALLED_APPS (dependency) order.

    Any installed app may plug in: a doluong app by its name, another (a test app, a third-party extension) by
    declaring ``doluong_plugin = True`` on its AppConfig."""
    for config in apps.get_app_configs():
        if config.name == "doluong.core" and not include_core:
            continue
        if config.name.startswith(PREFIX) or getattr(config, "doluong_plugin", False):
            yield config


def app_module(config: AppConfig, name: str) -> ModuleType | None:
    """`<app>.<name>` if the app has such a module (an ImportError inside it is raised, not hidden)."""
    dotted = f"{config.name}.{name}"
    if importlib.util.find_spec(dotted) is None:
        return None
    return importlib.import_module(dotted)


def app_modules(name: str, *, include_core: bool = False) -> Iterator[tuple[AppConfig, ModuleType]]:
    for config in doluong_apps(include_core=include_core):
        module = app_module(config, name)
        if module is not None:
            yield config, module


def menu_groups() -> list[tuple[str, Any]]:
    """(group key = app label, title) of every app that declares a menu group, in menu order."""
    groups = [
        (c.menu.order, index, c.label, c.menu.title)
        for index, c in enumerate(doluong_apps())
        if getattr(c, "menu", None) is not None
    ]
    return [(label, title) for _order, _index, label, title in sorted(groups)]


def url_prefix(config: AppConfig) -> str:
    return getattr(config, "url_prefix", f"{config.label}/")


def scope_source():
    """The function `user -> iterable of core.scope.Scope` declared by one app (`scope_source`), or None."""
    found = [c.scope_source for c in doluong_apps() if getattr(c, "scope_source", None)]
    if len(found) > 1:
        raise RuntimeError(f"two apps declare scope_source: {found}")
    return import_string(found[0]) if found else None


def reminder_commands() -> list[tuple[str, str]]:
    """(app label, command name) of every reminder command the apps declare, in app order."""
    return [(c.label, name) for c in doluong_apps() for name in getattr(c, "reminder_commands", ())]


def load_all() -> None:
    """Import the modules that register things at import time (surfaces, nav links, calculators)."""
    for name in ("views", "progress"):
        for _config, _module in app_modules(name):
            pass
