"""The permission table: what each role may view, add, change and delete, per model and per field — one table,
read by `scope_q`, `restrict()`, `can_add`, the forms, the API serializers, `save_object` and the importers.

Each app declares its rows in `<app>/permissions.py` as data::

    PERMISSIONS = [
        rules(
            "parties.Organisation",
            paths={"province": "province_id", "commune": "commune_id", "organisation": "pk"},
            province_officer=allow("view add change delete", "own_province"),
            enterprise_user=allow("view", "own_organisation")
            | allow("change", "own_organisation", fields=CONTACT_FIELDS),
        ),
    ]

`core` collects every app's `PERMISSIONS` at start-up (`CoreConfig.ready` → `collect()`); a model without rows
sees nothing and writes nothing (its `scope_q` answers None), and `tests/core/test_write_matrix.py` fails for it.

An app above another may fill empty cells of a lower app's model with `extend(...)` in its own `PERMISSIONS`
(assurance's consultant views the organisations it advises, a row of `parties.Organisation` whose named scope is
assurance's, without parties importing assurance): the extension only adds grants of (role, action) pairs the
owning app left empty and path keys it did not declare; it never widens or replaces a grant (start-up fails).

A row scope is *named* (`SCOPES`): "all", "own province", "own commune", "own organisation" …; a named scope is a
function of the membership (`core.scope.Scope`) and the model's `paths` (how its rows reach a province, a commune,
an organisation). Apps may add named scopes with `@named_scope`. The administrator (superuser) may do everything
except the actions a model forbids to everybody (`forbid`: a numbered record is never deleted).

Per field: a grant of `add`/`change` may name the only fields it writes (`fields=`) or the fields it may not
(`exclude=`); a model's `protected` fields (derived values such as an instrument's valid-until) are written only
by the actions and by the administrator. `choices` limits the values a field accepts for a user (a function of
the user returning a queryset): the membership form's "accounts within the officer's reach".
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from .scope import ACTIONS, ADD, CHANGE, DELETE, VIEW, Scope, principal

ANONYMOUS = "anonymous"
ADMIN = "admin"


# ------------------------------------------------------------------------------------------- named scopes


@dataclass(frozen=True)
class NamedScope:
    key: str
    en: str
    vi: str
    build: Callable[[Scope | None, dict], Q | None]


SCOPES: dict[str, NamedScope] = {}


def named_scope(key: str, en: str, vi: str):
    """Register a named row scope: `build(scope, paths) -> Q | None` (None: no row)."""

    def register(fn):
        SCOPES[key] = NamedScope(key, en, vi, fn)
        return fn

    return register


def path_q(paths: dict, key: str, value) -> Q | None:
    """Q(path=value) for the model's path(s) named `key`; several paths are ORed (a record reaches a province
    through its instrument or through its provider)."""
    if value is None or key not in paths:
        return None
    names = paths[key]
    names = (names,) if isinstance(names, str) else tuple(names)
    q = Q(**{names[0]: value})
    for name in names[1:]:
        q |= Q(**{name: value})
    return q


@named_scope("all", "all rows", "mọi bản ghi")
def _all(scope, paths):
    return Q()


@named_scope("own_province", "rows of the user's province", "bản ghi thuộc tỉnh của người dùng")
def _own_province(scope, paths):
    return path_q(paths, "province", scope.province_id) if scope else None


@named_scope("own_commune", "rows of the user's commune", "bản ghi thuộc xã/phường của người dùng")
def _own_commune(scope, paths):
    return path_q(paths, "commune", scope.commune_id) if scope else None


@named_scope("own_organisation", "rows of the user's organisation", "bản ghi của tổ chức của người dùng")
def _own_organisation(scope, paths):
    return path_q(paths, "organisation", scope.organisation_id) if scope else None


@named_scope(
    "owned_by_own_organisation",
    "rows about what the user's organisation owns",
    "bản ghi về phương tiện, chuẩn của tổ chức của người dùng",
)
def _owned(scope, paths):
    return path_q(paths, "owner", scope.organisation_id) if scope else None


@named_scope(
    "own_organisation_in_province",
    "rows of the user's organisation in the user's province",
    "bản ghi của tổ chức của người dùng, trong tỉnh của người dùng",
)
def _own_organisation_in_province(scope, paths):
    if scope is None:
        return None
    org = path_q(paths, "organisation", scope.organisation_id)
    province = path_q(paths, "province", scope.province_id)
    return None if org is None or province is None else org & province


@named_scope(
    "own_or_served",
    "rows the user's organisation owns or has served (verified)",
    "bản ghi tổ chức của người dùng sở hữu hoặc đã kiểm định",
)
def _own_or_served(scope, paths):
    if scope is None:
        return None
    parts = [q for q in (path_q(paths, k, scope.organisation_id) for k in ("organisation", "served")) if q]
    if not parts:
        return None
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


# ------------------------------------------------------------------------------------------- the table

#: a fifth action beside the four: writing a model's protected fields (derived values) through a bulk load of an
#: authority's old registers, never through forms or the API (registry.bulk: an instrument's verification dates)
LOAD_PROTECTED = "load_protected"


@dataclass(frozen=True)
class Grant:
    """One cell: the named row scope of an action, and for add/change which fields may be written."""

    scope: str
    fields: tuple[str, ...] | None = None  # only these fields (None: every field not protected)
    exclude: tuple[str, ...] = ()  # every field but these

    def field_note(self) -> str:
        if self.fields is not None:
            return "only: " + ", ".join(self.fields)
        if self.exclude:
            return "not: " + ", ".join(self.exclude)
        return ""


class Grants(dict):
    """{action: Grant}; `|` merges two (the right one wins for an action named twice)."""

    def __or__(self, other):
        merged = Grants(self)
        merged.update(other)
        return merged


def allow(actions: str | Iterable[str], scope: str, *, fields=None, exclude=()) -> Grants:
    """`allow("view change", "own_organisation", fields=(...))` → the grants of those actions."""
    if isinstance(actions, str):
        actions = actions.split()
    if scope not in SCOPES:
        raise ValueError(f"unknown named scope {scope!r}")
    grant = Grant(scope, tuple(fields) if fields is not None else None, tuple(exclude))
    out = Grants()
    for action in actions:
        out[action] = grant
    return out


@dataclass
class ModelRules:
    """The rows of one model in the permission table."""

    label: str  # "app_label.ModelName"
    paths: dict = field(default_factory=dict)
    grants: dict = field(default_factory=dict)  # role -> Grants
    protected: tuple[str, ...] = ()  # written only by actions (and the administrator)
    forbid: tuple[str, ...] = ()  # actions nobody does through the generic surfaces, administrator included
    choices: dict = field(default_factory=dict)  # field name -> fn(user) -> queryset of accepted values
    via_action: dict = field(
        default_factory=dict
    )  # action -> what writes it instead ("do_record_verification")
    note: str = ""
    extended_by: dict = field(default_factory=dict)  # app -> ["role action", ...] added by `extend`

    def grant(self, role: str, action: str) -> Grant | None:
        if action in self.forbid:
            return None
        return self.grants.get(role, {}).get(action)


def rules(
    label: str,
    *,
    paths=None,
    protected=(),
    forbid=(),
    choices=None,
    via_action=None,
    note="",
    everyone: Grants | None = None,
    **roles,
) -> ModelRules:
    """One model's rows. `everyone=` grants apply to every role and to anonymous visitors (reference data);
    role keyword arguments add to them."""
    grants: dict[str, Grants] = {}
    if everyone:
        for role in (*role_names(), ANONYMOUS):
            grants[role] = Grants(everyone)
    for role, granted in roles.items():
        grants[role] = grants.get(role, Grants()) | granted
    return ModelRules(
        label=label,
        paths=dict(paths or {}),
        grants=grants,
        protected=tuple(protected),
        forbid=tuple(forbid),
        choices=dict(choices or {}),
        via_action=dict(via_action or {}),
        note=note,
    )


@dataclass(frozen=True)
class Extension:
    """Grants an app adds to another app's model (`extend`): applied by `collect()` once every row is read."""

    label: str
    grants: dict  # role -> Grants
    paths: dict = field(default_factory=dict)
    app: str = ""  # the app that adds them (set by collect)


