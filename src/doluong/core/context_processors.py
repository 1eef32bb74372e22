"""The menu: each app's group (`AppConfig.menu`, core.plugins) with the surfaces and links the user may open.

A surface is listed when the permission table lets the user view some of its rows (`core.access.can`); a nav link
when its own `visible(user)` says so. Nothing in the menu leads to a refusal (tests/core/test_menu_roles.py)."""

from .access import can
from .plugins import menu_groups
from .scope import principal
from .surface import NAV_LINKS, SURFACES


def navigation(request):
    """Menu groups with the surfaces the user may see; `api_docs`: whether to offer the API documentation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": [], "api_docs": False}
    menu = []
    for key, title in menu_groups():
        entries = [
            (s.nav_order, s.model._meta.verbose_name_plural, s.list_url)
            for s in SURFACES.values()
            if s.nav_group == key and can(user, s.model, s.nav_action)
        ]
        entries += [
            (link.order, link.title, link.url)
            for link in NAV_LINKS
            if link.group == key and link.shown_to(user)
        ]
        if entries:
            entries.sort(key=lambda entry: entry[0])
            menu.append({"title": title, "items": [{"title": t, "url": url()} for _order, t, url in entries]})
    return {"nav": menu, "api_docs": api_user(user)}


def api_user(user) -> bool:
    """The API documentation is offered to administrators and to the accounts that use the API (hold a token)."""
    if principal(user).is_admin:
        return True
    from rest_framework.authtoken.models import Token

    return Token.objects.filter(user=user).exists()
