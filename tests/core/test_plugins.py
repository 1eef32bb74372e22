"""Adding an app is its folder plus one line in INSTALLED_APPS: tests/plugin_app contributes a menu group and
link, pages under its URL prefix, a home panel, a demo builder, a reference loader, a plan-progress data source,
a reminder command and a demo login, and `core` finds every one (in a child process with tests/plugin_app/settings.py)."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

TESTS = pathlib.Path(__file__).resolve().parents[1]

CHILD = r"""
import json
import django
django.setup()
from django.test import Client
from django.urls import reverse
from doluong.core import plugins
from doluong.core.surface import NAV_LINKS
from doluong.programs.progress import CALCULATORS
from doluong.programs.models import Target
import doluong.urls  # noqa: F401

client = Client()
plugged = any(c.label == "plugin_app" for c in plugins.doluong_apps())
out = {
    "groups": [label for label, _title in plugins.menu_groups()],
    "links": [l.url_name for l in NAV_LINKS if l.group == "plugin_app"],
    "url": reverse("plugin_app:hello") if plugged else None,
    "page": client.get("/plugin/hello/").content.decode() if plugged else None,
    "home": [c.label for c, _m in plugins.app_modules("home")],
    "demo": [c.label for c, _m in plugins.app_modules("demo")],
    "reference": [c.label for c, _m in plugins.app_modules("reference")],
    "reminders": plugins.reminder_commands(),
    "calculator": "plugin_count" in CALCULATORS,
    "choice": "plugin_count" in dict(Target._meta.get_field("source").choices),
    "personas": [p.username for p in __import__("doluong.core.personas", fromlist=["x"]).PERSONAS],
}
print(json.dumps(out))
"""


def _run(settings: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings, "PYTHONPATH": str(TESTS)}
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_an_app_plugs_in_with_one_line():
    found = _run("plugin_app.settings")
    assert found["groups"][-1] == "plugin_app"
    assert found["links"] == ["plugin_app:hello"]
    assert found["url"] == "/plugin/hello/"
    assert found["page"] == "plugin says hello"
    for point in ("home", "demo", "reference"):
        assert found[point][-1] == "plugin_app", point
    assert ["plugin_app", "plugin_reminders"] in found["reminders"]
    assert found["calculator"] and found["choice"]
    assert found["personas"][-1] == "ct.plugin" and "ct.sokhcn" in found["personas"]


def test_without_the_line_nothing_of_it_is_there():
    found = _run("doluong.settings")
    assert "plugin_app" not in found["groups"] and not found["links"] and not found["calculator"]
    # the project's own apps first, in INSTALLED_APPS order; apps added after programs (inspections …) may follow
    assert (
        found["demo"][:4] == ["parties", "registry", "verification", "programs"]
        and "plugin_app" not in found["demo"]
    )
    assert found["reference"][:2] == ["geo", "registry"] and "plugin_app" not in found["reference"]
    assert "ct.plugin" not in found["personas"]


def test_the_reminders_command_runs_every_apps_reminder_kind(monkeypatch):
    import io

    from django.core import management

    from doluong.core.plugins import reminder_commands

    assert reminder_commands() == [
        ("registry", "send_reminders"),
        ("programs", "send_report_reminders"),
        ("assurance", "send_programme_reminders"),
        ("assurance", "send_calibration_plan_reminders"),
    ]
    KINDS = (
        "send_reminders",
        "send_report_reminders",
        "send_programme_reminders",
        "send_calibration_plan_reminders",
    )
    ran = []
    real = management.call_command

    def record(name, *args, **kwargs):
        if name in KINDS:
            ran.append(name)
            return None
        return real(name, *args, **kwargs)

    monkeypatch.setattr("doluong.core.management.commands.reminders.call_command", record)
    out = io.StringIO()
    real("reminders", "--list", stdout=out)
    assert ran == [] and "registry: send_reminders" in out.getvalue()
    real("reminders", stdout=io.StringIO())
    assert ran == list(KINDS)
