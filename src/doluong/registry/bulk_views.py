"""Bulk loads on the web: the upload page, the load in a background thread, the job page (progress polled with
htmx, the error report and its download) and the list of jobs.

The page makes the `BulkJob` row (`core.bulk.new_job`) and redirects to it at once; the load itself is
`core.bulk.run` (docs/scale.md), which writes its progress on that row outside the merge transaction (so the job
page can show it while the load runs) and merges in ONE transaction. The upload is
saved under DATA_DIR/bulk first, read by a thread of the web process (as `verification.batch` does), and deleted
afterwards. The job row records the process that runs it (`BulkJob.host`, `BulkJob.pid`): a job still "running"
whose process has ended is shown, and saved, as failed — interrupted, nothing written (docs/bulk_import.md).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import uuid
import zipfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import close_old_connections, connections
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doluong.core import bulk, uploads
from doluong.core.forms import StyledMixin
from doluong.core.io import ImportFileError, tabular_response
from doluong.core.scope import principal
from doluong.core.surface import nav_link
from doluong.core.uploads import LimitedFileField
from doluong.parties.choices import Role
from doluong.parties.models import Membership, Organisation
from doluong.verification.models import VerificationRecord

from .models import BulkJob, Instrument, current_host

logger = logging.getLogger(__name__)

nav_link(
    "registry",
    gettext_lazy("Bulk load"),
    "registry:bulk_upload",
    order=90,
    visible=lambda u: bool(allowed_kinds(u)),
)

#: the model whose add permission a kind needs (the load then checks the user's scope row by row)
KIND_MODELS = {"instruments": Instrument, "organisations": Organisation, "records": VerificationRecord}
#: errors shown on the job page; the download has every reported error
ERRORS_SHOWN = 100
JOBS_PER_PAGE = 50
#: a process that started this long after the job did is another process that reuses the job's process id
START_SLACK = 10.0
EXTENSIONS = (".csv", ".xlsx")
FORMATS = ("xlsx", "csv")


def kind_label(name: str) -> str:
    kind = bulk.kinds().get(name)
    return capfirst(str(kind.label)) if kind else name


def allowed_kinds(user) -> list[tuple[str, str]]:
    """(kind, label) of the kinds `user` may add rows of at all; the load applies the scope row by row."""
    return [(name, kind_label(name)) for name, model in KIND_MODELS.items() if model.can_add(user)]


def visible_jobs(user):
    """The jobs `user` may see: an administrator every job; a provincial officer the jobs of the users who
    belong to an organisation of their province (and their own); anyone else their own jobs only."""
    who = principal(user)
    jobs = BulkJob.objects.all()
    if who.is_admin:
        return jobs
    provinces = {s.province_id for s in who.scopes if s.role == Role.PROVINCE_OFFICER}
    mine = Q(created_by_id=user.pk)
    if provinces:
        members = Membership.objects.filter(is_active=True, organisation__province_id__in=provinces)
        mine |= Q(created_by_id__in=members.values("user_id"))
    return jobs.filter(mine)


def _job_for(user, pk: int) -> BulkJob:
    job = visible_jobs(user).select_related("created_by").filter(pk=pk).first()
    if job is None:
        raise Http404(_("No such record, or you may not see it."))
    settle_interrupted([job])
    return job


# ----------------------------------------------------------------------------------------- interrupted jobs


def _process_started(pid: int) -> float | None:
    """When process `pid` started (seconds since the epoch), from /proc on Linux; None when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(
            stat[stat.rindex(")") + 2 :].split()[19]
        )  # field 22: start time in clock ticks after boot
        boot = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime")
        )
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def process_alive(pid: int, since) -> bool:
    """Whether process `pid` of this host still runs and is the one that was running at `since` (a process that
    started later merely reuses the id: after a restart, in a container, ids come round again)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists (another user's process)
    except OSError:
        return False
    started = _process_started(pid)
    return started is None or started <= since.timestamp() + START_SLACK


def settle_interrupted(jobs) -> None:
    """Mark failed (interrupted) the running jobs of this host whose process has ended: the merge is one
    transaction, so such a job wrote nothing; without this it would say "running" forever. One UPDATE for all."""
    host = current_host()
    gone = [
        job
        for job in jobs
        if job.status == BulkJob.Status.RUNNING
        and job.pid
        and job.host == host
        and not process_alive(job.pid, job.started_at)
    ]
    if not gone:
        return
    now = timezone.now()
    BulkJob.objects.filter(pk__in=[job.pk for job in gone], status=BulkJob.Status.RUNNING).update(
        status=BulkJob.Status.FAILED, interrupted=True, finished_at=now
    )
    for job in gone:
        job.status, job.interrupted, job.finished_at = BulkJob.Status.FAILED, True, now


# ------------------------------------------------------------------------------------------------ the upload


def bulk_folder() -> Path:
    return Path(settings.DATA_DIR) / "bulk"


def _folder() -> Path:
    path = bulk_folder()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _xlsx_rows(path: Path) -> int | None:
    """The data rows of the first sheet according to its <dimension> tag (read from the first bytes of the
    sheet's XML, not the whole workbook); None when the file does not say."""
    try:
        with zipfile.ZipFile(path) as archive:
            sheets = sorted(n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
            if not sheets:
                return None
            with archive.open(sheets[0]) as sheet:
                head = sheet.read(4096).decode("utf-8", "replace")
    except (OSError, zipfile.BadZipFile, KeyError):
        return None
    match = re.search(r'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
    return max(int(match.group(1)) - 1, 0) if match else None


def save_upload(upload) -> tuple[Path, int | None]:
    """Write the uploaded file under DATA_DIR/bulk; return its path and the data rows it seems to hold."""
    suffix = Path(upload.name).suffix.lower()
    path = _folder() / f"{uuid.uuid4().hex}{suffix}"
    lines, last = 0, b"\n"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
            lines += chunk.count(b"\n")
            last = chunk[-1:] or last
    if suffix == ".xlsx":
        return path, _xlsx_rows(path)
    lines += 0 if last == b"\n" else 1
    return path, max(lines - 1, 0)


# ------------------------------------------------------------------------------------------------ the job


def run_upload(job_id: int, path: Path, *, language: str) -> None:
    """Load the saved upload `path` into the job `job_id` (made by `core.bulk.new_job`) in the calling thread,
    then delete the file; the job row says what happened."""
    job = BulkJob.objects.select_related("created_by").get(pk=job_id)
    try:
        with translation.override(language), path.open("rb") as stream:
            bulk.run(job.kind, job.file_name, stream, user=job.created_by, job=job)
    except ImportFileError:
        pass  # the file as a whole cannot be read: core.bulk recorded the message on the job row
    except Exception:
        # core.bulk marked the job failed; the merge is one transaction, so nothing was written
        logger.exception("bulk load %s of %s stopped", job_id, job.file_name)
    finally:
        path.unlink(missing_ok=True)


def _thread_main(job_id: int, path: Path, language: str) -> None:
    close_old_connections()
    try:
        run_upload(job_id, path, language=language)
    except (
        BaseException
    ):  # e.g. the database went away before the load started: the job must not stay running
        logger.exception("bulk load thread failed")
        BulkJob.objects.filter(pk=job_id, status=BulkJob.Status.RUNNING).update(
            status=BulkJob.Status.FAILED, finished_at=timezone.now()
        )
        path.unlink(missing_ok=True)
    finally:
        connections.close_all()


def start(
    kind: str, file_name: str, path: Path, *, user, source: str, only_good: bool, rows_expected, language
):
    """Make the job row, then load the saved upload in a background thread of this process (inline when the
    setting BULK_IMPORT_INLINE is true, as the tests do); return the job's id at once."""
    job = bulk.new_job(
        kind, file_name, user=user, source=source, only_good=only_good, rows_expected=rows_expected
    )
    if getattr(settings, "BULK_IMPORT_INLINE", False):
        run_upload(job.pk, path, language=language)
    else:
        threading.Thread(
            target=_thread_main, args=(job.pk, path, language), daemon=True, name="bulk-load"
        ).start()
    return job.pk


def duration(seconds: float) -> str:
    """A run time as people say it: 45 giây, 3 phút 5 giây, 1 giờ 20 phút."""
    total = max(int(round(seconds)), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    if minutes:
        return _("%(minutes)s min %(seconds)s s") % {"minutes": minutes, "seconds": secs}
    if not secs:
        return _("under a second")
    return _("%(seconds)s s") % {"seconds": secs}


def progress(job: BulkJob) -> dict:
    """{"percent", "phase", "running", "elapsed"} of a job: reading the file (rows read against the rows the
    upload seemed to hold), checking the rows, writing them; 100 % once finished."""
    elapsed = duration(((job.finished_at or timezone.now()) - job.started_at).total_seconds())
    state = {"percent": 100, "phase": job.get_status_display(), "running": False, "elapsed": elapsed}
    if job.status != BulkJob.Status.RUNNING:
        return state
    state["running"] = True
    expected = job.rows_expected
    if job.rows_validated:
        state.update(percent=85, phase=_("Writing to the database"))
    elif job.rows_staged and (not expected or job.rows_staged >= expected):
        state.update(percent=55, phase=_("Checking the rows"))
    else:
        share = min(job.rows_staged, expected) / expected if expected else 0
        state.update(percent=5 + int(45 * share), phase=_("Reading the file"))
    return state


# ------------------------------------------------------------------------------------------------- pages


class BulkUploadForm(StyledMixin, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("The file holds"))
    source = forms.CharField(
        label=gettext_lazy("Source"),
        max_length=60,
        required=False,
        help_text=gettext_lazy(
            "Where the data come from, e.g. EVNCPC. Loading a file again from the same source updates its rows "
            "instead of adding them twice."
        ),
    )
    file = LimitedFileField(kind="bulk", label=gettext_lazy("File (.xlsx or .csv)"))
    only_good = forms.BooleanField(
        label=gettext_lazy("Load only the valid rows"),
        required=False,
        help_text=gettext_lazy(
            "Unticked: a file with any bad row loads nothing. Ticked: the valid rows are loaded and the bad "
            "rows are listed in the error report."
        ),
    )

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(kinds)
        self.fields["file"].widget.attrs["accept"] = ",".join(EXTENSIONS)
        self.style_fields()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(EXTENSIONS):
            raise forms.ValidationError(_("Unsupported file type: use .xlsx or .csv."))
        return upload


def _columns(name: str) -> list[dict]:
    with translation.override("vi"):
        return [
            {"label": capfirst(str(column.label)), "required": column.required}
            for column in bulk.kinds()[name].columns
        ]


@login_required
def upload(request):
    kinds = allowed_kinds(request.user)
    if not kinds:
        return render(request, "registry/bulk_upload.html", {"refused": True}, status=403)
    form = BulkUploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        uploads.clean(
            ["bulk"]
        )  # files of loads interrupted long ago (a load deletes its own file when it ends)
        path, expected = save_upload(data["file"])
        pk = start(
            data["kind"],
            data["file"].name,
            path,
            user=request.user,
            source=data["source"],
            only_good=data["only_good"],
            rows_expected=expected,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        return HttpResponseRedirect(reverse("registry:bulk_job", args=[pk]))
    guides = [{"name": name, "label": label, "columns": _columns(name)} for name, label in kinds]
    return render(request, "registry/bulk_upload.html", {"form": form, "guides": guides})


@login_required
def template(request, kind: str, fmt: str):
    """An empty file with the kind's columns, headed in Vietnamese."""
    if kind not in KIND_MODELS or fmt not in FORMATS:
        raise Http404(_("No such record, or you may not see it."))
    headers = [column["label"] for column in _columns(kind)]
    return tabular_response(kind_label(kind), f"mau-nap-{kind}", headers, [], fmt)


@login_required
def job_list(request):
    jobs = visible_jobs(request.user).select_related("created_by").defer("errors")
    page = Paginator(jobs, JOBS_PER_PAGE).get_page(request.GET.get("page"))
    settle_interrupted(page.object_list)
    rows = [{"job": job, "kind": kind_label(job.kind)} for job in page.object_list]
    return render(
        request,
        "registry/bulk_list.html",
        {"page": page, "rows": rows, "can_upload": bool(allowed_kinds(request.user))},
    )


@login_required
def job_detail(request, pk: int):
    job = _job_for(request.user, pk)
    errors = job.errors or []
    file_error = job.status == BulkJob.Status.REJECTED and len(errors) == 1 and not errors[0].get("row")
    return render(
        request,
        "registry/bulk_job.html",
        {
            "job": job,
            "kind": kind_label(job.kind),
            "progress": progress(job),
            "file_error": errors[0]["reason"] if file_error else "",
            "errors": [] if file_error else errors[:ERRORS_SHOWN],
            "error_count": 0 if file_error else max(job.error_count, len(errors)),
            "errors_kept": len(errors),
            "errors_capped": job.error_count > len(errors),
        },
    )


@login_required
def job_progress(request, pk: int):
    job = _job_for(request.user, pk)
    state = progress(job)
    response = render(request, "registry/bulk_progress.html", {"job": job, "progress": state})
    if request.htmx and not state["running"]:
        response["HX-Refresh"] = "true"  # reload once: the counts and the error report are final now
    return response


@login_required
def job_errors(request, pk: int, fmt: str):
    """Every reported error of the job (the first core.bulk.MAX_REPORTED_ERRORS are kept; the counts of
    errors and of bad rows are exact)."""
    if fmt not in FORMATS:
        raise Http404(_("No such record, or you may not see it."))
    job = _job_for(request.user, pk)
    rows = [(e.get("row") or "", e.get("column", ""), e.get("reason", "")) for e in job.errors or []]
    return tabular_response(_("Errors"), f"loi-nap-{job.pk}", [_("Row"), _("Column"), _("Reason")], rows, fmt)
