"""Propagation of distributions by a Monte Carlo method (JCGM 101:2008, GUM Supplement 1).

* Input PDFs (JCGM 101 6.4): :class:`Normal` (6.4.7), :class:`Rectangular` (6.4.2),
  :class:`Triangular` (6.4.5), :class:`Trapezoidal` (6.4.4), :class:`StudentT`
  (scaled and shifted t, 6.4.9), :class:`Arcsine` (U-shaped, 6.4.6), :class:`Constant`,
  and :class:`CorrelatedNormal` (multivariate Gaussian, 6.4.8).
* Sampling is fully vectorised with NumPy's PCG64 generator.  Each input gets its own
  random stream spawned from one :class:`numpy.random.SeedSequence`, so a result
  depends only on ``seed`` and ``trials`` — not on the number of worker threads that
  draw the inputs concurrently (NumPy releases the GIL while filling arrays).
* The model is a Python function of NumPy arrays called once with all ``M`` trials.
* Results (JCGM 101 7.6, 7.7): mean ``y``, standard deviation ``u(y)``, the
  probabilistically symmetric coverage interval and the shortest coverage interval
  for probability ``p``, with the order-statistic indices of 7.7.1–7.7.2
  (``q = pM`` rounded as in 7.7.1; symmetric: ``r = (M - q)/2`` or ``(M - q + 1)/2``;
  shortest: ``r*`` minimising ``y_(r+q) - y_(r)``).  Only the two tails that can hold
  an interval endpoint are sorted, which gives exactly the order statistics of a full
  sort at a fraction of its cost.
* Adaptive Monte Carlo (JCGM 101 7.9): :func:`monte_carlo_adaptive` repeats batches
  until twice the standard deviation of the batch results of ``y``, ``u(y)`` and both
  interval endpoints is below the numerical tolerance ``δ`` of ``u(y)`` stated to
  ``ndigits`` significant digits (7.9.2).

Non-finite model values are an error (:class:`~doluong.metrology.errors.InvalidInput`),
never silently dropped.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _checks
from .errors import ConvergenceError, InvalidInput, InvalidType, ModelError

__all__ = [
    "Arcsine",
    "Constant",
    "CorrelatedNormal",
    "Distribution",
    "McResult",
    "Normal",
    "Rectangular",
    "StudentT",
    "Trapezoidal",
    "Triangular",
    "Uniform",
    "coverage_intervals",
    "monte_carlo",
    "monte_carlo_adaptive",
]

Array = NDArray[np.float64]


# ----------------------------------------------------------------------------- distributions
class Distribution:
    """Base class of the input PDFs (frozen dataclasses with ``sample``, ``mean``, ``std``)."""

    def sample(self, rng: np.random.Generator, n: int) -> Array:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def mean(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def std(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError


def _sample_args(rng: Any, n: Any) -> int:
    if not isinstance(rng, np.random.Generator):
        raise InvalidType(
            "rng must be a numpy.random.Generator", code="bad_rng", field="rng", value=repr(rng)
        )
    return _checks.integer(n, "n", minimum=1)


def _interval(lower: Any, upper: Any, what: str) -> tuple[float, float]:
    a = _checks.finite(lower, f"{what}.lower")
    b = _checks.finite(upper, f"{what}.upper")
    if not b > a:
        raise InvalidInput(
            f"{what}: upper limit must exceed the lower limit",
            code="empty_interval",
            field=f"{what}.upper",
            value=b,
        )
    return a, b


@dataclass(frozen=True)
class Normal(Distribution):
    """Gaussian N(mean, sd²) (JCGM 101 6.4.7)."""

    mu: float
    sd: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "mu", _checks.finite(self.mu, "Normal.mu"))
        object.__setattr__(self, "sd", _checks.uncertainty(self.sd, "Normal.sd"))

    def sample(self, rng: np.random.Generator, n: int) -> Array:
        n = _sample_args(rng, n)
        x = rng.standard_normal(n)
        x *= self.sd
        x += self.mu
        return x

    @property
    def mean(self) -> float:
        return self.mu

    @property
    def std(self) -> float:
        return self.sd


@dataclass(frozen=True)
class Rectangular(Distribution):
    """Rectangular (uniform) R(a, b) (JCGM 101 6.4.2): ``X = a + (b - a) r``."""

    lower: float
    upper: float

    def __post_init__(self) -> None:
        a, b = _interval(self.lower, self.upper, "Rectangular")
        object.__setattr__(self, "lower", a)
        object.__setattr__(self, "upper", b)

    @classmethod
    def centered(cls, center: float, half_width: float) -> Rectangular:
        c = _checks.finite(center, "center")
        h = _checks.positive(half_width, "half_width")
        return cls(c - h, c + h)

    def sample(self, rng: np.random.Generator, n: int) -> Array:
        n = _sample_args(rng, n)
        x = rng.random(n)
        x *= self.upper - self.lower
        x += self.lower
        return x

    @property
    def mean(self) -> float:
        return (self.lower + self.upper) / 2

    @property
    def std(self) -> float:
        return (self.upper - self.lower) / math.sqrt(12.0)


Uniform = Rectangular


@dataclass(frozen=True)
class Triangular(Distribution):
    """Triangular on [a, b] with mode ``mode`` (symmetric when ``mode`` is None, JCGM 101 6.4.5).

    The symmetric case uses ``X = a + (b - a)(r1 + r2)/2`` (JCGM 101 6.4.5.4); an
    asymmetric mode uses the inverse distribution function.
    """

    lower: float
    upper: float
    mode: float | None = None

    def __post_init__(self) -> None:
        a, b = _interval(self.lower, self.upper, "Triangular")
        object.__setattr__(self, "lower", a)
        object.__setattr__(self, "upper", b)
        if self.mode is not None:
            c = _checks.finite(self.mode, "Triangular.mode")
            if not a <= c <= b:
                raise InvalidInput(
                    "Triangular.mode must lie within [lower, upper]",
                    code="bad_mode",
                    field="Triangular.mode",
                    value=c,
                )
            object.__setattr__(self, "mode", None if c == (a + b) / 2 else c)

    @classmethod
    def centered(cls, center: float, half_width: float) -> Triangular:
        c = _checks.finite(center, "center")
        h = _checks.positive(half_width, "half_width")
        return cls(c - h, c + h)

    def sample(self, rng: np.random.Generator, n: int) -> Array:
        n = _sample_args(rng, n)
        a, b = self.lower, self.upper
        if self.mode is None:
            x = rng.random(n)
            x += rng.random(n)
            x *= (b - a) / 2
            x += a
            return x
        c = self.mode
        r = rng.random(n)
        fc = (c - a) / (b - a)
        left = r < fc
        out = np.empty(n)
        out[left] = a + np.sqrt(r[left] * (b - a) * (c - a))
        out[~left] = b - np.sqrt((1 - r[~left]) * (b - a) * (b - c))
        return out

    @property
    def mean(self) -> float:
        c = (self.lower + self.upper) / 2 if self.mode is None else self.mode
        return (self.lower + self.upper + c) / 3

    @property
    def std(self) -> float:
        a, b = self.lower, self.upper
        c = (a + b) / 2 if self.mode is None else self.mode
        return math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18.0)


@dataclass(frozen=True)
class Trapezoidal(Distribution):
    """Symmetric trapezoid on [a, b] whose top has width ``beta (b - a)`` (JCGM 101 6.4.4):
    ``X = a + (b - a)[(1 + β) r1 + (1 - β) r2]/2``."""

    lower: float
    upper: float
    beta: float

    def __post_init__(self) -> None:
        a, b = _interval(self.lower, self.upper, "Trapezoidal")
        object.__setattr__(self, "lower", a)
        object.__setattr__(self, "upper", b)
        beta = _checks.finite(self.beta, "Trapezoidal.beta")
        if not 0 <= beta <= 1:
            raise InvalidInput(
                "Trapezoidal.beta must lie in [0, 1]", code="bad_beta", field="Trapezoidal.beta", value=beta
            )
        object.__setattr__(self, "beta", beta)

    def sample(self, rng: np.random.Generator, n: int) -> Array:
        n = _sample_args(rng, n)
        a, b, beta = self.lower, self.upper, self.beta
        x = rng.random(n)
        x *= 1 + beta
        y = rng.random(n)
        y *= 1 - beta
        x += y
        x *= (b - a) / 2
        x += a
        return x

    @property
    def mean(self) -> float:
        return (self.lower + self.upper) / 2

    @property
    def std(self) -> float:
        return (self.upper - self.lower) * math.sqrt((1 + self.beta**2) / 24.0)


@dataclass(frozen=True)
class StudentT(Distribution):
    """Scaled and shifted t: ``X = loc + scale·t_ν`` (JCGM 101 6.4.9; for a Type A
    evaluation from n indications, ``loc = x̄``, ``scale = s/√n``, ``ν = n − 1``)."""

    loc: float
    scale: float
    dof: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "loc", _checks.finite(self.loc, "StudentT.loc"))
        object.__setattr__(self, "scale", _checks.uncertainty(self.scale, "StudentT.scale"))
        object.__setattr__(self, "dof", _checks.positive(self.dof, "StudentT.dof"))

    def sample(self, rng: np.random.Generator, n: int) -> Array:
        n = _sample_args(rng, n)
        x = rng.standard_t(self.dof, n)
        x *= self.scale
        x += self.loc
        return x

    @property
    def mean(self) -> float:
        return self.loc

    @property
    def std(self) -> float:
        if self.dof <= 2:
            raise InvalidInput(
                "a t distribution with dof <= 2 has no finite standard deviation",
                code="infinite_variance",
                field="StudentT.dof",
                value=self.dof,
            )
        return self.scale * math.sqrt(self.dof / (self.dof - 2))


@dataclass(frozen=True)
class Arcsine(Distribution):
    """Arc sine (U-shaped) on [a, b] (JCGM 101 6.4.6): ``X = (a + b)/2 + (b − a)/2·sin(2π r)``."""

    lower: float
    upper: float

    def __post_init__(self) -> None:
        a, b = _interval(self.lower, self.upper, "Arcsine")
        object.__setattr__(self, "lower", a)
        object.__setattr__(self, "upper", b)

    def sample(self, rng: np.random.Generator, n: int) -> Array:
        n = _sample_args(rng, n)
        x = rng.random(n)
        x *= 2 * math.pi
        np.sin(x, out=x)
        x *= (self.upper - self.lower) / 2
        x += (self.lower + self.upper) / 2
        return x

    @property
    def mean(self) -> float:
        return (self.lower + self.upper) / 2

    @property
    def std(self) -> float:
        return (self.upper - self.lower) / (2 * math.sqrt(2.0))


@dataclass(frozen=True)
class Constant(Distribution):
    """A quantity known exactly."""

    value: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _checks.finite(self.value, "Constant.value"))

    def sample(self, rng: np.random.Generator, n: int) -> Array:
        n = _sample_args(rng, n)
        return np.full(n, self.value)

    @property
    def mean(self) -> float:
        return self.value

    @property
    def std(self) -> float:
        return 0.0


@dataclass(frozen=True)
class CorrelatedNormal:
    """Jointly Gaussian inputs ``N(means, cov)`` (JCGM 101 6.4.8): ``X = μ + R'z`` with
    ``cov = R'R`` (Cholesky, or an eigen-decomposition when ``cov`` is only
    positive semi-definite)."""

    names: tuple[str, ...]
    means: tuple[float, ...]
    cov: tuple[tuple[float, ...], ...]

    def __init__(
        self,
        names: Sequence[str],
        means: Sequence[float],
        cov: Any = None,
        *,
        sds: Sequence[float] | None = None,
        corr: Any = None,
    ) -> None:
        names_t = tuple(_checks.sequence(names, "names"))
        n = len(names_t)
        if n < 1 or len(set(names_t)) != n:
            raise InvalidInput("CorrelatedNormal needs distinct names", code="bad_name", field="names")
        for nm in names_t:
            if not isinstance(nm, str) or not nm.isidentifier():
                raise InvalidInput(
                    f"input name must be an identifier, got {nm!r}", code="bad_name", field="names", value=nm
                )
        mu = tuple(_checks.finite(m, f"means[{i}]") for i, m in enumerate(_checks.sequence(means, "means")))
        if len(mu) != n:
            raise InvalidInput("means must have one value per name", code="length_mismatch", field="means")
        if cov is None:
            if sds is None or corr is None:
                raise InvalidInput("give cov, or sds and corr", code="missing_covariance", field="cov")
            s = np.array(
                [_checks.uncertainty(v, f"sds[{i}]") for i, v in enumerate(_checks.sequence(sds, "sds"))]
            )
            if s.size != n:
                raise InvalidInput("sds must have one value per name", code="length_mismatch", field="sds")
            r = _checks.real_array(corr, "corr")
            if (
                r.shape != (n, n)
                or not np.all(np.isfinite(r))
                or np.any(np.abs(r) > 1)
                or not np.allclose(np.diag(r), 1)
            ):
                raise InvalidInput(
                    "corr must be an n×n correlation matrix", code="bad_correlation", field="corr"
                )
            c = r * np.outer(s, s)
        else:
            c = _checks.real_array(cov, "cov")
        if c.shape != (n, n) or not np.all(np.isfinite(c)):
            raise InvalidInput(f"cov must be a finite {n}×{n} matrix", code="bad_covariance", field="cov")
        if not np.allclose(c, c.T, rtol=1e-12, atol=0):
            raise InvalidInput("cov must be symmetric", code="bad_covariance", field="cov")
        if np.any(np.diag(c) < 0):
            raise InvalidInput("cov has a negative variance", code="negative_uncertainty", field="cov")
        ev = np.linalg.eigvalsh(c)
        if ev.min() < -1e-12 * max(ev.max(), 0.0):
            raise InvalidInput(
                "cov is not positive semi-definite",
                code="correlation_not_psd",
                field="cov",
                value=float(ev.min()),
            )
        object.__setattr__(self, "names", names_t)
        object.__setattr__(self, "means", mu)
        object.__setattr__(self, "cov", tuple(tuple(float(v) for v in row) for row in c))

    def factor(self) -> Array:
        """Lower-triangular L with ``cov = L L'``."""
        c = np.array(self.cov)
        try:
            return np.linalg.cholesky(c)
        except np.linalg.LinAlgError:
            w, v = np.linalg.eigh(c)
            return v * np.sqrt(np.clip(w, 0, None))

    def sample(self, rng: np.random.Generator, n: int) -> list[Array]:
        n = _sample_args(rng, n)
        k = len(self.names)
        z = rng.standard_normal((k, n))
        L = self.factor()
        out = []
        for i in range(k):  # x_i = mu_i + sum_j L_ij z_j, with ufuncs (no BLAS thread pool)
            x = np.full(n, self.means[i])
            for j in range(k):
                if L[i, j] != 0.0:
                    x += L[i, j] * z[j]
            out.append(x)
        return out


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class McResult:
    """Monte Carlo summary (JCGM 101 7.6–7.7)."""

    y: float
    u: float
    p: float
    low: float
    high: float
    shortest_low: float
    shortest_high: float
    trials: int
    seed: int | None
    tolerance: float | None = None
    batches: int = 1
    samples: Array | None = field(default=None, repr=False, compare=False)

    @property
    def interval(self) -> tuple[float, float]:
        """Probabilistically symmetric coverage interval."""
        return (self.low, self.high)

    @property
    def shortest_interval(self) -> tuple[float, float]:
        return (self.shortest_low, self.shortest_high)


