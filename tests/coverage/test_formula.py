"""The coverage formulas (pure, no database): the issue's worked check and the allocation rules."""

from decimal import Decimal

import pytest

from doluong.coverage.formula import (
    Capacity,
    Parameters,
    Population,
    Service,
    annual_demand,
    capability,
    realised,
    what_if,
)

WORKED = [  # (code, name, field, count, cycle months)
    ("scale", "Cân đồng hồ lò xo", "mass", 12_000, 24),
    ("dispenser", "Cột đo xăng dầu", "flow", 900, 12),
    ("water", "Đồng hồ nước lạnh", "flow", 40_000, 60),
    ("meter3", "Công tơ điện 3 pha", "electricity", 6_000, 24),
    ("bp", "Huyết áp kế", "medical", 1_500, 12),
]


def _pops(commune="x"):
    return [Population(c, n, f, commune, count, cycle) for c, n, f, count, cycle in WORKED]


def test_the_issues_worked_example():
    pops = _pops()
    # independent arithmetic: 12000/2 + 900 + 40000/5 + 6000/2 + 1500
    assert 12_000 // 2 + 900 + 40_000 // 5 + 6_000 // 2 + 1_500 == 19_400
    covered_types = ["scale", "dispenser", "bp"]
    result = capability(pops, [Capacity("P", t) for t in covered_types])
    assert result.demand == Decimal(19_400)
    assert result.covered == Decimal(6_000 + 900 + 1_500)
    assert result.percent == Decimal("43.3")
    assert [g.key for g in result.gaps] == ["water", "meter3"]  # biggest gap first
    assert result.demand_fee is None and {"code": "no_fee", "count": 5} in result.flags


def test_annual_demand_is_count_times_twelve_over_the_cycle():
    assert annual_demand(40_000, 60) == Decimal(8_000)
    assert annual_demand(3, 18) == Decimal(2)
    with pytest.raises(ValueError):
        annual_demand(5, 0)


def test_declared_capacity_caps_the_covered_demand():
    pops = _pops()
    caps = [Capacity("P", "scale", 2_000), Capacity("Q", "scale", 1_000), Capacity("P", "bp")]
    result = capability(pops, caps)
    scale = next(x for x in result.by_type if x.key == "scale")
    assert scale.covered == 3_000 and scale.capacity == 3_000 and scale.providers == 2
    assert result.covered == 3_000 + 1_500
    # an undeclared capacity counts as none under the stricter parameter
    strict = capability(pops, caps, Parameters(undeclared_capacity="none"))
    assert strict.covered == 3_000


def test_allocation_to_communes_is_pro_rata():
    pops = [
        Population("scale", "Cân", "mass", "A", 300, 12),
        Population("scale", "Cân", "mass", "B", 100, 12),
        Population("water", "Nước", "flow", "B", 600, 60),
    ]
    result = capability(pops, [Capacity("P", "scale", 200)])
    communes = {x.key: x for x in result.by_commune}
    assert communes["A"].demand == 300 and communes["A"].covered == 150
    assert communes["B"].demand == 100 + 120 and communes["B"].covered == 50
    assert sum(x.covered for x in result.by_commune) == result.covered == 200


def test_surveys_add_demand_with_uncertainty_and_unknown_cycles_are_flagged():
    pops = [
        Population("scale", "Cân", "mass", "A", 240, 24),
        Population("scale", "Cân", "mass", "", 120, 24, source="survey", uncertainty=40),
        Population("taxi", "Đồng hồ taxi", "length", "A", 50, None),
    ]
    result = capability(pops, [])
    assert result.demand == 180 and result.uncertainty == 20
    assert {"code": "unknown_cycle", "count": 50, "type": "Đồng hồ taxi"} in result.flags
    assert capability(pops, [], Parameters(include_surveys=False)).demand == 120


def test_what_if_recomputes_without_touching_the_inputs():
    pops, caps = _pops(), [Capacity("P", t) for t in ("scale", "dispenser", "bp")]
    after = what_if(pops, caps, [Capacity("X", "water", 5_000)])
    assert after.covered == 8_400 + 5_000
    assert after.percent == Decimal("69.1")
    assert capability(pops, caps).percent == Decimal("43.3")


def test_fee_value_only_when_every_type_has_a_fee():
    fees = {"scale": 50_000, "dispenser": 400_000, "water": 60_000, "meter3": 100_000, "bp": 80_000}
    result = capability(_pops(), [Capacity("P", "dispenser")], Parameters.from_dict({"fees": fees}))
    assert (
        result.demand_fee
        == 6_000 * 50_000 + 900 * 400_000 + 8_000 * 60_000 + 3_000 * 100_000 + 1_500 * 80_000
    )
    assert result.covered_fee == 900 * 400_000
    assert result.fee_percent == Decimal("23.1")  # 360 M of 1 560 M
    with pytest.raises(ValueError):
        Parameters.from_dict({"undeclaredCapacity": "maybe"})


def test_realised_coverage_counts_local_services():
    services = [
        Service("scale", "Cân", "mass", "A", True, 30),
        Service("scale", "Cân", "mass", "A", False, 10),
        Service("water", "Nước", "flow", "B", False, 10),
    ]
    result = realised(services)
    assert (result.demand, result.covered, result.percent) == (50, 30, Decimal("60.0"))
    assert {x.key: x.percent for x in result.by_commune} == {"A": Decimal("75.0"), "B": Decimal("0.0")}
    assert [g.key for g in result.gaps] == ["scale", "water"]


def test_what_if_moves_outside_services_up_to_the_capacity():
    from doluong.coverage.formula import what_if_realised

    services = [
        Service("water", "Nước", "flow", "A", False, 30),
        Service("water", "Nước", "flow", "B", False, 10),
        Service("scale", "Cân", "mass", "A", False, 5),
    ]
    moved = what_if_realised(services, [Capacity("X", "water", 35)])
    result = realised(moved)
    assert (result.demand, result.covered) == (45, 35)
    assert realised(what_if_realised(services, [Capacity("X", "water")])).covered == 40
    assert realised(services).covered == 0  # the inputs are not touched
