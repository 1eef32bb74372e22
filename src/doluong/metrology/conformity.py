"""Conformity decisions and false-accept / false-reject risk for normal distributions.

References
----------
* ILAC-G8:09/2019 *Guidelines on decision rules and statements of conformity*,
  4.2.1 (binary statement, simple acceptance, w = 0), 4.2.2 (binary statement with
  guard band w), 4.2.3 (non-binary statement: pass / conditional pass / conditional
  fail / fail).
* JCGM 106:2012 *The role of measurement uncertainty in conformity assessment*:
  conformance probability of a single result (clause 7), acceptance intervals and
  guard bands (clause 8), specific and global consumer's / producer's risk (clause 9).
  ISO 14253-1:2017 states the same guarded-acceptance idea for GPS tolerances.

Conventions (stated once, used everywhere)
-----------------------------------------
* Tolerance interval ``[lower, upper]`` (either side may be infinite); half-width
  ``T = (upper - lower)/2``.
* ``u`` is the *standard* uncertainty of the measurement; the expanded uncertainty is
  ``U = k u`` with ``k = 2`` unless stated.
* **TUR** (test uncertainty ratio) ``= (upper - lower) / (2 U) = T / U = T / (2u)``,
  i.e. the ANSI/NCSL Z540.3 convention with the 95 % expanded uncertainty taken as
  ``2u``.  It equals the *measurement capability index* ``Cm = (upper-lower)/(4u)``
  of JCGM 106:2012.  The same convention is used by Sandia's suncal.
* A guard band ``w >= 0`` moves the acceptance limits inside the tolerance:
  ``A_L = lower + w``, ``A_U = upper - w``.  The guard-band factor is
  ``gbf = (A_U - A_L)/(upper - lower) = 1 - w/T``.  Every method here returns
  ``w >= 0`` (clamped), so guarded acceptance never accepts a result that simple
  acceptance rejects.
* Global risk assumes a normal process distribution of the true values
  ``N(mu_p, sigma_p²)`` and a normal measurement error ``N(bias, u²)``; with a
  centred process and tolerance ``±1`` the *in-tolerance probability* (ITP, a priori
  reliability) fixes ``sigma_p = 1 / Φ⁻¹((1 + ITP)/2)``.
* PFA = P(true value out of tolerance and result accepted) (unconditional consumer's
  risk); PFR = P(in tolerance and rejected) (producer's risk); CPFA = PFA / P(accepted)
  (conditional PFA, the Z540.3 "2 % rule" quantity).  They are computed in closed form
  with the bivariate normal CDF (Owen's T function), fully vectorised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from . import _checks
from .errors import InvalidInput

__all__ = [
    "GUARD_BAND_METHODS",
    "AcceptanceZone",
    "Decision",
    "GlobalRisk",
    "acceptance_zone",
    "decide",
    "global_risk",
    "global_risk_normal",
    "guard_band_factor_for_pfa",
    "probability_of_conformance",
    "sigma_process_from_itp",
    "specific_risk",
    "test_uncertainty_ratio",
]

GUARD_BAND_METHODS: dict[str, str] = {
    "simple": "ILAC-G8:09/2019 4.2.1 simple acceptance, w = 0 (JCGM 106:2012 clause 8)",
    "u95": "ILAC-G8:09/2019 4.2.2 guard band w = U = k·u (k = 2 by default; JCGM 106:2012 clause 8, guarded acceptance)",
    "rss": "root-sum-square guard band: A = sqrt(T² − U²), i.e. w = T − sqrt(T² − U²)",
    "sqrt_tur": "A = T·sqrt(1 − 1/TUR²) with the TUR supplied by the caller (equals 'rss' when TUR = T/U)",
    "fixed_fraction": "w = f·T for a fixed fraction f of the tolerance half-width",
    "target_pfa": "w chosen so that the global PFA equals a target for the given ITP (JCGM 106:2012 clause 9; Z540.3 2 % rule)",
    "target_specific": "w = u·Φ⁻¹(1 − r): a result on the acceptance limit has specific false-accept risk r (JCGM 106:2012 clauses 7-8)",
    "dobbert": "managed guard band (Dobbert 2008, 'method 6'): gbf = 1 − (1.04 − exp(0.38 ln TUR − 0.54))/TUR",
}


# ----------------------------------------------------------------------------- basics
def test_uncertainty_ratio(lower: float, upper: float, u: float) -> float:
    """TUR = (upper − lower) / (4u) (= T/U with U = 2u; JCGM 106 Cm). Needs finite limits."""
    lo = _checks.finite(lower, "lower")
    hi = _checks.finite(upper, "upper")
    if hi <= lo:
        raise InvalidInput(
            "upper tolerance limit must exceed the lower one", code="empty_tolerance", field="upper", value=hi
        )
    uu = _checks.uncertainty(u, "u")
    if uu == 0:
        raise InvalidInput(
            "TUR is undefined for a zero uncertainty", code="zero_uncertainty", field="u", value=uu
        )
    return (hi - lo) / (4.0 * uu)


def sigma_process_from_itp(itp: ArrayLike) -> NDArray[np.float64] | float:
    """Process standard deviation, in units of the tolerance half-width, of a centred
    normal process whose in-tolerance probability is ``itp``: ``1/Φ⁻¹((1+itp)/2)``."""
    p = _prob_array(itp, "itp")
    out = 1.0 / special.ndtri((1.0 + p) / 2.0)
    return float(out) if np.ndim(out) == 0 else out


def _prob_array(x: ArrayLike, field: str) -> NDArray[np.float64]:
    a = _checks.real_array(x, field)
    if np.any((a <= 0) | (a >= 1)):
        raise InvalidInput(
            f"{field} must lie strictly between 0 and 1", code="not_a_probability", field=field
        )
    return a


def _pos_array(x: ArrayLike, field: str) -> NDArray[np.float64]:
    a = _checks.real_array(x, field)
    if np.any(a <= 0):
        raise InvalidInput(f"{field} must be finite and positive", code="not_positive", field=field)
    return a


# ----------------------------------------------------------------------------- specific risk
def probability_of_conformance(
    measured: float,
    u: float,
    lower: float,
    upper: float,
    *,
    prior_mean: float | None = None,
    prior_sd: float | None = None,
) -> float:
    """Probability that the true value lies in ``[lower, upper]`` given one result.

    Without a prior the PDF of the measurand is ``N(measured, u²)`` (JCGM 106:2012,
    7.2–7.3).  With a normal prior ``N(prior_mean, prior_sd²)`` for the process, the
    posterior ``N(m, s²)`` with ``m = (prior_sd² measured + u² prior_mean)/(prior_sd² + u²)``
    and ``s = prior_sd·u/sqrt(prior_sd² + u²)`` is used (JCGM 106:2012, clause 7 and
    annex on prior information).
    """
    y = _checks.finite(measured, "measured")
    uu = _checks.uncertainty(u, "u")
    lo = _checks.number_or_inf(lower, "lower")
    hi = _checks.number_or_inf(upper, "upper")
    if hi <= lo:
        raise InvalidInput(
            "upper tolerance limit must exceed the lower one", code="empty_tolerance", field="upper", value=hi
        )
    if (prior_mean is None) != (prior_sd is None):
        raise InvalidInput(
            "give both prior_mean and prior_sd, or neither", code="incomplete_prior", field="prior_sd"
        )
    m, s = y, uu
    if prior_mean is not None:
        pm = _checks.finite(prior_mean, "prior_mean")
        ps = _checks.positive(prior_sd, "prior_sd")
        if uu == 0:
            m, s = y, 0.0
        else:
            m = (ps * ps * y + uu * uu * pm) / (ps * ps + uu * uu)
            s = ps * uu / math.sqrt(ps * ps + uu * uu)
    if s == 0:
        return 1.0 if lo <= m <= hi else 0.0
    # P(lo < X < hi) = Φ((hi-m)/s) - Φ((lo-m)/s), computed on the tail that keeps precision
    return float(special.ndtr((hi - m) / s) - special.ndtr((lo - m) / s))


def specific_risk(measured: float, u: float, lower: float, upper: float, **prior: Any) -> float:
    """Specific consumer's risk of accepting this item: ``1 − probability_of_conformance``."""
    return float(1.0 - probability_of_conformance(measured, u, lower, upper, **prior))