def extend(label: str, *, paths=None, **roles) -> Extension:
    """Empty cells of another app's model, filled by the calling app: `extend("parties.Organisation",
    consultant=allow("view", "advised_enterprises"))`. `paths` adds path keys the model's rows do not declare."""
    return Extension(
        label=label, grants={role: Grants(g) for role, g in roles.items()}, paths=dict(paths or {})
    )


def _apply(extension: Extension) -> None:
    entry = TABLE.get(extension.label)
    if entry is None:
        raise ValueError(
            f"{extension.app} extends {extension.label}, which has no row in the permission table"
        )
    for key, path in extension.paths.items():
        if key in entry.paths and entry.paths[key] != path:
            raise ValueError(f"{extension.app} redefines the path {key!r} of {extension.label}")
        entry.paths[key] = path
    for role, granted in extension.grants.items():
        have = entry.grants.setdefault(role, Grants())
        for action, grant in granted.items():
            if action in have:
                raise ValueError(f"{extension.app} changes the {action} grant of {role} on {extension.label}")
            have[action] = grant
            entry.extended_by.setdefault(extension.app, []).append(f"{role} {action}")


TABLE: dict[str, ModelRules] = {}
_collected = False


def role_names() -> list[str]:
    """The membership roles (parties.choices.Role), read from the Membership model's field choices so that core
    imports no domain app."""
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.label == "parties.Membership":
            return [value for value, _label in model._meta.get_field("role").choices]
    return []


