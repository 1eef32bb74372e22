"""The project's URLs plus a bare Django view doing the public check's lookup (the reference for the ratio)."""

from django.http import JsonResponse
from django.urls import path

from doluong.urls import urlpatterns as project_urlpatterns
from doluong.verification.models import Certificate


def bare_check(request):
    """The same lookup as the public check (by the folded number), the same fields out, nothing else."""
    key = Certificate.lookup_key_for(request.GET.get("n", ""))
    row = (
        Certificate.objects.filter(lookup_key=key)
        .values("number", "kind", "status", "issued_on", "verified_on", "valid_until", "signature")
        .first()
    )
    return JsonResponse({"results": [row] if row else []})


urlpatterns = [path("bench/bare/", bare_check), *project_urlpatterns]