# ----------------------------------------------------------------------------- guard bands
@dataclass(frozen=True)
class AcceptanceZone:
    """Acceptance limits derived from a tolerance and a guard-band method."""

    lower_tolerance: float
    upper_tolerance: float
    lower: float
    upper: float
    guard_band: float
    method: str
    basis: str

    @property
    def empty(self) -> bool:
        """True when no result can be accepted (e.g. TUR <= 1 with the 'rss' method)."""
        return not self.lower <= self.upper

    @property
    def guard_band_factor(self) -> float | None:
        """(A_U − A_L)/(upper − lower); ``None`` for a one-sided tolerance."""
        if math.isinf(self.lower_tolerance) or math.isinf(self.upper_tolerance):
            return None
        return max(0.0, (self.upper - self.lower) / (self.upper_tolerance - self.lower_tolerance))

    def accepts(self, measured: float) -> bool:
        y = _checks.finite(measured, "measured")
        return (not self.empty) and self.lower <= y <= self.upper


def _dobbert_gbf(tur: float) -> float:
    m = 1.04 - math.exp(0.38 * math.log(tur) - 0.54)
    return 1.0 - m / tur


def acceptance_zone(
    lower: float,
    upper: float,
    *,
    method: str = "simple",
    u: float | None = None,
    k: float = 2.0,
    tur: float | None = None,
    fraction: float | None = None,
    itp: float | None = None,
    target: float | None = None,
) -> AcceptanceZone:
    """Acceptance limits for the tolerance ``[lower, upper]`` (see :data:`GUARD_BAND_METHODS`).

    Args:
        method: one of :data:`GUARD_BAND_METHODS`.
        u: standard uncertainty of the measurement (needed by u95, rss,
            target_specific, and to derive TUR for target_pfa / dobbert / sqrt_tur when
            ``tur`` is not given).
        k: coverage factor of the expanded uncertainty ``U = k u`` (methods u95, rss).
        tur: test uncertainty ratio, overriding the one derived from ``u``.
        fraction: guard band as a fraction of the half-width T (fixed_fraction).
        itp: in-tolerance probability of the process (target_pfa).
        target: target global PFA (target_pfa) or specific risk (target_specific).

    The guard band is clamped to ``0 <= w``; if it exceeds ``T`` the zone is empty
    and every result is rejected (``AcceptanceZone.empty``).
    """
    _checks.choice(method, "method", GUARD_BAND_METHODS)
    # every number given is checked, also those the method does not use (a NaN is never silently ignored)
    if tur is not None:
        _checks.positive(tur, "tur")
    if fraction is not None:
        _checks.finite(fraction, "fraction")
    if itp is not None:
        _checks.probability(itp, "itp")
    if target is not None:
        _checks.probability(target, "target")
    lo = _checks.number_or_inf(lower, "lower")
    hi = _checks.number_or_inf(upper, "upper")
    if hi <= lo:
        raise InvalidInput(
            "upper tolerance limit must exceed the lower one", code="empty_tolerance", field="upper", value=hi
        )
    two_sided = math.isfinite(lo) and math.isfinite(hi)
    half = (hi - lo) / 2.0 if two_sided else math.inf
    kk = _checks.positive(k, "k")
    uu = None if u is None else _checks.uncertainty(u, "u")

    def need_u() -> float:
        if uu is None:
            raise InvalidInput(
                f"method {method!r} needs the standard uncertainty u", code="missing_uncertainty", field="u"
            )
        return uu

    def need_tur() -> float:
        if tur is not None:
            t = _checks.positive(tur, "tur")
            return t
        if not two_sided:
            raise InvalidInput(
                f"method {method!r} needs a two-sided tolerance or an explicit TUR",
                code="missing_tur",
                field="tur",
            )
        uv = need_u()
        if uv == 0:
            return math.inf
        return half / (2.0 * uv)

    w: float
    if method == "simple":
        w = 0.0
    elif method == "u95":
        w = kk * need_u()
    elif method == "rss":
        U = kk * need_u()
        if not two_sided:
            w = U
        else:
            w = half - math.sqrt(half * half - U * U) if U < half else math.inf
    elif method == "sqrt_tur":
        t = need_tur()
        if not two_sided:
            raise InvalidInput(
                "method 'sqrt_tur' needs a two-sided tolerance", code="one_sided_tolerance", field="lower"
            )
        w = half * (1.0 - math.sqrt(1.0 - 1.0 / (t * t))) if t > 1 else math.inf
    elif method == "fixed_fraction":
        if fraction is None:
            raise InvalidInput(
                "method 'fixed_fraction' needs fraction", code="missing_fraction", field="fraction"
            )
        f = _checks.finite(fraction, "fraction")
        if not 0 <= f <= 1:
            raise InvalidInput("fraction must lie in [0, 1]", code="bad_fraction", field="fraction", value=f)
        if not two_sided:
            raise InvalidInput(
                "method 'fixed_fraction' needs a two-sided tolerance",
                code="one_sided_tolerance",
                field="lower",
            )
        w = f * half
    elif method == "target_specific":
        if target is None:
            raise InvalidInput(
                "method 'target_specific' needs target (specific risk)", code="missing_target", field="target"
            )
        r = _checks.probability(target, "target")
        w = need_u() * float(special.ndtri(1.0 - r))
    elif method == "dobbert":
        if not two_sided:
            raise InvalidInput(
                "method 'dobbert' needs a two-sided tolerance", code="one_sided_tolerance", field="lower"
            )
        t = need_tur()
        w = 0.0 if math.isinf(t) else half * (1.0 - _dobbert_gbf(t))
    else:  # target_pfa
        if itp is None or target is None:
            raise InvalidInput(
                "method 'target_pfa' needs itp and target", code="missing_target", field="target"
            )
        if not two_sided:
            raise InvalidInput(
                "method 'target_pfa' needs a two-sided tolerance", code="one_sided_tolerance", field="lower"
            )
        t = need_tur()
        gbf = 1.0 if math.isinf(t) else guard_band_factor_for_pfa(t, itp, target)
        w = half * (1.0 - gbf)
    w = max(0.0, w)
    if two_sided and w >= half:
        # acceptance zone empty (strictly: a single point when w == T; treated as empty)
        return AcceptanceZone(lo, hi, lo + half, lo + half - 1.0, w, method, GUARD_BAND_METHODS[method])
    return AcceptanceZone(lo, hi, lo + w, hi - w, w, method, GUARD_BAND_METHODS[method])


