"""The open data app's rows of the permission table: a published release is public (everyone reads it, it holds
aggregates and public registers only); it is written by the refresh job, never through a form."""

from doluong.core.access import allow, rules

PERMISSIONS = [
    rules(
        "opendata.DatasetRelease",
        note="public: the published open data; written only by the refresh job (the administrator starts it)",
        everyone=allow("view", "all"),
        forbid=("add", "change", "delete"),
    ),
]
