"""Calibration interval analysis from in/out-of-tolerance history (NCSLI RP-1:2010).

Method A3 — interval test method
--------------------------------
From ``g`` in-tolerance results out of ``n`` calibrations performed at (about) the
current interval ``I0``, with observed reliability ``R0 = g/n`` and target ``Rt``:

* rejection confidence of the current interval (two-sided binomial test of ``Rt``):
  ``Q = 1 − 2 F(g; n, Rt)`` if ``R0 < Rt``; ``Q = 1 − 2 [1 − F(g − 1; n, Rt)]`` if
  ``R0 > Rt``; ``Q = 1 − b(g; n, Rt)`` if ``R0`` is 0 or 1 (``F`` binomial CDF, ``b``
  its mass function);
* candidate interval ``I0 · 10^((R0 − Rt) Q)`` when ``R0 < Rt`` (not below
  ``I0/max_change``) and ``I0 · 10^((R0 − Rt)/(1 − Q))`` when ``R0 > Rt`` (not above
  ``I0 · max_change``);
* the interval is changed only if ``Q`` exceeds the change confidence and the change
  is at least ``min_change``; the result is clamped to ``[min_interval, max_interval]``;
* the reliability range is the two-sided Clopper–Pearson interval for ``R0`` at the
  change confidence.

These reproduce the published worked examples of the 2019 NCSL International
Symposium tutorial on calibration intervals (tested).  For ``Rt < R0 < 1`` the
rejection confidence above is the symmetric counterpart of the ``R0 < Rt`` case;
Sandia suncal 1.7.1 instead computes ``F(g) − 1`` there (always <= 0, so it never
lengthens an interval in that case) — see docs/metrology.md.

Method S2 — binomial method with reliability models
---------------------------------------------------
In-tolerance counts ``g_i`` out of ``n_i`` calibrations, grouped by resubmission time
``t_i``, are fitted by maximum likelihood (RP-1 Appendix D, binomial likelihood D-5)
with each reliability model ``R(t, θ)`` of :data:`RELIABILITY_MODELS`.  For each model
the interval is the time at which ``R(t) = Rt``; the fit is tested with the F
statistic of RP-1 D-19/D-23 (``s_L² / s_E²`` with ``k − m`` and ``n − k`` degrees of
freedom), whose CDF value is the model's rejection confidence.  The suggested interval
is that of the accepted model (F below its 95 % critical value) with the lowest
rejection confidence (fewer parameters break ties).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import special

from . import _checks
from .errors import ConvergenceError, InvalidInput, InvalidType, SampleTooSmall

__all__ = [
    "RELIABILITY_MODELS",
    "A3Result",
    "CalibrationRecord",
    "ReliabilityModel",
    "S2ModelFit",
    "S2Result",
    "a3_from_history",
    "a3_interval",
    "bin_history",
    "s2_interval",
]


# ----------------------------------------------------------------------------- A3
@dataclass(frozen=True)
class A3Result:
    """Outcome of RP-1 Method A3."""

    interval: float
    calculated: float
    changed: bool
    rejection_confidence: float
    observed_reliability: float
    reliability_low: float
    reliability_high: float
    in_tolerance: int
    total: int
    current_interval: float
    target: float
    reason: str


def _count(v: Any, field: str) -> int:
    if isinstance(v, bool | np.bool_) or not isinstance(v, int | np.integer):
        raise InvalidType(
            f"{field} must be an integer count, got {v!r}", code="not_an_integer", field=field, value=v
        )
    if v < 0:
        raise InvalidInput(f"{field} must not be negative", code="negative_value", field=field, value=int(v))
    return int(v)


def _binom_pmf(k: int, n: int, p: float) -> float:
    return math.comb(n, k) * p**k * (1.0 - p) ** (n - k)


def a3_interval(
    in_tolerance: int,
    total: int,
    current_interval: float,
    target: float,
    *,
    max_change: float = 2.0,
    confidence: float = 0.5,
    min_change: float = 5.0,
    min_interval: float = 14.0,
    max_interval: float = 1826.0,
) -> A3Result:
    """NCSLI RP-1 Method A3 (interval test) — see the module docstring.

    Args:
        in_tolerance: number ``g`` of calibrations found in tolerance.
        total: number ``n`` of calibrations performed at about the current interval.
        current_interval: current interval ``I0`` (any time unit; days for the default limits).
        target: reliability target ``Rt`` (end-of-period in-tolerance probability).
        max_change: the interval never changes by more than this factor.
        confidence: interval change confidence (also the confidence of the reliability range).
        min_change: changes smaller than this (in time units) are not made.
        min_interval, max_interval: absolute limits of a recommended interval.
    """
    g = _count(in_tolerance, "in_tolerance")
    n = _count(total, "total")
    if n == 0:
        raise SampleTooSmall(
            "Method A3 needs at least one calibration result",
            code="no_calibrations",
            field="total",
            value=0,
            required=1,
        )
    if g > n:
        raise InvalidInput(
            "in_tolerance cannot exceed total", code="count_exceeds_total", field="in_tolerance", value=g
        )
    i0 = _checks.positive(current_interval, "current_interval")
    rt = _checks.probability(target, "target")
    b = _checks.positive(max_change, "max_change")
    if b < 1:
        raise InvalidInput("max_change must be >= 1", code="bad_max_change", field="max_change", value=b)
    conf = _checks.probability(confidence, "confidence")
    dmin = _checks.nonnegative(min_change, "min_change")
    imin = _checks.positive(min_interval, "min_interval")
    imax = _checks.positive(max_interval, "max_interval")
    if imax < imin:
        raise InvalidInput(
            "max_interval must not be below min_interval", code="bad_limits", field="max_interval", value=imax
        )

    r0 = g / n
    if g == 0 or g == n:
        q = 1.0 - _binom_pmf(g, n, rt)
    elif r0 < rt:
        q = 1.0 - 2.0 * float(special.bdtr(g, n, rt))
    elif r0 > rt:
        q = 1.0 - 2.0 * float(special.bdtrc(g - 1, n, rt))
    else:
        q = 0.0
    if r0 > rt:
        # min(b, 10^e), without computing 10^e when it is above b (it overflows as q approaches 1)
        calc = b if q >= 1.0 or (r0 - rt) / (1.0 - q) >= math.log10(b) else 10.0 ** ((r0 - rt) / (1.0 - q))
    elif r0 < rt:
        calc = max(1.0 / b, 10.0 ** ((r0 - rt) * q))
    else:
        calc = 1.0
    calc *= i0

    # two-sided Clopper-Pearson interval for the reliability at confidence `conf`
    alpha = 1.0 - conf
    lo = 0.0 if g == 0 else float(special.betaincinv(g, n - g + 1, alpha / 2))
    hi = 1.0 if g == n else float(special.betaincinv(g + 1, n - g, 1 - alpha / 2))

    if q > conf and abs(calc - i0) >= dmin:
        new = min(max(calc, imin), imax)
        changed = True
        reason = (
            f"observed reliability {r0:.4f} differs from the target {rt:.4f} with rejection confidence "
            f"{q:.4f} > {conf:.4f}; interval changed from {i0:g} to {new:.6g}"
        )
    else:
        new = i0
        changed = False
        why = (
            f"rejection confidence {q:.4f} <= {conf:.4f}"
            if q <= conf
            else f"change {abs(calc - i0):.3g} < {dmin:g}"
        )
        reason = f"current interval kept ({why})"
    return A3Result(
        interval=new,
        calculated=calc,
        changed=changed,
        rejection_confidence=max(q, 0.0),
        observed_reliability=r0,
        reliability_low=lo,
        reliability_high=hi,
        in_tolerance=g,
        total=n,
        current_interval=i0,
        target=rt,
        reason=reason,
    )


@dataclass(frozen=True)
class CalibrationRecord:
    """One calibration of one item: the period it covers and whether it was found in tolerance."""

    start: date | datetime | float
    end: date | datetime | float
    in_tolerance: bool

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, datetime | date):
                object.__setattr__(self, name, _checks.finite(value, name))
        object.__setattr__(self, "in_tolerance", _checks.flag(self.in_tolerance, "in_tolerance"))
        self.duration()  # the period is checked when the record is made, not when it is first used

    def duration(self) -> float:
        s, e = self.start, self.end
        if isinstance(s, datetime | date) and isinstance(e, datetime | date):
            if isinstance(s, datetime) or isinstance(e, datetime):
                if not (isinstance(s, datetime) and isinstance(e, datetime)):
                    raise InvalidInput(
                        "start and end must both be dates or both datetimes", code="bad_dates", field="start"
                    )
                d = (e - s).total_seconds() / 86400.0
            else:
                d = float((e - s).days)
        elif isinstance(s, datetime | date) or isinstance(e, datetime | date):
            raise InvalidInput("start and end must be of the same kind", code="bad_dates", field="start")
        else:
            d = _checks.finite(e, "end") - _checks.finite(s, "start")
        if d <= 0:
            raise InvalidInput(
                "a calibration period must end after it starts", code="bad_period", field="end", value=d
            )
        return d


def a3_from_history(
    records: Sequence[CalibrationRecord],
    current_interval: float,
    target: float,
    *,
    window: float = 56.0,
    window_fraction: float = 0.5,
    **kwargs: Any,
) -> A3Result:
    """Method A3 on raw records: only periods within ``min(window, window_fraction·I0)`` of
    the current interval count (RP-1 A3 tests the interval actually in use)."""
    i0 = _checks.positive(current_interval, "current_interval")
    tol = min(_checks.positive(window, "window"), _checks.positive(window_fraction, "window_fraction") * i0)
    g = n = 0
    for i, rec in enumerate(_checks.sequence(records, "records")):
        if not isinstance(rec, CalibrationRecord):
            raise InvalidInput(
                f"records[{i}] is not a CalibrationRecord", code="bad_record", field="records", value=i
            )
        if abs(rec.duration() - i0) <= tol:
            n += 1
            g += bool(rec.in_tolerance)
    return a3_interval(g, n, i0, target, **kwargs)


# ----------------------------------------------------------------------------- S2 models
Array = NDArray[np.float64]


@dataclass(frozen=True)
class ReliabilityModel:
    """A reliability model ``R(t, θ)`` of RP-1 Appendix D, with a start-value generator."""

    name: str
    n_params: int
    function: Callable[..., Any]
    guesses: Callable[[Array, Array], list[tuple[float, ...]]]
    bounds: tuple[tuple[float, float], ...]


def _clip_r(r: Array) -> Array:
    return np.clip(r, 1e-6, 1 - 1e-6)


def _lin_rate(t: Array, r: Array) -> float:
    """Least-squares slope through the origin of -ln R against t (a failure-rate guess)."""
    y = -np.log(_clip_r(r))
    return max(float(np.dot(t, y) / np.dot(t, t)), 1e-9)


def _g_exp(t: Array, r: Array) -> list[tuple[float, ...]]:
    lam = _lin_rate(t, r)
    return [(lam,), (lam / 3,), (lam * 3,)]


def _g_weibull(t: Array, r: Array) -> list[tuple[float, ...]]:
    lam = _lin_rate(t, r)
    return [(lam, 1.0), (lam, 0.5), (lam, 2.0), (lam / 2, 1.5)]


def _g_mixed(t: Array, r: Array) -> list[tuple[float, ...]]:
    lam = _lin_rate(t, r)
    return [(lam / 0.5, 0.5), (lam, 1.0), (lam * 10, 0.1)]


def _g_walk(t: Array, r: Array) -> list[tuple[float, ...]]:
    z = special.ndtri((_clip_r(r) + 1) / 2) ** -2.0
    slope, icpt = np.polyfit(t, z, 1) if t.size > 1 else (z[0] / t[0], 0.0)
    return [(max(icpt, 1e-3), max(slope, 1e-6)), (0.1, max(float(z.mean() / t.mean()), 1e-6))]


def _g_rwalk(t: Array, r: Array) -> list[tuple[float, ...]]:
    z = special.ndtri((_clip_r(r) + 1) / 2) ** -2.0
    return [
        (0.1, max(float(z[-1]), 0.1), 1.0 / float(t.mean())),
        (0.01, max(float(z.max()), 0.1), 0.3 / float(t.mean())),
    ]


def _g_gamma(t: Array, r: Array) -> list[tuple[float, ...]]:
    lam = _lin_rate(t, r)
    return [(lam,), (lam * 3,), (lam * 10,)]


def _g_mortality(t: Array, r: Array) -> list[tuple[float, ...]]:
    lam = _lin_rate(t, r)
    return [(lam, lam / float(t.mean())), (lam / 2, 1e-9), (1e-9, lam / float(t.mean()))]


def _g_warranty(t: Array, r: Array) -> list[tuple[float, ...]]:
    tm = float(t.mean())
    return [(4.0 / tm, tm), (1.0 / tm, tm), (10.0 / tm, 2 * tm)]


def _g_drift(t: Array, r: Array) -> list[tuple[float, ...]]:
    tm = float(t.mean())
    return [(2.0, 2.0, 2.0 / tm), (3.0, 3.0, 1.0 / tm)]


def _g_lognorm(t: Array, r: Array) -> list[tuple[float, ...]]:
    tm = float(t.mean())
    return [(1.0 / tm, 1.0), (1.0 / tm, 0.5), (0.5 / tm, 2.0)]


def _r_exp(t: Any, a: float) -> Any:
    return np.exp(-a * t)


def _r_weibull(t: Any, a: float, b: float) -> Any:
    return np.exp(-((a * t) ** b))


def _r_mixed(t: Any, a: float, b: float) -> Any:
    return (1 + a * t) ** (-b)


def _r_walk(t: Any, a: float, b: float) -> Any:
    return 2 * special.ndtr(1 / np.sqrt(a + b * t)) - 1


def _r_rwalk(t: Any, a: float, b: float, c: float) -> Any:
    return 2 * special.ndtr(1 / np.sqrt(a + b * (1 - np.exp(-c * t)))) - 1


def _r_gamma(t: Any, a: float) -> Any:
    x = a * t
    return np.exp(-x) * (1 + x + x**2 / 2 + x**3 / 6)


def _r_mortality(t: Any, a: float, b: float) -> Any:
    return np.exp(-(a * t + b * t**2))


def _r_warranty(t: Any, a: float, b: float) -> Any:
    return special.expit(-a * (t - b))


def _r_drift(t: Any, a: float, b: float, c: float) -> Any:
    return special.ndtr(a + c * t) + special.ndtr(b - c * t) - 1


def _r_lognorm(t: Any, a: float, b: float) -> Any:
    with np.errstate(divide="ignore"):
        return 1 - special.ndtr(np.log(a * t) / b)


_INF = 1e12
RELIABILITY_MODELS: dict[str, ReliabilityModel] = {
    m.name: m
    for m in (
        ReliabilityModel("exponential", 1, _r_exp, _g_exp, ((1e-12, _INF),)),
        ReliabilityModel("weibull", 2, _r_weibull, _g_weibull, ((1e-12, _INF), (1e-3, 100.0))),
        ReliabilityModel("mixed_exponential", 2, _r_mixed, _g_mixed, ((1e-12, _INF), (1e-6, _INF))),
        ReliabilityModel("random_walk", 2, _r_walk, _g_walk, ((0.0, _INF), (1e-12, _INF))),
        ReliabilityModel(
            "restricted_random_walk", 3, _r_rwalk, _g_rwalk, ((0.0, _INF), (1e-12, _INF), (1e-12, _INF))
        ),
        ReliabilityModel("modified_gamma", 1, _r_gamma, _g_gamma, ((1e-12, _INF),)),
        ReliabilityModel("mortality_drift", 2, _r_mortality, _g_mortality, ((0.0, _INF), (0.0, _INF))),
        ReliabilityModel("warranty", 2, _r_warranty, _g_warranty, ((1e-12, _INF), (0.0, _INF))),
        ReliabilityModel("drift", 3, _r_drift, _g_drift, ((0.0, 50.0), (0.0, 50.0), (1e-12, _INF))),
        ReliabilityModel("lognormal", 2, _r_lognorm, _g_lognorm, ((1e-12, _INF), (1e-3, 100.0))),
    )
}


@dataclass(frozen=True)
class S2ModelFit:
    """Fit of one reliability model (RP-1 Appendix D)."""

    model: str
    theta: tuple[float, ...]
    log_likelihood: float
    interval: float | None
    F: float
    F_critical: float
    rejection_confidence: float
    accepted: bool

    def reliability(self, t: Any) -> Any:
        times = _checks.real_array(t, "t")
        if np.any(times < 0):
            raise InvalidInput("times must not be negative", code="negative_value", field="t")
        with np.errstate(all="ignore"):
            return RELIABILITY_MODELS[self.model].function(times, *self.theta)


@dataclass(frozen=True)
class S2Result:
    """RP-1 Method S2 result: every model fit and the suggested interval."""

    target: float
    interval: float | None
    best: str | None
    fits: tuple[S2ModelFit, ...]
    times: tuple[float, ...]
    in_tolerance: tuple[int, ...]
    totals: tuple[int, ...]

    def fit(self, name: str) -> S2ModelFit:
        _checks.text(name, "name")
        for f in self.fits:
            if f.model == name:
                return f
        raise InvalidInput(f"no fit for model {name!r}", code="unknown_model", field="name", value=name)


def _neg_loglik(theta: Sequence[float], fn: Callable[..., Any], t: Array, g: Array, n: Array) -> float:
    with np.errstate(all="ignore"):
        r = np.asarray(fn(t, *theta), dtype=float)
    if not np.all(np.isfinite(r)):
        return 1e300
    r = np.clip(r, 1e-300, 1 - 1e-16)
    ll = g * np.log(r) + (n - g) * np.log1p(-r)
    return -float(ll.sum())


def _fit(model: ReliabilityModel, t: Array, g: Array, n: Array) -> tuple[tuple[float, ...], float]:
    """Maximum-likelihood fit: L-BFGS-B from every start value (log scale for parameters
    with a positive lower bound), then a bounded Nelder-Mead polish of the best one."""
    logp = [lo > 0 for lo, _ in model.bounds]
    zb = [
        (math.log(lo), math.log(hi)) if lp else (lo, hi)
        for lp, (lo, hi) in zip(logp, model.bounds, strict=True)
    ]

    def to_theta(z: Array) -> list[float]:
        return [float(np.exp(v)) if lp else float(v) for v, lp in zip(z, logp, strict=True)]

    def obj(z: Array) -> float:
        return _neg_loglik(to_theta(z), model.function, t, g, n)

    from scipy.optimize import minimize  # imported on use: scipy.optimize is slow to import

    best: tuple[float, Array] | None = None
    r = g / n
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for guess in model.guesses(t, r):
            z0 = np.array(
                [
                    min(max(math.log(max(v, 1e-300)) if lp else v, lo), hi)
                    for v, lp, (lo, hi) in zip(guess, logp, zb, strict=True)
                ]
            )
            res = minimize(obj, z0, method="L-BFGS-B", bounds=zb, options={"maxiter": 2000})
            if np.isfinite(res.fun) and res.fun < 1e299 and (best is None or res.fun < best[0]):
                best = (float(res.fun), res.x)
        if best is not None:
            res = minimize(
                obj,
                best[1],
                method="Nelder-Mead",
                bounds=zb,
                options={"xatol": 1e-10, "fatol": 1e-12, "maxfev": 4000},
            )
            if res.fun <= best[0]:
                best = (float(res.fun), res.x)
    if best is None:
        raise ConvergenceError(
            f"the {model.name} model could not be fitted", code="fit_failed", field="model", value=model.name
        )
    return tuple(to_theta(best[1])), -best[0]


def _crossing(fn: Callable[..., Any], theta: Sequence[float], target: float, tmax: float) -> float | None:
    """Smallest t > 0 with R(t) = target (R decreasing from near 1), or None."""

    def h(x: float) -> float:
        with np.errstate(all="ignore"):
            return float(fn(np.float64(x), *theta)) - target

    grid = np.concatenate([np.geomspace(tmax * 1e-6, tmax, 400), np.geomspace(tmax, tmax * 100, 200)[1:]])
    prev_x, prev_v = None, None
    for x in grid:
        v = h(float(x))
        if not math.isfinite(v):
            continue
        if prev_v is not None and prev_v >= 0 > v:
            assert prev_x is not None
            from scipy.optimize import brentq

            return float(brentq(h, prev_x, float(x), xtol=1e-10, rtol=1e-14))
        if prev_v is None and v < 0:
            return None  # already below target at the start
        prev_x, prev_v = float(x), v
    return None


def s2_interval(
    times: Sequence[float],
    in_tolerance: Sequence[int],
    totals: Sequence[int],
    target: float,
    *,
    models: Sequence[str] | None = None,
    significance: float = 0.05,
) -> S2Result:
    """NCSLI RP-1 Method S2 on grouped data (see the module docstring).

    Args:
        times: resubmission time of each group (e.g. the right edge of a time bin).
        in_tolerance: number of in-tolerance results ``g_i`` in each group.
        totals: number of calibrations ``n_i`` in each group.
        target: reliability target ``Rt``.
        models: names from :data:`RELIABILITY_MODELS` (default: all).
        significance: level of the F test (0.05: accept if F < F_0.95).
    """
    t = _checks.finite_array(times, "times", min_size=2)
    if np.any(t <= 0):
        raise InvalidInput("resubmission times must be positive", code="not_positive", field="times")
    _checks.same_length(
        times=t,
        in_tolerance=_checks.sequence(in_tolerance, "in_tolerance"),
        totals=_checks.sequence(totals, "totals"),
    )
    if models is not None:
        _checks.sequence(models, "models")
    g = np.array([_count(v, f"in_tolerance[{i}]") for i, v in enumerate(in_tolerance)], dtype=float)
    n = np.array([_count(v, f"totals[{i}]") for i, v in enumerate(totals)], dtype=float)
    if np.any(n == 0):
        raise InvalidInput("every group needs at least one calibration", code="empty_group", field="totals")
    if np.any(g > n):
        raise InvalidInput(
            "in_tolerance cannot exceed totals", code="count_exceeds_total", field="in_tolerance"
        )
    rt = _checks.probability(target, "target")
    alpha = _checks.probability(significance, "significance")
    names = list(RELIABILITY_MODELS) if models is None else list(models)
    for nm in names:
        _checks.choice(nm, "models", RELIABILITY_MODELS)
    order = np.argsort(t)
    t, g, n = t[order], g[order], n[order]
    k = t.size
    ntot = float(n.sum())
    r = g / n
    se2 = float(np.sum(n * r * (1 - r)) / (ntot - k)) if ntot > k else 0.0
    fits: list[S2ModelFit] = []
    for nm in names:
        model = RELIABILITY_MODELS[nm]
        m = model.n_params
        if k <= m:
            continue  # the lack-of-fit test needs more groups than parameters
        theta, ll = _fit(model, t, g, n)
        interval = _crossing(model.function, theta, rt, float(t.max()))
        with np.errstate(all="ignore"):
            pred = np.asarray(model.function(t, *theta), dtype=float)
        sl2 = float(np.sum(n * (r - pred) ** 2) / (k - m))
        dfn, dfd = k - m, ntot - k
        if dfd <= 0:
            continue
        fcrit = float(special.fdtri(dfn, dfd, 1 - alpha))
        if se2 > 0:
            F = sl2 / se2
            C = float(special.fdtr(dfn, dfd, F))
        else:
            F = math.inf if sl2 > 0 else 0.0
            C = 1.0 if sl2 > 0 else 0.0
        fits.append(
            S2ModelFit(
                model=nm,
                theta=theta,
                log_likelihood=ll,
                interval=interval,
                F=F,
                F_critical=fcrit,
                rejection_confidence=C,
                accepted=bool(F < fcrit),
            )
        )
    if not fits:
        raise SampleTooSmall(
            "Method S2 needs more time groups than model parameters",
            code="too_few_groups",
            field="times",
            value=k,
        )
    cands = [f for f in fits if f.accepted and f.interval is not None]
    best = (
        min(cands, key=lambda f: (f.rejection_confidence, RELIABILITY_MODELS[f.model].n_params))
        if cands
        else None
    )
    return S2Result(
        target=rt,
        interval=None if best is None else best.interval,
        best=None if best is None else best.model,
        fits=tuple(fits),
        times=tuple(float(v) for v in t),
        in_tolerance=tuple(int(v) for v in g),
        totals=tuple(int(v) for v in n),
    )


def bin_history(
    durations: Sequence[float], in_tolerance: Sequence[bool], edges: Sequence[float]
) -> tuple[list[float], list[int], list[int]]:
    """Group raw results into time bins ``(edges[j], edges[j+1]]`` for :func:`s2_interval`;
    returns (right edges of non-empty bins, in-tolerance counts, totals)."""
    d = _checks.finite_array(durations, "durations")
    _checks.same_length(durations=d, in_tolerance=_checks.sequence(in_tolerance, "in_tolerance"))
    e = _checks.finite_array(edges, "edges", min_size=2)
    if np.any(np.diff(e) <= 0):
        raise InvalidInput("bin edges must increase", code="bad_edges", field="edges")
    ok = np.array([_checks.flag(v, f"in_tolerance[{i}]") for i, v in enumerate(in_tolerance)], dtype=bool)
    times, gs, ns = [], [], []
    for lo, hi in zip(e[:-1], e[1:], strict=True):
        sel = (d > lo) & (d <= hi)
        if sel.any():
            times.append(float(hi))
            gs.append(int(ok[sel].sum()))
            ns.append(int(sel.sum()))
    return times, gs, ns
