"""`doluong manage send_reminders [--date dd/mm/yyyy] [--dry-run] [--province CODE]`: the daily due-date reminder
run (idempotent: run it as often as you like, each reminder is delivered once). See docs/reminders.md."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from doluong.core.dates import today
from doluong.core.management.queueable import QueueableCommand
from doluong.registry.models import ReminderStatus
from doluong.registry.reminders import send_reminders


def _date(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        with translation.override("vi"):
            raise CommandError(
                _("--date: “%(value)s” is not a date in the form dd/mm/yyyy.") % {"value": text}
            ) from None


class Command(QueueableCommand):
    help = "Send each owner one e-mail listing its instruments due for verification or overdue."
    job_kind = "reminders"

    def add_arguments(self, parser):
        parser.add_argument("--date", type=_date, default=None, help="dd/mm/yyyy (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="show what would be sent; write nothing")
        parser.add_argument("--province", default=None, help="province code (default: every province)")
        super().add_arguments(parser)

    def handle(self, *args, date, dry_run, province, queue=False, **options):
        on = date or today()
        if queue:
            self.queue(
                {"date": on.isoformat(), "dry_run": dry_run, "province": province},
                province_code=province or "",
            )
            return
        report = send_reminders(on, dry_run=dry_run, province=province)
        with translation.override("vi"):
            write = self.stdout.write
            if dry_run:
                write(_("Dry run: nothing was sent or written."))
            counts = report.counts()
            write(
                _(
                    "Reminders on %(date)s: %(sent)s e-mails (%(sent_i)s instruments); skipped %(none)s owners "
                    "without an e-mail address (%(none_i)s instruments) and %(out)s owners who opted out "
                    "(%(out_i)s instruments); %(failed)s failed."
                )
                % {
                    "date": on.strftime("%d/%m/%Y"),
                    "sent": counts["sent_owners"],
                    "sent_i": counts["sent_instruments"],
                    "none": counts["no_email_owners"],
                    "none_i": counts["no_email_instruments"],
                    "out": counts["opted_out_owners"],
                    "out_i": counts["opted_out_instruments"],
                    "failed": counts["failed_owners"],
                }
            )
            labels = {
                ReminderStatus.SENT: _("To send") if dry_run else _("Sent"),
                ReminderStatus.NO_EMAIL: _("Skipped, no e-mail address"),
                ReminderStatus.OPTED_OUT: _("Skipped, opted out"),
                ReminderStatus.FAILED: pgettext("reminder", "Failed"),
            }
            for status, label in labels.items():
                if status == ReminderStatus.SENT and not dry_run and options["verbosity"] < 2:
                    continue
                for reminder in report.of(status):
                    owner = reminder.owner
                    line = f"  {label}: {owner.name}"
                    if owner.tax_code:
                        line += f" ({owner.tax_code})"
                    line += " — " + _("%(count)s instruments") % {"count": len(reminder.instruments)}
                    if reminder.address:
                        line += f" — {reminder.address}"
                    if reminder.error:
                        line += f" — {reminder.error}"
                    write(line)
