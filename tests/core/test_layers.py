"""The layers, enforced: every `import` in src/doluong (read with ast, so nothing is executed) goes down or
sideways, never up.

From the bottom: `metrology` and `documents` (no Django models), `core`, then the domain apps in one order
(geo ← parties ← registry ← verification ← programs). A module may import its own layer and those below it;
`core` imports no domain app; a domain app imports no app above it. docs/architecture.md draws the same.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "doluong"

#: rank of each package: an import must not go to a higher rank (the same rank is only itself)
LAYERS = {
    "metrology": 0,
    "documents": 0,
    "formats": 0,
    "core": 1,
    "geo": 2,
    "parties": 3,
    "registry": 4,
    "verification": 5,
    "programs": 6,
    "assurance": 7,
    "coverage": 7,
    "exchange": 7,
    "inspections": 7,
    "opendata": 8,
}
#: the project glue above every app: settings, the URLconf, the console entry point
TOP = {"settings", "urls", "cli", "wsgi", "__init__"}

#: imports that break the rule today and are owned by another piece of work; each names who removes it.
KNOWN: set[tuple[str, str]] = set()  # no exception left: the job system ended the last upward imports


def _package(path: pathlib.Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: pathlib.Path):
    """(line, absolute module name) of every import in `path`, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(SRC.parent)
    package = list(rel.with_suffix("").parts)
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield node.lineno, module
            if not node.module or node.level:
                # `from . import demo`: each imported name may be a module of the package
                for alias in node.names:
                    yield node.lineno, f"{module}.{alias.name}"


def upward_imports() -> list[str]:
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue  # migrations name apps by label, as Django's migration graph needs
        source = _package(path)
        if source in TOP:
            continue
        assert source in LAYERS, f"{path}: package {source!r} has no layer: add it to LAYERS"
        for line, module in _imports(path):
            parts = module.split(".")
            if parts[0] != "doluong" or len(parts) < 2:
                continue
            target = parts[1]
            if target == source or target not in LAYERS:
                if target in TOP and target != "__init__":
                    problems.append(f"{path.relative_to(SRC)}:{line} imports {module} (project glue)")
                continue
            rel = str(path.relative_to(SRC))
            if (rel, f"doluong.{target}") in KNOWN:
                continue
            same_rank = LAYERS[target] == LAYERS[source]
            if LAYERS[target] > LAYERS[source] or same_rank:
                problems.append(f"{rel}:{line} imports {module} ({source} may not import {target})")
    return problems


def test_no_import_goes_up_a_layer():
    assert upward_imports() == []


def test_core_imports_no_domain_app():
    domain = {name for name, rank in LAYERS.items() if rank > LAYERS["core"]}
    found = []
    for path in sorted((SRC / "core").rglob("*.py")):
        for line, module in _imports(path):
            parts = module.split(".")
            rel = str(path.relative_to(SRC))
            if len(parts) > 1 and parts[0] == "doluong" and parts[1] in domain:
                if (rel, f"doluong.{parts[1]}") not in KNOWN:
                    found.append(f"{rel}:{line} {module}")
    assert found == []


def test_every_app_has_a_layer():
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages <= set(LAYERS), packages - set(LAYERS)


@pytest.mark.parametrize(
    "source, code, expected",
    [
        ("core/x.py", "from doluong.parties.models import Membership\n", True),
        ("core/x.py", "from doluong.metrology import mpe\n", False),
        ("parties/x.py", "from doluong.registry import models\n", True),
        ("registry/x.py", "from ..parties.models import Organisation\n", False),
        ("geo/x.py", "from ..programs import progress\n", True),
        ("verification/x.py", "import doluong.programs.models\n", True),
        ("metrology/x.py", "from doluong.core import text\n", True),
        ("documents/x.py", "from doluong.metrology import mpe\n", True),
        ("programs/x.py", "from doluong.verification.models import Certificate\n", False),
    ],
)
def test_the_check_catches_an_upward_import(tmp_path, monkeypatch, source, code, expected):
    """The walk itself: a planted module is flagged exactly when it imports upward."""
    root = tmp_path / "doluong"
    for name in LAYERS:
        (root / name).mkdir(parents=True)
        (root / name / "__init__.py").write_text("")
    (root / source).write_text(code)
    monkeypatch.setattr(__import__(__name__, fromlist=["SRC"]), "SRC", root)
    assert bool(upward_imports()) is expected