def collect() -> dict[str, ModelRules]:
    """Read every installed app's `<app>.permissions.PERMISSIONS` into `TABLE` (idempotent)."""
    global _collected
    if _collected:
        return TABLE
    from django.apps import apps

    extensions = []
    for config in apps.get_app_configs():
        if not config.name.startswith("doluong."):
            continue
        if importlib.util.find_spec(f"{config.name}.permissions") is None:
            continue
        module = importlib.import_module(f"{config.name}.permissions")
        for entry in getattr(module, "PERMISSIONS", ()):
            if isinstance(entry, Extension):
                extensions.append(Extension(entry.label, entry.grants, entry.paths, config.label))
                continue
            if entry.label in TABLE:
                raise ValueError(f"{entry.label} has two rows in the permission table")
            TABLE[entry.label] = entry
    for extension in extensions:
        _apply(extension)
    _collected = True
    return TABLE


def rules_for(model) -> ModelRules | None:
    collect()
    return TABLE.get(model._meta.label)


# ------------------------------------------------------------------------------------------- reading it


def scope_q(model, scope: Scope | None, action: str) -> Q | None:
    """The rows of `model` the holder of `scope` (None: anonymous) may `action`, per the table."""
    entry = rules_for(model)
    if entry is None:
        return None
    grant = entry.grant(scope.role if scope is not None else ANONYMOUS, action)
    if grant is None:
        return None
    return SCOPES[grant.scope].build(scope, entry.paths)


def grant_for(model, scope: Scope | None, action: str) -> Grant | None:
    entry = rules_for(model)
    if entry is None:
        return None
    return entry.grant(scope.role if scope is not None else ANONYMOUS, action)


def forbidden(model, action: str) -> bool:
    """Whether nobody, the administrator included, does `action` on `model` through the generic surfaces."""
    entry = rules_for(model)
    return entry is not None and action in entry.forbid


def _editable_names(model) -> list[str]:
    opts = model._meta
    names = [f.name for f in opts.concrete_fields if f.editable and not f.primary_key]
    names += [f.name for f in opts.many_to_many if f.editable]
    return names


