"""Bulk loads on the web: the upload page, the job page (progress polled with htmx, the error report and its
download) and the list of jobs.

The page keeps the upload in the job input store and queues the load (`core.bulk.queue`): a `core.Job` row, run
by `doluong worker` (`core.jobs`), which writes its progress on that row outside the merge transaction (so the
job page can show it while the load runs) and merges in ONE transaction. A job still "running" whose worker has
ended is queued again or shown, and saved, as failed — interrupted, nothing written (`core.jobs.settle`;
docs/bulk_import.md, docs/operations.md).
"""

from __future__ import annotations

import logging
import re
import zipfile
from pathlib import Path

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doluong.core import bulk, jobs, uploads
from doluong.core.forms import StyledMixin
from doluong.core.io import tabular_response
from doluong.core.models import Job
from doluong.core.surface import nav_link
from doluong.core.uploads import LimitedFileField

logger = logging.getLogger(__name__)

nav_link(
    "registry",
    gettext_lazy("Bulk load"),
    "registry:bulk_upload",
    order=90,
    visible=lambda u: bool(allowed_kinds(u)),
)

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
    return [(name, kind_label(name)) for name, kind in bulk.kinds().items() if kind.model.can_add(user)]


def visible_jobs(user):
    """The bulk-load jobs `user` may see: the permission table's rows of `core.Job` (`restrict`: an
    administrator every job, a provincial officer the jobs of their province, a unit's staff their unit's) and
    the user's own."""
    return jobs.visible(user).filter(kind__in=list(bulk.kinds()))


def _job_for(user, pk: int) -> Job:
    job = visible_jobs(user).select_related("created_by").filter(pk=pk).first()
    if job is None:
        raise Http404(_("No such record, or you may not see it."))
    jobs.settle([job])
    return job


# ------------------------------------------------------------------------------------------------ the upload


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


def expected_rows(upload) -> int | None:
    """The data rows the uploaded file seems to hold (for the progress bar): its lines, or an XLSX sheet's
    <dimension> tag."""
    if upload.name.lower().endswith(".xlsx"):
        if hasattr(upload, "temporary_file_path"):
            return _xlsx_rows(Path(upload.temporary_file_path()))
        upload.seek(0)
        try:
            return _xlsx_rows(upload)
        finally:
            upload.seek(0)
    lines, last = 0, b"\n"
    for chunk in upload.chunks():
        lines += chunk.count(b"\n")
        last = chunk[-1:] or last
    upload.seek(0)
    lines += 0 if last == b"\n" else 1
    return max(lines - 1, 0)


def start(kind: str, upload, *, user, source: str, only_good: bool):
    """Queue the load of `upload` for the worker; return the job's id at once."""
    job = bulk.queue(
        kind,
        upload.name,
        upload,
        user=user,
        source=source,
        only_good=only_good,
        rows_expected=expected_rows(upload),
    )
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


def progress(job: Job) -> dict:
    """{"percent", "phase", "running", "elapsed"} of a job: reading the file (rows read against the rows the
    upload seemed to hold), checking the rows, writing them; 100 % once finished."""
    elapsed = duration(((job.finished_at or timezone.now()) - job.started_at).total_seconds())
    state = {"percent": 100, "phase": job.get_status_display(), "running": False, "elapsed": elapsed}
    if job.status == Job.Status.QUEUED:
        state.update(percent=0, running=True, phase=_("Waiting for the worker"))
        return state
    if job.status != Job.Status.RUNNING:
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


@login_required
def upload(request):
    kinds = allowed_kinds(request.user)
    if not kinds:
        return render(request, "registry/bulk_upload.html", {"refused": True}, status=403)
    form = BulkUploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        uploads.clean(
            ["jobs"]
        )  # inputs of jobs that ended long ago (a job deletes its own input when it ends)
        pk = start(
            data["kind"],
            data["file"],
            user=request.user,
            source=data["source"],
            only_good=data["only_good"],
        )
        return HttpResponseRedirect(reverse("registry:bulk_job", args=[pk]))
    from doluong.core.bulk_columns import guide

    guides = [
        {"name": name, "label": label, "columns": guide(bulk.kinds()[name], request.user)}
        for name, label in kinds
    ]
    return render(request, "registry/bulk_upload.html", {"form": form, "guides": guides})


@login_required
def template(request, kind: str, fmt: str):
    """The file to fill (core.bulk_columns): XLSX with the data sheet, an example, notes and code lists; CSV
    with the header row (the notes are on the upload page)."""
    from doluong.core import bulk_columns

    if kind not in bulk.kinds() or fmt not in FORMATS:
        raise Http404(_("No such record, or you may not see it."))
    loader = bulk.kinds()[kind]
    if fmt == "csv":
        response = HttpResponse(
            bulk_columns.template_csv(loader, request.user), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            bulk_columns.template_xlsx(loader, request.user),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="mau-nap-{kind}.{fmt}"'
    return response


@login_required
def job_list(request):
    rows = visible_jobs(request.user).select_related("created_by").defer("errors")
    page = Paginator(rows, JOBS_PER_PAGE).get_page(request.GET.get("page"))
    jobs.settle(page.object_list)
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
    file_error = job.status == Job.Status.REJECTED and len(errors) == 1 and not errors[0].get("row")
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
