"""The parties app's part of the home page: who the user is (roles and organisations), in the page header."""

from __future__ import annotations

from doluong.core.views_home import Panel


def panels(request) -> list[Panel]:
    memberships = list(request.user.memberships.select_related("organisation").filter(is_active=True))
    if not memberships:
        return []
    return [Panel("parties/home_memberships.html", {"memberships": memberships}, order=-10)]
