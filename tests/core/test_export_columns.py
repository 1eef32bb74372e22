"""The export's columns (`core.io._column`, the field looked up once, choice labels mapped through one dict per
export) give exactly what the cell-by-cell `export_value` gives, for the first rows of every surface of the demo."""

from __future__ import annotations

import pytest

from doluong.core.io import _column, export_value
from doluong.core.surface import SURFACES

pytestmark = pytest.mark.django_db


def test_every_surface_exports_the_same_cells():
    compared = choice_cells = 0
    for surface in SURFACES.values():
        model = surface.model
        rows = list(model._base_manager.order_by("pk")[:5])
        for name in surface.export_fields:
            column = _column(model, name)
            has_choices = bool(getattr(model._meta.get_field(name), "choices", None))
            for obj in rows:
                assert column(obj) == export_value(obj, name), (model._meta.label, name, obj.pk)
                compared += 1
                choice_cells += has_choices
    assert compared > 1000 and choice_cells > 100, (compared, choice_cells)
