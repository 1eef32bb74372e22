"""Valid finite input never gives a NaN (property tests, hypothesis).

Each test draws valid inputs over wide finite ranges and checks every number of the result (floats, arrays,
nested dataclasses and tuples) is not NaN. A valid input may still be outside a rule (a test point above Max,
a guard band that leaves no acceptance zone): then the library's own error is allowed, never another exception
and never a NaN. Deterministic and bounded (``derandomize``, a fixed number of examples), no Django.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from doluong.metrology import conformity, intervals, montecarlo, mpe, prepackage, uncertainty, units
from doluong.metrology.errors import MetrologyError

PROPERTY = settings(max_examples=60, deadline=None, derandomize=True)

value = st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False)
positive = st.floats(1e-9, 1e9, allow_nan=False, allow_infinity=False)
small_positive = st.floats(1e-6, 1e3, allow_nan=False, allow_infinity=False)
probability = st.floats(0.001, 0.999)


def numbers_in(result: Any) -> list[float]:
    """Every float (and array element) reachable from ``result``."""
    if isinstance(result, bool) or result is None or isinstance(result, str):
        return []
    if isinstance(result, int | float | np.floating | np.integer):
        return [float(result)]
    if isinstance(result, np.ndarray):
        return [float(v) for v in np.ravel(result)] if result.dtype.kind in "iuf" else []
    if dataclasses.is_dataclass(result):
        return [x for f in dataclasses.fields(result) for x in numbers_in(getattr(result, f.name))]
    if isinstance(result, dict):
        return [x for v in result.values() for x in numbers_in(v)]
    if isinstance(result, list | tuple):
        return [x for v in result for x in numbers_in(v)]
    return []


def assert_no_nan(call) -> Any:
    try:
        result = call()
    except MetrologyError:
        return None  # a valid number the rule does not cover: the library says so
    found = numbers_in(result)
    assert not any(math.isnan(x) for x in found), result
    return result


@PROPERTY
@given(x=value, unit=st.sampled_from(["mg", "g", "kg", "t"]), to=st.sampled_from(["mg", "g", "kg", "t"]))
def test_convert(x, unit, to):
    assert_no_nan(lambda: units.convert(x, unit, to))


@PROPERTY
@given(lo=value, width=positive, u=positive)
def test_tur(lo, width, u):
    assert_no_nan(lambda: conformity.test_uncertainty_ratio(lo, lo + width, u))


@PROPERTY
@given(
    y=value,
    u=st.one_of(st.just(0.0), positive),
    lo=value,
    width=positive,
    prior=st.one_of(st.none(), st.tuples(value, positive)),
    one_sided=st.sampled_from(["no", "lower", "upper"]),
)
def test_probability_of_conformance_and_risk(y, u, lo, width, prior, one_sided):
    hi = lo + width
    if one_sided == "lower":
        lo = -math.inf
    elif one_sided == "upper":
        hi = math.inf
    kw = {} if prior is None else {"prior_mean": prior[0], "prior_sd": prior[1]}
    pc = assert_no_nan(lambda: conformity.probability_of_conformance(y, u, lo, hi, **kw))
    if pc is not None:
        assert 0.0 <= pc <= 1.0
    assert_no_nan(lambda: conformity.specific_risk(y, u, lo, hi, **kw))


@PROPERTY
@given(
    y=value,
    u=small_positive,
    half=small_positive,
    method=st.sampled_from(sorted(conformity.GUARD_BAND_METHODS)),
    tur=st.floats(0.5, 20),
    fraction=st.floats(0, 1),
    itp=st.floats(0.5, 0.999),
    target=st.floats(0.001, 0.2),
)
def test_acceptance_zone_and_decide(y, u, half, method, tur, fraction, itp, target):
    kw = {"tur": tur, "fraction": fraction, "itp": itp, "target": target}
    zone = assert_no_nan(lambda: conformity.acceptance_zone(-half, half, method=method, u=u, **kw))
    decision = assert_no_nan(lambda: conformity.decide(y, -half, half, u, method=method, **kw))
    if zone is not None and decision is not None:
        assert decision.accepted == zone.accepts(y)


@PROPERTY
@given(
    tur=st.lists(st.floats(0.2, 50), min_size=1, max_size=4),
    itp=st.floats(0.3, 0.9999),
    gbf=st.floats(0, 2),
    bias=st.floats(-2, 2),
)
def test_global_risk(tur, itp, gbf, bias):
    risk = assert_no_nan(
        lambda: conformity.global_risk(tur, itp, gbf, process_bias=bias, measurement_bias=bias)
    )
    assert risk is not None
    for v in numbers_in(risk):
        assert 0.0 <= v <= 1.0


@settings(max_examples=20, deadline=None, derandomize=True)
@given(
    tur=st.floats(0.5, 20), itp=st.floats(0.5, 0.999), target=st.floats(0.001, 0.1), conditional=st.booleans()
)
def test_guard_band_factor_for_pfa(tur, itp, target, conditional):
    gbf = assert_no_nan(
        lambda: conformity.guard_band_factor_for_pfa(tur, itp, target, conditional=conditional)
    )
    if gbf is not None:
        assert 0.0 <= gbf <= 1.0


@PROPERTY
@given(p=probability, dof=st.one_of(st.just(math.inf), st.floats(0.5, 1e6)), truncate=st.booleans())
def test_coverage_factor(p, dof, truncate):
    assert_no_nan(lambda: uncertainty.coverage_factor(p, dof, truncate=truncate))


@PROPERTY
@given(
    rows=st.lists(
        st.tuples(st.floats(0, 1e6), st.one_of(st.just(math.inf), st.floats(1, 1e4))), min_size=1, max_size=6
    ),
    uc=st.floats(0, 1e6),
)
def test_welch_satterthwaite(rows, uc):
    contributions, dofs = zip(*rows, strict=True)
    assert_no_nan(lambda: uncertainty.welch_satterthwaite(uc, list(contributions), list(dofs)))


@PROPERTY
@given(
    a=st.tuples(st.floats(-1e3, 1e3), st.floats(0, 10), st.one_of(st.just(math.inf), st.floats(1, 100))),
    b=st.tuples(st.floats(0.1, 1e3), st.floats(0, 10), st.one_of(st.just(math.inf), st.floats(1, 100))),
    r=st.floats(-1, 1),
    k=st.one_of(st.none(), st.floats(1, 3)),
)
def test_gum(a, b, r, k):
    result = assert_no_nan(
        lambda: uncertainty.gum(
            lambda x, y: x * y + np.sin(x) / y, {"x": a, "y": b}, correlation={("x", "y"): r}, k=k
        )
    )
    if result is not None:
        result.table()  # the budget prints for every valid result


@settings(max_examples=15, deadline=None, derandomize=True)
@given(mu=st.floats(-1e3, 1e3), sd=st.floats(0, 10), half=st.floats(0.01, 10), seed=st.integers(0, 2**32))
def test_monte_carlo(mu, sd, half, seed):
    inputs = {
        "a": montecarlo.Normal(mu, sd),
        "b": montecarlo.Rectangular.centered(1.0, half),
        "c": montecarlo.Triangular(-half, half),
        "d": montecarlo.StudentT(0.0, 1.0, 5.0),
    }
    assert_no_nan(
        lambda: montecarlo.monte_carlo(lambda a, b, c, d: a * b + c + d, inputs, trials=2000, seed=seed)
    )


@PROPERTY
@given(y=st.lists(st.floats(-1e9, 1e9), min_size=30, max_size=300), p=st.floats(0.5, 0.95))
def test_coverage_intervals(y, p):
    assert_no_nan(lambda: montecarlo.coverage_intervals(y, p))


@PROPERTY
@given(
    total=st.integers(1, 200),
    share=st.floats(0, 1),
    i0=st.floats(1, 5000),
    target=st.floats(0.01, 0.99),
    confidence=st.floats(0.01, 0.99),
)
def test_a3_interval(total, share, i0, target, confidence):
    g = round(share * total)
    assert_no_nan(lambda: intervals.a3_interval(g, total, i0, target, confidence=confidence))


@settings(max_examples=10, deadline=None, derandomize=True)
@given(
    rates=st.lists(st.floats(0.3, 1.0), min_size=4, max_size=6),
    n=st.integers(5, 40),
    target=st.floats(0.5, 0.95),
)
def test_s2_interval(rates, n, target):
    times = [100.0 * (i + 1) for i in range(len(rates))]
    ok = [round(r * n) for r in rates]
    result = assert_no_nan(
        lambda: intervals.s2_interval(times, ok, [n] * len(rates), target, models=["exponential", "weibull"])
    )
    if result is not None:
        for fit in result.fits:
            assert not np.any(np.isnan(fit.reliability(times)))


@PROPERTY
@given(nominal=st.floats(0.01, 60_000), kind=st.sampled_from(["mass", "volume"]))
def test_tolerable_deficiency(nominal, kind):
    assert_no_nan(lambda: prepackage.tolerable_deficiency(nominal, kind, "g" if kind == "mass" else "mL"))


@PROPERTY
@given(
    nominal=st.floats(5, 10_000),
    lot=st.integers(1, 99),
    spread=st.floats(0, 0.2),
    data=st.data(),
)
def test_inspect_lot(nominal, lot, spread, data):
    actual = data.draw(
        st.lists(st.floats(nominal * (1 - spread), nominal * (1 + spread)), min_size=lot, max_size=lot)
    )
    assert_no_nan(lambda: prepackage.inspect_lot(nominal, "mass", "g", lot, actual))


@PROPERTY
@given(
    cls=st.sampled_from(["I", "II", "III", "IIII"]),
    stage=st.sampled_from(["initial", "in_service"]),
    load=st.floats(0, 30),
    error=st.floats(-1, 1),
)
def test_mpe_evaluate(cls, stage, load, error):
    result = assert_no_nan(
        lambda: mpe.evaluate("nawi", cls, stage, load, load + error, "kg", {"e": 0.01, "Max": 30})
    )
    if result is not None:
        assert result.passed == (abs(result.error) <= result.mpe + 1e-12)
