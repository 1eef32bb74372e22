from django.utils.translation import gettext_lazy as _

from .surface import NAV_LINKS, SURFACES

GROUPS = [
    ("programs", _("Plans")),
    ("verification", _("Verification")),
    ("registry", _("Registry")),
    ("parties", _("Organisations")),
    ("geo", _("Administrative units")),
]


def navigation(request):
    """Menu groups with the surfaces the user may see (every surface is in the menu of its group)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    menu = []
    for key, title in GROUPS:
        entries = [
            (s.nav_order, s.model._meta.verbose_name_plural, s.list_url)
            for s in SURFACES.values()
            if s.nav_group == key
        ]
        entries += [(link.order, link.title, link.url) for link in NAV_LINKS if link.group == key]
        if entries:
            entries.sort(key=lambda entry: entry[0])
            menu.append({"title": title, "items": [{"title": t, "url": url()} for _order, t, url in entries]})
    return {"nav": menu}