@dataclass(frozen=True)
class Decision:
    """A conformity decision on one measured value.

    ``accepted`` is the binary statement of the chosen rule (ILAC-G8 4.2.1 / 4.2.2);
    ``statement`` is the non-binary one of ILAC-G8 4.2.3 with the same guard band
    (``pass``, ``conditional_pass``, ``conditional_fail``, ``fail``; with w = 0 only
    ``pass``/``fail`` occur).  ``probability_of_conformance`` is JCGM 106 clause 7.
    """

    measured: float
    u: float
    lower_tolerance: float
    upper_tolerance: float
    acceptance: AcceptanceZone
    accepted: bool
    statement: str
    probability_of_conformance: float
    specific_risk: float
    reason: str

    @property
    def verdict(self) -> str:
        return "accept" if self.accepted else "reject"


def decide(
    measured: float,
    lower: float,
    upper: float,
    u: float,
    *,
    method: str = "simple",
    **kwargs: Any,
) -> Decision:
    """Decide conformity of one result with the tolerance ``[lower, upper]``.

    ``kwargs`` are passed to :func:`acceptance_zone` (k, tur, fraction, itp, target).
    """
    y = _checks.finite(measured, "measured")
    uu = _checks.uncertainty(u, "u")
    zone = acceptance_zone(lower, upper, method=method, u=uu, **kwargs)
    pc = probability_of_conformance(y, uu, zone.lower_tolerance, zone.upper_tolerance)
    accepted = zone.accepts(y)
    w = zone.guard_band
    lo_t, hi_t = zone.lower_tolerance, zone.upper_tolerance
    if lo_t <= y <= hi_t:
        statement = "pass" if accepted else "conditional_pass"
    else:
        statement = "conditional_fail" if (y <= hi_t + w and y >= lo_t - w) and w > 0 else "fail"
    if zone.empty:
        reason = (
            f"no result can be accepted: the guard band ({w:.6g}) leaves no acceptance zone ({zone.method})"
        )
    elif accepted:
        reason = f"{y:.6g} lies in the acceptance zone [{zone.lower:.6g}, {zone.upper:.6g}] ({zone.method})"
    else:
        side = "above" if y > zone.upper else "below"
        limit = zone.upper if y > zone.upper else zone.lower
        reason = f"{y:.6g} is {side} the acceptance limit {limit:.6g} by {abs(y - limit):.6g} ({zone.method})"
    return Decision(
        measured=y,
        u=uu,
        lower_tolerance=lo_t,
        upper_tolerance=hi_t,
        acceptance=zone,
        accepted=accepted,
        statement=statement,
        probability_of_conformance=pc,
        specific_risk=1.0 - pc,
        reason=reason,
    )


