"""`core.access.extend`: an app fills empty cells of another app's model (assurance's consultant views the
organisations it advises) and never widens or replaces a grant the owning app wrote."""

from __future__ import annotations

import pytest

from doluong.core import access
from doluong.core.access import Extension, allow, extend, rules
from doluong.parties.models import Organisation


def _row(monkeypatch):
    entry = rules("x.Thing", paths={"organisation": "pk"}, verifier=allow("view", "own_organisation"))
    monkeypatch.setitem(access.TABLE, "x.Thing", entry)
    return entry


def _with_app(ext: Extension, app="upper") -> Extension:
    return Extension(ext.label, ext.grants, ext.paths, app)


def test_an_extension_fills_an_empty_cell_and_is_noted(monkeypatch):
    entry = _row(monkeypatch)
    access._apply(_with_app(extend("x.Thing", paths={"case": "case_id"}, consultant=allow("view", "all"))))
    assert entry.grant("consultant", "view").scope == "all"
    assert entry.grant("consultant", "change") is None
    assert entry.grant("verifier", "view").scope == "own_organisation"
    assert entry.paths == {"organisation": "pk", "case": "case_id"}
    assert entry.extended_by == {"upper": ["consultant view"]}


@pytest.mark.parametrize(
    "ext",
    [
        extend("x.Thing", verifier=allow("view", "all")),  # widens the owner's grant
        extend(
            "x.Thing", paths={"organisation": "owner_id"}, consultant=allow("view", "all")
        ),  # a path moved
        extend("x.Nothing", consultant=allow("view", "all")),  # no such row
    ],
)
def test_an_extension_never_replaces_what_the_owner_wrote(monkeypatch, ext):
    entry = _row(monkeypatch)
    with pytest.raises(ValueError):
        access._apply(_with_app(ext))
    assert entry.grant("verifier", "view").scope == "own_organisation"
    assert entry.paths["organisation"] == "pk"


def test_the_consultants_organisation_view_comes_from_assurance():
    entry = access.rules_for(Organisation)
    assert entry.grant("consultant", "view").scope == "advised_enterprises"
    assert entry.grant("consultant", "change") is None and entry.grant("consultant", "delete") is None
    assert entry.extended_by == {"assurance": ["consultant view"]}
