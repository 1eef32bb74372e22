"""The 2025 administrative map: 34 provinces, 3,321 communes, old units resolving to new ones."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from doluong.geo.models import Commune, CommuneAlias, Province, ProvinceAlias, resolve_province

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Province.objects.count(),
        Commune.objects.count(),
        ProvinceAlias.objects.count(),
        CommuneAlias.objects.count(),
        dict(Commune.objects.values_list("type").annotate(n=Count("pk"))),
    )


def test_reference_counts():
    provinces, communes, _old_provinces, old_communes, by_type = _counts()
    assert provinces == 34
    assert communes == 3321
    assert by_type == {"xa": 2621, "phuong": 687, "dac_khu": 13}
    assert Province.objects.filter(type="city").count() == 6
    assert old_communes > communes
    assert not Commune.objects.filter(province__isnull=True).exists()
    assert Commune.objects.filter(province_id="92").count() == 103
    assert Commune.objects.filter(province_id="82").count() == 102


def test_every_old_province_points_to_a_new_one():
    assert ProvinceAlias.objects.values("old_code").distinct().count() == 63
    assert set(ProvinceAlias.objects.values_list("province_id", flat=True)) == set(
        Province.objects.values_list("pk", flat=True)
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("tỉnh Bình Thuận", "68"),
        ("Bình Thuận", "68"),
        ("BINH THUAN", "68"),
        ("tỉnh Sóc Trăng", "92"),
        ("Tỉnh Hậu Giang", "92"),
        ("Tiền Giang", "82"),
        ("tiền giang", "82"),
        ("Đồng Tháp", "82"),
        ("92", "92"),
        ("82", "82"),
        ("Thành phố Cần Thơ", "92"),
        ("TP. Cần Thơ", "92"),
        ("can tho", "92"),
        ("TP Hồ Chí Minh", "79"),
        ("tỉnh Đắk Nông", "68"),
        ("94", "92"),  # Sóc Trăng's old code
        ("8", "08"),
    ],
)
def test_resolve_province(text, code):
    province = resolve_province(text)
    assert province is not None, text
    assert province.code == code


@pytest.mark.parametrize("text", ["", "   ", "Atlantis", "00", "99", "tỉnh"])
def test_resolve_province_unknown(text):
    assert resolve_province(text) is None


def test_load_reference_is_idempotent():
    before = _counts()
    out = io.StringIO()
    call_command("load_reference", stdout=out)
    call_command("load_reference", stdout=out)
    assert _counts() == before
    assert "34 provinces" in out.getvalue()
    assert Province.objects.get(pk="92").name == "Thành phố Cần Thơ"


def test_load_reference_restores_an_edited_name():
    Commune.objects.filter(pk="31135").update(name="Phường Sửa Tay", search_text="phuong sua tay")
    call_command("load_reference", stdout=io.StringIO())
    commune = Commune.objects.get(pk="31135")
    assert commune.name == "Phường Ninh Kiều"
    assert commune.search_text.startswith("31135 phuong ninh kieu")


def test_commune_search_text_is_folded():
    commune = Commune.objects.get(pk="29869")
    assert commune.search_text == "29869 phuong cao lanh tinh dong thap"
    assert str(commune) == "Phường Cao Lãnh, Đồng Tháp"


def test_province_detail_lists_its_old_provinces(client_for):
    html = client_for("ct.sokhcn").get("/geo/provinces/92/").content.decode()
    assert "Tỉnh Sóc Trăng" in html
    assert "Tỉnh Hậu Giang" in html