# ----------------------------------------------------------------------------- global risk
def _bvn_cdf(
    h: NDArray[np.float64], k: NDArray[np.float64], rho: NDArray[np.float64], s: NDArray[np.float64]
) -> NDArray[np.float64]:
    """P(X <= h, Y <= k) for a standard bivariate normal with correlation rho, s = sqrt(1-rho²) > 0.

    Owen (1956): Φ₂(h,k;ρ) = ½Φ(h) + ½Φ(k) − T(h, a_h) − T(k, a_k) − β with
    a_h = (k − ρh)/(h s), a_k = (h − ρk)/(k s), β = ½ if hk < 0 or (hk = 0 and h + k < 0).
    For h = 0 the limit Φ₂(0,k;ρ) = ½Φ(k) − T(k, −ρ/s) is used (and symmetrically for k = 0).
    Infinite arguments are handled exactly.
    """
    h, k, rho, s = np.broadcast_arrays(h, k, rho, s)
    out = np.empty(h.shape, dtype=float)
    ninf = np.isneginf(h) | np.isneginf(k)
    out[ninf] = 0.0
    hpinf = np.isposinf(h) & ~ninf
    out[hpinf] = special.ndtr(k[hpinf])
    kpinf = np.isposinf(k) & ~ninf & ~hpinf
    out[kpinf] = special.ndtr(h[kpinf])
    fin = ~(ninf | hpinf | kpinf)
    if not fin.any():
        return out
    hh, kk, rr, ss = h[fin], k[fin], rho[fin], s[fin]
    res = np.empty(hh.shape)
    h0 = hh == 0
    k0 = kk == 0
    # h == 0 (including h == k == 0)
    m = h0
    res[m] = 0.5 * special.ndtr(kk[m]) - special.owens_t(kk[m], -rr[m] / ss[m])
    m = k0 & ~h0
    res[m] = 0.5 * special.ndtr(hh[m]) - special.owens_t(hh[m], -rr[m] / ss[m])
    m = ~h0 & ~k0
    if m.any():
        a, b, r, q = hh[m], kk[m], rr[m], ss[m]
        ah = (b - r * a) / (a * q)
        ak = (a - r * b) / (b * q)
        beta = np.where(a * b < 0, 0.5, 0.0)
        res[m] = (
            0.5 * (special.ndtr(a) + special.ndtr(b)) - special.owens_t(a, ah) - special.owens_t(b, ak) - beta
        )
    out[fin] = np.clip(res, 0.0, 1.0)
    return out


