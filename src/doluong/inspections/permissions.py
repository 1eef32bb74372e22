"""The inspections app's rows of the permission table: a commune's officers plan and carry out the inspections of
their commune, the province's officers those of the province; an enterprise sees the inspections of its own
sites; the reference tables are public legal data, kept by the administrator."""

from doluong.core.access import allow, rules

#: the roles of the inspections app's demo logins (personas.py): a commune inspector is a commune officer, a
#: province inspector a province officer — the table below is what they may do
COMMUNE_INSPECTOR_ROLE = "commune_officer"
PROVINCE_INSPECTOR_ROLE = "province_officer"

VACD = "view add change delete"

_OFFICERS = dict(
    province_officer=allow(VACD, "own_province"),
    commune_officer=allow(VACD, "own_commune"),
)


def _paths(site: str) -> dict:
    return {
        "province": f"{site}__province_id",
        "commune": f"{site}__commune_id",
        "organisation": f"{site}__operator_id",
    }


PERMISSIONS = [
    rules(
        "inspections.LimitRule",
        note="national reference table, kept by the administrator",
        everyone=allow("view", "all"),
    ),
    rules(
        "inspections.SanctionProvision",
        note="national reference table, kept by the administrator; a fine is confirmed by a legal officer",
        everyone=allow("view", "all"),
    ),
    rules(
        "inspections.Campaign",
        paths={"province": "province_id", "commune": "commune_id"},
        note="created by the province's officers: the trained team leader is picked from the training records "
        "(programs.Attendance, personal data the commune officers do not read)",
        province_officer=allow(VACD, "own_province"),
        commune_officer=allow("view change", "own_commune"),
    ),
    rules(
        "inspections.RiskWeights",
        note="dated reference table of the risk score's weights, kept by the administrator",
        everyone=allow("view", "all"),
    ),
    rules(
        "inspections.TargetSite",
        paths={"province": "campaign__province_id", "commune": "campaign__commune_id"},
        note="generated from the registry by the action inspections.actions.generate_campaign_targets "
        "(who may change the campaign may regenerate its targets); a target's inspection is opened by "
        "inspections.actions.open_target_inspection (who may also add inspections)",
        province_officer=allow(VACD, "own_province"),
        commune_officer=allow(VACD, "own_commune"),
    ),
    rules(
        "inspections.Site",
        paths={"province": "province_id", "commune": "commune_id", "organisation": "operator_id"},
        enterprise_user=allow("view", "own_organisation"),
        **_OFFICERS,
    ),
    rules(
        "inspections.Inspection",
        paths={
            "province": "site__province_id",
            "commune": "site__commune_id",
            "organisation": "site__operator_id",
        },
        enterprise_user=allow("view", "own_organisation"),
        **_OFFICERS,
    ),
    rules(
        "inspections.InstrumentCheck",
        paths={
            "province": "inspection__site__province_id",
            "commune": "inspection__site__commune_id",
            "organisation": "inspection__site__operator_id",
        },
        enterprise_user=allow("view", "own_organisation"),
        **_OFFICERS,
    ),
    rules(
        "inspections.PrepackageLot",
        paths={
            "province": "inspection__site__province_id",
            "commune": "inspection__site__commune_id",
            "organisation": "inspection__site__operator_id",
        },
        enterprise_user=allow("view", "own_organisation"),
        **_OFFICERS,
    ),
    rules(
        "inspections.Finding",
        paths=_paths("inspection__site"),
        note="the proposed sanction is a draft: a legal officer confirms it, the software never imposes it",
        enterprise_user=allow("view", "own_organisation"),
        **_OFFICERS,
    ),
    rules(
        "inspections.Remedy",
        paths=_paths("finding__inspection__site"),
        enterprise_user=allow("view", "own_organisation"),
        **_OFFICERS,
    ),
    rules(
        "inspections.Photo",
        paths=_paths("inspection__site"),
        enterprise_user=allow("view", "own_organisation"),
        **_OFFICERS,
    ),
    rules(
        "inspections.Signature",
        paths=_paths("inspection__site"),
        note="drawn on the phone by the inspector or the person inspected; covered by the seal",
        enterprise_user=allow("view", "own_organisation"),
        **_OFFICERS,
    ),
    rules(
        "inspections.Correction",
        paths=_paths("inspection__site"),
        note="append-only: a correction of a sealed inspection is added, never changed or deleted",
        forbid=("change", "delete"),
        enterprise_user=allow("view", "own_organisation"),
        province_officer=allow("view add", "own_province"),
        commune_officer=allow("view add", "own_commune"),
    ),
    rules(
        "inspections.Complaint",
        paths={"province": "province_id", "commune": "commune_id"},
        note="sent by anyone from the public form (rate-limited), routed to the commune; officers handle them",
        province_officer=allow("view change", "own_province"),
        commune_officer=allow("view change", "own_commune"),
    ),
]
