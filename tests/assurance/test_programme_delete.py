"""An approved programme version is never deleted: no "Xóa" button, the web delete and the API DELETE are
refused with the Vietnamese reason and nothing is deleted; a draft still is deleted; other enterprises and
provinces get 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from doluong.assurance.choices import APPROVED_STEPS, Step
from doluong.assurance.models import Programme

pytestmark = pytest.mark.django_db
QM = "ct.chatluong"


def _org(user_for):
    return user_for(QM).memberships.get().organisation


def test_approved_version_is_not_deleted_web_or_api(client_for, user_for):
    org = _org(user_for)
    p = (
        Programme.objects.filter(enterprise=org, step__in=APPROVED_STEPS)
        .exclude(step=Step.SUPERSEDED)
        .first()
    )
    assert p is not None
    client = client_for(QM)
    delete_url = reverse("assurance:programme_delete", args=[p.pk])
    page = client.get(p.get_absolute_url()).content.decode()
    assert delete_url not in page
    r = client.post(delete_url, follow=True)
    assert r.status_code == 200
    assert "Không được xóa phiên bản đã phê duyệt" in r.content.decode()
    page = client.get(delete_url)
    assert page.status_code == 200 and "Không được xóa phiên bản đã phê duyệt" in page.content.decode()
    assert 'type="submit"' not in page.content.decode().split("<main", 1)[-1]
    api = client.delete(f"/api/assurance/programmes/{p.pk}/")
    assert api.status_code == 400 and "Không được xóa phiên bản đã phê duyệt" in api.content.decode()
    assert Programme.objects.filter(pk=p.pk).exists()


def test_draft_version_is_still_deleted(client_for, user_for):
    org = _org(user_for)
    p = Programme.objects.create(
        enterprise=org,
        title="Bản nháp để xóa",
        period_start="2030-01-01",
        period_end="2030-12-31",
    )
    client = client_for(QM)
    delete_url = reverse("assurance:programme_delete", args=[p.pk])
    assert delete_url in client.get(p.get_absolute_url()).content.decode()
    assert client.get(delete_url).status_code == 200
    assert client.post(delete_url).status_code == 302
    assert not Programme.objects.filter(pk=p.pk).exists()
    q = Programme.objects.create(
        enterprise=org, title="Bản nháp API", period_start="2031-01-01", period_end="2031-12-31"
    )
    assert client.delete(f"/api/assurance/programmes/{q.pk}/").status_code == 204
    assert not Programme.objects.filter(pk=q.pk).exists()


@pytest.mark.parametrize("other", ["dt.sokhcn", "dt.doanhnghiep", "ct.doanhnghiep", "ct.sokhcn"])
def test_others_cannot_delete(client_for, user_for, other):
    org = _org(user_for)
    p = Programme.objects.create(
        enterprise=org, title="Bản nháp", period_start="2032-01-01", period_end="2032-12-31"
    )
    client = client_for(other)
    assert client.post(reverse("assurance:programme_delete", args=[p.pk])).status_code == 404
    assert client.delete(f"/api/assurance/programmes/{p.pk}/").status_code in (403, 404)
    assert Programme.objects.filter(pk=p.pk).exists()


def _approved(user_for):
    return (
        Programme.objects.filter(enterprise=_org(user_for), step__in=APPROVED_STEPS)
        .exclude(step=Step.SUPERSEDED)
        .first()
    )


def test_model_delete_queryset_delete_and_cascade_are_refused(user_for):
    """Below the pages and the API: Programme.delete, a queryset delete and the pre_delete guard (which also
    stops a cascade) raise ProtectedError with the Vietnamese reason; the row stays."""
    from django.db import transaction
    from django.db.models.deletion import ProtectedError
    from django.utils import translation

    p = _approved(user_for)
    with translation.override("vi"):
        with pytest.raises(ProtectedError) as exc:
            p.delete()
        assert "Không được xóa phiên bản đã phê duyệt" in str(exc.value.args[0])
        with pytest.raises(ProtectedError), transaction.atomic():
            Programme.objects.filter(pk=p.pk).delete()
        # an in-memory step change does not open the door: the stored step decides
        p.step = Step.DRAFT
        with pytest.raises(ProtectedError):
            p.delete()
    assert Programme.objects.filter(pk=p.pk).exists()


def test_generic_delete_page_of_approved_version_says_why(client_for, user_for):
    """The core delete view (ProtectedError → message) would also refuse; the app's page says the reason."""
    p = _approved(user_for)
    r = client_for(QM).post(reverse("assurance:programme_delete", args=[p.pk]), follow=True)
    assert "Không được xóa phiên bản đã phê duyệt" in r.content.decode()
    assert Programme.objects.filter(pk=p.pk).exists()
