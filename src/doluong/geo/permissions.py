"""The geo app's rows of the permission table: public reference data, read by everyone (anonymous visitors
included), written by the administrator only (see core.access and docs/permissions.md)."""

from doluong.core.access import allow, rules

EVERYONE_READS = allow("view", "all")

PERMISSIONS = [
    rules("geo.Province", everyone=EVERYONE_READS),
    rules("geo.Commune", everyone=EVERYONE_READS),
    rules("geo.ProvinceAlias", everyone=EVERYONE_READS),
    rules("geo.CommuneAlias", everyone=EVERYONE_READS),
]
