"""The exchange's settings come from the environment (settings.py's env_* readers, as every other setting): a
fresh interpreter with the variables set reads them, a bad value stops it naming the variable, and the exchange
code reads the settings it is given."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from doluong.exchange import aggregate, delivery, signing
from doluong.exchange.models import allowed_hosts

NAMES = [
    "DOLUONG_NATIONAL_MODE",
    "DOLUONG_NATIONAL_REFUSAL_LIMIT",
    "DOLUONG_NATIONAL_SECRET_GRACE_HOURS",
    "DOLUONG_NATIONAL_REFUSAL_COUNT_RETENTION_DAYS",
    "DOLUONG_NATIONAL_BATCH_MAX",
    "DOLUONG_EXCHANGE_ALLOWED_HOSTS",
    "DOLUONG_EXCHANGE_KEY_FILE",
    "DOLUONG_EXCHANGE_TIMEOUT_SECONDS",
    "DOLUONG_EXCHANGE_DELIVERY_BATCH",
]

READ = (
    "import json, django; from django.conf import settings; django.setup(); "
    f"print(json.dumps({{n: getattr(settings, n) for n in {NAMES!r}}}))"
)


def settings_with(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in NAMES}
    clean["DJANGO_SETTINGS_MODULE"] = "doluong.settings"
    return subprocess.run(
        [sys.executable, "-c", READ], env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def test_the_defaults_and_the_values_from_the_environment(tmp_path):
    defaults = settings_with()
    assert defaults.returncode == 0, defaults.stderr
    assert json.loads(defaults.stdout) == {
        "DOLUONG_NATIONAL_MODE": False,
        "DOLUONG_NATIONAL_REFUSAL_LIMIT": 30,
        "DOLUONG_NATIONAL_SECRET_GRACE_HOURS": 24,
        "DOLUONG_NATIONAL_REFUSAL_COUNT_RETENTION_DAYS": 90,
        "DOLUONG_NATIONAL_BATCH_MAX": 500,
        "DOLUONG_EXCHANGE_ALLOWED_HOSTS": ["127.0.0.1", "localhost"],
        "DOLUONG_EXCHANGE_KEY_FILE": "",
        "DOLUONG_EXCHANGE_TIMEOUT_SECONDS": 10,
        "DOLUONG_EXCHANGE_DELIVERY_BATCH": 100,
    }
    key = str(tmp_path / "exchange.json")
    given = settings_with(
        DOLUONG_NATIONAL_MODE="1",
        DOLUONG_NATIONAL_REFUSAL_LIMIT="7",
        DOLUONG_NATIONAL_SECRET_GRACE_HOURS="48",
        DOLUONG_NATIONAL_REFUSAL_COUNT_RETENTION_DAYS="30",
        DOLUONG_NATIONAL_BATCH_MAX="50",
        DOLUONG_EXCHANGE_ALLOWED_HOSTS="receiver.internal, 10.0.0.5",
        DOLUONG_EXCHANGE_KEY_FILE=key,
        DOLUONG_EXCHANGE_TIMEOUT_SECONDS="3",
        DOLUONG_EXCHANGE_DELIVERY_BATCH="20",
    )
    assert given.returncode == 0, given.stderr
    assert json.loads(given.stdout) == {
        "DOLUONG_NATIONAL_MODE": True,
        "DOLUONG_NATIONAL_REFUSAL_LIMIT": 7,
        "DOLUONG_NATIONAL_SECRET_GRACE_HOURS": 48,
        "DOLUONG_NATIONAL_REFUSAL_COUNT_RETENTION_DAYS": 30,
        "DOLUONG_NATIONAL_BATCH_MAX": 50,
        "DOLUONG_EXCHANGE_ALLOWED_HOSTS": ["receiver.internal", "10.0.0.5"],
        "DOLUONG_EXCHANGE_KEY_FILE": key,
        "DOLUONG_EXCHANGE_TIMEOUT_SECONDS": 3,
        "DOLUONG_EXCHANGE_DELIVERY_BATCH": 20,
    }


@pytest.mark.parametrize(
    "name,value",
    [("DOLUONG_EXCHANGE_TIMEOUT_SECONDS", "ten"), ("DOLUONG_NATIONAL_MODE", "maybe")],
)
def test_a_bad_value_stops_the_start_naming_the_variable(name, value):
    result = settings_with(**{name: value})
    assert result.returncode != 0 and name in result.stderr and "ImproperlyConfigured" in result.stderr


def test_the_exchange_reads_the_settings(settings, tmp_path):
    settings.DOLUONG_EXCHANGE_TIMEOUT_SECONDS = 3
    settings.DOLUONG_EXCHANGE_DELIVERY_BATCH = 20
    settings.DOLUONG_EXCHANGE_ALLOWED_HOSTS = ["receiver.internal"]
    settings.DOLUONG_EXCHANGE_KEY_FILE = str(tmp_path / "k.json")
    settings.DOLUONG_NATIONAL_SECRET_GRACE_HOURS = 48
    settings.DOLUONG_NATIONAL_REFUSAL_COUNT_RETENTION_DAYS = 30
    settings.DOLUONG_NATIONAL_BATCH_MAX = 50
    assert delivery.timeout() == 3 and delivery.batch_default() == 20
    assert allowed_hosts() == ("receiver.internal",)
    assert signing.key_file() == tmp_path / "k.json"
    assert aggregate.secret_grace().total_seconds() == 48 * 3600
    assert aggregate.refusal_count_retention_days() == 30 and aggregate.batch_max() == 50