@dataclass(frozen=True)
class GlobalRisk:
    """Global risks (arrays broadcast from the inputs, or floats for scalar inputs)."""

    pfa: Any
    pfr: Any
    cpfa: Any
    p_accept: Any
    p_in_tolerance: Any


def _scalarize(x: NDArray[np.float64]) -> Any:
    return float(x) if np.ndim(x) == 0 else x


def global_risk_normal(
    lower: ArrayLike,
    upper: ArrayLike,
    accept_lower: ArrayLike,
    accept_upper: ArrayLike,
    process_mean: ArrayLike,
    process_sd: ArrayLike,
    measurement_sd: ArrayLike,
    measurement_bias: ArrayLike = 0.0,
) -> GlobalRisk:
    """Global PFA, PFR and conditional PFA for a normal process and normal measurement
    error (JCGM 106:2012 clause 9), for any tolerance and acceptance limits (arrays broadcast).

    ``lower``/``upper`` and ``accept_lower``/``accept_upper`` may be ±inf for one-sided
    limits.  When nothing can be accepted (``P(accept) = 0``) the conditional PFA is
    reported as 0.
    """
    given = {
        "lower": _checks.real_array(lower, "lower", allow_inf=True),
        "upper": _checks.real_array(upper, "upper", allow_inf=True),
        "accept_lower": _checks.real_array(accept_lower, "accept_lower", allow_inf=True),
        "accept_upper": _checks.real_array(accept_upper, "accept_upper", allow_inf=True),
        "process_mean": _checks.real_array(process_mean, "process_mean"),
        "measurement_bias": _checks.real_array(measurement_bias, "measurement_bias"),
        "process_sd": _pos_array(process_sd, "process_sd"),
        "measurement_sd": _pos_array(measurement_sd, "measurement_sd"),
    }
    _checks.same_shape(**given)  # one error naming the shapes, not a NumPy broadcast error later
    tl, tu, al, au, mu, bias, sp, sm = given.values()
    if np.any(tu <= tl):
        raise InvalidInput(
            "upper tolerance limit must exceed the lower one", code="empty_tolerance", field="upper"
        )
    sy = np.hypot(sp, sm)
    rho = sp / sy
    s = sm / sy
    with np.errstate(invalid="ignore", divide="ignore"):
        t_lo = (tl - mu) / sp
        t_hi = (tu - mu) / sp
        a_lo = (al - mu - bias) / sy
        a_hi = (au - mu - bias) / sy
    empty = au <= al
    a_lo = np.where(empty, 0.0, a_lo)
    a_hi = np.where(empty, 0.0, a_hi)
    p_acc = special.ndtr(a_hi) - special.ndtr(a_lo)
    p_in = special.ndtr(t_hi) - special.ndtr(t_lo)
    both = (
        _bvn_cdf(t_hi, a_hi, rho, s)
        - _bvn_cdf(t_hi, a_lo, rho, s)
        - _bvn_cdf(t_lo, a_hi, rho, s)
        + _bvn_cdf(t_lo, a_lo, rho, s)
    )
    both = np.clip(both, 0.0, np.minimum(p_acc, p_in))
    pfa = np.clip(p_acc - both, 0.0, 1.0)
    pfr = np.clip(p_in - both, 0.0, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cpfa = np.where(p_acc > 0, pfa / np.where(p_acc > 0, p_acc, 1.0), 0.0)
    return GlobalRisk(_scalarize(pfa), _scalarize(pfr), _scalarize(cpfa), _scalarize(p_acc), _scalarize(p_in))


def global_risk(
    tur: ArrayLike,
    itp: ArrayLike,
    guard_band_factor: ArrayLike = 1.0,
    *,
    process_bias: ArrayLike = 0.0,
    measurement_bias: ArrayLike = 0.0,
) -> GlobalRisk:
    """Global PFA / PFR / CPFA from TUR and in-tolerance probability (vectorised).

    Tolerance ``±1`` (so results are in units of the half-width), measurement standard
    deviation ``1/(2 TUR)``, process ``N(process_bias, sigma_p²)`` with ``sigma_p`` from
    :func:`sigma_process_from_itp` (for a centred process), acceptance limits
    ``±guard_band_factor``.  This is the parametrisation of Sandia suncal's ``PFA_norm``.
    """
    t = _pos_array(tur, "tur")
    p = _prob_array(itp, "itp")
    g = _checks.real_array(guard_band_factor, "guard_band_factor")
    pb = _checks.real_array(process_bias, "process_bias")
    mb = _checks.real_array(measurement_bias, "measurement_bias")
    _checks.same_shape(tur=t, itp=p, guard_band_factor=g, process_bias=pb, measurement_bias=mb)
    if np.any(g < 0):
        raise InvalidInput(
            "guard_band_factor must be finite and >= 0", code="bad_guard_band", field="guard_band_factor"
        )
    sp = 1.0 / special.ndtri((1.0 + p) / 2.0)
    sm = 1.0 / (2.0 * t)
    return global_risk_normal(-1.0, 1.0, -g, g, pb, sp, sm, mb)


def guard_band_factor_for_pfa(tur: float, itp: float, target: float, *, conditional: bool = False) -> float:
    """Largest guard-band factor ``gbf`` in ``[0, 1]`` whose global (or conditional) PFA
    does not exceed ``target`` (JCGM 106:2012 clause 9; with ``target=0.02`` the
    ANSI/NCSL Z540.3 "2 % rule", on the unconditional PFA or, with ``conditional=True``,
    on the conditional one).  Returns 1.0 when no guard band is needed."""
    t = _checks.positive(tur, "tur")
    p = _checks.probability(itp, "itp")
    r = _checks.probability(target, "target")
    conditional = _checks.flag(conditional, "conditional")

    def f(g: float) -> float:
        risk = global_risk(t, p, g)
        return (risk.cpfa if conditional else risk.pfa) - r

    if f(1.0) <= 0:
        return 1.0
    lo = 0.0
    if f(lo) > 0:  # only possible for conditional PFA
        lo = 1e-9
        if f(lo) > 0:
            return 0.0
    from scipy.optimize import brentq  # imported on use: scipy.optimize is slow to import

    return float(brentq(f, lo, 1.0, xtol=1e-13, rtol=4 * np.finfo(float).eps))
