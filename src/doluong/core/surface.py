"""A model's whole surface, declared once: list (filters, folded search, sort, pages, export), detail with
history, create/edit/delete forms, XLSX/CSV import with preview, and the REST API viewset.

Each app declares one `Surface` per model in its `views.py`; `Surface.urls()` and `Surface.api_viewset()` build
the pages and the API from it, and the navigation lists every surface with a `nav_group`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.urls import path, reverse

SURFACES: dict[type, Surface] = {}


@dataclass(frozen=True)
class NavLink:
    """A menu entry for a page that is not a model's list (a due list, a dashboard): the menu shows it in
    `group` beside the surfaces, ordered by `order` like a surface's `nav_order`."""

    group: str
    title: Any
    url_name: str
    order: int = 100
    #: who sees the entry: a function of the user (asking the permission table, `core.access.can`); None: anyone
    #: signed in. The page behind it must answer 200 to everyone who sees the entry.
    visible: Callable[[Any], bool] | None = None

    def url(self) -> str:
        return reverse(self.url_name)

    def shown_to(self, user) -> bool:
        return self.visible is None or bool(self.visible(user))


NAV_LINKS: list[NavLink] = []


def nav_link(group: str, title, url_name: str, order: int = 100, visible=None) -> NavLink:
    """Register a menu entry (idempotent: importing a views module twice adds it once)."""
    link = NavLink(group, title, url_name, order, visible)
    if not any(existing.url_name == url_name for existing in NAV_LINKS):
        NAV_LINKS.append(link)
    return link


#: panels that an app above adds to another app's detail page: model -> [(template, (obj, request) -> dict)]
DETAIL_PANELS: dict[type, list[tuple[str, Callable]]] = {}


def detail_panel(model, template: str, context: Callable) -> None:
    """Add a panel to `model`'s detail page from an app above it (verification adds an instrument's records):
    `context(obj, request)` gives the panel's context, whose `actions` ([{"title", "url"}]) become buttons
    beside Edit. Idempotent per template."""
    panels = DETAIL_PANELS.setdefault(model, [])
    if not any(existing == template for existing, _fn in panels):
        panels.append((template, context))


def scoped_rows(model, **lookup):
    """A `Related` queryset: the rows of `model` the user may view, filtered by `lookup` whose values are
    functions of the shown object, e.g. ``scoped_rows(Phase, plan=lambda o: o)``."""
    return lambda obj, user: model.objects.restrict(user).filter(**{k: v(obj) for k, v in lookup.items()})


@dataclass
class Related:
    """A related list shown on a detail page."""

    title: Any
    queryset: Callable[[Any, Any], Any]  # (obj, user) -> queryset
    surface_model: type | None = None
    columns: Sequence[str] | None = None


@dataclass
class Surface:
    model: type
    filterset: type
    table: type
    form: type
    serializer: type
    namespace: str
    basename: str
    route: str
    nav_group: str | None = None
    nav_order: int = 100
    #: the action the menu asks the permission table for: a surface whose rows a role may only glimpse (its own
    #: memberships) is offered in the menu to those who manage them ("change")
    nav_action: str = "view"
    select_related: Sequence[str] = ()
    prefetch_related: Sequence[str] = ()
    detail_fields: Sequence[str] | None = None
    import_fields: Sequence[str] | None = None
    export_fields: Sequence[str] | None = None
    related: Sequence[Related] = ()
    detail_template: str = "core/object_detail.html"
    can_import: bool = True
    extra_context: Callable[[Any, Any], dict] | None = None
    #: buttons of the app's own beside "Add"/"Import" on the list: request -> [{"title", "url", "style"?}]
    list_links: Callable[[Any], list[dict]] | None = None
    api_route: str | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.import_fields is None:
            self.import_fields = list(self.form._meta.fields)
        if self.export_fields is None:
            self.export_fields = list(self.import_fields)
        if self.detail_fields is None:
            self.detail_fields = list(self.export_fields)
        self.import_fields = list(self.import_fields)
        self.export_fields = list(self.export_fields)
        SURFACES[self.model] = self

    # ------------------------------------------------------------ data
    def queryset(self, user, action: str = "view"):
        qs = self.model.objects.restrict(user, action)
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.prefetch_related:
            qs = qs.prefetch_related(*self.prefetch_related)
        return qs

    # ------------------------------------------------------------ urls
    def url_name(self, view: str) -> str:
        return f"{self.namespace}:{self.basename}_{view}"

    def list_url(self) -> str:
        return reverse(self.url_name("list"))

    def object_url(self, obj, view: str = "detail") -> str:
        return reverse(self.url_name(view), kwargs={"pk": obj.pk})

    def urls(self) -> list:
        from . import views

        prefix = self.route.strip("/") + "/"
        kw = {"surface": self}
        name = self.basename
        return [
            path(prefix, views.ObjectListView.as_view(**kw), name=f"{name}_list"),
            path(f"{prefix}add/", views.ObjectEditView.as_view(**kw), name=f"{name}_add"),
            path(f"{prefix}import/", views.ObjectImportView.as_view(**kw), name=f"{name}_import"),
            path(f"{prefix}<str:pk>/", views.ObjectDetailView.as_view(**kw), name=f"{name}_detail"),
            path(f"{prefix}<str:pk>/edit/", views.ObjectEditView.as_view(**kw), name=f"{name}_edit"),
            path(f"{prefix}<str:pk>/delete/", views.ObjectDeleteView.as_view(**kw), name=f"{name}_delete"),
        ]

    # ------------------------------------------------------------ api
    def api_viewset(self):
        from .api import make_viewset

        return make_viewset(self)


def surface_for(model_or_obj) -> Surface | None:
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    return SURFACES.get(model)
