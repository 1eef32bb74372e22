"""GUM law of propagation: JCGM 100/101 worked examples, closed forms and suncal (test-only oracle)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from doluong.metrology.errors import InvalidInput
from doluong.metrology.uncertainty import Input, coverage_factor, gum, welch_satterthwaite

suncal = pytest.importorskip("suncal")  # dev dependency only; doluong never imports it

RTOL = 1e-9


# ----------------------------------------------------------------------------- JCGM 101 9.3 mass
def mass_model(m_Rc, dm_Rc, rho_a, rho_W, rho_R):
    """JCGM 101:2008 9.3: δm = (m_R,c + δm_R,c)[1 + (ρa − ρa0)(1/ρW − 1/ρR)] − m_nom (mg, kg/m³)."""
    return (m_Rc + dm_Rc) * (1 + (rho_a - 1.2) * (1 / rho_W - 1 / rho_R)) - 100_000.0


MASS_INPUTS = [
    Input("m_Rc", 100_000.000, 0.050, unit="mg"),
    Input("dm_Rc", 1.234, 0.020, unit="mg"),
    Input("rho_a", 1.20, 0.10 / math.sqrt(3), unit="kg/m3"),
    Input("rho_W", 8e3, 1e3 / math.sqrt(3), unit="kg/m3"),
    Input("rho_R", 8e3, 0.05e3 / math.sqrt(3), unit="kg/m3"),
]


def test_jcgm101_mass_calibration_guf():
    # JCGM 101:2008 9.3, Table 9 ("GUF"): δm = 1.2340 mg, u = 0.0539 mg, 95 % interval [1.1285, 1.3395] mg.
    # Closed form: at the estimates the buoyancy term has zero sensitivities, so u = sqrt(0.050² + 0.020²).
    r = gum(mass_model, MASS_INPUTS)
    assert round(r.y, 4) == 1.2340
    assert r.u == pytest.approx(math.hypot(0.050, 0.020), rel=1e-12)
    assert round(r.u, 4) == 0.0539
    lo, hi = r.interval
    assert (round(lo, 4), round(hi, 4)) == (1.1285, 1.3395)
    assert r.sensitivities["rho_a"] == 0.0 and r.sensitivities["m_Rc"] == pytest.approx(1.0, rel=1e-15)
    assert r.derivative_method == "complex-step"
    assert sum(row.index for row in r.budget) == pytest.approx(1.0)
    assert "m_Rc" in r.table() and "k = 1.96" in r.table()


# ----------------------------------------------------------------------------- JCGM 100 H.2
# GUM (JCGM 100:2008) H.2, Table H.2: five simultaneous observations of V, I, φ
H2_V = np.array([5.007, 4.994, 5.005, 4.990, 4.999])
H2_I = np.array([19.663, 19.639, 19.640, 19.685, 19.678]) * 1e-3
H2_P = np.array([1.0456, 1.0438, 1.0468, 1.0428, 1.0433])


def h2_inputs():
    return [
        Input("V", H2_V.mean(), H2_V.std(ddof=1) / math.sqrt(5), 4),
        Input("amp", H2_I.mean(), H2_I.std(ddof=1) / math.sqrt(5), 4),
        Input("phi", H2_P.mean(), H2_P.std(ddof=1) / math.sqrt(5), 4),
    ]


def test_gum_h2_correlated_inputs_published_values():
    corr = np.corrcoef([H2_V, H2_I, H2_P])
    assert np.round(corr, 2).tolist() == [[1, -0.36, 0.86], [-0.36, 1, -0.65], [0.86, -0.65, 1]]  # GUM H.2.2
    R = gum(lambda V, amp, phi: V / amp * np.cos(phi), h2_inputs(), correlation=corr)
    X = gum(lambda V, amp, phi: V / amp * np.sin(phi), h2_inputs(), correlation=corr)
    Z = gum(lambda V, amp, phi: V / amp, h2_inputs(), correlation=corr)
    # GUM Table H.3: R = 127.732 Ω, u = 0.071 Ω; X = 219.847 Ω, u = 0.295 Ω; Z = 254.260 Ω, u = 0.236 Ω
    assert (round(R.y, 3), round(R.u, 3)) == (127.732, 0.071)
    assert (round(Z.y, 3), round(Z.u, 3)) == (254.260, 0.236)
    assert round(X.y, 3) == 219.847
    # first-order propagation gives 0.2956 Ω; the table's 0.295 Ω is also what approach 2 of H.2.4
    # (statistics of the five computed X values) gives: 0.29549 Ω
    assert abs(X.u - 0.295) < 0.001
    # correlated inputs: W-S is not defined by the GUM; here it gives ν_eff < 1 and k uses ν = 1 (as suncal)
    assert R.dof < 1 and R.k == pytest.approx(stats.t.ppf(0.975, 1)) and len(R.notes) == 2


# ----------------------------------------------------------------------------- closed forms
def test_additive_model_and_welch_satterthwaite_closed_forms():
    r = gum(lambda x1, x2, x3, x4: x1 + x2 + x3 + x4, {f"x{i}": (0.0, 1.0) for i in range(1, 5)})
    assert r.u == pytest.approx(2.0) and r.k == pytest.approx(1.959963984540054)
    assert (round(r.interval[0], 2), round(r.interval[1], 2)) == (-3.92, 3.92)  # JCGM 101 9.2.2 (GUF)
    # two inputs u = 1 with 5 degrees of freedom: ν_eff = 2² / (1/5 + 1/5) = 10, k = t_0.975(10)
    r = gum(lambda a, b: a + b, {"a": (1.0, 1.0, 5), "b": (2.0, 1.0, 5)})
    assert r.dof == pytest.approx(10.0) and r.k == pytest.approx(stats.t.ppf(0.975, 10))
    assert r.U == pytest.approx(stats.t.ppf(0.975, 10) * math.sqrt(2))
    assert welch_satterthwaite(2.0, [1.0, 1.0, 1.0, 1.0], [math.inf] * 4) == math.inf
    assert coverage_factor(0.95, 7.6) == pytest.approx(stats.t.ppf(0.975, 7.6))
    assert coverage_factor(0.95, 7.6, truncate=True) == pytest.approx(stats.t.ppf(0.975, 7))
    fixed = gum(lambda a, b: a * b, {"a": (2.0, 0.1), "b": (3.0, 0.2)}, k=2)
    assert fixed.k == 2 and fixed.p is None and fixed.U == pytest.approx(2 * math.hypot(3 * 0.1, 2 * 0.2))


def test_non_analytic_model_falls_back_to_finite_differences():
    # |a - b| has no complex extension: the complex step would give 0; the check must catch it
    r = gum(lambda a, b: np.abs(a - b), {"a": (1.0, 0.1), "b": (3.0, 0.2)})
    assert r.derivative_method == "central"
    assert r.sensitivities["a"] == pytest.approx(-1.0, rel=1e-9) and r.u == pytest.approx(
        math.hypot(0.1, 0.2), rel=1e-9
    )
    r = gum(lambda a, b: math.sqrt(a) * b, {"a": (4.0, 0.1), "b": (3.0, 0.2)})  # math.sqrt rejects complex
    assert r.derivative_method == "central"
    assert r.sensitivities["a"] == pytest.approx(3 / 4, rel=1e-9)


# ----------------------------------------------------------------------------- suncal oracle
def _suncal_gum(expr: str, inputs: list[Input], corr: dict[tuple[str, str], float] | None = None):
    m = suncal.Model(expr)
    for it in inputs:
        v = m.var(it.name).measure(it.value)
        kw = {"std": it.u}
        if math.isfinite(it.dof):
            kw["degf"] = it.dof
        v.typeb(dist="normal", **kw)
    for (a, b), r in (corr or {}).items():
        m.variables.correlate(a, b, r)
    g = m.calculate_gum()
    name = g.functionnames[0]
    return g, name


CASES = [
    (
        "f = a*b/c",
        lambda a, b, c: a * b / c,
        [
            Input("a", 10.0, 0.1, 12),
            Input("b", 2.0, 0.05 / math.sqrt(3)),
            Input("c", 4.0, 0.2 / math.sqrt(6), 30),
        ],
        None,
    ),
    (
        "f = (m_Rc + dm_Rc)*(1 + (rho_a - 1.2)*(1/rho_W - 1/rho_R)) - 100000",
        mass_model,
        MASS_INPUTS,
        None,
    ),
    (
        "f = V/amp*cos(phi)",
        lambda V, amp, phi: V / amp * np.cos(phi),
        h2_inputs(),
        {("V", "amp"): -0.36, ("V", "phi"): 0.86, ("amp", "phi"): -0.65},
    ),
    (
        "f = x*exp(-k*t) + log(y)",
        lambda x, k, t, y: x * np.exp(-k * t) + np.log(y),
        [Input("x", 3.0, 0.05, 9), Input("k", 0.2, 0.01, 20), Input("t", 5.0, 0.02), Input("y", 7.0, 0.3, 4)],
        {("x", "k"): 0.4},
    ),
]


@pytest.mark.parametrize(("expr", "model", "inputs", "corr"), CASES)
def test_gum_matches_suncal_to_1e_9(expr, model, inputs, corr):
    g, name = _suncal_gum(expr, inputs, corr)
    r = gum(model, inputs, correlation=corr)
    assert r.y == pytest.approx(float(g.expected[name]), rel=RTOL, abs=1e-12)
    assert r.u == pytest.approx(float(g.uncertainty[name]), rel=RTOL)
    sdof = float(g.degf[name])
    assert (math.isinf(r.dof) and (math.isinf(sdof) or sdof > 1e15)) or r.dof == pytest.approx(sdof, rel=RTOL)
    if math.isfinite(r.dof):
        assert r.k == pytest.approx(float(g.expanded()[name].k), rel=RTOL)
    cx = np.asarray(g.Cx, dtype=float).ravel()  # sensitivity coefficients in suncal's variable order
    names = g.variablenames
    for i, nm in enumerate(names):
        assert r.sensitivities[nm] == pytest.approx(cx[i], rel=RTOL, abs=1e-15)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: Input("a", 1.0, -0.1), "negative_uncertainty"),
        (lambda: Input("a", float("nan"), 0.1), "nan_value"),
        (lambda: Input("a", 1.0, 0.1, 0), "invalid_dof"),
        (lambda: Input("1a", 1.0, 0.1), "bad_name"),
        (
            lambda: gum(
                lambda a, b: a + b, {"a": (1.0, 0.1), "b": (1.0, 0.1)}, correlation={("a", "b"): 1.5}
            ),
            "bad_correlation",
        ),
        (
            lambda: gum(
                lambda a, b: a + b, {"a": (1.0, 0.1), "b": (1.0, 0.1)}, correlation={("a", "c"): 0.5}
            ),
            "unknown_input",
        ),
        (
            lambda: gum(
                lambda a, b, c: a + b + c,
                {"a": (1.0, 0.1), "b": (1.0, 0.1), "c": (1.0, 0.1)},
                correlation={("a", "b"): 0.9, ("a", "c"): 0.9, ("b", "c"): -0.9},
            ),
            "correlation_not_psd",
        ),
        (lambda: gum(lambda a: np.sqrt(a), {"a": (-1.0, 0.1)}), "model_not_finite"),
        (lambda: gum(lambda a: np.array([a, a]), {"a": (1.0, 0.1)}), "model_not_scalar"),
        (lambda: gum(lambda a: a, {}), "no_inputs"),
        (lambda: gum(lambda a: a, {"a": (1.0, 0.1)}, p=1.5), "not_a_probability"),
    ],
)
def test_bad_input(call, code):
    with pytest.raises(InvalidInput) as exc:
        call()
    assert exc.value.code == code
