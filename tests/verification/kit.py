"""A valid set of inputs for `do_record_verification` taken from the demo: Cần Thơ's main provider, a spring dial
scale, a verifier whose card covers it, a valid standard, three points within the scale's MPE. The `kit` fixture
(tests/verification/conftest.py) and the restored-site child process (tests/core/backup_child.py) both use it."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace


def build_kit(days_ago: int = 3) -> SimpleNamespace:
    from django.contrib.auth import get_user_model

    from doluong.core.dates import today
    from doluong.parties.models import Organisation, Verifier
    from doluong.registry.models import Instrument, InstrumentType, MeasurementStandard

    provider = Organisation.objects.get(short_name="TTKT TĐC Cần Thơ")
    itype = InstrumentType.objects.get(code="8.1")
    assert itype.mpe_rule == "nawi"
    day = today() - dt.timedelta(days=days_ago)
    verifier = Verifier.objects.filter(
        organisation=provider, valid_until__gte=day, issued_on__lte=day
    ).first()
    verifier.instrument_types.add(itype)
    standard = MeasurementStandard.objects.filter(
        holder=provider, valid_until__gte=day, calibrated_on__lte=day
    ).first()
    standard.instrument_types.add(itype)
    instrument = Instrument.objects.filter(instrument_type=itype, province_id="92").order_by("pk").first()
    staff = get_user_model().objects.get(username="ct.kiemdinh")

    def args(**overrides):
        base = dict(
            user=staff,
            kind="periodic",
            provider=provider,
            instrument=instrument,
            verifier=verifier,
            performed_on=day,
            standards=[standard],
            points=[
                {"label": "5 kg", "nominal": "5", "found": "5.1", "unit": "kg"},
                {"label": "30 kg", "nominal": "30", "found": "30.2", "unit": "kg"},
                {"label": "60 kg", "nominal": "60", "found": "59.8", "unit": "kg"},
            ],
            accuracy_class="IIII",
            mpe_params={"e": "0.2", "Max": "60"},
            procedure="ĐLVN 30:2019",
            place="Chợ Ninh Kiều",
        )
        base.update(overrides)
        return base

    return SimpleNamespace(
        provider=provider,
        itype=itype,
        day=day,
        verifier=verifier,
        standard=standard,
        instrument=instrument,
        staff=staff,
        args=args,
    )
