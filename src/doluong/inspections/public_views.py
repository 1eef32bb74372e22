"""Public pages of the inspections app (no login): the inspection statistics per commune and year, and the
complaint form reachable from an instrument's public check page, routed to the commune."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from doluong.core.dates import today
from doluong.geo.models import Commune, Province
from doluong.verification.models import Certificate
from doluong.verification.public import _count, client_ip

from .models import Complaint, Inspection
from .public import statistics


def _provinces():
    ids = Inspection.objects.filter(sealed_at__isnull=False).values("site__province_id").distinct()
    return Province.objects.filter(pk__in=ids).order_by("name")


@never_cache
def statistics_page(request):
    provinces = list(_provinces())
    code = request.GET.get("province") or (provinces[0].pk if provinces else "")
    try:
        year = int(request.GET.get("year") or today().year)
    except ValueError:
        year = today().year
    province = next((p for p in provinces if str(p.pk) == str(code)), None)
    rows = statistics(province.pk, year) if province else []
    total = (
        {
            k: sum(r[k] for r in rows)
            for k in ("inspections", "sites", "instruments", "lots", "warnings", "fines", "fine_total")
        }
        if rows
        else {}
    )
    return render(
        request,
        "inspections/public_statistics.html",
        {"provinces": provinces, "province": province, "year": year, "rows": rows, "total": total},
    )


class ComplaintForm(forms.Form):
    commune = forms.ModelChoiceField(
        queryset=Commune.objects.none(), label=gettext_lazy("commune"), required=False
    )
    place = forms.CharField(label=gettext_lazy("where (market, shop, station)"), max_length=300)
    text = forms.CharField(
        label=gettext_lazy("what happened"),
        widget=forms.Textarea(attrs={"rows": 5}),
        min_length=20,
        max_length=3000,
    )
    contact = forms.CharField(label=gettext_lazy("contact (optional)"), max_length=150, required=False)
    #: left empty by people; robots fill it
    website = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, instrument=None, province=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        qs = Commune.objects.select_related("province").order_by("province__name", "name")
        if province is not None:
            qs = qs.filter(province=province)
        self.fields["commune"].queryset = qs
        if instrument is not None and instrument.commune_id:
            del self.fields["commune"]
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise ValidationError(_("The form could not be sent."))
        if "commune" in self.fields and not data.get("commune"):
            self.add_error("commune", _("Choose the commune where it happened."))
        return data


def _instrument_for(number: str):
    if not number:
        return None, None
    cert = (
        Certificate.objects.filter(lookup_key=Certificate.lookup_key_for(number))
        .select_related("instrument")
        .order_by("-issued_on")
        .first()
    )
    if cert is None:
        return None, None
    return cert, cert.instrument


@never_cache
def complaint_page(request):
    number = (request.GET.get("n") or request.POST.get("n") or "").strip()[:80]
    cert, instrument = _instrument_for(number)
    province = instrument.province if instrument is not None else None
    if request.method == "POST":
        limit = int(getattr(settings, "COMPLAINT_RATE_LIMIT", 3))
        if _count(f"complaint:{client_ip(request)}"[:64]) > limit:
            response = render(
                request,
                "inspections/public_complaint.html",
                {"limited": _("Too many complaints from your address. Please wait a minute and try again.")},
                status=429,
            )
            response["Retry-After"] = "60"
            return response
        form = ComplaintForm(request.POST, instrument=instrument, province=province)
        if form.is_valid():
            data = form.cleaned_data
            commune = (
                instrument.commune if instrument is not None and instrument.commune_id else data["commune"]
            )
            complaint = Complaint(
                commune=commune,
                certificate_number=cert.number if cert else "",
                instrument=instrument,
                place=data["place"],
                text=data["text"],
                contact=data["contact"],
            )
            with transaction.atomic():
                complaint.full_clean()
                complaint.save()
            return render(
                request, "inspections/public_complaint.html", {"sent": complaint, "commune": commune}
            )
    else:
        form = ComplaintForm(instrument=instrument, province=province)
    return render(
        request,
        "inspections/public_complaint.html",
        {"form": form, "number": number, "instrument": instrument, "certificate": cert},
    )
