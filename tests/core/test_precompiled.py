"""core.precompiled: a query compiled once gives, with new parameters, exactly what the ORM gives."""

from __future__ import annotations

import pytest

from doluong.core.precompiled import Precompiled

pytestmark = pytest.mark.django_db


def _communes(province, codes, limit_name):
    from doluong.geo.models import Commune

    return (
        Commune.objects.filter(province_id=province, code__in=codes)
        .exclude(name=limit_name)
        .order_by("code")
        .values("code", "name", "province_id", "province__name")
    )


def test_rows_equal_the_orm_for_new_values_and_each_list_length():
    from doluong.geo.models import Commune

    query = Precompiled(_communes)
    for province in ("92", "82"):
        codes = list(
            Commune.objects.filter(province_id=province).order_by("code").values_list("code", flat=True)
        )
        assert len(codes) >= 3
        for some in (codes[:1], codes[:3], codes[1:3], ["99999"]):
            expected = list(_communes(province, some, "no such name"))
            assert query.rows(province, some, "no such name") == expected
        # the excluded name, a parameter between the others, is replaced too
        first = Commune.objects.get(code=codes[0]).name
        assert query.rows(province, codes[:3], first) == list(_communes(province, codes[:3], first))
        assert all(r["code"] != codes[0] for r in query.rows(province, codes[:3], first))
    # one compilation per shape: lists of length 1, 3 and 2 (the one unknown code shares length 1)
    assert len(query._compiled) == 3


def test_a_parameter_that_does_not_reach_the_sql_once_is_refused():
    from doluong.geo.models import Commune

    twice = Precompiled(lambda p: Commune.objects.filter(province_id=p).exclude(code=p).values("code"))
    with pytest.raises(RuntimeError):
        twice.rows("92")
    unused = Precompiled(lambda p: Commune.objects.filter(province_id="92").values("code"))
    with pytest.raises(RuntimeError):
        unused.rows("92")
    with pytest.raises(TypeError):
        Precompiled(lambda p: Commune.objects.filter(area=p).values("code")).rows(1.5)
