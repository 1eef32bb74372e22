"""The "Mở vụ việc sai lệch" button (issue #14, item 6): on a failed calibration record's page and a revoked
certificate's page (a panel verification's pages show, `core.surface.detail_panel`), shown only to whoever the
permission table lets open the case, once; the action (`assurance.actions.do_open_case`) opens the case through
`OutOfToleranceCase.save` → `assurance.impact.build_items`, and a second press shows the case already open.

The world is the one of test_out_of_tolerance: a Cần Thơ provider's standard S, good 100 days ago, fails 5 days
ago; the chain is C1, C2 (enterprises), C_S2 (a standard calibrated against S) and C_I3 (issued with S2)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from tests.assurance.test_out_of_tolerance import World

from doluong.assurance.models import ImpactItem, OutOfToleranceCase
from doluong.verification.choices import CertificateStatus
from doluong.verification.models import Certificate

pytestmark = pytest.mark.django_db

OPEN = "Mở vụ việc sai lệch"


@pytest.fixture
def world(user_for):
    return World(user_for)


def _open_url(**source) -> str:
    ((name, obj),) = source.items()
    return f"{reverse('assurance:case_open')}?{name}={obj.pk}"


def _counts():
    return OutOfToleranceCase.objects.count(), ImpactItem.objects.count()


def test_the_provider_opens_the_case_from_the_record_page_once(
    world, client_for, django_capture_on_commit_callbacks
):
    w = world
    provider = client_for("ct.kiemdinh")
    page = provider.get(w.failed.get_absolute_url()).content.decode()
    assert OPEN in page and _open_url(record=w.failed) in page
    # a record that passed has no button
    assert OPEN not in provider.get(w.good.get_absolute_url()).content.decode()
    # the confirmation page says what was found, nothing is written by a GET
    before = _counts()
    confirm = provider.get(_open_url(record=w.failed))
    assert confirm.status_code == 200 and w.s.name in confirm.content.decode()
    assert _counts() == before
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = provider.post(
            reverse("assurance:case_open"), {"record": w.failed.pk, "description": "Chuẩn lệch"}
        )
    case = OutOfToleranceCase.objects.get(record=w.failed)
    assert r.status_code == 302 and r["Location"] == case.get_absolute_url()
    # the chain of the existing entry point: exactly the affected certificates, instruments, enterprises
    assert case.standard == w.s and case.holder == w.provider and case.description == "Chuẩn lệch"
    items = ImpactItem.objects.filter(case=case)
    assert {i.certificate for i in items} == {w.c1, w.c2, w.c_s2, w.c_i3}
    assert {i.instrument for i in items if i.instrument} == {w.i1, w.i2, w.i3}
    assert {i.enterprise for i in items} == {w.food, w.water, w.provider}
    assert {i.process for i in items if i.process} == {w.x, w.y}
    assert len(mail.outbox) >= 2
    history = case.history.first()
    assert history.history_user.username == "ct.kiemdinh" and history.history_change_reason == "opened"
    # once: the page now links to the case, the button is gone; a second press shows the existing case
    page = provider.get(w.failed.get_absolute_url()).content.decode()
    assert _open_url(record=w.failed) not in page and case.get_absolute_url() in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = provider.post(reverse("assurance:case_open"), {"record": w.failed.pk})
    assert again.status_code == 302 and again["Location"] == case.get_absolute_url()
    assert provider.get(_open_url(record=w.failed))["Location"] == case.get_absolute_url()
    assert OutOfToleranceCase.objects.filter(record=w.failed).count() == 1
    assert ImpactItem.objects.filter(case=case).count() == items.count() and not mail.outbox


def test_the_province_officer_opens_it_too(world, client_for):
    w = world
    officer = client_for("ct.sokhcn")
    assert OPEN in officer.get(w.failed.get_absolute_url()).content.decode()
    assert officer.post(reverse("assurance:case_open"), {"record": w.failed.pk}).status_code == 302
    assert (
        OutOfToleranceCase.objects.get(record=w.failed).history.first().history_user.username == "ct.sokhcn"
    )


@pytest.mark.parametrize("other", ["dt.sokhcn", "dt.kiemdinh", "ct.doanhnghiep", "ct.chatluong"])
def test_others_get_no_button_and_cannot_open(world, client_for, other, django_capture_on_commit_callbacks):
    """Another province's officer or provider, an enterprise (even one the chain reaches): no button, 403/404,
    nothing written, nobody e-mailed."""
    w = world
    client = client_for(other)
    page = client.get(w.failed.get_absolute_url())
    assert page.status_code == 404 or OPEN not in page.content.decode()
    before = _counts()
    mail.outbox.clear()
    assert client.get(_open_url(record=w.failed)).status_code in (403, 404)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("assurance:case_open"), {"record": w.failed.pk, "description": "x"})
    assert r.status_code in (403, 404)
    assert _counts() == before and not mail.outbox


def test_a_revoked_certificate_opens_its_case(world, client_for):
    w = world
    provider = client_for("ct.kiemdinh")
    # a valid certificate: no button, and the page refuses
    assert OPEN not in provider.get(w.c_s2.get_absolute_url()).content.decode()
    assert provider.post(reverse("assurance:case_open"), {"certificate": w.c_s2.pk}).status_code == 404
    Certificate.objects.filter(pk=w.c_s2.pk).update(status=CertificateStatus.REVOKED)
    page = provider.get(w.c_s2.get_absolute_url()).content.decode()
    assert OPEN in page and _open_url(certificate=w.c_s2) in page
    assert provider.post(reverse("assurance:case_open"), {"certificate": w.c_s2.pk}).status_code == 302
    case = OutOfToleranceCase.objects.get(certificate=w.c_s2)
    assert case.standard == w.s2
    assert {i.certificate for i in case.items.all()} == {w.c_before_s2, w.c_i3}
    before = _counts()
    for other in ("dt.sokhcn", "ct.doanhnghiep"):
        r = client_for(other).post(reverse("assurance:case_open"), {"certificate": w.c_s2.pk})
        assert r.status_code in (403, 404)
    assert _counts() == before


def test_the_action_refuses_a_record_that_did_not_fail(world, user_for):
    from django.core.exceptions import ValidationError

    from doluong.assurance.actions import do_open_case

    before = _counts()
    with pytest.raises(ValidationError):
        do_open_case(user_for("ct.kiemdinh"), record=world.good)
    assert _counts() == before


@pytest.mark.parametrize("other", ["dt.sokhcn", "dt.kiemdinh", "ct.doanhnghiep", "ct.chatluong"])
def test_the_generic_form_and_the_api_email_nobody_when_refused(
    world, client_for, other, django_capture_on_commit_callbacks
):
    """The same refusal through the generic "Thêm" form and the API: the e-mails to the affected enterprises
    are sent after the case's transaction commits, so a save the permission table rolls back e-mails nobody
    (the callbacks run as they would in production)."""
    w = world
    client = client_for(other)
    before = _counts()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        form = client.post(
            reverse("assurance:outoftolerancecase_add"), {"record": w.failed.pk, "description": "x"}
        )
        api = client.post(
            "/api/assurance/out-of-tolerance/",
            {"record": w.failed.pk, "description": "x"},
            content_type="application/json",
        )
    assert form.status_code in (200, 403, 404) and api.status_code in (400, 403, 404)
    assert _counts() == before and not mail.outbox


def test_the_emails_leave_once_the_case_is_committed(world, client_for, django_capture_on_commit_callbacks):
    """Opened by the provider through the generic form: no e-mail while the transaction is open, one per
    affected enterprise once it commits."""
    w = world
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        r = client_for("ct.kiemdinh").post(
            reverse("assurance:outoftolerancecase_add"), {"record": w.failed.pk}
        )
    assert r.status_code == 302 and not mail.outbox and callbacks
    for callback in callbacks:
        callback()
    enterprises = {i.enterprise_id for i in ImpactItem.objects.filter(case__record=w.failed)}
    assert 2 <= len(mail.outbox) <= len(enterprises)


def test_a_refused_email_clears_its_rows_notification(
    world, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    """The mail server refuses one enterprise's message: the case stays open with its impact listed, that
    enterprise's rows say not notified, the other's say notified."""
    from django.core import mail as django_mail

    from doluong.assurance.impact import _address

    w = world
    real, refused = django_mail.send_mail, _address(w.food)

    def flaky(subject, body, sender, to, **kw):
        if refused in to:
            raise ConnectionRefusedError("smtp down")
        return real(subject, body, sender, to, **kw)

    monkeypatch.setattr(django_mail, "send_mail", flaky)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = client_for("ct.kiemdinh").post(reverse("assurance:case_open"), {"record": w.failed.pk})
    assert r.status_code == 302
    items = ImpactItem.objects.filter(case__record=w.failed)
    food = [i for i in items if i.enterprise == w.food]
    water = [i for i in items if i.enterprise == w.water]
    assert food and water
    assert all(i.notified_on is None and i.notified_to == "" for i in food)
    assert all(i.notified_on is not None and i.notified_to == _address(w.water) for i in water)
    assert [m.to for m in mail.outbox] == [[_address(w.water)]]
