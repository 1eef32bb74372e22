"""Generic views driven by a `Surface` (thin and declarative: all rules live in models, forms and actions)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View
from django_tables2 import RequestConfig

from . import io as tabular
from . import paging, uploads
from .actions import delete_object, save_object
from .forms import ImportUploadForm
from .history import history_entries
from .scope import CHANGE, DELETE, VIEW
from .surface import DETAIL_PANELS, Surface


def restricted_or_404(model, user, pk, action: str = VIEW, related: tuple = ()):
    """The row `pk` of `model` that `user` may `action` (`restrict()`), with `related` joined; otherwise 404 saying
    so (an unknown or malformed id, or a row outside the user's organisation or area)."""
    queryset = model.objects.restrict(user, action)
    if related:
        queryset = queryset.select_related(*related)
    try:
        return queryset.get(pk=pk)
    except (model.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404(
            _("No such %(model)s, or you may not %(action)s it.")
            % {"model": model._meta.verbose_name, "action": _(action)}
        ) from exc


class SurfaceView(LoginRequiredMixin, View):
    surface: Surface = None  # type: ignore[assignment]

    def get_object(self, pk, action: str = VIEW):
        try:
            return self.surface.queryset(self.request.user, action).get(pk=pk)
        except (self.surface.model.DoesNotExist, ValueError, ValidationError) as exc:
            raise Http404(
                _("No such %(model)s, or you may not %(action)s it.")
                % {"model": self.surface.model._meta.verbose_name, "action": _(action)}
            ) from exc

    def base_context(self, **extra):
        model = self.surface.model
        user = self.request.user
        return {
            "surface": self.surface,
            "model_name": model._meta.verbose_name,
            "model_name_plural": model._meta.verbose_name_plural,
            "can_add": model.can_add(user),
            **extra,
        }


class ObjectListView(SurfaceView):
    def get(self, request):
        surface = self.surface
        queryset = surface.queryset(request.user, VIEW)
        filterset = surface.filterset(request.GET or None, queryset=queryset, request=request)
        if filterset.is_bound and not filterset.is_valid():
            queryset = queryset.none()
        else:
            queryset = filterset.qs
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            return tabular.export_rows(surface, queryset, export)
        if request.GET.get("template") in ("csv", "xlsx"):
            return tabular.template_rows(surface, request.GET["template"])
        table, listing = paged_table(request, surface.table, queryset)
        template = "core/object_list.html"
        if request.htmx and request.htmx.target == "object-table":
            template = "core/partials/table_block.html"
        links = surface.list_links(request) if surface.list_links else []
        if template == "core/object_list.html":
            filterset.for_page()
        return render(
            request,
            template,
            self.base_context(table=table, listing=listing, filterset=filterset, list_links=links),
        )


def paged_table(request, make_table, queryset):
    """(table, listing) for a list page: a bounded count and numbered pages (core.paging.ListPaginator); past
    the numbered pages, in the default order, the next pages by key (`?after=`). `listing` feeds
    core/partials/table_block.html: count, estimated, capped (page numbers stop), after (the next page's key)."""
    per_page = _per_page(request)
    token = request.GET.get("after")
    if token and not request.GET.get("sort"):
        found = paging.keyset_page(queryset, token, per_page)
        if found is not None:
            rows, after = found
            table = make_table(rows)
            RequestConfig(request, paginate=False).configure(table)
            count, estimated = paging.bounded_count(queryset)
            return table, {
                "count": count,
                "estimated": estimated,
                "capped": True,
                "after": after,
                "by_key": True,
            }
    table = make_table(queryset)
    RequestConfig(
        request, paginate={"per_page": per_page, "paginator_class": paging.ListPaginator}
    ).configure(table)
    paginator = table.paginator
    listing = {"count": paginator.count, "estimated": paginator.estimated, "capped": False, "after": None}
    if paginator.pages_capped and table.page.number == paginator.num_pages:
        listing["capped"] = True
        if not request.GET.get("sort"):
            listing["after"] = paging.token_after(queryset, paginator.num_pages * per_page)
    return table, listing


def _per_page(request) -> int:
    try:
        return max(10, min(int(request.GET.get("per_page", 50)), 500))
    except ValueError:
        return 50


class ObjectDetailView(SurfaceView):
    def get(self, request, pk):
        obj = self.get_object(pk)
        surface = self.surface
        fields = []
        for name in surface.detail_fields:
            model_field = surface.model._meta.get_field(name)
            fields.append((model_field, name))
        related = []
        for rel in surface.related:
            qs = rel.queryset(obj, request.user)
            count, estimated = paging.bounded_count(qs)
            related.append(
                {"title": rel.title, "rows": list(qs[:50]), "count": count, "estimated": estimated}
            )
        user = request.user
        context = self.base_context(
            object=obj,
            fields=fields,
            related=related,
            history=history_entries(obj),
            can_change=surface.model.objects.restrict(user, CHANGE).filter(pk=obj.pk).exists(),
            can_delete=surface.model.objects.restrict(user, DELETE).filter(pk=obj.pk).exists(),
        )
        if surface.extra_context:
            context.update(surface.extra_context(obj, request))
        context["panels"] = [
            {"template": template, **make(obj, request)}
            for template, make in DETAIL_PANELS.get(type(obj), [])
        ]
        return render(request, surface.detail_template, context)


class ObjectEditView(SurfaceView):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        pk = kwargs.get("pk")
        self.object = self.get_object(pk, CHANGE) if pk is not None else None
        if self.object is None and not self.surface.model.can_add(request.user):
            raise PermissionDenied(
                _("You may not add %(model)s.") % {"model": self.surface.model._meta.verbose_name_plural}
            )
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form):
        return render(
            request=self.request,
            template_name="core/object_edit.html",
            context=self.base_context(form=form, object=self.object),
        )

    def get(self, request, pk=None):
        initial = {k: v for k, v in request.GET.items() if k in self.surface.form._meta.fields}
        return self.render_form(self.surface.form(instance=self.object, user=request.user, initial=initial))

    def post(self, request, pk=None):
        form = self.surface.form(
            data=request.POST, files=request.FILES, instance=self.object, user=request.user
        )
        if form.is_valid():
            try:
                obj = save_object(form.instance, request.user)
                form.save_related()
            except ValidationError as exc:
                form.add_error(None, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Saved %(model)s “%(object)s”.")
                    % {"model": self.surface.model._meta.verbose_name, "object": obj},
                )
                return HttpResponseRedirect(self.surface.object_url(obj))
        return self.render_form(form)


class ObjectDeleteView(SurfaceView):
    def get(self, request, pk):
        obj = self.get_object(pk, DELETE)
        return render(request, "core/object_delete.html", self.base_context(object=obj))

    def post(self, request, pk):
        obj = self.get_object(pk, DELETE)
        try:
            delete_object(obj, request.user)
        except ProtectedError as exc:
            blockers = ", ".join(str(o) for o in list(exc.protected_objects)[:5])
            messages.error(
                request,
                _("Cannot delete “%(object)s”: other records depend on it (%(blockers)s).")
                % {"object": obj, "blockers": blockers},
            )
            return HttpResponseRedirect(self.surface.object_url(obj))
        messages.success(
            request,
            _("Deleted %(model)s “%(object)s”.")
            % {"model": self.surface.model._meta.verbose_name, "object": obj},
        )
        return HttpResponseRedirect(self.surface.list_url())


#: errors listed on the import page (the count above them is exact)
ERRORS_SHOWN = 500


class ObjectImportView(SurfaceView):
    """Upload → preview with per-row errors → confirm. Nothing is written unless every row is good."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.surface.model.can_add(request.user):
            raise PermissionDenied(
                _("You may not import %(model)s.") % {"model": self.surface.model._meta.verbose_name_plural}
            )
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, **context):
        columns = [tabular.column_label(self.surface.model, name) for name in self.surface.import_fields]
        return render(self.request, "core/object_import.html", self.base_context(columns=columns, **context))

    def get(self, request):
        return self.render_page(form=ImportUploadForm())

    def _store(self, upload) -> str:
        """Save the upload (chunk by chunk) until the person confirms the preview; its session entry names it."""
        suffix = ".xlsx" if upload.name.lower().endswith(".xlsx") else ".csv"
        path = uploads.save_upload(upload, uploads.imports_folder(), suffix)
        token = path.stem
        self.request.session[f"import:{token}"] = {
            "name": upload.name,
            "suffix": suffix,
            "surface": self.surface.basename,
        }
        return token

    def _load(self, token: str):
        meta = self.request.session.get(f"import:{token}")
        if not meta or meta.get("surface") != self.surface.basename or not token.isalnum():
            raise Http404(_("This import has expired; upload the file again."))
        file_path = uploads.imports_folder() / f"{token}{meta['suffix']}"
        if not file_path.exists():
            raise Http404(_("This import has expired; upload the file again."))
        return meta["name"], file_path

    def _forget(self, token: str, file_path: Path) -> None:
        file_path.unlink(missing_ok=True)
        self.request.session.pop(f"import:{token}", None)

    def post(self, request):
        token = request.POST.get("token")
        if token:
            name, file_path = self._load(token)
            commit = True
        else:
            form = ImportUploadForm(request.POST, request.FILES)
            if not form.is_valid():
                return self.render_page(form=form)
            uploads.clean(["imports"])  # previews abandoned by anyone, older than the setting
            upload = form.cleaned_data["file"]
            token = self._store(upload)
            name, file_path = self._load(token)
            commit = False
        try:
            result = tabular.import_rows(self.surface, request.user, name, file_path, commit=commit)
        except tabular.ImportFileError as exc:
            self._forget(token, file_path)  # a file refused as a whole cannot be confirmed
            return self.render_page(form=ImportUploadForm(), file_error=str(exc), file_name=name)
        if commit and result.ok:
            self._forget(token, file_path)
            messages.success(
                request, _("Imported %(count)s rows from %(file)s.") % {"count": result.saved, "file": name}
            )
            return HttpResponseRedirect(self.surface.list_url())
        if not result.ok:
            self._forget(
                token, file_path
            )  # nothing can be confirmed: the person fixes the file and uploads again
        preview_columns = [tabular.column_label(self.surface.model, n) for n in self.surface.import_fields]
        preview = [[row.get(n, "") for n in self.surface.import_fields] for row in result.rows[:100]]
        return self.render_page(
            form=ImportUploadForm(),
            result=result,
            errors_shown=result.errors[:ERRORS_SHOWN],
            token=token,
            file_name=name,
            preview_columns=preview_columns,
            preview=preview,
        )


def lockout(request, original_response=None, credentials=None):
    """The answer to a login attempt that django-axes refuses (too many wrong passwords for this user name from
    this address): a Vietnamese page, HTTP 429 (settings AXES_*; docs/operations.md tells how to unlock)."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "lockout_minutes": minutes}
    return render(request, "core/lockout.html", context, status=429)
