"""Owner reminders: one e-mail per owner listing what enters its lead window or is overdue, logged, never twice for
the same instrument and due date; dry runs write nothing; owners without an address are listed as skipped."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from doluong.core.dates import add_months
from doluong.parties.models import Organisation
from doluong.registry.models import (
    DEFAULT_REMINDER_LEAD_DAYS,
    Instrument,
    InstrumentType,
    ReminderContact,
    ReminderItem,
    ReminderLeadTime,
    ReminderLog,
    ReminderStatus,
)
from doluong.registry.reminders import REMINDED_STATUSES, plan, send_reminders

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def empty_log(db):
    """Each test starts from an empty reminder log: the demo's own run of last week has already reminded many
    instruments, and these tests are about runs from scratch."""
    ReminderLog.objects.all().delete()


@pytest.fixture
def demo_contacts(user_for):
    """The registry demo's reminder data (contacts, lead times), unless core's demo already built it."""
    if not ReminderContact.objects.exists():
        from doluong.core.demo import Ctx
        from doluong.registry import demo

        demo.reminders(Ctx(rng=random.Random(2026), admin=user_for("admin"), today=ON))
    return ReminderContact.objects.count()


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 6, 15, 9, 0), tick=False):
        yield


def run(*args) -> str:
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def expected_by_owner(on: dt.date) -> dict[int, set[int]]:
    """Independent oracle: every instrument in use whose due date is past or within its type's lead days."""
    lead = {}
    for row in ReminderLeadTime.objects.all():
        if row.effective_from <= on and (row.effective_to is None or on <= row.effective_to):
            lead[row.instrument_type_id] = row.lead_days
    result: dict[int, set[int]] = {}
    rows = Instrument.objects.filter(status__in=REMINDED_STATUSES, next_due__isnull=False)
    for pk, owner, type_id, due in rows.values_list("pk", "owner_id", "instrument_type_id", "next_due"):
        if (due - on).days <= lead.get(type_id, DEFAULT_REMINDER_LEAD_DAYS):
            result.setdefault(owner, set()).add(pk)
    return result


def _instrument(owner, code: str, next_due: dt.date, serial: str) -> Instrument:
    itype = InstrumentType.objects.get(code=code)
    obj = Instrument(
        instrument_type=itype,
        owner=owner,
        commune_id=owner.commune_id or "31135",
        serial=serial,
        manufacturer="Kiểm thử",
        last_verified_on=add_months(next_due, -12),
        valid_until=next_due,
    )
    obj.save()
    return obj


def test_one_email_per_owner_with_exactly_the_due_instruments(demo_contacts, frozen):
    expected = expected_by_owner(ON)
    assert expected, "the demo has instruments due around the frozen date"
    output = run("--date", "15/06/2026")

    sent_logs = ReminderLog.objects.filter(run_date=ON, status=ReminderStatus.SENT)
    assert len(mail.outbox) == sent_logs.count() > 0
    logged = {}
    for log in ReminderLog.objects.filter(run_date=ON):
        logged[log.owner_id] = set(log.items.values_list("instrument_id", flat=True))
        assert log.instrument_count == len(logged[log.owner_id])
    assert logged == expected  # every owner with due instruments is sent to or logged as skipped
    # each e-mail goes to the contact's address and lists that owner's instruments
    by_address = {m.to[0]: m for m in mail.outbox}
    assert len(by_address) == len(mail.outbox)
    for log in sent_logs.select_related("owner"):
        message = by_address[log.address]
        serials = [i.serial for i in Instrument.objects.filter(pk__in=expected[log.owner_id])]
        for serial in filter(None, serials):
            assert serial in message.body
    assert output.startswith("Nhắc lịch kiểm định ngày 15/06/2026: ")


def test_running_twice_sends_each_reminder_once(demo_contacts, frozen):
    run("--date", "15/06/2026")
    first = len(mail.outbox)
    delivered = ReminderItem.objects.filter(delivered=True).count()
    assert first > 0 and delivered > 0
    run("--date", "15/06/2026")
    assert len(mail.outbox) == first  # the second run of the day sends nothing
    assert ReminderItem.objects.filter(delivered=True).count() == delivered
    # the next day only instruments that entered their window that day are sent
    next_day = ON + dt.timedelta(days=1)
    entered = set().union(*expected_by_owner(next_day).values()) - set().union(
        *expected_by_owner(ON).values()
    )
    run("--date", "16/06/2026")
    new = set(
        ReminderItem.objects.filter(delivered=True, log__run_date=next_day).values_list(
            "instrument_id", flat=True
        )
    )
    assert new <= entered
    assert len(mail.outbox) - first == ReminderLog.objects.filter(run_date=next_day, status="sent").count()
    pairs = list(ReminderItem.objects.filter(delivered=True).values_list("instrument_id", "due_date"))
    assert len(pairs) == len(set(pairs))  # never twice for the same instrument and due date
    # skipped owners are logged once per day and reason, however often the command runs
    skipped = ReminderLog.objects.filter(run_date=ON).exclude(status=ReminderStatus.SENT)
    assert skipped.count() == len({(log.owner_id, log.status) for log in skipped})


