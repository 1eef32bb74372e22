from django.utils.translation import gettext_lazy as _

from .surface import SURFACES

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
        items = sorted((s for s in SURFACES.values() if s.nav_group == key), key=lambda s: s.nav_order)
        if items:
            menu.append(
                {
                    "title": title,
                    "items": [
                        {"title": s.model._meta.verbose_name_plural, "url": s.list_url()} for s in items
                    ],
                }
            )
    return {"nav": menu}
