"""Generic state changes for plain records: create, update, delete — validated, scoped, with history.

Domain-specific changes (issuing a certificate, recording a verification…) have their own actions in their app;
these generic ones serve the CRUD surface, the API and the importer so that all three behave alike.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from . import access
from .scope import ADD, CHANGE, DELETE


def check_fields(obj, user) -> None:
    """Refuse a write of a field `user` may not write (the permission table's field rules), naming only the
    fields, never a value of a row the user may not read."""
    refused = access.refused_fields(obj, user)
    if refused:
        names = ", ".join(str(type(obj)._meta.get_field(n).verbose_name) for n in refused)
        raise PermissionDenied(_("You may not set or change: %(fields)s.") % {"fields": names})


def _check_in_scope(obj, user, action: str) -> None:
    model = type(obj)
    if not obj.permits(user, action):
        raise PermissionDenied(
            _("You may not %(action)s this %(model)s (outside your organisation or area).")
            % {"action": _(action), "model": model._meta.verbose_name}
        )


@transaction.atomic
def save_object(obj, user, *, validate: bool = True, change_reason: str | None = None):
    """Create or update `obj` on behalf of `user`; the row must be within the user's scope before and after."""
    creating = obj._state.adding or obj.pk is None
    if not creating:
        _check_in_scope(obj, user, CHANGE)
    elif not type(obj).can_add(user):
        _check_in_scope(obj, user, ADD)
    check_fields(obj, user)
    if validate:
        obj.full_clean()
    if change_reason:
        obj._change_reason = change_reason
    if user is not None and user.is_authenticated:
        obj._history_user = user
    obj.save()
    _check_in_scope(obj, user, ADD if creating else CHANGE)
    return obj


@transaction.atomic
def delete_object(obj, user) -> None:
    _check_in_scope(obj, user, DELETE)
    if user is not None and user.is_authenticated:
        obj._history_user = user
    obj.delete()
