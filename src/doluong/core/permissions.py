"""The API's default permission (kept apart from core.api so DRF's settings can import it early)."""

from rest_framework import permissions


class RestrictPermission(permissions.BasePermission):
    """Authenticated users only; creating needs the model's add scope. Row scope comes from restrict()."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method == "POST" and getattr(view, "surface", None) is not None:
            return view.surface.model.can_add(request.user)
        return True


def _job_rows():
    from .access import allow, rules

    return [
        rules(
            "core.Job",
            paths={"province": "province_code", "organisation": "organisation_id"},
            forbid=("add", "change", "delete"),
            via_action={
                "add": "the pages that start a job (bulk load, batch issue) and core.jobs.create",
                "change": "the worker (core.jobs.run_job)",
            },
            note="Everyone also sees the jobs they started (core.jobs.visible).",
            province_officer=allow("view", "own_province"),
            provider_staff=allow("view", "own_organisation"),
        ),
    ]


#: the rows of core's own models in the permission table (core.access.collect)
PERMISSIONS = _job_rows()
