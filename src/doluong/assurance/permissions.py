"""The assurance app's rows of the permission table (see core.access and docs/permissions.md).

An enterprise's people write their own programme, processes and confirmations; the province's officers read
every enterprise's of the province (they follow the programme, they do not write it: the dossier is the
enterprise's own, approved by its head). Workflow fields (step, consultation, approval, review), verdicts and
labels are not editable fields: the app's actions write them."""

from django.db.models import Q

from doluong.core.access import allow, extend, named_scope, path_q, rules

VACD = "view add change delete"

ORG = {"province": "province_id", "organisation": "enterprise_id"}

#: the role of the consultants of the programme (parties.choices.Role.CONSULTANT)
CONSULTANT_ROLE = "consultant"


def _advised_q(paths, organisation_id, key="organisation") -> Q | None:
    from .advisory_models import advised_enterprise_ids

    if key not in paths:
        return None
    names = paths[key]
    names = (names,) if isinstance(names, str) else tuple(names)
    q = Q()
    for index, name in enumerate(names):
        part = Q(**{f"{name}__in": advised_enterprise_ids(organisation_id)})
        q = part if index == 0 else q | part
    return q


@named_scope(
    "advised_enterprises",
    "rows of the enterprises the user's organisation is assigned to advise (assignment in force today)",
    "bản ghi của các doanh nghiệp mà tổ chức của người dùng được phân công tư vấn (phân công còn hiệu lực)",
)
def _advised(scope, paths):
    """The consultant's rows: those of the enterprises an `AdvisoryAssignment` in force today assigns to the
    consultant's organisation. An assignment whose to-date has passed gives nothing."""
    return _advised_q(paths, scope.organisation_id) if scope else None


@named_scope(
    "advised_draft",
    "programmes of the advised enterprises still being drafted (reception to draft)",
    "chương trình của doanh nghiệp được tư vấn, còn ở giai đoạn xây dựng dự thảo",
)
def _advised_draft(scope, paths):
    """A consultant writes the dossier with the enterprise while it is being drafted, from reception to the
    draft (Decision 510's steps 1–6: the consultant collects the data, analyses the current state, proposes
    objectives, tasks, solutions and budget). The enterprise opens the dossier (its reception) and owns it: the
    consultant neither adds nor deletes one, nor moves it to another enterprise; once it goes to consultation the dossier is the enterprise's alone
    — the consultation, the approval by the head of the enterprise, the review and the revision are never the
    consultant's (`assurance.actions` refuses them to a consultant whatever the scope)."""
    from .choices import DRAFT_STEPS

    q = _advised(scope, paths)
    if q is None or "draft_step" not in paths:
        return None
    return q & Q(**{f"{paths['draft_step']}__in": list(DRAFT_STEPS)})


#: the provider's own part of the enterprises' plans (assurance.views.provider_work reads who has it)
PROVIDED_BY_OWN = "provided_by_own_organisation"


@named_scope(
    PROVIDED_BY_OWN,
    "rows that name the user's organisation as their service provider",
    "bản ghi nêu tổ chức của người dùng là đơn vị cung cấp dịch vụ",
)
def _provided(scope, paths):
    """The provider's rows (item 8): the calibration plan lines that name its organisation as provider (the
    requests), the confirmations fed by its certificates and their points."""
    return path_q(paths, "provider", scope.organisation_id) if scope else None


def _own(label, paths=ORG, **extra):
    return rules(
        label,
        paths=paths,
        province_officer=allow("view", "own_province"),
        enterprise_user=allow(VACD, "own_organisation"),
        consultant=allow("view", "advised_enterprises"),
        **extra,
    )


CASE_PATHS = {
    "province": "province_id",
    # the holder of the standard, the provider whose calibration failed, the provider whose certificate is revoked
    "organisation": ("holder_id", "record__provider_id", "certificate__provider_id"),
}
ITEM_PATHS = {
    # the enterprise's province, and the case's (a standard of one province serves enterprises of another)
    "province": ("province_id", "case_province_id"),
    "organisation": "enterprise_id",
    "case": ("case_holder_id", "case__record__provider_id", "case__certificate__provider_id"),
}


@named_scope(
    "own_part_or_own_case",
    "rows of the user's organisation, or of a case the organisation opened",
    "bản ghi của tổ chức của người dùng, hoặc của vụ việc tổ chức đó mở",
)
def _own_part_or_case(scope, paths):
    if scope is None:
        return None
    parts = [q for q in (path_q(paths, k, scope.organisation_id) for k in ("organisation", "case")) if q]
    if not parts:
        return None
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


