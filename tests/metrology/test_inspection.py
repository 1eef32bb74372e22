"""Inspection calculators against worked values of the legal texts and an independent calculation."""

from decimal import Decimal

import pytest

from doluong.metrology import inspection as ins
from doluong.metrology.errors import InvalidInput, InvalidType, OutOfRange, RuleNotFound


# --- non-automatic scales (OIML R 76-1 Table 6; in service = 2 x initial, 3.5.2) ---------------------------------
def test_class_iii_e50_max15kg_worked_value():
    r = ins.scale_mpe("III", 50, 15000, 15000, "g")
    assert r.initial == Decimal("25") and r.in_service == Decimal("50")


@pytest.mark.parametrize(
    ("cls", "e", "mx", "load", "initial"),
    [
        # class III, e = 1 g: 0.5e up to 500e, 1e up to 2000e, 1.5e above (R 76-1 Table 6)
        ("III", 1, 6000, 500, "0.5"),
        ("III", 1, 6000, 501, "1"),
        ("III", 1, 6000, 2000, "1"),
        ("III", 1, 6000, 2001, "1.5"),
        ("II", "0.1", 3000, 500, "0.05"),
        ("II", "0.1", 3000, "500.1", "0.1"),
        ("IIII", 10, 5000, 500, "5"),
        ("IIII", 10, 5000, 510, "10"),
    ],
)
def test_scale_bands(cls, e, mx, load, initial):
    r = ins.scale_mpe(cls, e, mx, load, "g")
    assert r.initial == Decimal(initial)
    assert r.in_service == 2 * Decimal(initial)


def test_scale_in_kg_gives_same_as_in_g():
    assert (
        ins.scale_mpe("III", "0.05", 15, 10, "kg").in_service * 1000
        == ins.scale_mpe("III", 50, 15000, 10000).in_service
    )


def test_scale_refuses_load_above_max():
    with pytest.raises(OutOfRange) as exc:
        ins.scale_mpe("III", 50, 15000, 15050)
    assert exc.value.code == "load_above_max"


@pytest.mark.parametrize(
    ("args", "exc"),
    [
        (("III", 0, 15000, 100), InvalidInput),
        (("III", 50, -1, 100), InvalidInput),
        (("III", 50, 15000, -1), InvalidInput),
        (("III", 50, 15000, "abc"), InvalidType),
        (("III", 50, 15000, float("nan")), InvalidInput),
        (("III", 20000, 15000, 100), InvalidInput),
        (("V", 50, 15000, 100), RuleNotFound),
    ],
)
def test_scale_bad_input(args, exc):
    with pytest.raises(exc):
        ins.scale_mpe(*args)


def test_scale_refuses_volume_unit():
    with pytest.raises(InvalidInput):
        ins.scale_mpe("III", 50, 15000, 100, "L")


# --- fuel dispensers (TT 15/2015 Art. 6(3): 1.5 x positive MPE) --------------------------------------------------
def test_fuel_trade_rule_on_the_limit_and_above():
    # class 0.5 dispenser (R 117 line A): 0.5 %; trade limit 0.75 %. 20 L measure: 20.15 L shown = +0.75 % exactly.
    on = ins.fuel_delivery("20.15", 20)
    assert on.mpe_percent == Decimal("0.5") and on.trade_limit_percent == Decimal("0.75")
    assert on.error_percent == Decimal("0.75") and on.conforming
    over = ins.fuel_delivery("20.16", 20)
    assert over.error_percent == Decimal("0.8") and not over.conforming
    assert "không đạt" in over.explanation


def test_fuel_over_delivery_is_not_a_trade_shortfall():
    r = ins.fuel_delivery("19.80", 20)  # customer receives more than shown: -1 %
    assert r.error_percent == Decimal("-1") and r.conforming


def test_fuel_temperature_correction_independent_calculation():
    # measure of 20 L at 20 degC, steel beta = 5e-5 /degC, used at 30 degC: volume 20 * (1 + 5e-4) = 20.01 L
    r = ins.fuel_delivery("20.1", 20, temperature_c=30, measure_expansion_per_c="0.00005", mpe_percent="0.5")
    assert r.actual_l == Decimal("20.01")
    expected = (Decimal("20.1") - Decimal("20.01")) / Decimal("20.01") * 100
    assert r.error_percent == expected
    assert abs(float(r.error_percent) - 0.449775) < 1e-5