def test_dry_run_writes_and_sends_nothing(demo_contacts, frozen):
    logs, items = ReminderLog.objects.count(), ReminderItem.objects.count()
    output = run("--date", "15/06/2026", "--dry-run")
    assert mail.outbox == []
    assert (ReminderLog.objects.count(), ReminderItem.objects.count()) == (logs, items)
    assert "Chạy thử" in output
    expected_owners = len(expected_by_owner(ON))
    reminders = plan(ON)
    assert len(reminders) == expected_owners


def test_lead_time_is_per_type(user_for, frozen):
    owner = Organisation.objects.get(memberships__user__username="ct.doanhnghiep")
    ReminderContact.objects.update_or_create(owner=owner, defaults={"email": "kythuat@capnuoc.vn"})
    water = _instrument(owner, "21.1", ON + dt.timedelta(days=45), "LEAD-W-45")
    taxi = _instrument(owner, "2", ON + dt.timedelta(days=45), "LEAD-T-45")
    taxi_soon = _instrument(owner, "2", ON + dt.timedelta(days=25), "LEAD-T-25")
    ReminderLeadTime.objects.filter(instrument_type__code__in=["21.1", "2"]).delete()

    def listed():
        return {i.pk for r in plan(ON) if r.owner == owner for i in r.instruments}

    # default 30 days for both types
    assert taxi_soon.pk in listed() and water.pk not in listed() and taxi.pk not in listed()
    ReminderLeadTime.objects.create(
        instrument_type=water.instrument_type, lead_days=60, effective_from=dt.date(2026, 1, 1)
    )
    ReminderLeadTime.objects.create(
        instrument_type=taxi.instrument_type, lead_days=20, effective_from=dt.date(2026, 1, 1)
    )
    assert water.pk in listed()  # 45 days ≤ 60
    assert taxi.pk not in listed() and taxi_soon.pk not in listed()  # 45 and 25 days > 20
    # a version that ended yesterday no longer applies
    ReminderLeadTime.objects.filter(instrument_type=water.instrument_type).update(
        effective_to=ON - dt.timedelta(1)
    )
    assert water.pk not in listed()


def test_owners_without_address_or_opted_out_are_listed_as_skipped(user_for, frozen):
    owners = list(Organisation.objects.filter(kind="enterprise", province_id="92").order_by("pk")[:3])
    no_email, opted_out, fine = owners
    Organisation.objects.filter(pk__in=[o.pk for o in owners]).update(email="")
    ReminderContact.objects.filter(owner__in=owners).delete()
    ReminderContact.objects.create(owner=opted_out, email="x@example.vn", opted_out=True)
    ReminderContact.objects.create(owner=fine, email="ketoan@example.vn")
    for owner in owners:
        _instrument(owner, "8.1", ON + dt.timedelta(days=3), f"SKIP-{owner.pk}")
    output = run("--province", "92", "--date", "15/06/2026")
    statuses = dict(ReminderLog.objects.filter(owner__in=owners).values_list("owner_id", "status"))
    assert statuses == {
        no_email.pk: ReminderStatus.NO_EMAIL,
        opted_out.pk: ReminderStatus.OPTED_OUT,
        fine.pk: ReminderStatus.SENT,
    }
    assert no_email.name in output and "không có e-mail" in output
    assert opted_out.name in output
    assert ["ketoan@example.vn"] in [m.to for m in mail.outbox]
    # the skipped ones were not marked as reminded: once an address is known, the next run sends
    ReminderContact.objects.create(owner=no_email, email="giamdoc@example.vn")
    run("--province", "92", "--date", "15/06/2026")
    assert ["giamdoc@example.vn"] in [m.to for m in mail.outbox]


def test_the_email_is_vietnamese_plain_text_and_html(user_for, frozen):
    owner = Organisation.objects.get(memberships__user__username="ct.doanhnghiep")
    Instrument.objects.filter(owner=owner).update(status="retired")
    ReminderContact.objects.update_or_create(owner=owner, defaults={"email": "kythuat@capnuoc.vn"})
    late = _instrument(owner, "8.1", ON - dt.timedelta(days=12), "MAIL-LATE")
    _instrument(owner, "8.1", ON + dt.timedelta(days=20), "MAIL-SOON")
    run("--date", "15/06/2026", "--province", "92")
    [message] = [m for m in mail.outbox if m.to == ["kythuat@capnuoc.vn"]]
    assert message.subject.startswith("Nhắc lịch kiểm định: 2 phương tiện đo")
    assert f"Kính gửi: {owner.name}" in message.body
    assert "03/06/2026" in message.body and "quá hạn 12 ngày" in message.body
    assert "05/07/2026" in message.body and "còn 20 ngày" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "MAIL-LATE" in html and "quá hạn 12 ngày" in html and "<table" in html
    assert late.instrument_type.name in message.body
    assert "/registry/due/list/?bucket=reminder&owner=" in message.body


