"""Who a user is, for scoping: one place that turns a user's memberships into scope facts.

The memberships live in a domain app (parties); that app declares `scope_source` on its AppConfig, a function
`user -> iterable of Scope`, so core reads them without importing it (core.plugins).

`BaseModel.scope_q(scope, action)` reads the permission table (`core.access`, each app's `permissions.py`);
`RestrictedQuerySet.restrict(user, action)` ORs the answers over the user's memberships. Views, the API, exports
and imports all start from `restrict()`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop

# gettext_noop: the actions reach gettext as variables ("You may not %(action)s …"); this keeps them extractable.
VIEW, ADD, CHANGE, DELETE = (
    gettext_noop("view"),
    gettext_noop("add"),
    gettext_noop("change"),
    gettext_noop("delete"),
)
ACTIONS = (VIEW, ADD, CHANGE, DELETE)


@dataclass(frozen=True)
class Scope:
    """One membership, reduced to what scoping needs."""

    role: str
    organisation_id: int
    province_id: str
    commune_id: str | None


@dataclass(frozen=True)
class Principal:
    user_id: int | None
    is_admin: bool
    scopes: tuple[Scope, ...]

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    def roles(self) -> set[str]:
        return {s.role for s in self.scopes}

    @property
    def province_ids(self) -> set[str]:
        return {s.province_id for s in self.scopes}


ANONYMOUS = Principal(user_id=None, is_admin=False, scopes=())


def principal(user) -> Principal:
    """The scoping facts of `user`, computed once per user object."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    cached = getattr(user, "_doluong_principal", None)
    if cached is not None:
        return cached
    from .plugins import scope_source

    source = scope_source()
    scopes = tuple(source(user)) if source is not None else ()
    result = Principal(user_id=user.pk, is_admin=bool(user.is_superuser), scopes=scopes)
    user._doluong_principal = result
    return result


def forget(user) -> None:
    """Drop the cached principal (after memberships change)."""
    if hasattr(user, "_doluong_principal"):
        del user._doluong_principal
