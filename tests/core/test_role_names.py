"""Scope in one place: no form, action, view or template tests a role by its name; what a role may do is read
from the permission table (`core/access.py`, `<app>/permissions.py`) through `scope_q`, `restrict()`, `can()`.

The check reads src/ with ast (string constants and `Role.<MEMBER>` attributes) and the templates as text."""

from __future__ import annotations

import ast
import pathlib
import re

import pytest

from doluong.parties.choices import Role

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "doluong"

#: where role names belong: the table, its data, the role list and the demo personas
ALLOWED = {
    "core/access.py",
    "core/personas.py",
    "parties/choices.py",
}
#: "verifier" and "consultant" are also field names (a record's verifier, an advisory assignment's consulting
#: organisation): only `Role.VERIFIER` and `Role.CONSULTANT` count for them
AMBIGUOUS = {Role.VERIFIER.value, Role.CONSULTANT.value}
NAMES = {r.value for r in Role} - AMBIGUOUS
MEMBERS = {r.name for r in Role}


def _allowed(rel: str) -> bool:
    return rel in ALLOWED or rel.endswith("/permissions.py") or "/migrations/" in rel


def role_literals(root: pathlib.Path = SRC) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = str(path.relative_to(root))
        if _allowed(rel):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in NAMES:
                found.append(f"{rel}:{node.lineno} {node.value!r}")
            elif isinstance(node, ast.Attribute) and node.attr in MEMBERS:
                if isinstance(node.value, ast.Name) and node.value.id == "Role":
                    found.append(f"{rel}:{node.lineno} Role.{node.attr}")
    pattern = re.compile("|".join(sorted(NAMES)))
    for path in sorted(root.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(root)}:{number} {pattern.search(line).group()}")
    return found


def test_no_role_is_named_outside_the_permission_table():
    assert role_literals() == []


@pytest.mark.parametrize(
    "code, flagged",
    [
        ('if scope.role == "province_officer":\n    pass\n', True),
        ("if m.role == Role.COMMUNE_OFFICER:\n    pass\n", True),
        ("roles = [Role.VERIFIER]\n", True),
        ('record.verifier = "verifier"\n', False),
        ("if can(user, Instrument):\n    pass\n", False),
    ],
)
def test_the_check_finds_a_planted_role_test(tmp_path, code, flagged):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text(code)
    assert bool(role_literals(tmp_path)) is flagged
