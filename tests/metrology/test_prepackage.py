"""Pre-packaged goods (Circular 21/2014/TT-BKHCN, OIML R 87): lots worked out by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from doluong.metrology import prepackage as pp
from doluong.metrology.errors import InvalidInput, OutOfRange, SampleTooSmall, UnitMismatch


# ----------------------------------------------------------------------------- T
@pytest.mark.parametrize(
    ("qn", "kind", "unit", "t"),
    [
        (30, "mass", "g", 2.7),  # 9 % of 30 g = 2.7 g exactly (no spurious rounding up of 2.7000000000000002)
        (33, "mass", "g", 3.0),  # 9 % of 33 = 2.97 -> rounded up to 3.0 g
        (50, "mass", "g", 4.5),  # 9 % at the top of the first band
        (50.1, "mass", "g", 4.5),  # fixed 4.5 g in 50 < Qn <= 100
        (125, "volume", "mL", 5.7),  # 4.5 % of 125 = 5.625 -> 5.7 mL
        (250, "volume", "mL", 9),
        (0.5, "mass", "kg", 0.015),  # 3 % of 500 g = 15 g, given back in kg
        (1234, "mass", "g", 18.6),  # 1.5 % = 18.51 -> 18.6 g
        (12, "mass", "kg", 0.15),  # 150 g in 10 kg < Qn <= 15 kg
        (50_000, "mass", "g", 500),  # 1 % at the top of the table
        (4, "length", "m", 0),  # no shortfall allowed for Qn <= 5 m
        (10, "length", "m", 0.2),  # 2 %
        (2, "area", "m2", 0.06),  # 3 %
        (50, "count", "items", 0),
        (120, "count", "items", 2),  # 1 % = 1.2 -> rounded up to 2 items
        (151, "count", "items", 2),
    ],
)
def test_tolerable_deficiency(qn, kind, unit, t):
    tol = pp.tolerable_deficiency(qn, kind, unit)
    assert tol.t == pytest.approx(t, abs=1e-12)
    assert tol.t2 == pytest.approx(2 * t, abs=1e-12)  # T2 = 2T
    assert "R 87" in tol.clause


@pytest.mark.parametrize(
    ("args", "exc", "code"),
    [
        ((50_001, "mass", "g"), OutOfRange, "nominal_out_of_range"),
        ((51, "mass", "kg"), OutOfRange, "nominal_out_of_range"),
        ((0, "mass", "g"), InvalidInput, "not_positive"),
        ((float("nan"), "mass", "g"), InvalidInput, "nan_value"),
        ((500, "volume", "g"), UnitMismatch, "unit_dimension_mismatch"),
        ((500, "mass", "parsec"), UnitMismatch, "unknown_unit"),
        ((500, "weight", "g"), InvalidInput, "invalid_choice"),
    ],
)
def test_tolerable_deficiency_bad_input(args, exc, code):
    with pytest.raises(exc) as info:
        pp.tolerable_deficiency(*args)
    assert info.value.code == code


# ----------------------------------------------------------------------------- plans
def test_sampling_plans_and_the_correction_factor():
    assert (
        pp.sampling_plan(99).sample_size,
        pp.sampling_plan(99).max_t1,
        pp.sampling_plan(99).full_inspection,
    ) == (99, 2, True)
    for lot, n, c, k in [
        (100, 50, 3, 0.379),
        (500, 50, 3, 0.379),
        (501, 80, 5, 0.295),
        (3200, 80, 5, 0.295),
        (3201, 125, 7, 0.234),
    ]:
        plan = pp.sampling_plan(lot)
        assert (plan.sample_size, plan.max_t1, plan.k) == (n, c, k)
        # k = t(0.995, n - 1)/sqrt(n), to the three decimals of the table
        assert round(stats.t.ppf(0.995, n - 1) / math.sqrt(n), 3) == k
    with pytest.raises(InvalidInput):
        pp.sampling_plan(0)


# ----------------------------------------------------------------------------- hand-worked lots
def test_lot_accepted():
    # Qn = 500 g, N = 300 -> n = 50, c = 3, k = 0.379; T = 3 % x 500 = 15 g, T2 = 30 g.
    # 48 units at 502.0 g and 2 at 484.0 g (deficiency 16 g > T: two T1 units, allowed up to 3).
    # mean = (48 x 502 + 2 x 484)/50 = 25064/50 = 501.28 g
    # s² = (48 x 0.72² + 2 x 17.28²)/49 = (24.8832 + 597.1968)/49 = 622.08/49, s = 3.563068...
    # limit = 500 - 0.379 x 3.563068 = 498.649597 g <= 501.28: mean criterion met; largest deficiency 16 <= 30
    v = pp.inspect_lot(500, "mass", "g", 300, [502.0] * 48 + [484.0] * 2)
    assert v.accepted and v.verdict == "accepted" and v.failed == ()
    assert v.mean == pytest.approx(501.28)
    assert v.std == pytest.approx(math.sqrt(622.08 / 49))
    mean_c = v.criteria[0]
    assert mean_c.limit == pytest.approx(500 - 0.379 * math.sqrt(622.08 / 49))
    assert v.t1_units == (48, 49) and v.t2_units == ()
    assert "ACCEPTED" in v.explain()


def test_lot_rejected_for_the_mean():
    # 25 units at 497.0 g and 25 at 499.0 g: mean 498.0 g, s² = 50/49, s = 1.0101525
    # limit = 500 - 0.379 x 1.0101525 = 499.6171522 g: short by 1.6171522 g; no deficiency reaches T = 15 g
    v = pp.inspect_lot(500, "mass", "g", 300, [497.0] * 25 + [499.0] * 25)
    assert not v.accepted
    assert [c.name for c in v.failed] == ["mean"]
    short = 500 - 0.379 * math.sqrt(50 / 49) - 498.0
    assert v.failed[0].margin == pytest.approx(-short)
    assert "short by 1.61715" in v.explain()


def test_lot_rejected_for_too_many_t1():
    # Qn = 1 kg, N = 1000 -> n = 80, c = 5, k = 0.295; T = 15 g = 0.015 kg, T2 = 0.030 kg.
    # 74 units at 1.010 kg and 6 at 0.980 kg (deficiency 0.020 kg > T, < T2): 6 T1 units > 5.
    # mean = (74 x 1.010 + 6 x 0.980)/80 = 80.62/80 = 1.00775 kg
    # s² = (74 x 0.00225² + 6 x 0.02775²)/79 = 0.004995/79, s = 0.0079516; limit = 1 - 0.295 s = 0.9976543
    v = pp.inspect_lot(1, "mass", "kg", 1000, [1.010] * 74 + [0.980] * 6)
    assert not v.accepted
    assert [c.name for c in v.failed] == ["t1"]
    t1 = v.failed[0]
    assert (t1.value, t1.limit, t1.margin) == (6, 5, -1)
    assert v.criteria[0].passed and v.criteria[0].limit == pytest.approx(1 - 0.295 * math.sqrt(0.004995 / 79))
    assert v.tolerance.t == pytest.approx(0.015)
    assert "1 too many" in v.explain()


def test_lot_rejected_for_one_t2():
    # Qn = 250 mL, N = 5000 -> n = 125, c = 7, k = 0.234; T = 9 mL, T2 = 18 mL.
    # 124 units at 253.0 mL and one at 231.0 mL: deficiency 19 mL > T2 = 18 mL.
    # mean = (124 x 253 + 231)/125 = 252.824 mL; s² = (124 x 0.176² + 21.824²)/124 = 480.128/124 = 3.872
    # limit = 250 - 0.234 x sqrt(3.872) = 249.539549 mL: mean met; one T1 unit (<= 7): only T2 fails
    v = pp.inspect_lot(250, "volume", "mL", 5000, [253.0] * 124 + [231.0])
    assert not v.accepted
    assert [c.name for c in v.failed] == ["t2"]
    assert v.t2_units == (124,) and v.t1_units == (124,)
    assert v.mean == pytest.approx(252.824) and v.std == pytest.approx(math.sqrt(3.872))
    assert v.failed[0].margin == pytest.approx(18 - 19)
    assert "1 over" in v.explain()


def test_small_lot_is_inspected_entirely():
    # N = 40: 100 % inspection, c = floor(2.5 % x 40) = 1, mean >= Qn. Qn = 100 g: T = 4.5 g.
    # 39 units at 101.0 g and one at 95.0 g (deficiency 5 g > 4.5 g): one T1 unit allowed; mean 100.85 g
    v = pp.inspect_lot(100, "mass", "g", 40, [101.0] * 39 + [95.0])
    assert v.accepted and v.plan.full_inspection and v.criteria[0].limit == 100
    assert v.mean == pytest.approx(100.85)
    # one more short unit is one too many
    assert not pp.inspect_lot(100, "mass", "g", 40, [101.0] * 38 + [95.0] * 2).accepted


def test_counts_must_be_whole_numbers():
    # Qn = 100 items: T = 1 item (1 %), N = 60 -> 100 % inspection
    assert pp.inspect_lot(100, "count", "items", 60, [100] * 60).accepted
    with pytest.raises(InvalidInput) as exc:
        pp.inspect_lot(100, "count", "items", 60, [100] * 59 + [99.5])
    assert exc.value.code == "not_an_integer"


def test_deficiency_exactly_t_is_not_an_error():
    # 485.0 g against Qn 500 g: deficiency exactly T = 15 g is allowed (the criterion is "> T")
    v = pp.inspect_lot(500, "mass", "g", 300, [505.0] * 46 + [485.0] * 4)
    assert v.t1_units == () and v.accepted


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    qn=st.sampled_from(
        [
            (20, "mass", "g"),
            (0.75, "volume", "L"),
            (330, "volume", "mL"),
            (2.5, "mass", "kg"),
            (12, "length", "m"),
            (3.3, "area", "m2"),
            (80, "count", "items"),
        ]
    ),
    lot=st.integers(1, 10_000),
)
def test_a_lot_with_every_unit_at_nominal_passes(qn, lot):
    q, kind, unit = qn
    n = pp.sampling_plan(lot).sample_size
    v = pp.inspect_lot(q, kind, unit, lot, [q] * n)
    assert v.accepted and v.std == 0 and v.mean == q


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("actual", "exc", "code"),
    [
        ([500.0] * 49, SampleTooSmall, "sample_smaller_than_plan"),
        ([500.0] * 51, InvalidInput, "sample_larger_than_plan"),
        ([500.0] * 49 + [float("nan")], InvalidInput, "nan_value"),
        ([500.0] * 49 + [-1.0], InvalidInput, "negative_value"),
        ("500 g", InvalidInput, "not_a_number"),
    ],
)
def test_inspect_lot_bad_input(actual, exc, code):
    with pytest.raises(exc) as info:
        pp.inspect_lot(500, "mass", "g", 300, actual)
    assert info.value.code == code
    if exc is SampleTooSmall:
        assert info.value.context["required"] == 50 and info.value.value == 49