# ----------------------------------------------------------------------------- machinery
_POOL: dict[int, ThreadPoolExecutor] = {}


def _executor() -> ThreadPoolExecutor:
    """A thread pool per process (a pool inherited through fork(), e.g. by a pre-loading
    application server's workers, has no threads and must not be reused)."""
    pid = os.getpid()
    pool = _POOL.get(pid)
    if pool is None:
        _POOL.clear()
        pool = _POOL[pid] = ThreadPoolExecutor(
            max_workers=max(1, os.cpu_count() or 1), thread_name_prefix="doluong-mc"
        )
    return pool


Entry = tuple[tuple[str, ...], Any]


def _entries(inputs: Mapping[Any, Any]) -> list[Entry]:
    if not isinstance(inputs, Mapping) or not inputs:
        raise InvalidInput(
            "inputs must be a non-empty mapping name -> distribution", code="no_inputs", field="inputs"
        )
    out: list[Entry] = []
    seen: set[str] = set()
    for key, dist in inputs.items():
        if isinstance(dist, CorrelatedNormal):
            names = dist.names
        elif isinstance(dist, Distribution):
            if not isinstance(key, str) or not key.isidentifier():
                raise InvalidInput(
                    f"input name must be an identifier, got {key!r}",
                    code="bad_name",
                    field="inputs",
                    value=key,
                )
            names = (key,)
        elif isinstance(dist, int | float) and not isinstance(dist, bool):
            names, dist = (str(key),), Constant(dist)
        else:
            raise InvalidInput(
                f"input {key!r} is not a distribution",
                code="not_a_distribution",
                field=str(key),
                value=repr(dist),
            )
        dup = seen.intersection(names)
        if dup:
            raise InvalidInput(
                f"input {sorted(dup)[0]!r} is defined twice", code="duplicate_input", field="inputs"
            )
        seen.update(names)
        out.append((names, dist))
    return out


