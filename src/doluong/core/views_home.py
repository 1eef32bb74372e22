"""The landing page: a header, then the panels every app contributes for the user's role.

Each app may have `<app>/home.py` with `panels(request) -> list[Panel]`; what a panel shows, and whether it shows
at all, follows from the permission table (`core.access.can`, `restrict()`), never from a role name: the registry
contributes the instrument figures to those who may view instruments, the plans app the report a unit owes to
those who write unit reports, and so on (docs/architecture.md, extension points).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .dates import today
from .plugins import app_modules
from .scope import principal


@dataclass
class Panel:
    """A block of the home page contributed by an app: a template and its context, in `order`. `scripts` are
    static files the panel needs (a chart), loaded once at the end of the page."""

    template: str
    context: dict = field(default_factory=dict)
    order: int = 100
    scripts: tuple[str, ...] = ()


def app_panels(request) -> list[Panel]:
    panels: list[Panel] = []
    for _config, module in app_modules("home"):
        panels.extend(module.panels(request))
    return sorted(panels, key=lambda p: p.order)


@login_required
def home(request):
    panels = app_panels(request)
    scripts = list(dict.fromkeys(script for panel in panels for script in panel.scripts))
    return render(
        request,
        "core/home.html",
        {
            "is_admin": principal(request.user).is_admin,
            "today": today(),
            "panels": panels,
            "header_panels": [p for p in panels if p.order < 0],
            "body_panels": [p for p in panels if p.order >= 0],
            "scripts": scripts,
        },
    )
