"""The parties app's contribution to scoping: a user's active memberships as `core.scope.Scope` facts
(declared as `scope_source` on PartiesConfig)."""

from __future__ import annotations

from doluong.core.scope import Scope


def memberships(user):
    from .models import Membership

    for m in Membership.objects.filter(user=user, is_active=True).annotate_scope().order_by("pk"):
        yield Scope(
            role=m.role, organisation_id=m.organisation_id, province_id=m.province_id, commune_id=m.commune_id
        )
