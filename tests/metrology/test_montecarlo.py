"""Monte Carlo propagation (JCGM 101): worked examples, closed forms and suncal (test-only oracle).

Tolerances on Monte Carlo estimates are a few standard errors of the estimate at the
number of trials used (all seeds are fixed, so the tests are deterministic).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, special, stats

from doluong.metrology import montecarlo as mc
from doluong.metrology.errors import ConvergenceError, InvalidInput

M = 400_000


def quantile_se(p: float, n: int, density: float) -> float:
    """Standard error of the p-quantile of n draws from a PDF with this density at the quantile."""
    return math.sqrt(p * (1 - p) / n) / density


# ----------------------------------------------------------------------------- JCGM 101 9.2
def additive(x1, x2, x3, x4):
    return x1 + x2 + x3 + x4


def test_additive_model_normal_inputs():
    # JCGM 101:2008 9.2.2: X_i ~ N(0, 1): u(y) = 2, 95 % interval [-3.92, 3.92]
    r = mc.monte_carlo(additive, {f"x{i}": mc.Normal(0, 1) for i in range(1, 5)}, trials=M, seed=1)
    se_q = quantile_se(0.025, M, stats.norm.pdf(1.959964) / 2)
    assert abs(r.y) < 5 * 2 / math.sqrt(M)
    assert r.u == pytest.approx(2.0, abs=5 * 2 / math.sqrt(2 * M))
    assert r.low == pytest.approx(-3.9199, abs=5 * se_q) and r.high == pytest.approx(3.9199, abs=5 * se_q)


def irwin_hall_cdf(s: float, n: int = 4) -> float:
    return sum(
        (-1) ** k * math.comb(n, k) * (s - k) ** n for k in range(int(math.floor(s)) + 1)
    ) / math.factorial(n)


def test_additive_model_rectangular_inputs():
    # JCGM 101:2008 9.2.3: X_i rectangular with u = 1 (half-width √3): MCM interval [-3.88, 3.88].
    # Independent check: Y = 2√3 (S - 2) with S Irwin-Hall(4); exact 97.5 % point from its CDF.
    s975 = optimize.brentq(lambda s: irwin_hall_cdf(s) - 0.975, 2, 4, xtol=1e-14)
    exact = 2 * math.sqrt(3) * (s975 - 2)
    assert round(exact, 2) == 3.88
    h = math.sqrt(3)
    r = mc.monte_carlo(additive, {f"x{i}": mc.Rectangular(-h, h) for i in range(1, 5)}, trials=M, seed=2)
    dens = (irwin_hall_cdf(s975 + 1e-6) - irwin_hall_cdf(s975 - 1e-6)) / 2e-6 / (2 * math.sqrt(3))
    se_q = quantile_se(0.025, M, dens)
    assert r.u == pytest.approx(2.0, abs=0.01)
    assert r.high == pytest.approx(exact, abs=5 * se_q) and r.low == pytest.approx(-exact, abs=5 * se_q)


# ----------------------------------------------------------------------------- JCGM 101 9.3
def mass_model(m_Rc, dm_Rc, rho_a, rho_W, rho_R):
    return (m_Rc + dm_Rc) * (1 + (rho_a - 1.2) * (1 / rho_W - 1 / rho_R)) - 100_000.0


MASS = {
    "m_Rc": mc.Normal(100_000.000, 0.050),
    "dm_Rc": mc.Normal(1.234, 0.020),
    "rho_a": mc.Rectangular(1.10, 1.30),
    "rho_W": mc.Rectangular(7e3, 9e3),
    "rho_R": mc.Rectangular(7.95e3, 8.05e3),
}


def mass_exact_cdf(y: float) -> float:
    """P(δm <= y): δm + m_nom = M (1 + A C), M ~ N(μ, σ²) independent of A = ρa - 1.2 and
    C = 1/ρW - 1/ρR; the expectation over the three rectangular inputs is done by
    Gauss-Legendre quadrature (a semi-analytic reference, independent of any sampling)."""
    mu, sd = 100_001.234, math.hypot(0.050, 0.020)
    x, w = np.polynomial.legendre.leggauss(40)
    a = 0.1 * x
    rw = 8e3 + 1e3 * x
    rr = 8e3 + 0.05e3 * x
    A, RW, RR = np.meshgrid(a, rw, rr, indexing="ij")
    W = w[:, None, None] * w[None, :, None] * w[None, None, :] / 8
    f = 1 + A * (1 / RW - 1 / RR)
    return float(np.sum(W * special.ndtr((y + 100_000.0 - mu * f) / (sd * f))))


def test_jcgm101_mass_calibration_mcm():
    # exact moments: E[δm] = 1.234 mg; Var = σM² + (μM² + σM²) E[A²] E[C²]
    mu, s2 = 100_001.234, 0.050**2 + 0.020**2
    ea2 = 0.1**2 / 3
    a, b, c, d = 7e3, 9e3, 7.95e3, 8.05e3
    e1w, e2w, e1r, e2r = math.log(b / a) / (b - a), 1 / (a * b), math.log(d / c) / (d - c), 1 / (c * d)
    u_exact = math.sqrt(s2 + (mu**2 + s2) * ea2 * (e2w - 2 * e1w * e1r + e2r))
    assert round(u_exact, 4) == 0.0755  # JCGM 101 Table 9 reports 0.0754 mg from its own 10^6 trials
    q_lo = optimize.brentq(lambda y: mass_exact_cdf(y) - 0.025, 1.0, 1.2, xtol=1e-10)
    q_hi = optimize.brentq(lambda y: mass_exact_cdf(y) - 0.975, 1.3, 1.5, xtol=1e-10)
    r = mc.monte_carlo(mass_model, MASS, trials=10**6, seed=3)
    assert r.y == pytest.approx(1.234, abs=4 * u_exact / 1e3)
    assert r.u == pytest.approx(u_exact, rel=4 / math.sqrt(2e6) * 1.5)
    dens = (mass_exact_cdf(q_lo + 1e-4) - mass_exact_cdf(q_lo - 1e-4)) / 2e-4
    se_q = quantile_se(0.025, 10**6, dens)
    assert r.low == pytest.approx(q_lo, abs=5 * se_q) and r.high == pytest.approx(q_hi, abs=5 * se_q)
    # non-linear model: the GUF interval [1.1285, 1.3395] (first order) is far too short
    assert r.high - r.low > 1.3395 - 1.1285 + 0.05


# ----------------------------------------------------------------------------- JCGM 101 9.4
def comparison_loss(x1, x2):
    """JCGM 101:2008 9.4: δY = -(X1² + X2²) (comparison loss, microwave power meter calibration)."""
    return -(x1**2 + x2**2)


def test_comparison_loss_zero_estimates_exponential_closed_form():
    # x1 = x2 = 0, u = 0.005: X1² + X2² = u² χ²₂ is exponential with mean 2u² = 5e-5, so
    # δy = -5e-5, u = 5e-5, shortest interval [-2u² ln 20, 0], symmetric [-2u² ln 40, -2u² ln(40/39)]
    u = 0.005
    mean = 2 * u * u
    r = mc.monte_carlo(comparison_loss, {"x1": mc.Normal(0, u), "x2": mc.Normal(0, u)}, trials=M, seed=4)
    assert r.y == pytest.approx(-mean, rel=0.01)
    assert r.u == pytest.approx(mean, rel=0.01)
    assert r.shortest_low == pytest.approx(-mean * math.log(20), rel=0.01)
    assert -1e-8 < r.shortest_high <= 0
    assert r.low == pytest.approx(-mean * math.log(40), rel=0.01)
    assert r.high == pytest.approx(-mean * math.log(40 / 39), rel=0.02)
    assert (r.shortest_high - r.shortest_low) < (r.high - r.low)


def test_comparison_loss_noncentral_chi_square():
    # x1 = 0.010, x2 = 0: (X1² + X2²)/u² is non-central χ² with 2 dof and λ = (x1/u)² = 4
    u, x1 = 0.005, 0.010
    r = mc.monte_carlo(comparison_loss, {"x1": mc.Normal(x1, u), "x2": mc.Normal(0, u)}, trials=M, seed=5)
    dist = stats.ncx2(2, (x1 / u) ** 2, scale=u * u)
    assert r.y == pytest.approx(-dist.mean(), rel=0.005)
    assert r.u == pytest.approx(dist.std(), rel=0.01)
    se = quantile_se(0.025, M, dist.pdf(dist.ppf(0.975)))
    assert r.low == pytest.approx(-dist.ppf(0.975), abs=5 * se)
    se = quantile_se(0.025, M, dist.pdf(dist.ppf(0.025)))
    assert r.high == pytest.approx(-dist.ppf(0.025), abs=5 * se)


def test_comparison_loss_correlated_inputs_moments():
    # JCGM 101 9.4 with r(X1, X2) = 0.9: moments of the quadratic form in closed form
    u, x1, rho = 0.005, 0.010, 0.9
    cn = mc.CorrelatedNormal(("x1", "x2"), (x1, 0.0), sds=(u, u), corr=[[1, rho], [rho, 1]])
    r = mc.monte_carlo(comparison_loss, {"pair": cn}, trials=M, seed=6)
    mean = x1**2 + 2 * u * u
    var = 2 * (u**4 + u**4 + 2 * rho**2 * u**4) + 4 * (x1**2 * u**2)
    assert r.y == pytest.approx(-mean, rel=0.005)
    assert r.u == pytest.approx(math.sqrt(var), rel=0.01)


# ----------------------------------------------------------------------------- distributions
@pytest.mark.parametrize(
    "dist",
    [
        mc.Normal(3.0, 0.5),
        mc.Rectangular(-1.0, 3.0),
        mc.Rectangular.centered(2.0, 0.5),
        mc.Triangular(0.0, 6.0),
        mc.Triangular(0.0, 6.0, mode=1.0),
        mc.Trapezoidal(-2.0, 2.0, 0.5),
        mc.StudentT(10.0, 0.2, 7),
        mc.Arcsine(-1.0, 1.0),
    ],
)
def test_distribution_moments(dist):
    x = dist.sample(np.random.default_rng(7), M)
    assert x.mean() == pytest.approx(dist.mean, abs=6 * dist.std / math.sqrt(M))
    assert x.std(ddof=1) == pytest.approx(dist.std, rel=0.01)


def test_distribution_supports_and_shapes():
    rng = np.random.default_rng(8)
    t = mc.Trapezoidal(1.0, 5.0, 0.5).sample(rng, M)
    assert t.min() >= 1.0 and t.max() <= 5.0
    # top of width β(b-a) = 2 centred on 3: flat density there
    hist, _ = np.histogram(t, bins=[2.0, 2.5, 3.0, 3.5, 4.0])
    assert max(hist) / min(hist) < 1.03
    a = mc.Arcsine(0.0, 2.0).sample(rng, M)
    assert np.mean(np.abs(a - 1) > 0.9) == pytest.approx(1 - 2 / math.pi * math.asin(0.9), abs=0.005)
    tri = mc.Triangular(0.0, 6.0, mode=1.0).sample(rng, M)
    assert np.mean(tri < 1.0) == pytest.approx(1 / 6, abs=0.003)


# ----------------------------------------------------------------------------- intervals
@pytest.mark.parametrize("n", [100, 1_001, 19_999, 20_000, 123_457])
def test_coverage_intervals_are_the_jcgm101_order_statistics(n):
    y = np.random.default_rng(n).gamma(2.0, size=n)
    s = np.sort(y)
    p = 0.95
    q = int(p * n + 0.5) if p * n != int(p * n) else int(p * n)
    r = (n - q) // 2 if (n - q) % 2 == 0 else (n - q + 1) // 2
    sym, short = mc.coverage_intervals(y, p)
    assert sym == (s[r - 1], s[r + q - 1])
    widths = s[q:] - s[: n - q]
    j = int(np.argmin(widths))
    assert short == (s[j], s[j + q])


def abc(a, b, c):
    return a * b / c


def test_results_depend_on_seed_not_on_threads():
    f = abc
    inputs = {"a": mc.Normal(10, 0.1), "b": mc.Rectangular(1.95, 2.05), "c": mc.Triangular(3.8, 4.2)}
    r1 = mc.monte_carlo(f, inputs, trials=200_000, seed=11, workers=1)
    r2 = mc.monte_carlo(f, inputs, trials=200_000, seed=11, workers=2)
    assert r1 == r2
    assert mc.monte_carlo(f, inputs, trials=200_000, seed=12) != r1


def test_adaptive_monte_carlo_reaches_the_stated_tolerance():
    # JCGM 101 7.9: additive model with normal inputs; u(y) = 2 -> δ = 0.05 for 2 significant digits
    r = mc.monte_carlo_adaptive(additive, {f"x{i}": mc.Normal(0, 1) for i in range(1, 5)}, ndigits=2, seed=13)
    assert r.tolerance == 0.05 and r.batches >= 2 and r.trials == r.batches * 10_000
    assert (
        abs(r.u - 2) <= r.tolerance and abs(r.high - 3.92) <= r.tolerance and abs(r.low + 3.92) <= r.tolerance
    )
    with pytest.raises(ConvergenceError):
        mc.monte_carlo_adaptive(
            additive, {f"x{i}": mc.Normal(0, 1) for i in range(1, 5)}, ndigits=4, max_trials=30_000
        )


def test_monte_carlo_agrees_with_suncal_within_the_numerical_tolerance():
    suncal = pytest.importorskip("suncal")
    f = abc
    ours = mc.monte_carlo_adaptive(
        f,
        {"a": mc.Normal(10, 0.1), "b": mc.Rectangular(1.95, 2.05), "c": mc.Triangular(3.8, 4.2)},
        ndigits=2,
        seed=14,
    )
    m = suncal.ModelCallable(f)
    m.var("a").measure(10.0).typeb(dist="normal", std=0.1)
    m.var("b").measure(2.0).typeb(dist="uniform", a=0.05)
    m.var("c").measure(4.0).typeb(dist="triangular", a=0.2)
    np.random.seed(14)
    theirs = m.monte_carlo(samples=10**6)
    exp = theirs.expand(conf=0.95)
    delta = ours.tolerance  # u ≈ 0.13 -> δ = 0.005
    assert delta == 0.005
    assert abs(ours.y - float(theirs.expected["abc"])) <= delta
    assert abs(ours.u - float(theirs.uncertainty["abc"])) <= delta
    assert abs(ours.low - float(exp.low)) <= delta and abs(ours.high - float(exp.high)) <= delta


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: mc.Normal(0, -1), "negative_uncertainty"),
        (lambda: mc.Normal(float("nan"), 1), "nan_value"),
        (lambda: mc.Rectangular(2, 1), "empty_interval"),
        (lambda: mc.Trapezoidal(0, 1, 1.5), "bad_beta"),
        (lambda: mc.Triangular(0, 1, mode=2), "bad_mode"),
        (lambda: mc.CorrelatedNormal(("a", "b"), (0, 0), [[1, 2], [2, 1]]), "correlation_not_psd"),
        (lambda: mc.monte_carlo(lambda a: 1 / a, {"a": mc.Constant(0.0)}, trials=10), "model_not_finite"),
        (
            lambda: mc.monte_carlo(lambda a: np.log(a), {"a": mc.Normal(0.1, 1)}, trials=1000, seed=1),
            "model_not_finite",
        ),
        (lambda: mc.monte_carlo(lambda a: a[:5], {"a": mc.Normal(0, 1)}, trials=10), "model_not_vectorised"),
        (lambda: mc.monte_carlo(lambda a: a, {"a": mc.Normal(0, 1)}, trials=1), "bad_trials"),
        (lambda: mc.monte_carlo(lambda a: a, {"a": "big"}, trials=10), "not_a_distribution"),
        (lambda: mc.monte_carlo(lambda a: a, {"b": mc.Normal(0, 1)}, trials=10), "model_call_failed"),
        (lambda: mc.monte_carlo(lambda a: a, {"a": mc.Normal(0, 1)}, p=0), "not_a_probability"),
        (lambda: mc.monte_carlo(lambda a: a, {"a": mc.Normal(0, 1)}, trials=10), "too_few_trials"),
    ],
)
def test_bad_input(call, code):
    with pytest.raises(InvalidInput) as exc:
        call()
    assert exc.value.code == code
