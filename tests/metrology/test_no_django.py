"""The library must not import Django (it is used by the web layer, never the other way round)."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

PKG = pathlib.Path(__file__).resolve().parents[2] / "src" / "doluong" / "metrology"


def test_importing_the_library_does_not_import_django():
    code = (
        "import sys; import doluong.metrology as m; "
        "from doluong.metrology import conformity, intervals, montecarlo, mpe, prepackage, uncertainty; "
        "mods = [k for k in sys.modules if k == 'django' or k.startswith('django.') or k.startswith('suncal')]; "
        "print(','.join(mods))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_no_source_file_imports_django_or_suncal():
    for path in PKG.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for n in names:
                assert not n.startswith(("django", "suncal")), f"{path.name} imports {n}"


def test_data_files_ship_inside_the_package_and_never_point_outside():
    names = sorted(p.name for p in (PKG / "data").iterdir())
    assert "prepackaged_tolerances.csv" in names and "prepackaged_sampling_plans.csv" in names
    for path in PKG.rglob("*.py"):
        assert "/work/shared" not in path.read_text(encoding="utf-8")
