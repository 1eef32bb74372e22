"""Vietnamese tax codes (mã số thuế): 10 digits with a check digit, a branch suffix, or a 12-digit personal
identification number; errors name the value, in Vietnamese by default."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from doluong.core.validators import make_tax_code, mst_check_digit, normalise_tax_code, validate_tax_code

VALID = make_tax_code("031268787")  # 0312687878, a real Ho Chi Minh City code
WRONG_CHECK = VALID[:9] + str((int(VALID[9]) + 1) % 10)


def test_make_tax_code_and_check_digit():
    assert VALID == "0312687878"
    assert make_tax_code("010010111") == "0100101114"  # Petrolimex
    for first9 in ("000000000", "123456789", "180001001", "999999999"):
        code = make_tax_code(first9)
        if code is None:
            assert mst_check_digit(first9) is None
        else:
            validate_tax_code(code)


@pytest.mark.parametrize(
    "value",
    [
        VALID,
        f"{VALID}-001",
        f"{VALID}-123",
        f"{VALID}001",
        f" {VALID[:4]} {VALID[4:]} ",
        "092095001234",
        "001201000001",
    ],
)
def test_valid_tax_codes(value):
    validate_tax_code(value)


def test_normalise_tax_code():
    assert normalise_tax_code(f"{VALID}001") == f"{VALID}-001"
    assert normalise_tax_code(f"{VALID[:4]}.{VALID[4:]}") == VALID
    assert normalise_tax_code("") == ""


@pytest.mark.parametrize(
    ("value", "vietnamese"),
    [
        (WRONG_CHECK, "chữ số kiểm tra"),
        (f"{VALID}-000", "000"),
        (f"{WRONG_CHECK}-001", "chữ số kiểm tra"),
        ("123456789", "không hợp lệ"),
        ("03126878789", "không hợp lệ"),
        ("0312-687878", "không hợp lệ"),
        ("abcdefghij", "không hợp lệ"),
        (f"{VALID}-01", "không hợp lệ"),
        ("099123456789", "mã tỉnh"),
        ("000123456789", "mã tỉnh"),
    ],
)
def test_invalid_tax_codes_name_the_value_in_vietnamese(value, vietnamese):
    with pytest.raises(ValidationError) as excinfo:
        validate_tax_code(value)
    assert excinfo.value.error_list[0].code == "invalid_tax_code"
    with translation.override("vi"):
        message = " ".join(excinfo.value.messages)
    assert normalise_tax_code(value) in message
    assert "Mã số thuế" in message
    assert vietnamese in message
    with translation.override("en"):
        english = " ".join(excinfo.value.messages)
    assert "tax code" in english.lower()
    assert normalise_tax_code(value) in english


@pytest.mark.django_db
def test_organisation_form_rejects_a_wrong_tax_code(client_for):
    from django.urls import reverse

    from doluong.parties.models import Organisation

    before = Organisation.objects.count()
    response = client_for("admin").post(
        reverse("parties:organisation_add"),
        {"name": "Công ty Sai Mã", "kind": "enterprise", "province": "92", "tax_code": WRONG_CHECK},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["tax_code"]
    assert any(WRONG_CHECK in e and "Mã số thuế" in e for e in errors)
    assert Organisation.objects.count() == before
