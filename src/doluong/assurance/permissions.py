"""The assurance app's rows of the permission table (see core.access and docs/permissions.md).

An enterprise's people write their own programme, processes and confirmations; the province's officers read
every enterprise's of the province (they follow the programme, they do not write it: the dossier is the
enterprise's own, approved by its head). Workflow fields (step, consultation, approval, review), verdicts and
labels are not editable fields: the app's actions write them."""

from doluong.core.access import allow, rules

VACD = "view add change delete"

ORG = {"province": "province_id", "organisation": "enterprise_id"}


def _own(label, paths=ORG, **extra):
    return rules(
        label,
        paths=paths,
        province_officer=allow("view", "own_province"),
        enterprise_user=allow(VACD, "own_organisation"),
        **extra,
    )


PERMISSIONS = [
    _own("assurance.Programme"),
    _own("assurance.MeasurementProcess"),
    _own(
        "assurance.ProcessInstrument",
        paths={"province": "province_id", "organisation": "process__enterprise_id"},
    ),
    _own("assurance.Confirmation"),
    _own(
        "assurance.ConfirmationPoint",
        paths={"province": "province_id", "organisation": "confirmation__enterprise_id"},
    ),
    _own("assurance.CorrectiveAction"),
]

#: the role of the demo's quality manager (assurance.personas): an enterprise user
QUALITY_MANAGER_ROLE = "enterprise_user"
