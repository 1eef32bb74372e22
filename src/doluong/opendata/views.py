"""The public open data pages: the catalogue (HTML and DCAT-AP JSON-LD) and each release's CSV and JSON; the
administrator queues a refresh from the catalogue page."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import http_date
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from doluong.core import jobs
from doluong.core.dates import today
from doluong.core.scope import principal

from . import publish
from .datasets import BY_KEY, DATASETS
from .models import REVIEW_MONTHS, DatasetRelease


def _releases() -> dict[str, DatasetRelease]:
    return {r.key: r for r in DatasetRelease.objects.defer("csv_text", "json_text")}


def catalogue_page(request):
    day = today()
    releases = _releases()
    rows = []
    for dataset in DATASETS:
        release = releases.get(dataset.key)
        rows.append(
            {
                "dataset": dataset,
                "release": release,
                "stale": release is None or release.is_stale(day),
            }
        )
    return render(
        request,
        "opendata/catalogue.html",
        {
            "rows": rows,
            "day": day,
            "license_url": publish.LICENSE_URL,
            "license_name": publish.LICENSE_NAME,
            "review_months": REVIEW_MONTHS,
            "may_refresh": principal(request.user).is_admin,
        },
    )


def catalogue_jsonld(request):
    body = publish.catalogue(request.build_absolute_uri("/"), _releases())
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=1), content_type="application/ld+json; charset=utf-8"
    )


def download(request, key, fmt):
    if key not in BY_KEY:
        raise Http404
    release = DatasetRelease.objects.filter(key=key).first()
    if release is None:
        raise Http404(gettext("This dataset is not published yet."))
    if fmt == "csv":
        response = HttpResponse(release.csv_text, content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(release.json_text, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{key}-{release.modified:%Y%m%d}.{fmt}"'
    response["Last-Modified"] = http_date(release.modified.timestamp())
    return response


@require_POST
def refresh_now(request):
    if not principal(request.user).is_admin:
        raise PermissionDenied
    job = jobs.create("opendata_refresh", user=request.user)
    jobs.enqueue(job)
    messages.success(request, gettext("The refresh of the open data is queued on the worker."))
    return redirect("opendata:catalogue")