def _draw(
    entries: list[Entry], trials: int, seeds: list[np.random.SeedSequence], workers: int
) -> dict[str, Array]:
    def one(i: int) -> list[tuple[str, Array]]:
        names, dist = entries[i]
        rng = np.random.Generator(np.random.PCG64(seeds[i]))
        if isinstance(dist, CorrelatedNormal):
            return list(zip(names, dist.sample(rng, trials), strict=True))
        return [(names[0], dist.sample(rng, trials))]

    out: dict[str, Array] = {}
    if workers > 1 and len(entries) > 1 and trials >= 50_000:
        for part in _executor().map(one, range(len(entries))):
            out.update(part)
    else:
        for i in range(len(entries)):
            out.update(one(i))
    return out


def _evaluate(model: Callable[..., Any], samples: dict[str, Array], trials: int) -> Array:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # reported below, as an error
        y = _checks.call_model(model, samples)
    try:
        raw = np.asarray(y)
    except (TypeError, ValueError) as exc:
        raise ModelError("the model must return numbers", code="model_not_numeric", field="model") from exc
    if raw.dtype.kind not in "iuf":  # strings, booleans, objects: not values of the measurand
        raise ModelError(
            f"the model must return numbers, got {raw.dtype} values", code="model_not_numeric", field="model"
        )
    y = raw.astype(float, copy=False)
    if y.ndim == 0:
        y = np.full(trials, float(y))
    if y.shape != (trials,):
        raise InvalidInput(
            f"the model must return one value per trial, got shape {y.shape}",
            code="model_not_vectorised",
            field="model",
        )
    total = float(np.add.reduce(y))
    if not math.isfinite(total):
        bad = int(np.count_nonzero(~np.isfinite(y)))
        if bad:
            raise InvalidInput(
                f"the model returned {bad} non-finite values out of {trials} trials (e.g. a division by an input that can be zero)",
                code="model_not_finite",
                field="model",
                value=bad,
            )
    return y


