"""Every form's decimal fields take a Vietnamese decimal comma as well as a point, and show values with a comma."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from doluong.core.forms import StyledMixin


class _Form(StyledMixin, forms.Form):
    value = forms.DecimalField(max_digits=8, decimal_places=3, min_value=0)
    ratio = forms.FloatField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("0,5", Decimal("0.5")), ("0.5", Decimal("0.5")), ("12,125", Decimal("12.125")), ("7", Decimal("7"))],
)
def test_a_comma_or_a_point(typed, expected):
    with translation.override("vi"):
        form = _Form({"value": typed, "ratio": "0,25"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["value"] == expected and form.cleaned_data["ratio"] == 0.25


@pytest.mark.parametrize("typed", ["1.234,5", "0,5,1", "abc"])
def test_what_cannot_be_read_as_one_number_is_refused_in_vietnamese(typed):
    with translation.override("vi"):
        form = _Form({"value": typed})
        assert not form.is_valid() and form.errors["value"] == ["Nhập một số."]


def test_the_limits_still_hold():
    with translation.override("vi"):
        form = _Form({"value": "-0,5"})
        assert not form.is_valid() and form.errors["value"][0].startswith("Đảm bảo giá trị này lớn hơn")


def test_the_value_is_shown_with_a_comma_in_a_decimal_text_box():
    with translation.override("vi"):
        html = str(_Form(initial={"value": Decimal("0.5")})["value"])
    assert 'value="0,5"' in html and 'inputmode="decimal"' in html and 'type="text"' in html