def test_fuel_temperature_needs_expansion_coefficient():
    with pytest.raises(InvalidInput) as exc:
        ins.fuel_delivery(20, 20, temperature_c=30)
    assert exc.value.code == "expansion_missing"
    assert ins.fuel_delivery(20, 20, temperature_c=20).actual_l == 20


@pytest.mark.parametrize("bad", [0, -5, "x", None, float("inf")])
def test_fuel_bad_volume(bad):
    with pytest.raises(InvalidInput):
        ins.fuel_delivery(bad, 20)


# --- retail counter-check (TT 09/2017) ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("q", "d"), [(41, 2), (100, 2), (101, 5), (400, 10), (1000, 20), (2000, 50), (4000, 100), (100000, 200)]
)
def test_required_interval_table_1(q, d):
    assert ins.required_scale_interval(q) == d


@pytest.mark.parametrize("q", [40, 100001])
def test_required_interval_outside_table(q):
    with pytest.raises(OutOfRange):
        ins.required_scale_interval(q)


@pytest.mark.parametrize(
    ("mx", "d", "q", "allowed"),
    [
        # the three worked examples of TT 09/2017 Art. 6
        ("8", "0.02", "1", "0.02"),
        ("10", "0.05", "7", "0.10"),
        ("100", "0.2", "50", "0.6"),
    ],
)
def test_allowed_shortfall_worked_examples(mx, d, q, allowed):
    a, clause = ins.allowed_shortfall(q, "kg", spring_dial=True, max_capacity=mx, d=d)
    assert a == Decimal(allowed)
    assert "Bảng 2" in clause


def test_allowed_shortfall_other_scale_is_twice_initial_mpe():
    # class III e = 5 g at 1 kg = 200 e: initial MPE 0.5 e = 2.5 g -> allowed 5 g
    a, clause = ins.allowed_shortfall(
        1000, "g", spring_dial=False, max_capacity=15000, accuracy_class="III", e=5
    )
    assert a == 5 and "khoản 2" in clause


def test_spring_dial_scale_not_in_table_refused():
    with pytest.raises(OutOfRange):
        ins.allowed_shortfall(1000, "g", spring_dial=True, max_capacity=7000, d=20)
    with pytest.raises(OutOfRange):
        ins.allowed_shortfall(500, "g", spring_dial=True, max_capacity=10000, d=50)  # below Table 2's range


def test_counter_check_sign_selling_vs_buying():
    kw = dict(spring_dial=True, max_capacity=8000, d=20)
    # selling: scale shows 1025 g for 1000 g of check weights -> 25 g short for the buyer > 20 g allowed
    sell = ins.retail_counter_check(1025, 1000, direction="selling", **kw)
    assert sell.shortfall == 25 and not sell.conforming
    # the same reading when the trader buys favours the customer: no shortfall
    buy = ins.retail_counter_check(1025, 1000, direction="buying", **kw)
    assert buy.shortfall == -25 and buy.conforming
    # buying: scale shows 975 g for 1000 g -> the seller to the shop loses 25 g
    assert not ins.retail_counter_check(975, 1000, direction="buying", **kw).conforming
    assert ins.retail_counter_check(1020, 1000, direction="selling", **kw).conforming  # exactly on the limit


def test_counter_check_reports_scale_suitability():
    r = ins.retail_counter_check(1000, 1000, direction="selling", spring_dial=True, max_capacity=8000, d=20)
    assert r.suitable_scale is True and r.required_d == 20
    r = ins.retail_counter_check(300, 300, direction="selling", spring_dial=True, max_capacity=2000, d=10)
    assert r.suitable_scale is True
    r = ins.retail_counter_check(150, 150, direction="selling", spring_dial=True, max_capacity=1000, d=5)
    assert r.required_d == 5


def test_counter_check_bad_direction_and_above_max():
    with pytest.raises(InvalidInput):
        ins.retail_counter_check(1000, 1000, direction="x", spring_dial=True, max_capacity=8000, d=20)
    with pytest.raises(OutOfRange):
        ins.retail_counter_check(9000, 9000, direction="selling", spring_dial=True, max_capacity=8000, d=20)
