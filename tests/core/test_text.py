"""Vietnamese text discipline: one folding for search (case, diacritics, Đ→D), NFC at input."""

from __future__ import annotations

import unicodedata

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from doluong.core.text import fold, nfc

NFD_NAME = unicodedata.normalize("NFD", "Công ty TNHH Đo lường Tiền Giang Hưng Phát")


def test_fold_examples():
    assert fold("ĐỒNG THÁP") == fold("Đồng Tháp") == fold("dong thap") == "dong thap"
    assert fold(unicodedata.normalize("NFD", "Đồng Tháp")) == "dong thap"
    assert fold("  Cần   Thơ\t") == "can tho"
    assert fold("Ðắk Lắk") == "dak lak"  # Icelandic eth (U+00D0), often typed for Đ
    assert fold("") == fold(None) == ""


@given(st.text())
def test_fold_is_idempotent_and_ascii_for_vietnamese(value):
    folded = fold(value)
    assert fold(folded) == folded
    assert fold(nfc(value)) == fold(unicodedata.normalize("NFD", value))


@given(
    st.text(
        alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ "
    )
)
def test_fold_of_vietnamese_text_is_plain_ascii(value):
    folded = fold(value)
    assert folded.isascii()
    assert fold(value.upper()) == folded


@pytest.mark.django_db
def test_nfd_name_is_stored_nfc_via_the_edit_page(client_for):
    from doluong.parties.models import Organisation

    client = client_for("admin")
    response = client.post(
        reverse("parties:organisation_add"),
        {"name": NFD_NAME, "kind": "enterprise", "province": "82", "address": NFD_NAME, "is_active": "on"},
    )
    assert response.status_code == 302, response.context["form"].errors
    org = Organisation.objects.get(name=nfc(NFD_NAME))
    assert unicodedata.is_normalized("NFC", org.name)
    assert unicodedata.is_normalized("NFC", org.address)
    assert org.search_text == fold(org.name + " " + org.address)


@pytest.mark.django_db
def test_nfd_name_is_stored_nfc_via_save_object(user_for):
    from doluong.core.actions import save_object
    from doluong.parties.models import Organisation

    org = save_object(
        Organisation(name=NFD_NAME, short_name=NFD_NAME[:20], kind="enterprise", province_id="92"),
        user_for("ct.sokhcn"),
    )
    org.refresh_from_db()
    assert org.name == nfc(NFD_NAME)
    assert unicodedata.is_normalized("NFC", org.short_name)
    assert Organisation.objects.filter(name=nfc(NFD_NAME)).count() == 1


@pytest.mark.django_db
def test_nfd_name_is_stored_nfc_via_the_api(client_for):
    from doluong.parties.models import Organisation

    response = client_for("admin").post(
        "/api/parties/organisations/",
        {"name": NFD_NAME, "kind": "enterprise", "province": "92"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert unicodedata.is_normalized("NFC", Organisation.objects.get(pk=response.json()["id"]).name)


SPELLINGS = [
    "dong thap",
    "ĐỒNG THÁP",
    "Đồng Tháp",
    unicodedata.normalize("NFD", "Đồng Tháp"),
    "  dong   THAP ",
]


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["admin", "dt.sokhcn"])
@pytest.mark.parametrize("basename", ["organisation", "commune"])
def test_search_folds_case_and_diacritics(client_for, helpers, username, basename):
    from doluong.core.surface import SURFACES

    surface = next(s for s in SURFACES.values() if s.basename == basename)
    client = client_for(username)
    found = []
    for q in SPELLINGS:
        response = client.get(
            surface.list_url(),
            {"q": q, "per_page": 500},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="object-table",
        )
        assert response.status_code == 200
        found.append(set(helpers.page_ids(response)))
    assert found[0], "no row found for “dong thap”"
    assert all(ids == found[0] for ids in found)
    # the API's ?q= is the same search
    api = {
        row[surface.model._meta.pk.name]
        for row in helpers.api_rows(client, f"/api/{surface.namespace}/{surface.route}/", q="ĐỒNG THÁP")
    }
    assert api == found[0]


@pytest.mark.django_db
def test_search_terms_are_anded(client_for, helpers):
    client = client_for("admin")
    url = reverse("geo:commune_list")
    kw = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "object-table"}
    both = set(helpers.page_ids(client.get(url, {"q": "phuong dong thap", "per_page": 500}, **kw)))
    province = set(helpers.page_ids(client.get(url, {"q": "dong thap", "per_page": 500}, **kw)))
    assert both and both < province
