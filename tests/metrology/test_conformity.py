"""Conformity decisions and risks: closed forms, suncal (test-only oracle) and invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from doluong.metrology import conformity as cf
from doluong.metrology.errors import InvalidInput

suncal_risk = pytest.importorskip("suncal.risk")  # installed as a dev dependency; never imported by doluong


# ----------------------------------------------------------------------------- specific risk
def test_probability_of_conformance_closed_forms():
    # result on the upper limit of a one-sided tolerance: half the PDF is out
    assert cf.probability_of_conformance(10.0, 0.1, -math.inf, 10.0) == pytest.approx(0.5)
    # 1.644854 u below the upper limit: 95 % (one-sided normal quantile)
    assert cf.probability_of_conformance(
        10 - 1.6448536269514722 * 0.1, 0.1, -math.inf, 10.0
    ) == pytest.approx(0.95, abs=1e-12)
    # two-sided, centred, T = 2u: Φ(2) - Φ(-2)
    assert cf.probability_of_conformance(0.0, 1.0, -2.0, 2.0) == pytest.approx(
        stats.norm.cdf(2) - stats.norm.cdf(-2), abs=1e-15
    )
    assert cf.specific_risk(0.0, 1.0, -2.0, 2.0) == pytest.approx(2 * stats.norm.sf(2), abs=1e-15)
    # zero uncertainty: certainty
    assert cf.probability_of_conformance(1.0, 0.0, 0.0, 2.0) == 1.0
    assert cf.probability_of_conformance(3.0, 0.0, 0.0, 2.0) == 0.0


def test_probability_of_conformance_with_a_normal_prior():
    # posterior N(m, s²): m = (σp² y + u² μ)/(σp² + u²), s = σp u / sqrt(σp² + u²)
    y, u, mu, sp = 0.9, 0.1, 0.0, 0.5
    m = (sp**2 * y + u**2 * mu) / (sp**2 + u**2)
    s = sp * u / math.hypot(sp, u)
    expected = stats.norm.cdf((1 - m) / s) - stats.norm.cdf((-1 - m) / s)
    got = cf.probability_of_conformance(y, u, -1, 1, prior_mean=mu, prior_sd=sp)
    assert got == pytest.approx(expected, abs=1e-14)


# ----------------------------------------------------------------------------- guard bands
def test_guard_band_methods_closed_forms():
    # tolerance ±1, u = 0.125 -> U = 0.25, TUR = 4
    z = cf.acceptance_zone(-1, 1, method="simple")
    assert (z.lower, z.upper, z.guard_band) == (-1, 1, 0)
    z = cf.acceptance_zone(-1, 1, method="u95", u=0.125)
    assert z.upper == pytest.approx(0.75) and z.guard_band_factor == pytest.approx(0.75)
    z = cf.acceptance_zone(-1, 1, method="rss", u=0.125)
    assert z.upper == pytest.approx(math.sqrt(1 - 0.25**2))
    z2 = cf.acceptance_zone(-1, 1, method="sqrt_tur", tur=4)
    assert z2.upper == pytest.approx(z.upper, rel=1e-15)  # √(1-1/TUR²) = RSS when TUR = T/U
    assert cf.acceptance_zone(-1, 1, method="sqrt_tur", u=0.125).upper == pytest.approx(z.upper)
    z = cf.acceptance_zone(-1, 1, method="fixed_fraction", fraction=0.1)
    assert (z.lower, z.upper) == pytest.approx((-0.9, 0.9))
    # the specific risk of a result on the acceptance limit equals the target
    z = cf.acceptance_zone(-1, 1, method="target_specific", u=0.125, target=0.02)
    assert cf.specific_risk(z.upper, 0.125, -math.inf, 1) == pytest.approx(0.02, abs=1e-12)
    assert cf.test_uncertainty_ratio(-1, 1, 0.125) == pytest.approx(4.0)


def test_guard_bands_against_suncal():
    gb = pytest.importorskip("suncal.risk.guardband_tur")
    for tur in (1.5, 2.0, 3.0, 4.0, 6.0):
        u = 1 / (2 * tur)
        assert cf.acceptance_zone(-1, 1, method="rss", u=u).upper == pytest.approx(gb.rss(tur), abs=1e-12)
        assert cf.acceptance_zone(-1, 1, method="u95", u=u).upper == pytest.approx(1 - 1 / tur, abs=1e-12)
        # suncal lets the Dobbert factor exceed 1 (a negative guard band); doluong clamps it at w = 0
        assert cf.acceptance_zone(-1, 1, method="dobbert", tur=tur).upper == pytest.approx(
            min(1.0, gb.dobbert(tur)), abs=1e-12
        )
        for itp in (0.8, 0.95):
            for target in (0.005, 0.01):
                ours = cf.acceptance_zone(-1, 1, method="target_pfa", tur=tur, itp=itp, target=target).upper
                theirs = min(1.0, float(gb.pfa_target(tur, itp, target)))
                assert ours == pytest.approx(theirs, abs=1e-6)
                assert cf.global_risk(tur, itp, ours).pfa == pytest.approx(target, abs=1e-9) or ours == 1.0


def test_empty_acceptance_zone_rejects_everything():
    z = cf.acceptance_zone(-1, 1, method="rss", u=0.6)  # U = 1.2 > T: TUR < 1
    assert z.empty and not z.accepts(0.0)
    d = cf.decide(0.0, -1, 1, 0.6, method="u95")
    assert not d.accepted and d.statement == "conditional_pass" and "no acceptance zone" in d.reason


def test_decisions_and_non_binary_statements():
    # ILAC-G8 4.2.3 with w = U = 0.2
    kw = {"method": "u95"}
    assert cf.decide(0.5, -1, 1, 0.1, **kw).statement == "pass"
    assert cf.decide(0.9, -1, 1, 0.1, **kw).statement == "conditional_pass"
    assert cf.decide(1.1, -1, 1, 0.1, **kw).statement == "conditional_fail"
    assert cf.decide(1.3, -1, 1, 0.1, **kw).statement == "fail"
    d = cf.decide(0.9, -1, 1, 0.1)  # simple acceptance
    assert d.accepted and d.verdict == "accept" and d.statement == "pass"
    d = cf.decide(1.05, -1, 1, 0.1)
    assert not d.accepted and d.statement == "fail" and "above the acceptance limit 1 by 0.05" in d.reason
    assert d.probability_of_conformance == pytest.approx(stats.norm.cdf(-0.5) - stats.norm.cdf(-20.5))
    # one-sided tolerance
    d = cf.decide(9.7, -math.inf, 10.0, 0.1, method="u95")
    assert d.accepted and d.acceptance.upper == pytest.approx(9.8) and d.acceptance.guard_band_factor is None


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    y=st.floats(-3, 3),
    u=st.floats(0, 1),
    method=st.sampled_from(sorted(cf.GUARD_BAND_METHODS)),
    frac=st.floats(0, 1),
    itp=st.floats(0.5, 0.999),
    target=st.floats(0.001, 0.2),
)
def test_guard_banded_never_accepts_what_simple_rejects(y, u, method, frac, itp, target):
    kw = {"fraction": frac, "itp": itp, "target": target}
    if method in ("sqrt_tur", "dobbert", "target_pfa") and u == 0:
        kw["tur"] = 100.0
    guarded = cf.decide(y, -1, 1, u, method=method, **kw)
    simple = cf.decide(y, -1, 1, u, method="simple")
    assert guarded.acceptance.guard_band >= 0
    if not simple.accepted:
        assert not guarded.accepted
    assert guarded.acceptance.lower >= -1 and guarded.acceptance.upper <= 1


# ----------------------------------------------------------------------------- global risk
@pytest.mark.parametrize("tur", [0.8, 1.0, 2.0, 3.0, 4.0, 10.0])
@pytest.mark.parametrize("itp", [0.5, 0.85, 0.95, 0.99])
@pytest.mark.parametrize("gbf", [1.0, 0.8])
def test_global_risk_matches_suncal(tur, itp, gbf):
    r = cf.global_risk(tur, itp, gbf)
    assert r.pfa == pytest.approx(suncal_risk.PFA_norm(itp, tur, GB=gbf), abs=1e-6)
    assert r.pfr == pytest.approx(suncal_risk.PFR_norm(itp, tur, GB=gbf), abs=1e-6)
    assert r.cpfa == pytest.approx(suncal_risk.PFA_norm_conditional(itp, tur, GB=gbf), abs=1e-6)


def test_general_global_risk_matches_suncal_with_bias_and_asymmetric_limits():
    dproc = stats.norm(loc=0.3, scale=2.0)
    dtest = stats.norm(loc=0.0, scale=0.4)
    for LL, UL, GBL, GBU, bias in [(-3, 4, 0.2, 0.5, 0.0), (-2, 5, 0.0, 0.0, 0.1), (-3, 4, 0.4, 0.1, -0.15)]:
        r = cf.global_risk_normal(LL, UL, LL + GBL, UL - GBU, 0.3, 2.0, 0.4, measurement_bias=bias)
        assert r.pfa == pytest.approx(
            suncal_risk.PFA(dproc, dtest, LL, UL, GBL, GBU, testbias=bias), abs=1e-6
        )
        assert r.pfr == pytest.approx(
            suncal_risk.PFR(dproc, dtest, LL, UL, GBL, GBU, testbias=bias), abs=1e-6
        )


def test_global_risk_against_an_independent_simulation():
    # tolerance ±1, ITP 0.9, TUR 2: draw true values and measurement errors directly
    rng = np.random.default_rng(20240601)
    n = 2_000_000
    sp = 1 / stats.norm.ppf(0.95)
    x = rng.normal(0, sp, n)
    y = x + rng.normal(0, 0.25, n)
    acc = np.abs(y) <= 1
    intol = np.abs(x) <= 1
    pfa_mc, pfr_mc = np.mean(acc & ~intol), np.mean(~acc & intol)
    r = cf.global_risk(2.0, 0.9)
    for est, p in ((pfa_mc, r.pfa), (pfr_mc, r.pfr)):
        assert abs(est - p) < 5 * math.sqrt(p * (1 - p) / n)
    # bookkeeping identity: P(accept) = P(in) - PFR + PFA
    assert r.p_accept == pytest.approx(r.p_in_tolerance - r.pfr + r.pfa, abs=1e-15)
    assert r.p_in_tolerance == pytest.approx(0.9, abs=1e-12)


def test_global_risk_is_vectorised():
    rng = np.random.default_rng(1)
    tur = rng.uniform(0.5, 10, 10_000)
    itp = rng.uniform(0.5, 0.999, 10_000)
    r = cf.global_risk(tur, itp)
    assert r.pfa.shape == (10_000,) and np.all(np.isfinite(r.pfa)) and np.all(np.isfinite(r.cpfa))
    i = 1234
    assert r.pfa[i] == pytest.approx(cf.global_risk(float(tur[i]), float(itp[i])).pfa, abs=1e-15)
    # nothing accepted: CPFA reported as 0, not NaN
    assert cf.global_risk(2.0, 0.9, 0.0).cpfa == 0.0 and cf.global_risk(2.0, 0.9, 0.0).pfa == 0.0


@settings(max_examples=60, deadline=None, derandomize=True)
@given(itp=st.floats(0.3, 0.9999), t1=st.floats(1.0, 20), dt=st.floats(0.001, 20), gbf=st.floats(0.5, 1.0))
def test_pfa_decreases_as_tur_grows(itp, t1, dt, gbf):
    # for TUR >= 1; below 1 the measurement is so poor that few items are accepted at all
    # and PFA can rise with TUR (suncal gives the same, see test_pfa_below_tur_1_is_not_monotone)
    a = cf.global_risk(t1, itp, gbf).pfa
    b = cf.global_risk(t1 + dt, itp, gbf).pfa
    assert b <= a + 1e-14


def test_pfa_below_tur_1_is_not_monotone():
    lo, hi = cf.global_risk(0.3125, 0.9375).pfa, cf.global_risk(0.8125, 0.9375).pfa
    assert hi > lo
    assert lo == pytest.approx(suncal_risk.PFA_norm(0.9375, 0.3125), abs=1e-9)
    assert hi == pytest.approx(suncal_risk.PFA_norm(0.9375, 0.8125), abs=1e-9)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(itp=st.floats(0.3, 0.999), tur=st.floats(0.3, 20), g1=st.floats(0, 1), g2=st.floats(0, 1))
def test_pfa_never_grows_with_a_wider_guard_band(itp, tur, g1, g2):
    lo, hi = sorted((g1, g2))
    assert cf.global_risk(tur, itp, lo).pfa <= cf.global_risk(tur, itp, hi).pfa + 1e-15
    assert cf.global_risk(tur, itp, lo).pfr >= cf.global_risk(tur, itp, hi).pfr - 1e-15


def test_guard_band_factor_for_conditional_pfa():
    g = cf.guard_band_factor_for_pfa(1.5, 0.9, 0.02, conditional=True)
    assert 0 < g < 1
    assert cf.global_risk(1.5, 0.9, g).cpfa == pytest.approx(0.02, abs=1e-9)
    assert cf.guard_band_factor_for_pfa(10, 0.99, 0.02) == 1.0


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: cf.decide(0.0, -1, 1, -0.1), "negative_uncertainty"),
        (lambda: cf.decide(float("nan"), -1, 1, 0.1), "nan_value"),
        (lambda: cf.decide(0.0, 1, -1, 0.1), "empty_tolerance"),
        (lambda: cf.decide(0.0, -1, 1, 0.1, method="wishful"), "invalid_choice"),
        (lambda: cf.acceptance_zone(-1, 1, method="u95"), "missing_uncertainty"),
        (lambda: cf.acceptance_zone(-1, 1, method="target_pfa", u=0.1), "missing_target"),
        (lambda: cf.global_risk(-2.0, 0.9), "not_positive"),
        (lambda: cf.global_risk(2.0, 1.2), "not_a_probability"),
        (lambda: cf.global_risk([2.0, np.nan], 0.9), "nan_value"),
        (lambda: cf.global_risk_normal(-1, 1, -1, 1, 0, 1, -0.1), "not_positive"),
        (lambda: cf.test_uncertainty_ratio(-1, 1, 0), "zero_uncertainty"),
    ],
)
def test_bad_input(call, code):
    with pytest.raises(InvalidInput) as exc:
        call()
    assert exc.value.code == code
