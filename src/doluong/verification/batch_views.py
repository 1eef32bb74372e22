"""Pages of the batch issue: upload, column mapping, preview (dry run), start, progress (htmx polling)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doluong.core import uploads
from doluong.core.forms import StyledMixin
from doluong.core.scope import CHANGE, VIEW
from doluong.core.uploads import LimitedFileField

from . import batch
from .forms import providers_for
from .models import BatchJob


class UploadForm(StyledMixin, forms.Form):
    provider = forms.ModelChoiceField(label=gettext_lazy("service provider"), queryset=None)
    file = LimitedFileField(kind="batch", label=gettext_lazy("Spreadsheet (XLSX)"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        providers = providers_for(user, CHANGE)
        self.fields["provider"].queryset = providers
        if providers.count() == 1:
            self.fields["provider"].initial = providers.first().pk
        self.style_fields()


def _providers(request):
    providers = providers_for(request.user, CHANGE)
    if not providers.exists():
        raise PermissionDenied(_("You may not issue certificates."))
    return providers


@login_required
def template(request):
    response = HttpResponse(
        batch.template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="mau-cap-giay-chung-nhan.xlsx"'
    return response


@login_required
def upload(request):
    _providers(request)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    error = None
    if request.method == "POST" and form.is_valid():
        uploads.clean(["batch", "jobs"])  # uploads never mapped or previewed, older than the setting
        token = batch.store_upload(form.cleaned_data["file"])
        try:
            headers, _body = batch.read_sheet(batch.load_upload(token))
        except batch.FileError as exc:
            batch.discard_upload(token)  # refused: not kept
            error = str(exc)
        else:
            request.session[f"batch:{token}"] = {
                "provider": form.cleaned_data["provider"].pk,
                "name": form.cleaned_data["file"].name,
            }
            return HttpResponseRedirect(reverse("verification:batch_map", args=[token]))
    return render(request, "verification/batch_upload.html", {"form": form, "error": error})


def _session(request, token):
    meta = request.session.get(f"batch:{token}")
    if not meta:
        raise Http404(_("This upload has expired; upload the file again."))
    provider = _providers(request).filter(pk=meta["provider"]).first()
    if provider is None:
        raise PermissionDenied(_("You may not issue certificates."))
    try:
        headers, body = batch.read_sheet(batch.load_upload(token))
    except batch.FileError as exc:
        raise Http404(str(exc)) from exc
    return meta, provider, headers, body


@login_required
def mapping(request, token):
    """Choose which column of the sheet holds each field (pre-filled when the headers are the template's),
    preview every row (a dry run that writes nothing), then start the job."""
    meta, provider, headers, body = _session(request, token)
    if request.method == "POST":
        chosen = {key: request.POST.get(f"col_{key}", "") for key in batch.COLUMNS}
        chosen = {k: v for k, v in chosen.items() if v}
    else:
        chosen = meta.get("columns") or batch.guess_mapping(headers)
    problems = batch.check_mapping(chosen, headers) if request.method == "POST" else []
    outcomes = None
    if request.method == "POST" and not problems:
        meta["columns"] = chosen
        request.session[f"batch:{token}"] = meta
        rows = batch.rows_from(headers, body, chosen)
        if request.POST.get("confirm"):
            job = batch.submit(
                provider, request.user, file_name=meta["name"], token=token, columns=chosen, total=len(rows)
            )
            return HttpResponseRedirect(job.get_absolute_url())
        outcomes = batch.process_all(rows, provider, request.user, commit=False)
    fields = [
        {"key": key, "label": label, "required": required, "help": help_text, "chosen": chosen.get(key, "")}
        for key, (label, required, help_text) in batch.COLUMNS.items()
    ]
    errors = [o for o in outcomes or [] if o.errors]
    return render(
        request,
        "verification/batch_map.html",
        {
            "token": token,
            "file_name": meta["name"],
            "provider": provider,
            "headers": headers,
            "rows": len(body),
            "fields": fields,
            "problems": problems,
            "outcomes": outcomes,
            "errors": errors,
            "will_issue": sum(1 for o in outcomes or [] if o.certificate),
            "will_fail": sum(1 for o in outcomes or [] if o.failed),
        },
    )


@login_required
def job_progress(request, pk):
    try:
        job = BatchJob.objects.restrict(request.user, VIEW).get(pk=pk)
    except (BatchJob.DoesNotExist, ValueError):
        raise Http404(_("No such record, or you may not see it.")) from None
    progress = batch.progress(job)
    response = render(
        request, "verification/partials/batch_progress.html", {"object": job, "progress": progress}
    )
    if request.htmx and progress["status"] in ("done", "failed"):
        response["HX-Refresh"] = "true"  # reload once: the job's fields and error report are final now
    return response
