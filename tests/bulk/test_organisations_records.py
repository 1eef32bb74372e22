"""Bulk loading of organisations (tax codes checked in SQL) and verification records (instrument dates moved)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError

from doluong.core.validators import make_tax_code, validate_tax_code

pytestmark = pytest.mark.django_db

ORG_HEADER = ["Tên", "Loại hình", "Mã số thuế", "Địa chỉ", "Tỉnh, thành phố", "Xã, phường", "Email"]


def _csv(header, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _tax_codes(count: int, start: int = 910000000) -> list[str]:
    codes = []
    n = start
    while len(codes) < count:
        code = make_tax_code(f"{n:09d}")
        if code:
            codes.append(code)
        n += 1
    return codes


def _wrong_check_digit(code: str) -> str:
    return code[:9] + str((int(code[9]) + 1) % 10)


def test_organisations_tax_codes_checked_like_the_validator(load):
    from doluong.geo.models import Commune, Province
    from doluong.parties.models import Organisation

    communes = list(Commune.objects.filter(province_id="92").order_by("code")[:3])
    province_name = Province.objects.get(pk="92").name
    good = _tax_codes(6)
    bad_digit = _wrong_check_digit(good[5])
    with pytest.raises(ValidationError):  # the independent check: the Python validator refuses it too
        validate_tax_code(bad_digit)
    rows = [
        ["Công ty TNHH Một", "Doanh nghiệp", good[0], "Số 1", "92", communes[0].code, "a@b.vn"],
        ["Công ty TNHH Hai", "enterprise", good[1] + "-001", "Số 2", province_name, "", ""],
        ["Hộ kinh doanh Ba", "household", "092123456789", "", "92", "", ""],
        ["Sai số kiểm tra", "enterprise", bad_digit, "", "92", "", ""],  # row 5
        ["Chi nhánh 000", "enterprise", good[2] + "-000", "", "92", "", ""],  # row 6
        ["Sai dạng", "enterprise", "12345", "", "92", "", ""],  # row 7
        ["Trùng", "enterprise", good[0], "", "92", "", ""],  # row 8
        ["Xã sai tỉnh", "enterprise", good[3], "", "92", "82001", ""],  # row 9 (commune unknown or elsewhere)
        ["Email sai", "enterprise", good[4], "", "92", "", "khong-phai-email"],  # row 10
        ["Loại lạ", "tàu vũ trụ", _tax_codes(1, 920000000)[0], "", "92", "", ""],  # row 11
    ]
    before = Organisation.objects.count()
    result = load("organisations", _csv(ORG_HEADER, rows))
    assert {(e.row, e.column) for e in result.errors} == {
        (5, "Mã số thuế"),
        (6, "Mã số thuế"),
        (7, "Mã số thuế"),
        (8, "Mã số thuế"),
        (9, "Xã, phường"),
        (10, "Email"),
        (11, "Loại hình"),
    }
    assert Organisation.objects.count() == before
    result = load("organisations", _csv(ORG_HEADER, rows), only_good=True)
    assert result.inserted == 3
    one = Organisation.objects.get(tax_code=good[0])
    assert (one.province_id, one.commune_id, one.kind) == ("92", communes[0].code, "enterprise")
    assert one.search_text == one.compute_search_text()
    assert Organisation.objects.get(tax_code=good[1] + "-001").province_id == "92"
    again = load("organisations", _csv(ORG_HEADER, rows[:3]))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)


def test_organisation_scope(load, user_for):
    rows = [
        ["Công ty CT", "enterprise", _tax_codes(1, 930000000)[0], "", "92", "", ""],
        ["Công ty ĐT", "enterprise", _tax_codes(1, 940000000)[0], "", "82", "", ""],
    ]
    result = load("organisations", _csv(ORG_HEADER, rows), user=user_for("ct.sokhcn"))
    assert [e.row for e in result.errors] == [3]


RECORD_HEADER = [
    "Số biên bản",
    "Loại hình",
    "Tổ chức kiểm định, hiệu chuẩn, thử nghiệm",
    "Loại phương tiện đo",
    "Nhà sản xuất",
    "Số sản xuất",
    "Ngày thực hiện",
    "Kết quả",
]


def test_records_move_instrument_dates_and_rerun_changes_nothing(load):
    from doluong.core.dates import add_months
    from doluong.parties.models import Organisation
    from doluong.registry.models import Instrument
    from doluong.verification.models import VerificationRecord
    from doluong.verification.permissions import servable_instruments

    provider = (
        Organisation.objects.filter(kind="service_provider", province_id="92").exclude(tax_code="").first()
    )
    instruments = [
        i
        for i in servable_instruments(provider, Instrument.objects.filter(province_id="92"))
        .exclude(serial="")
        .select_related("instrument_type")
        .order_by("pk")
        if i.instrument_type.rule_on(dt.date(2026, 1, 10)) is not None
    ][:5]
    day = dt.date(2026, 1, 10)
    rows = [
        [
            f"BULK-{n}",
            "Kiểm định định kỳ",
            provider.tax_code,
            i.instrument_type.code,
            i.manufacturer,
            i.serial,
            day.strftime("%d/%m/%Y"),
            "Đạt" if n % 2 == 0 else "failed",
        ]
        for n, i in enumerate(instruments)
    ]
    rows.append(
        ["BULK-0", "periodic", provider.tax_code, "1.2", "X", "NOPE", "10/01/2026", "passed"]
    )  # row 7
    rows.append(
        [
            "BULK-9",
            "periodic",
            provider.tax_code,
            instruments[0].instrument_type.code,
            instruments[0].manufacturer,
            instruments[0].serial,
            "10/01/2099",
            "passed",
        ]
    )  # row 8
    result = load("records", _csv(RECORD_HEADER, rows))
    assert {(e.row, e.column) for e in result.errors} == {
        (7, "Số sản xuất"),
        (7, "Số biên bản"),
        (8, "Ngày thực hiện"),
    }
    before = VerificationRecord.objects.count()
    result = load("records", _csv(RECORD_HEADER, rows[:5]))
    assert result.ok and result.inserted == 5
    assert VerificationRecord.objects.count() == before + 5
    for n, old in enumerate(instruments):
        record = VerificationRecord.objects.get(provider=provider, number=f"BULK-{n}")
        assert (record.province_id, record.commune_id, record.owner_id) == (
            old.province_id,
            old.commune_id,
            old.owner_id,
        )
        fresh = Instrument.objects.get(pk=old.pk)
        if n % 2 == 0 and (old.last_verified_on is None or old.last_verified_on < day):
            rule = old.instrument_type.rule_on(day)
            expected = add_months(day, rule.cycle_months) if rule.cycle_months else None
            assert (fresh.last_verified_on, fresh.valid_until, fresh.next_due) == (day, expected, expected)
            assert fresh.last_verified_by_id == provider.pk
        else:
            assert fresh.last_verified_on == old.last_verified_on
    again = load("records", _csv(RECORD_HEADER, rows[:5]))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5)
    assert VerificationRecord.objects.count() == before + 5


def test_records_scope_verifier_of_another_provider(load, user_for):
    from doluong.parties.models import Organisation
    from doluong.registry.models import Instrument

    provider = (
        Organisation.objects.filter(kind="service_provider", province_id="92").exclude(tax_code="").first()
    )
    from doluong.verification.permissions import servable_instruments

    # an instrument the provider may serve: the one refusal left is the verifier's organisation
    inst = (
        servable_instruments(provider, Instrument.objects.filter(province_id="92"))
        .exclude(serial="")
        .select_related("instrument_type")
        .first()
    )
    row = [
        "BULK-S",
        "periodic",
        provider.tax_code,
        inst.instrument_type.code,
        inst.manufacturer,
        inst.serial,
        "10/01/2026",
        "passed",
    ]
    result = load("records", _csv(RECORD_HEADER, [row]), user=user_for("dt.kdv"))
    assert [e.row for e in result.errors] == [2]


def _record_row(number, provider, inst, day="10/01/2026"):
    return [
        number,
        "periodic",
        provider.tax_code,
        inst.instrument_type.code,
        inst.manufacturer,
        inst.serial,
        day,
        "passed",
    ]


def test_records_only_for_instruments_the_provider_may_serve(load):
    """A bulk file is held to the web form's rule: the provider records only for a type of its registered scope or
    designation, in its province; a refused row names no field of the instrument."""
    from doluong.parties.models import Organisation
    from doluong.registry.models import Instrument
    from doluong.verification.models import VerificationRecord
    from doluong.verification.permissions import servable_instruments

    provider = (
        Organisation.objects.filter(kind="service_provider", province_id="92").exclude(tax_code="").first()
    )
    named = Instrument.objects.exclude(serial="").select_related("instrument_type").order_by("pk")
    servable = servable_instruments(provider, named).first()
    other_type = (
        named.filter(province_id="92").exclude(pk__in=servable_instruments(provider).values("pk")).first()
    )
    other_province = named.filter(province_id="82", instrument_type=servable.instrument_type).first()
    assert servable and other_type and other_province
    rows = [
        _record_row("SERVE-1", provider, servable),
        _record_row("SERVE-2", provider, other_type),  # row 3: type outside its scope
        _record_row("SERVE-3", provider, other_province),  # row 4: another province
    ]
    before = VerificationRecord.objects.count()
    result = load("records", _csv(RECORD_HEADER, rows))
    assert {(e.row, e.column) for e in result.errors} == {(3, "Số sản xuất"), (4, "Số sản xuất")}
    for error in result.errors:
        assert error.message == "Tổ chức này không được lập biên bản kiểm định cho phương tiện đo này."
        assert other_province.owner.name not in error.message
    assert VerificationRecord.objects.count() == before
    result = load("records", _csv(RECORD_HEADER, rows), only_good=True)
    assert result.inserted == 1
    assert VerificationRecord.objects.filter(
        provider=provider, number="SERVE-1", instrument=servable
    ).exists()


def test_servable_sql_is_the_twin_of_servable_instruments(db):
    """The bulk loader's SQL rule and the web action's queryset agree on every provider × instrument pair of a
    sample (both provinces, providers with registrations, designations or neither)."""
    from django.db import connection

    from doluong.parties.choices import OrganisationKind
    from doluong.parties.models import Organisation
    from doluong.registry.models import Instrument
    from doluong.verification.bulk import servable_sql
    from doluong.verification.permissions import servable_instruments

    providers = list(Organisation.objects.filter(kind__in=OrganisationKind.providers()).order_by("pk")[:12])
    instruments = list(Instrument.objects.order_by("?")[:150])
    assert len(providers) >= 4 and len(instruments) == 150
    pairs = agree = 0
    with connection.cursor() as cursor:
        for provider in providers:
            expected = set(
                servable_instruments(
                    provider, Instrument.objects.filter(pk__in=[i.pk for i in instruments])
                ).values_list("pk", flat=True)
            )
            found = set()
            for inst in instruments:
                cursor.execute(
                    f"SELECT CASE WHEN {servable_sql('r')} THEN 1 ELSE 0 END FROM (SELECT %s AS provider_id, "
                    "%s AS type_id, %s AS province_id, %s AS provider_province) r",
                    [provider.pk, inst.instrument_type_id, inst.province_id, provider.province_id],
                )
                if cursor.fetchone()[0]:
                    found.add(inst.pk)
                pairs += 1
            assert found == expected, provider
            agree += len(expected)
    assert pairs == len(providers) * 150 and agree > 0
