"""Calibration intervals (NCSLI RP-1 A3 and S2): published examples, closed forms, suncal (test-only oracle)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from doluong.metrology import intervals as iv
from doluong.metrology.errors import InvalidInput, SampleTooSmall

suncal_intervals = pytest.importorskip("suncal.intervals")


# ----------------------------------------------------------------------------- A3
@pytest.mark.parametrize(
    ("history", "i0", "expected"),
    [
        # NCSL International 2019 Symposium tutorial on calibration intervals, assets 1-3 (Rt = 0.95):
        # suggested interval, rejection confidence, reliability range at 50 % confidence
        ([1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0], 365, (231, 0.9949, 0.6516, 0.8286)),
        ([1, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1], 365, (205, 0.9993, 0.6000, 0.7843)),
        ([1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1, 1], 730, (523, 0.9682, 0.7041, 0.8716)),
    ],
)
def test_a3_published_tutorial_examples(history, i0, expected):
    start = dt.date(2000, 1, 1)
    records = [
        iv.CalibrationRecord(
            start + dt.timedelta(days=i0 * k), start + dt.timedelta(days=i0 * (k + 1)), bool(ok)
        )
        for k, ok in enumerate(history)
    ]
    r = iv.a3_from_history(records, i0, 0.95)
    assert r.total == 20 and r.in_tolerance == sum(history)
    assert (
        round(r.interval),
        round(r.rejection_confidence, 4),
        round(r.reliability_low, 4),
        round(r.reliability_high, 4),
    ) == expected
    assert r.changed and "changed" in r.reason


def test_a3_history_keeps_only_periods_near_the_current_interval():
    recs = [
        iv.CalibrationRecord(0, 365, True),
        iv.CalibrationRecord(0, 400, False),
        iv.CalibrationRecord(0, 500, False),
    ]
    r = iv.a3_from_history(recs, 365, 0.9)  # window min(56 days, 0.5 x 365): 400 counts, 500 does not
    assert (r.in_tolerance, r.total) == (1, 2)


@pytest.mark.parametrize(
    ("g", "n", "target", "conf"),
    [
        (42, 50, 0.9, 0.3),
        (15, 20, 0.95, 0.5),
        (30, 40, 0.85, 0.5),
        (8, 12, 0.9, 0.6),
        (0, 10, 0.9, 0.5),
        (20, 20, 0.95, 0.5),
        (7, 10, 0.7, 0.5),
    ],
)
def test_a3_matches_suncal_to_its_printed_precision(g, n, target, conf):
    ours = iv.a3_interval(g, n, 365, target, confidence=conf)
    theirs = suncal_intervals.a3_testinterval(
        suncal_intervals.A3Params(intol=g, n=n, I0=365, target=target, conf=conf)
    )
    # suncal prints: interval with 0 decimals, rejection confidence and reliability range in % with 2 decimals
    assert f"{ours.interval:.0f}" == f"{theirs.interval:.0f}"
    assert f"{ours.calculated:.0f}" == f"{theirs.calculated:.0f}"
    assert f"{ours.rejection_confidence * 100:.2f}" == f"{theirs.rejection * 100:.2f}"
    if (
        0 < g
    ):  # at g = 0 suncal uses a one-sided bound; doluong reports the two-sided Clopper-Pearson interval
        assert f"{ours.reliability_low * 100:.2f}" == f"{theirs.reliability_range[0] * 100:.2f}"
        assert f"{ours.reliability_high * 100:.2f}" == f"{theirs.reliability_range[1] * 100:.2f}"


def test_a3_lengthens_when_reliability_is_significantly_above_target():
    # 49/50 in tolerance, Rt = 0.9: Q = 1 - 2 P(X >= 49 | n = 50, p = 0.9)
    tail = math.comb(50, 49) * 0.9**49 * 0.1 + 0.9**50
    q = 1 - 2 * tail
    r = iv.a3_interval(49, 50, 365, 0.9)
    assert r.rejection_confidence == pytest.approx(q, abs=1e-12)
    assert r.calculated == pytest.approx(365 * min(2.0, 10 ** ((0.98 - 0.9) / (1 - q))))
    assert r.interval == pytest.approx(730) and r.changed
    # not significant: kept
    r = iv.a3_interval(46, 50, 365, 0.9)
    assert not r.changed and r.interval == 365
    # limits
    assert iv.a3_interval(0, 10, 30, 0.9).interval == 15  # halved
    assert iv.a3_interval(0, 10, 20, 0.9).interval == 14  # min_interval
    assert iv.a3_interval(20, 20, 1500, 0.9).interval == 1826  # max_interval


# ----------------------------------------------------------------------------- S2
# NCSLI RP-1 Table D-1 (as used in suncal's tests): resubmission time (weeks), calibrations, reliability
RP1_T = [4, 7, 10, 13, 21, 28, 40, 48]
RP1_N = [4, 6, 14, 13, 22, 49, 18, 6]
RP1_G = [4, 5, 9, 8, 12, 20, 9, 2]
SUNCAL_NAMES = {
    "exponential": "Exponential",
    "weibull": "Weibull",
    "mixed_exponential": "Mixed Exponential",
    "random_walk": "Random Walk",
    "restricted_random_walk": "Restricted Walk",
    "modified_gamma": "Modified Gamma",
    "mortality_drift": "Mortality Drift",
    "warranty": "Warranty",
    "drift": "Drift",
    "lognormal": "Log Normal",
}


def test_s2_matches_suncal_per_model_to_its_printed_precision():
    ri = [g / n for g, n in zip(RP1_G, RP1_N, strict=True)]
    assert [int(n * r) for n, r in zip(RP1_N, ri, strict=True)] == RP1_G  # suncal recovers counts as int(n·r)
    ours = iv.s2_interval(RP1_T, RP1_G, RP1_N, 0.75)
    theirs = suncal_intervals.s2_binom_interval(
        suncal_intervals.S2Params(target=0.75, ti=RP1_T, ri=ri, ni=np.array(RP1_N))
    )
    assert len(ours.fits) == 10
    for fit in ours.fits:
        s = theirs.models[SUNCAL_NAMES[fit.model]]
        # suncal prints the interval with 0 decimals and the rejection confidence in % with 2 decimals
        ours_interval = 0.0 if fit.interval is None else fit.interval
        assert f"{ours_interval:.0f}" == f"{s.interval:.0f}", fit.model
        assert f"{fit.rejection_confidence * 100:.2f}" == f"{s.C:.2f}", fit.model
        assert fit.accepted == bool(s.accept), fit.model
    assert ours.best == "random_walk" and SUNCAL_NAMES[ours.best] == theirs.best
    assert f"{ours.interval:.0f}" == f"{theirs.interval:.0f}" == "8"


def test_s2_recovers_an_exponential_reliability_closed_form():
    # counts that follow R(t) = exp(-λt) exactly (to the unit): the exponential MLE gives λ and
    # the interval for Rt is -ln(Rt)/λ
    lam = 1 / 400.0
    t = np.array([60, 120, 180, 240, 300, 365, 450, 540])
    n = np.full(t.size, 2000)
    g = np.round(n * np.exp(-lam * t)).astype(int)
    r = iv.s2_interval(t, list(g), list(n), 0.8, models=["exponential", "weibull"])
    fit = r.fit("exponential")
    assert fit.theta[0] == pytest.approx(lam, rel=2e-3)
    assert fit.interval == pytest.approx(-math.log(0.8) / lam, rel=2e-3)
    assert fit.accepted and r.fit("weibull").theta[1] == pytest.approx(1.0, abs=0.02)
    assert fit.reliability(fit.interval) == pytest.approx(0.8, abs=1e-9)


def test_bin_history():
    times, g, n = iv.bin_history(
        [10, 20, 25, 40, 41, 90], [True, False, True, True, True, False], [0, 30, 60, 90]
    )
    assert (times, g, n) == ([30.0, 60.0, 90.0], [2, 2, 0], [3, 2, 1])


@pytest.mark.parametrize(
    ("call", "exc", "code"),
    [
        (lambda: iv.a3_interval(5, 0, 365, 0.9), SampleTooSmall, "no_calibrations"),
        (lambda: iv.a3_interval(11, 10, 365, 0.9), InvalidInput, "count_exceeds_total"),
        (lambda: iv.a3_interval(5, 10, -365, 0.9), InvalidInput, "not_positive"),
        (lambda: iv.a3_interval(5, 10, 365, 1.2), InvalidInput, "not_a_probability"),
        (lambda: iv.a3_interval(5.5, 10, 365, 0.9), InvalidInput, "not_an_integer"),
        (lambda: iv.CalibrationRecord(10, 5, True).duration(), InvalidInput, "bad_period"),
        (
            lambda: iv.s2_interval([1, 2], [1, 1], [1, 1], 0.9, models=["drift"]),
            SampleTooSmall,
            "too_few_groups",
        ),
        (lambda: iv.s2_interval([1, float("nan")], [1, 1], [1, 1], 0.9), InvalidInput, "nan_value"),
        (lambda: iv.s2_interval([1, 2], [1, 3], [1, 2], 0.9), InvalidInput, "count_exceeds_total"),
        (
            lambda: iv.s2_interval([1, 2], [1, 1], [1, 1], 0.9, models=["tarot"]),
            InvalidInput,
            "invalid_choice",
        ),
    ],
)
def test_bad_input(call, exc, code):
    with pytest.raises(exc) as info:
        call()
    assert info.value.code == code
