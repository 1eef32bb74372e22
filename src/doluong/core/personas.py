"""The named demo logins, one per role and province. The demo seeder creates them and the tests use them,
so that what the tests check is what a person trying the demo sees.

`CORE_PERSONAS` are the logins of the base apps (parties' demo creates them). An app adds its own in
`<app>/personas.py` (``PERSONAS = [Persona(...)]``) and creates them in its demo builder with
`parties.demo.login(ctx, persona)` once their organisation exists. ``PERSONAS`` and ``BY_USERNAME`` (read from
this module) are all of them, in app order."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "doluong2026"


@dataclass(frozen=True)
class Persona:
    username: str
    full_name: str
    role: str  # parties.choices.Role value, or "admin"
    province: str | None  # province code
    organisation: str | None  # key of the demo organisation (see parties.demo, registry.demo)
    description: str


CORE_PERSONAS = [
    Persona("admin", "Quản trị hệ thống", "admin", None, None, "Quản trị hệ thống"),
    Persona(
        "ct.sokhcn",
        "Nguyễn Thị Thu Hà",
        "province_officer",
        "92",
        "ct-dost",
        "Cán bộ quản lý đo lường, Sở KH&CN Cần Thơ",
    ),
    Persona(
        "dt.sokhcn",
        "Trần Văn Phúc",
        "province_officer",
        "82",
        "dt-dost",
        "Cán bộ quản lý đo lường, Sở KH&CN Đồng Tháp",
    ),
    Persona(
        "ct.xa",
        "Lê Minh Tâm",
        "commune_officer",
        "92",
        "ct-commune",
        "Cán bộ UBND Phường Ninh Kiều (Cần Thơ)",
    ),
    Persona(
        "dt.xa",
        "Phạm Ngọc Lan",
        "commune_officer",
        "82",
        "dt-commune",
        "Cán bộ UBND Phường Cao Lãnh (Đồng Tháp)",
    ),
    Persona(
        "ct.kiemdinh",
        "Võ Thanh Sơn",
        "provider_staff",
        "92",
        "ct-provider",
        "Nhân viên Trung tâm Kỹ thuật TĐC Cần Thơ",
    ),
    Persona(
        "dt.kiemdinh",
        "Huỳnh Thị Mai",
        "provider_staff",
        "82",
        "dt-provider",
        "Nhân viên Trung tâm Kỹ thuật TĐC Đồng Tháp",
    ),
    Persona(
        "ct.kdv",
        "Đặng Quốc Khoa",
        "verifier",
        "92",
        "ct-provider",
        "Kiểm định viên, Trung tâm Kỹ thuật TĐC Cần Thơ",
    ),
    Persona(
        "dt.kdv",
        "Bùi Thanh Tuấn",
        "verifier",
        "82",
        "dt-provider",
        "Kiểm định viên, Trung tâm Kỹ thuật TĐC Đồng Tháp",
    ),
    Persona(
        "ct.doanhnghiep",
        "Trương Hoàng Nam",
        "enterprise_user",
        "92",
        "ct-water",
        "Doanh nghiệp: Công ty CP Cấp thoát nước Cần Thơ",
    ),
    Persona(
        "dt.doanhnghiep",
        "Phan Thị Yến",
        "enterprise_user",
        "82",
        "dt-water",
        "Doanh nghiệp: Công ty CP Cấp thoát nước Đồng Tháp",
    ),
    Persona(
        "ct.songanh",
        "Nguyễn Văn Long",
        "department_reporter",
        "92",
        "ct-industry",
        "Báo cáo viên, Sở Công Thương Cần Thơ",
    ),
    Persona(
        "dt.songanh",
        "Lê Thị Hạnh",
        "department_reporter",
        "82",
        "dt-industry",
        "Báo cáo viên, Sở Công Thương Đồng Tháp",
    ),
]


def all_personas() -> list[Persona]:
    """The core logins and every installed app's `personas.PERSONAS` (INSTALLED_APPS order; no name twice)."""
    from .plugins import app_modules

    found = list(CORE_PERSONAS)
    for _config, module in app_modules("personas"):
        found.extend(getattr(module, "PERSONAS", ()))
    names = [p.username for p in found]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"demo logins declared twice: {', '.join(duplicates)}")
    return found


def __getattr__(name: str):
    # PEP 562: `from doluong.core.personas import PERSONAS` reads the apps' personas once apps are loaded
    if name == "PERSONAS":
        return all_personas()
    if name == "BY_USERNAME":
        return {p.username: p for p in all_personas()}
    raise AttributeError(name)
