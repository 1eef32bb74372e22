"""The membership form offers a provincial officer only the accounts of their own province (and new ones)."""

import pytest
from django.contrib.auth import get_user_model

from doluong.parties.forms import MembershipForm


@pytest.mark.django_db
def test_officer_sees_own_province_accounts_and_new_ones(user_for):
    officer = user_for("ct.sokhcn")
    fresh = get_user_model().objects.create_user("moi.taikhoan", password="x")
    offered = set(MembershipForm(user=officer).fields["user"].queryset.values_list("username", flat=True))
    assert "ct.kiemdinh" in offered and "ct.doanhnghiep" in offered
    assert fresh.username in offered
    assert not {name for name in offered if name.startswith("dt.")}, offered
    assert "admin" not in offered


@pytest.mark.django_db
def test_administrator_sees_every_account(user_for):
    offered = set(
        MembershipForm(user=user_for("admin")).fields["user"].queryset.values_list("username", flat=True)
    )
    assert {"ct.kiemdinh", "dt.kiemdinh"} <= offered