def test_a_failed_send_is_logged_and_retried(user_for, frozen, settings):
    owner = Organisation.objects.get(memberships__user__username="ct.doanhnghiep")
    Instrument.objects.filter(owner=owner).update(status="retired")
    ReminderContact.objects.update_or_create(owner=owner, defaults={"email": "kythuat@capnuoc.vn"})
    _instrument(owner, "8.1", ON + dt.timedelta(days=2), "FAIL-1")
    settings.EMAIL_BACKEND = "tests.registry.test_reminders.BrokenBackend"
    run("--date", "15/06/2026", "--province", "92")
    log = ReminderLog.objects.get(owner=owner, run_date=ON)
    assert log.status == ReminderStatus.FAILED and "SMTP" in log.error
    assert not ReminderItem.objects.filter(log__owner=owner, delivered=True).exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run("--date", "15/06/2026", "--province", "92")
    assert ReminderLog.objects.filter(owner=owner, status=ReminderStatus.SENT).count() == 1
    assert [m for m in mail.outbox if m.to == ["kythuat@capnuoc.vn"]]


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server unreachable")


def test_a_new_due_date_is_reminded_again(user_for, frozen):
    owner = Organisation.objects.get(memberships__user__username="ct.doanhnghiep")
    Instrument.objects.filter(owner=owner).update(status="retired")
    ReminderContact.objects.update_or_create(owner=owner, defaults={"email": "kythuat@capnuoc.vn"})
    obj = _instrument(owner, "8.1", ON + dt.timedelta(days=5), "AGAIN-1")
    send_reminders(ON, province="92")
    send_reminders(ON, province="92")
    assert ReminderItem.objects.filter(instrument=obj, delivered=True).count() == 1
    # verified again: a new due date one year on, then it comes back into its window
    Instrument.objects.filter(pk=obj.pk).update(
        valid_until=ON + dt.timedelta(days=370), next_due=ON + dt.timedelta(days=370)
    )
    later = ON + dt.timedelta(days=350)
    send_reminders(later, province="92")
    assert ReminderItem.objects.filter(instrument=obj, delivered=True).count() == 2


def test_bad_date_is_refused_in_vietnamese():
    with pytest.raises(CommandError, match="không phải là ngày"):
        call_command("send_reminders", "--date", "2026-06-15", stdout=io.StringIO())


def test_reminder_logs_are_scoped(demo_contacts, frozen, client_for, user_for, helpers):
    run("--date", "15/06/2026")
    ct = ReminderLog.objects.filter(province_id="92")
    assert ct.exists() and ReminderLog.objects.filter(province_id="82").exists()
    officer = helpers.api_rows(client_for("ct.sokhcn"), "/api/registry/reminder-logs/")
    assert {r["id"] for r in officer} == set(ct.values_list("pk", flat=True))
    enterprise = user_for("ct.doanhnghiep")
    own = enterprise.memberships.get().organisation
    rows = helpers.api_rows(client_for("ct.doanhnghiep"), "/api/registry/reminder-logs/")
    assert {r["owner"] for r in rows} <= {own.pk}
    assert {r["id"] for r in rows} == set(ReminderLog.objects.filter(owner=own).values_list("pk", flat=True))
    assert helpers.api_rows(client_for("ct.songanh"), "/api/registry/reminder-logs/") == []
    # nobody but the command writes logs
    response = client_for("ct.sokhcn").get("/registry/reminder-logs/add/")
    assert response.status_code == 403
    page = client_for("dt.sokhcn").get("/registry/reminder-logs/", {"per_page": 500})
    shown = set(helpers.page_ids(page))
    assert shown and not shown & set(ct.values_list("pk", flat=True))


def test_the_reminder_run_queued_as_a_background_job_sends_once(demo_contacts, frozen):
    """`send_reminders --queue` makes a core.Job (kind "reminders") that the worker runs — here the immediate
    backend runs it at once; run again, it sends nothing new (idempotent)."""
    from doluong.core.models import Job

    out = io.StringIO()
    call_command("send_reminders", "--date", "15/06/2026", "--province", "92", "--queue", stdout=out)
    job = Job.objects.get(pk=int(out.getvalue().split()[1]))
    assert (job.kind, job.status, job.province_code) == ("reminders", "done", "92")
    sent = len(mail.outbox)
    assert sent > 0 and job.result["sent_owners"] == sent
    call_command(
        "send_reminders", "--date", "15/06/2026", "--province", "92", "--queue", stdout=io.StringIO()
    )
    assert len(mail.outbox) == sent
    assert Job.objects.filter(kind="reminders").latest("pk").result["sent_owners"] == 0
