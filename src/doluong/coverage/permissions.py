"""The coverage app's rows of the permission table (see core.access and docs/permissions.md): the formula versions
are public reference data written by the administrator; the province's officer manages its survey estimates,
reports and its providers' capacities; a provider declares the capacity of its own scope lines."""

from doluong.core.access import allow, rules

VACD = "view add change delete"

PERMISSIONS = [
    rules(
        "coverage.FormulaVersion",
        note="public: the formulas and their parameters are shown to everyone; the administrator adds versions",
        everyone=allow("view", "all"),
    ),
    rules(
        "coverage.ProviderCapacity",
        paths={
            "province": "scope_line__registration__organisation__province_id",
            "organisation": "scope_line__registration__organisation_id",
        },
        province_officer=allow(VACD, "own_province"),
        commune_officer=allow("view", "own_province"),
        provider_staff=allow(VACD, "own_organisation"),
        verifier=allow("view", "own_organisation"),
    ),
    rules(
        "coverage.SurveyEstimate",
        paths={"province": "province_id", "commune": "commune_id"},
        province_officer=allow(VACD, "own_province"),
        commune_officer=allow("view", "own_province"),
        department_reporter=allow("view", "own_province"),
    ),
    rules(
        "coverage.CoverageReport",
        paths={"province": "province_id"},
        note="a report's inputs and figures are frozen when it is made; only its notes change",
        province_officer=allow(VACD, "own_province"),
        commune_officer=allow("view", "own_province"),
        department_reporter=allow("view", "own_province"),
    ),
]