def _grant_fields(entry: ModelRules, grant: Grant, model) -> set[str]:
    names = set(_editable_names(model))
    if grant.fields is not None:
        return names & set(grant.fields)
    return names - set(entry.protected) - set(grant.exclude)


def writable_fields(user, model_or_obj, action: str | None = None) -> set[str] | None:
    """The fields `user` may write on `model_or_obj` (None: every field — the administrator).

    For a saved row: the union over the user's memberships whose `change` scope holds the row; for a model or a
    new row: over the memberships that may `add` (or `action`)."""
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    obj = None if isinstance(model_or_obj, type) else model_or_obj
    who = principal(user)
    if who.is_admin:
        return None
    entry = rules_for(model)
    if entry is None:
        return set()
    if action is None:
        action = CHANGE if obj is not None and obj.pk is not None and not obj._state.adding else ADD
    result: set[str] = set()
    scopes = who.scopes if not who.is_anonymous else (None,)
    for scope in scopes:
        grant = entry.grant(scope.role if scope else ANONYMOUS, action)
        if grant is None:
            continue
        if action == CHANGE and obj is not None:
            q = SCOPES[grant.scope].build(scope, entry.paths)
            if q is None or not model._base_manager.filter(q, pk=obj.pk).exists():
                continue
        result |= _grant_fields(entry, grant, model)
    return result


def field_choices(model, name: str, user, queryset):
    """The values `user` may give field `name` of `model` (the table's `choices` rule), narrowing `queryset`."""
    entry = rules_for(model)
    if entry is None or name not in entry.choices or principal(user).is_admin:
        return queryset
    return entry.choices[name](user, queryset)


def changed_fields(obj) -> list[str]:
    """The editable fields whose value on `obj` differs from its row in the database (or from the field's
    default, for a new row)."""
    model = type(obj)
    fields = [f for f in model._meta.concrete_fields if f.editable and not f.primary_key]
    creating = obj._state.adding or obj.pk is None
    stored = None
    if not creating:
        stored = model._base_manager.filter(pk=obj.pk).values(*[f.attname for f in fields]).first()
    changed = []
    for f in fields:
        value = getattr(obj, f.attname)
        if stored is None:
            before = f.get_default()
            if value in (None, "") and before in (None, ""):
                continue
        else:
            before = stored[f.attname]
        if value != before:
            changed.append(f.name)
    return changed


def refused_fields(obj, user) -> list[str]:
    """The changed fields of `obj` that `user` may not write, or whose value is outside the user's choices."""
    who = principal(user)
    if who.is_admin:
        return []
    model = type(obj)
    allowed = writable_fields(user, obj)
    changed = changed_fields(obj)
    refused = [name for name in changed if allowed is not None and name not in allowed]
    entry = rules_for(model)
    if entry is not None:
        for name, fn in entry.choices.items():
            if name in changed and name not in refused:
                value = getattr(obj, model._meta.get_field(name).attname)
                related = model._meta.get_field(name).related_model
                if (
                    value is not None
                    and not fn(user, related._default_manager.all()).filter(pk=value).exists()
                ):
                    refused.append(name)
    return refused


def can(user, model, action: str = VIEW) -> bool:
    """Whether `user` may `action` some rows of `model` at all, per the table (the administrator: unless the
    model forbids it to everybody). The menu, the home panels and the forms ask this instead of a role name."""
    who = principal(user)
    if who.is_admin:
        return not forbidden(model, action)
    scopes = who.scopes if not who.is_anonymous else (None,)
    return any(grant_for(model, scope, action) is not None for scope in scopes)


def holds_scope(user, model, action: str, scope_key: str) -> list[Scope]:
    """The user's memberships whose grant of `action` on `model` is the named scope `scope_key` — e.g. the
    memberships whose view of instruments is "own commune" (the home page's "your commune")."""
    return [s for s in principal(user).scopes if (g := grant_for(model, s, action)) and g.scope == scope_key]