PERMISSIONS = [
    # the consultant drafts the dossier with the enterprise (see `advised_draft`); the enterprise opens it
    # (reception), the consultant never deletes one nor moves it to another enterprise
    rules(
        "assurance.Programme",
        paths={**ORG, "draft_step": "step"},
        province_officer=allow("view", "own_province"),
        enterprise_user=allow(VACD, "own_organisation"),
        consultant=allow("view", "advised_enterprises")
        | allow("change", "advised_draft", exclude=("enterprise",)),
    ),
    _own("assurance.MeasurementProcess"),
    _own(
        "assurance.ProcessInstrument",
        paths={"province": "province_id", "organisation": "process__enterprise_id"},
    ),
    # the provider whose certificate feeds a confirmation reads it (its own calibration put to use)
    _own(
        "assurance.Confirmation",
        paths={**ORG, "provider": "certificate__provider_id"},
        provider_staff=allow("view", "provided_by_own_organisation"),
    ),
    _own(
        "assurance.ConfirmationPoint",
        paths={
            "province": "province_id",
            "organisation": "confirmation__enterprise_id",
            "provider": "confirmation__certificate__provider_id",
        },
        provider_staff=allow("view", "provided_by_own_organisation"),
    ),
    _own("assurance.CorrectiveAction"),
    # the inventory and the yearly calibration plan: the enterprise's own, the province's officers read them
    _own("assurance.Equipment"),
    _own("assurance.EquipmentCalibration"),
    _own("assurance.CalibrationPlan"),
    # the provider a plan line names reads it: the enterprise's request for a calibration
    _own(
        "assurance.PlanLine",
        paths={**ORG, "provider": "provider_id"},
        provider_staff=allow("view", "provided_by_own_organisation"),
    ),
    # an out-of-tolerance case is opened by the holder of the standard (or the provider that found it), by the
    # enterprise for its own instrument, or by the province's officer; the listed impact is never deleted
    rules(
        "assurance.OutOfToleranceCase",
        paths=CASE_PATHS,
        forbid=("delete",),
        province_officer=allow("view add change", "own_province"),
        provider_staff=allow("view add change", "own_organisation"),
        enterprise_user=allow("view add change", "own_organisation"),
    ),
    # the province's support to the programmes: its officers write it, the supported organisation reads its own
    rules(
        "assurance.SupportActivity",
        paths={"province": "province_id", "organisation": "beneficiary_id"},
        province_officer=allow(VACD, "own_province"),
        enterprise_user=allow("view", "own_organisation"),
        provider_staff=allow("view", "own_organisation"),
    ),
    # each enterprise sees and closes only its own rows; the case's opener follows them all
    rules(
        "assurance.ImpactItem",
        paths=ITEM_PATHS,
        forbid=("add", "delete"),
        via_action={"add": "opening an out-of-tolerance case (assurance.impact.build_items)"},
        province_officer=allow("view", "own_province"),
        provider_staff=allow("view", "own_part_or_own_case"),
        consultant=allow("view", "advised_enterprises"),
        enterprise_user=allow("view", "own_organisation")
        | allow("change", "own_organisation", fields=("status", "closed_on", "evidence", "evidence_file")),
    ),
]

# the readiness survey (item 2): the checklist is reference data the administrator edits and versions; a survey
# is the enterprise's own, and the province's officers survey the enterprises of their province too
PERMISSIONS += [
    rules(
        "assurance.Checklist",
        everyone=allow("view", "all"),
        note="reference data: the administrator edits it",
    ),
    rules(
        "assurance.ChecklistItem",
        everyone=allow("view", "all"),
        note="reference data: the administrator edits it",
    ),
    rules(
        "assurance.Survey",
        paths=ORG,
        province_officer=allow(VACD, "own_province"),
        enterprise_user=allow(VACD, "own_organisation"),
        consultant=allow("view", "advised_enterprises"),
    ),
    rules(
        "assurance.SurveyAnswer",
        paths=ORG,
        forbid=("add", "delete"),
        via_action={"add": "creating a survey (assurance.readiness.start_answers)"},
        province_officer=allow("view change", "own_province"),
        enterprise_user=allow("view change", "own_organisation"),
        consultant=allow("view", "advised_enterprises"),
    ),
    # an answer's evidence files: whoever may change the answer uploads, describes and removes them
    rules(
        "assurance.SurveyEvidence",
        paths=ORG,
        province_officer=allow(VACD, "own_province"),
        enterprise_user=allow(VACD, "own_organisation"),
        consultant=allow("view", "advised_enterprises"),
    ),
]

# who advises which enterprise (items 8 and 9): the province's officer assigns a consulting organisation to an
# enterprise of the province; the consultant and the enterprise read their own assignments
PERMISSIONS += [
    rules(
        "assurance.AdvisoryAssignment",
        paths={
            "province": "province_id",
            "organisation": ("consultant_id", "enterprise_id"),
        },
        province_officer=allow(VACD, "own_province"),
        consultant=allow("view", "own_organisation"),
        enterprise_user=allow("view", "own_organisation"),
    ),
]

#: the role of the demo's quality manager (assurance.personas): an enterprise user
QUALITY_MANAGER_ROLE = "enterprise_user"

# the consultant opens the organisation page of the enterprises it advises (the programme page links the
# enterprise's name to it; the "Doanh nghiệp" filter of its lists offers them): view only, while the assignment
# is in force. parties.Organisation's rows are parties'; parties is below assurance and cannot name this scope, so
# assurance fills the consultant's empty view cell (core.access.extend; its paths already reach the row: pk)
PERMISSIONS += [
    extend("parties.Organisation", consultant=allow("view", "advised_enterprises")),
]