def _q_r(M: int, p: float) -> tuple[int, int]:
    """JCGM 101 7.7.1: q = pM if integer else int(pM + 1/2); symmetric r (1-based)."""
    pm = p * M
    q = round(pm) if abs(pm - round(pm)) < 1e-9 * max(1.0, pm) else int(pm + 0.5)
    q = min(max(q, 1), M)
    r = (M - q) // 2 if (M - q) % 2 == 0 else (M - q + 1) // 2
    return q, max(r, 1) if M > q else 1


def _tails(y: Array, L: int) -> tuple[Array, Array]:
    """The L smallest and the L largest values of y, each sorted ascending."""
    M = y.size
    if 4 * L >= M or M < 20_000:
        s = np.sort(y)
        return s[:L], s[M - L :]
    # threshold guesses from a strided subsample (iid trials: any stride is a random subsample)
    step = max(1, M // 20_000)
    sub = np.sort(y[::step])
    m = sub.size
    frac = L / M
    margin = 6.0 * math.sqrt(m * frac) + 8
    i_lo = min(m - 1, int(frac * m + margin))
    i_hi = max(0, int((1 - frac) * m - margin))
    lo_tail = y[y <= sub[i_lo]]
    hi_tail = y[y >= sub[i_hi]]
    if lo_tail.size < L or hi_tail.size < L:  # pragma: no cover - astronomically unlikely
        s = np.partition(y, (L - 1, M - L))
        return np.sort(s[:L]), np.sort(s[M - L :])
    lo_tail.sort()
    hi_tail.sort()
    return lo_tail[:L], hi_tail[hi_tail.size - L :]


def coverage_intervals(y: Array, p: float = 0.95) -> tuple[tuple[float, float], tuple[float, float]]:
    """(probabilistically symmetric, shortest) coverage intervals of the values ``y``
    for coverage probability ``p`` (JCGM 101 7.7.1, 7.7.2)."""
    pp = _checks.probability(p, "p")
    y = _checks.finite_array(y, "y", min_size=2)
    M = y.size
    q, r = _q_r(M, pp)
    if q >= M:
        raise InvalidInput(
            f"{M} values are too few for a {pp:g} coverage interval (JCGM 101 7.7 needs pM < M; use M >= {math.ceil(1 / (1 - pp)) + 1})",
            code="too_few_trials",
            field="trials",
            value=M,
        )
    L = M - q  # candidates: lower endpoints y_(1..L), upper endpoints y_(q+1..M)
    low_s, high_s = _tails(y, L)
    sym = (float(low_s[r - 1]), float(high_s[r - 1]))  # y_(r) and y_(r+q)
    widths = high_s - low_s  # y_(j+q) - y_(j), j = 1..L
    j = int(np.argmin(widths))
    return sym, (float(low_s[j]), float(high_s[j]))


_CHUNK = 1 << 16


def _mean_std(y: Array) -> tuple[float, float]:
    """Mean and standard deviation (M - 1 denominator, JCGM 101 7.6) by a two-pass
    algorithm over cache-sized chunks (no full-size temporary array)."""
    mean = float(y.mean())
    buf = np.empty(min(_CHUNK, y.size))
    acc = 0.0
    for i in range(0, y.size, _CHUNK):
        part = y[i : i + _CHUNK]
        b = buf[: part.size]
        np.subtract(part, mean, out=b)
        np.multiply(b, b, out=b)  # not np.dot: a BLAS call may wake its thread pool
        acc += float(b.sum())
    return mean, math.sqrt(acc / (y.size - 1))


def _summary(y: Array, p: float) -> tuple[float, float, tuple[float, float], tuple[float, float]]:
    mean, u = _mean_std(y)
    sym, short = coverage_intervals(y, p)
    return mean, u, sym, short


def _seed_sequence(seed: int | np.random.SeedSequence | None) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is not None:
        _checks.integer(seed, "seed", minimum=0, code="bad_seed")
    return np.random.SeedSequence(seed)


def _workers(workers: int | None) -> int:
    if workers is None:
        return max(1, os.cpu_count() or 1)
    return _checks.integer(workers, "workers", minimum=1, code="bad_workers")


def monte_carlo(
    model: Callable[..., Any],
    inputs: Mapping[Any, Any],
    *,
    trials: int = 1_000_000,
    p: float = 0.95,
    seed: int | None = None,
    workers: int | None = None,
    keep_samples: bool = False,
) -> McResult:
    """Propagate the input distributions through ``model`` with ``trials`` Monte Carlo
    trials (JCGM 101 clause 7).

    Args:
        model: ``f(**arrays) -> array``; called once with arrays of length ``trials``.
        inputs: ``{name: Distribution}``; a :class:`CorrelatedNormal` value defines all
            of its ``names`` at once (its key is ignored); a plain number is a constant.
        trials: number of trials M (JCGM 101 7.2 recommends M >= 10^4/(1 - p)).
        p: coverage probability.
        seed: seed of the :class:`numpy.random.SeedSequence` (None = fresh entropy).
        workers: threads drawing the inputs concurrently (default: CPU count); the
            result does not depend on it.
        keep_samples: keep the model values in ``McResult.samples``.
    """
    if not callable(model):
        raise InvalidType("model must be callable", code="model_not_callable", field="model")
    keep_samples = _checks.flag(keep_samples, "keep_samples")
    trials = _checks.integer(trials, "trials", minimum=2, code="bad_trials")
    pp = _checks.probability(p, "p")
    entries = _entries(inputs)
    ss = _seed_sequence(seed)
    samples = _draw(entries, trials, ss.spawn(len(entries)), _workers(workers))
    y = _evaluate(model, samples, trials)
    del samples
    mean, u, sym, short = _summary(y, pp)
    return McResult(
        y=mean,
        u=u,
        p=pp,
        low=sym[0],
        high=sym[1],
        shortest_low=short[0],
        shortest_high=short[1],
        trials=trials,
        seed=None if seed is None else int(seed) if not isinstance(seed, np.random.SeedSequence) else None,
        samples=y if keep_samples else None,
    )


def _tolerance(u: float, ndigits: int) -> float:
    """JCGM 101 7.9.2: write u = c × 10^l with c an ndigits-digit integer; δ = 10^l / 2."""
    if u <= 0:
        return 0.0
    ell = math.floor(math.log10(u)) - (ndigits - 1)
    return 0.5 * 10.0**ell


def monte_carlo_adaptive(
    model: Callable[..., Any],
    inputs: Mapping[Any, Any],
    *,
    ndigits: int = 2,
    p: float = 0.95,
    seed: int | None = None,
    batch: int | None = None,
    max_trials: int = 20_000_000,
    workers: int | None = None,
    keep_samples: bool = False,
) -> McResult:
    """Adaptive Monte Carlo procedure of JCGM 101 7.9.4.

    Batches of ``batch`` trials (default ``max(10^4, ceil(100/(1 - p)))``, 7.9.4 a) are
    added until ``2 s`` of each of y, u(y), and the endpoints of both coverage intervals
    over the batches is at most the numerical tolerance δ of u(y) (7.9.4 f); results are
    then computed from all trials together (7.9.4 g).  Raises
    :class:`~doluong.metrology.errors.ConvergenceError` if ``max_trials`` is reached.
    """
    _checks.integer(ndigits, "ndigits", code="bad_ndigits")
    if not 1 <= ndigits <= 6:
        raise InvalidInput(
            "ndigits must be an integer in 1..6", code="bad_ndigits", field="ndigits", value=ndigits
        )
    if not callable(model):
        raise InvalidType("model must be callable", code="model_not_callable", field="model")
    keep_samples = _checks.flag(keep_samples, "keep_samples")
    pp = _checks.probability(p, "p")
    max_trials = _checks.integer(max_trials, "max_trials", minimum=2)
    m = batch if batch is not None else max(10_000, math.ceil(100 / (1 - pp)))
    m = _checks.integer(m, "batch", minimum=100, code="bad_batch")
    entries = _entries(inputs)
    ss = _seed_sequence(seed)
    nw = _workers(workers)
    values: list[Array] = []
    stats: list[tuple[float, ...]] = []
    h = 0
    while True:
        h += 1
        if h * m > max_trials:
            raise ConvergenceError(
                f"adaptive Monte Carlo did not stabilise within {max_trials} trials",
                code="mc_not_converged",
                field="max_trials",
                value=max_trials,
            )
        bseed = ss.spawn(1)[0]
        y = _evaluate(model, _draw(entries, m, bseed.spawn(len(entries)), nw), m)
        mean, u, sym, short = _summary(y, pp)
        values.append(y)
        stats.append((mean, u, sym[0], sym[1], short[0], short[1]))
        if h < 2:
            continue
        arr = np.array(stats)
        sd = arr.std(axis=0, ddof=1) / math.sqrt(h)
        delta = _tolerance(float(arr[:, 1].mean()), ndigits)
        if np.all(2 * sd <= delta):
            break
    yall = np.concatenate(values)
    mean, u, sym, short = _summary(yall, pp)
    return McResult(
        y=mean,
        u=u,
        p=pp,
        low=sym[0],
        high=sym[1],
        shortest_low=short[0],
        shortest_high=short[1],
        trials=int(yall.size),
        seed=None if seed is None else int(seed),
        tolerance=_tolerance(u, ndigits),
        batches=h,
        samples=yall if keep_samples else None,
    )