def roles_granted(model, action: str, scopes: Iterable[str] | None = None) -> list[str]:
    """The membership roles the table grants `action` on `model` (only those whose named scope is in `scopes`,
    when given): e.g. who writes a unit's reports, to address its reminders."""
    entry = rules_for(model)
    if entry is None:
        return []
    wanted = None if scopes is None else set(scopes)
    return [
        role
        for role in role_names()
        if (grant := entry.grant(role, action)) is not None and (wanted is None or grant.scope in wanted)
    ]


def acting_scopes(user, model, action: str):
    """(scope, grant) pairs of the user's memberships that may `action` rows of `model`."""
    who = principal(user)
    for scope in who.scopes:
        grant = grant_for(model, scope, action)
        if grant is not None:
            yield scope, grant


# ------------------------------------------------------------------------------------------- the docs table


def role_order() -> tuple[str, ...]:
    """The docs table's rows: the membership roles (parties' choices, in their order), then anonymous."""
    return (*role_names(), ANONYMOUS)


ACTION_LETTERS = {VIEW: "V", ADD: "A", CHANGE: "C", DELETE: "D"}


def table_size() -> tuple[int, int, int]:
    """(models, roles, actions) of the table: roles counts the membership roles, anonymous and administrator."""
    collect()
    return len(TABLE), len(role_order()) + 1, len(ACTIONS)


def render_markdown() -> str:
    """The table as Markdown (docs/permissions.md between its markers)."""
    collect()
    models, roles, actions = table_size()
    lines = [
        f"{models} models × {roles} roles ({roles - 2} membership roles, anonymous, administrator) × {actions} actions "
        f"= {models * roles * actions} cells.",
        "",
        "| model | role | view | add | change | delete | fields written (add/change) |",
        "|---|---|---|---|---|---|---|",
    ]
    for label in sorted(TABLE):
        entry = TABLE[label]
        for role in role_order():
            cells = []
            notes = set()
            for action in ACTIONS:
                grant = entry.grant(role, action)
                cells.append(grant.scope if grant else "—")
                if grant and action in (ADD, CHANGE) and grant.field_note():
                    notes.add(grant.field_note())
            if all(c == "—" for c in cells):
                continue
            lines.append(f"| {label} | {role} | " + " | ".join(cells) + f" | {'; '.join(sorted(notes))} |")
        admin = ["—" if a in entry.forbid else "all" for a in ACTIONS]
        lines.append(f"| {label} | {ADMIN} | " + " | ".join(admin) + " | every field |")
    lines += ["", "Fields written only by actions (and the administrator):", ""]
    for label in sorted(TABLE):
        entry = TABLE[label]
        extra = []
        if entry.protected:
            extra.append("protected: " + ", ".join(entry.protected))
            loaders = [
                f"{role} ({grant.scope})"
                for role in role_order()
                if (grant := entry.grant(role, LOAD_PROTECTED)) is not None
            ]
            if loaders:
                extra.append("bulk loads of old registers may carry them: " + ", ".join(loaders))
        if entry.forbid:
            extra.append("nobody: " + ", ".join(entry.forbid))
        if entry.choices:
            extra.append("choices limited: " + ", ".join(entry.choices))
        if entry.via_action:
            extra.append("; ".join(f"{a} through {w}" for a, w in entry.via_action.items()))
        if entry.note:
            extra.append(entry.note)
        for app, cells in sorted(entry.extended_by.items()):
            extra.append(f"added by {app}: " + ", ".join(cells))
        if extra:
            lines.append(f"- `{label}`: " + " — ".join(extra))
    lines += ["", "Named scopes:", "", "| key | English | Tiếng Việt |", "|---|---|---|"]
    for key in sorted(SCOPES):
        s = SCOPES[key]
        lines.append(f"| `{key}` | {s.en} | {s.vi} |")
    return "\n".join(lines) + "\n"


DOC_BEGIN = "<!-- permission table: generated by `doluong manage permission_table --write`; do not edit -->"
DOC_END = "<!-- end of the permission table -->"
