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
