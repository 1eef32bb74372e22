"""load_reference names the metrology library's MPE table for the types it covers, and keeps an admin's choice."""

import io

import pytest
from django.core.management import call_command

from doluong.metrology import mpe
from doluong.registry.models import InstrumentType

pytestmark = pytest.mark.django_db


def test_mpe_rules_are_loaded_and_known_to_the_library():
    rules = dict(InstrumentType.objects.exclude(mpe_rule="").values_list("code", "mpe_rule"))
    assert rules["19"] == "fuel_dispenser" and rules["8.1"] == "nawi" and rules["21.1"] == "water_meter"
    assert set(rules.values()) <= set(mpe.instrument_types())


def test_reload_keeps_an_administrators_choice():
    InstrumentType.objects.filter(code="10").update(mpe_rule="")
    InstrumentType.objects.filter(code="8.1").update(mpe_rule="water_meter")  # deliberately odd, by hand
    call_command("load_reference", stdout=io.StringIO())
    assert InstrumentType.objects.get(code="10").mpe_rule == "nawi"  # empty again → filled
    assert InstrumentType.objects.get(code="8.1").mpe_rule == "water_meter"  # an admin's value stays
