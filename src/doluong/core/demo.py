"""`doluong demo`: the demo data of every app, built in app (dependency) order inside one transaction.

Each app may have `<app>/demo.py` with `build(ctx: Ctx) -> dict` (the counts it adds to the summary); they share
one `Ctx`: the seeded random generator, the administrator, the day, and what earlier apps left for later ones
(`orgs`, `groups`, `providers`, `communes`). Cần Thơ (92) and Đồng Tháp (82) with their real communes, synthetic
but realistic organisations, providers, verifiers, standards and instruments, and the named logins of
`core.personas`. Deterministic for a given seed; fast enough to build in seconds.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from .dates import today
from .personas import DEMO_PASSWORD
from .plugins import app_modules


@dataclass
class Ctx:
    """What the apps' demo builders share (filled by them in app order)."""

    rng: random.Random
    admin: object
    today: dt.date
    instruments: int = 20000  # how many instruments the registry's demo makes
    orgs: dict = field(default_factory=dict)  # key → Organisation (parties; the keys of core.personas)
    groups: dict = field(default_factory=dict)  # (province, group) → [Organisation] (parties)
    providers: dict = field(default_factory=dict)  # province → [Organisation] (registry)
    communes: dict = field(default_factory=dict)  # province → [Commune] (parties)
    tax_seq: int = 1000
    mailbox_seq: int = 0


def build_demo(instruments: int = 20000, seed: int = 2026, stdout=None) -> dict:
    """Build the demo data into an empty database (reference data is loaded first)."""
    call_command("load_reference", stdout=stdout)
    with transaction.atomic():
        ctx = Ctx(rng=random.Random(seed), admin=_admin(), today=today(), instruments=instruments)
        summary: dict = {}
        for _config, module in app_modules("demo"):
            summary.update(module.build(ctx) or {})
    if stdout is not None:
        stdout.write(", ".join(f"{k}: {v}" for k, v in summary.items()) + "\n")
    return summary


def _admin():
    User = get_user_model()
    user, _ = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True, "first_name": "Quản trị hệ thống"}
    )
    user.is_staff = user.is_superuser = True
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user
