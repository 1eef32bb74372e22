"""The admin serves every doluong model to administrators: its list, a search, and one change form."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

MODELS = sorted(
    (model for model in admin.site._registry if model.__module__.startswith("doluong.")),
    key=lambda m: m._meta.label,
)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_admin_list_search_and_change_form(client_for, model):
    client = client_for("admin")
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "cần thơ"}).status_code == 200
    obj = model.objects.order_by("pk").first()
    if obj is not None:
        change = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
        assert client.get(change).status_code == 200


def test_admin_is_for_administrators_only(client_for):
    response = client_for("ct.sokhcn").get(reverse("admin:index"))
    assert response.status_code == 302
