"""GUM law of propagation of uncertainty (JCGM 100:2008, first order).

The measurement model is an ordinary Python function of the input quantities, written
with NumPy operations, e.g. ``lambda m_R, dm, rho_a: (m_R + dm) * (1 + ...)``.  It is
called with keyword arguments named after the inputs.

What is computed (JCGM 100:2008 clause numbers):

* estimate ``y = f(x_1, …, x_N)`` (4.1.4),
* sensitivity coefficients ``c_i = ∂f/∂x_i`` at the estimates (5.1.3) — by complex-step
  differentiation when the model accepts complex numbers (exact to rounding), checked
  against, or replaced by, a Richardson-extrapolated central difference (5.1.3 note 2
  allows numerical derivatives),
* combined standard uncertainty ``u_c²(y) = c' V c`` with the input covariance
  matrix ``V_ij = u_i r_ij u_j`` (5.1.2 for uncorrelated inputs, 5.2.2 for
  correlated inputs),
* effective degrees of freedom by the Welch–Satterthwaite formula
  ``ν_eff = u_c⁴ / Σ (c_i u_i)⁴/ν_i`` (G.4.1, eq. G.2b); with correlated inputs the
  same formula is applied to the individual contributions, as is common practice
  (the GUM gives no formula for that case),
* coverage factor ``k_p = t_{(1+p)/2}(ν_eff)`` from Student's t (G.3, G.4.1; ν_eff is
  used as is, fractional, unless ``truncate_dof=True`` — G.4.1 note 1 allows both),
  expanded uncertainty ``U = k_p u_c`` (6.2.1, 6.3),
* an uncertainty budget (7.2.5): value, standard uncertainty, sensitivity coefficient,
  contribution ``|c_i| u_i``, index ``(c_i u_i)²/u_c²`` and degrees of freedom per input.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import special

from . import _checks
from .errors import InvalidInput, InvalidType, ModelError

__all__ = [
    "BudgetRow",
    "GumResult",
    "Input",
    "coverage_factor",
    "gum",
    "welch_satterthwaite",
]


@dataclass(frozen=True)
class Input:
    """An input quantity: estimate ``value``, standard uncertainty ``u`` and degrees of
    freedom ``dof`` (``inf`` for a Type B evaluation with no doubt on u)."""

    name: str
    value: float
    u: float
    dof: float = math.inf
    description: str = ""
    unit: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise InvalidInput(
                f"input name must be a Python identifier, got {self.name!r}",
                code="bad_name",
                field="name",
                value=self.name,
            )
        object.__setattr__(self, "value", _checks.finite(self.value, f"{self.name}.value"))
        object.__setattr__(self, "u", _checks.uncertainty(self.u, f"{self.name}.u"))
        object.__setattr__(self, "dof", _checks.dof(self.dof, f"{self.name}.dof"))


@dataclass(frozen=True)
class BudgetRow:
    """One line of an uncertainty budget (JCGM 100:2008, 7.2.5)."""

    name: str
    value: float
    u: float
    dof: float
    sensitivity: float
    contribution: float
    index: float
    unit: str = ""
    description: str = ""


@dataclass(frozen=True)
class GumResult:
    """Result of :func:`gum`."""

    y: float
    u: float
    dof: float
    k: float
    U: float
    p: float | None
    budget: tuple[BudgetRow, ...]
    covariance: NDArray[np.float64] = field(repr=False)
    derivative_method: str = "complex-step"
    notes: tuple[str, ...] = ()

    @property
    def interval(self) -> tuple[float, float]:
        """Coverage interval ``y ± U``."""
        return (self.y - self.U, self.y + self.U)

    @property
    def sensitivities(self) -> dict[str, float]:
        return {r.name: r.sensitivity for r in self.budget}

    def table(self, digits: int = 4) -> str:
        """The budget as a plain-text table."""
        digits = _checks.integer(digits, "digits", minimum=1)
        head = ("quantity", "estimate", "u(x_i)", "dof", "c_i", "|c_i|u(x_i)", "index %")
        rows = [
            (
                r.name,
                f"{r.value:.{digits + 2}g}",
                f"{r.u:.{digits}g}",
                "inf" if math.isinf(r.dof) else f"{r.dof:.1f}",
                f"{r.sensitivity:.{digits}g}",
                f"{r.contribution:.{digits}g}",
                f"{100 * r.index:.2f}",
            )
            for r in self.budget
        ]
        dof = "inf" if math.isinf(self.dof) else f"{self.dof:.1f}"
        rows.append(("y", f"{self.y:.{digits + 2}g}", f"{self.u:.{digits}g}", dof, "", "", "100.00"))
        widths = [max(len(str(c)) for c in col) for col in zip(head, *rows, strict=True)]
        lines = [
            "  ".join(str(c).rjust(w) for c, w in zip(row, widths, strict=True)) for row in (head, *rows)
        ]
        pstr = "fixed k" if self.p is None else f"p = {self.p:g}"
        lines.append(
            f"k = {self.k:.4g} ({pstr}), U = {self.U:.{digits}g}, interval [{self.interval[0]:.{digits + 2}g}, {self.interval[1]:.{digits + 2}g}]"
        )
        return "\n".join(lines)


def coverage_factor(p: float, dof: float, *, truncate: bool = False) -> float:
    """``t_{(1+p)/2}(ν)``, the two-sided Student-t coverage factor (JCGM 100:2008 G.3);
    the normal quantile when ``dof`` is infinite."""
    pp = _checks.probability(p, "p")
    nu = _checks.dof(dof, "dof")
    truncate = _checks.flag(truncate, "truncate")
    if math.isinf(nu):
        return float(special.ndtri((1.0 + pp) / 2.0))
    if truncate:
        nu = max(1.0, math.floor(nu))
    return float(special.stdtrit(nu, (1.0 + pp) / 2.0))


def welch_satterthwaite(u_c: float, contributions: Sequence[float], dofs: Sequence[float]) -> float:
    """Effective degrees of freedom ``u_c⁴ / Σ u_i(y)⁴/ν_i`` (JCGM 100:2008 G.4.1, eq. G.2b)."""
    uc = _checks.uncertainty(u_c, "u_c")
    _checks.sequence(contributions, "contributions")
    _checks.sequence(dofs, "dofs")
    if _checks.same_length(contributions=contributions, dofs=dofs) == 0:
        raise InvalidInput("at least one contribution is required", code="no_inputs", field="contributions")
    denom = 0.0
    for i, (ci, nu) in enumerate(zip(contributions, dofs, strict=True)):
        c = _checks.finite(ci, f"contributions[{i}]")
        n = _checks.dof(nu, f"dofs[{i}]")
        if not math.isinf(n):
            denom += c**4 / n
    if denom == 0.0 or uc == 0.0:
        return math.inf
    return uc**4 / denom


# ----------------------------------------------------------------------------- derivatives
def _call(model: Callable[..., Any], names: Sequence[str], values: Sequence[Any]) -> Any:
    """The model at ``values``; its own exceptions become :class:`ModelError` (original chained)."""
    return _checks.call_model(model, dict(zip(names, values, strict=True)))


def _scalar(v: Any, what: str) -> complex:
    try:
        a = np.asarray(v)
    except (TypeError, ValueError) as exc:
        raise ModelError(
            f"the model returned {v!r} ({what})", code="model_not_numeric", field="model"
        ) from exc
    if a.size != 1:
        raise ModelError(
            f"the model must return one value, got shape {a.shape} ({what})",
            code="model_not_scalar",
            field="model",
        )
    item = a.reshape(()).item()
    if np.iscomplexobj(a) or isinstance(item, complex):
        return complex(item)
    if not _checks.is_number(item):  # a string, a boolean, None …: not a value of the measurand
        raise ModelError(
            f"the model must return a number, got {item!r} ({what})", code="model_not_numeric", field="model"
        )
    return complex(float(item))


def _complex_step(
    model: Callable[..., Any], names: Sequence[str], x: NDArray[np.float64], steps: NDArray[np.float64]
) -> NDArray[np.float64] | None:
    """∂f/∂x_i = Im f(x + i h e_i)/h (exact to rounding for analytic models), or None."""
    out = np.empty(len(x))
    base: list[Any] = [complex(v) for v in x]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. ComplexWarning from a model that drops the imaginary part
            for i in range(len(x)):
                ref = max(abs(x[i]), steps[i])
                h = 1e-20 * ref if ref > 0 else 1e-20
                args = list(base)
                args[i] = complex(x[i], h)
                v = _scalar(_call(model, names, args), "complex step")
                if not math.isfinite(v.imag) or not math.isfinite(v.real):
                    return None
                out[i] = v.imag / h
    except Exception:  # any failure with complex arguments: fall back to finite differences
        return None
    return out


def _richardson(
    model: Callable[..., Any], names: Sequence[str], x: NDArray[np.float64], steps: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Central differences with steps h, h/2, h/4 combined by Richardson extrapolation (O(h⁶))."""
    out = np.empty(len(x))
    xs = [float(v) for v in x]
    for i in range(len(x)):
        h0 = steps[i]
        d = []
        for h in (h0, h0 / 2.0, h0 / 4.0):
            a, b = list(xs), list(xs)
            a[i] += h
            b[i] -= h
            fa = _scalar(_call(model, names, a), "finite difference").real
            fb = _scalar(_call(model, names, b), "finite difference").real
            d.append((fa - fb) / (2.0 * h))
        d1 = (4.0 * d[1] - d[0]) / 3.0
        d2 = (4.0 * d[2] - d[1]) / 3.0
        out[i] = (16.0 * d2 - d1) / 15.0
    if not np.all(np.isfinite(out)):
        raise InvalidInput(
            "the model is not differentiable at the input estimates (non-finite sensitivity coefficient)",
            code="model_not_differentiable",
            field="model",
        )
    return out


def _sensitivities(
    model: Callable[..., Any],
    names: Sequence[str],
    x: NDArray[np.float64],
    u: NDArray[np.float64],
    method: str,
) -> tuple[NDArray[np.float64], str]:
    scale = np.maximum(np.abs(x), u)
    scale = np.where(scale > 0, scale, 1.0)
    fd_steps = np.where(u > 0, np.minimum(u, scale * 1e-2), scale * 1e-4)
    if method == "central":
        return _richardson(model, names, x, fd_steps), "central"
    cs = _complex_step(model, names, x, u)
    if method == "complex":
        if cs is None:
            raise InvalidInput(
                "the model cannot be evaluated with complex arguments",
                code="complex_step_failed",
                field="model",
            )
        return cs, "complex-step"
    fd = _richardson(model, names, x, fd_steps)
    if cs is not None:
        # trust the complex step only where it agrees with the finite difference, either
        # relatively or in terms of its contribution to u_c (a model using abs(), real()…
        # gives a wrong complex-step derivative, which this check rejects)
        diff = np.abs(cs - fd)
        contrib_scale = float(np.max(np.abs(fd) * u)) or float(np.max(np.abs(fd) * scale)) or 1.0
        ok = (diff <= 1e-6 * np.abs(fd)) | (diff * np.where(u > 0, u, scale) <= 1e-8 * contrib_scale)
        if bool(np.all(ok)):
            return cs, "complex-step"
    return fd, "central"


# ----------------------------------------------------------------------------- main entry
def _correlation_matrix(
    correlation: Mapping[tuple[str, str], float] | NDArray[np.float64] | Sequence[Sequence[float]] | None,
    names: Sequence[str],
) -> NDArray[np.float64]:
    n = len(names)
    r = np.eye(n)
    if correlation is None:
        return r
    if isinstance(correlation, Mapping):
        index = {nm: i for i, nm in enumerate(names)}
        for key, val in correlation.items():
            if not (isinstance(key, tuple) and len(key) == 2):
                raise InvalidInput(
                    "correlation keys must be pairs of input names",
                    code="bad_correlation",
                    field="correlation",
                    value=key,
                )
            a, b = key
            if a not in index or b not in index:
                raise InvalidInput(
                    f"correlation refers to unknown input {a if a not in index else b!r}",
                    code="unknown_input",
                    field="correlation",
                    value=key,
                )
            if a == b:
                raise InvalidInput(
                    "a correlation coefficient needs two different inputs",
                    code="bad_correlation",
                    field="correlation",
                    value=key,
                )
            v = _checks.finite(val, f"correlation[{a},{b}]")
            r[index[a], index[b]] = r[index[b], index[a]] = v
    else:
        r = _checks.real_array(correlation, "correlation")
        if r.shape != (n, n):
            raise InvalidInput(
                f"correlation matrix must be {n}x{n}",
                code="bad_correlation",
                field="correlation",
                value=r.shape,
            )
        if not np.allclose(r, r.T, atol=1e-12) or not np.allclose(np.diag(r), 1.0, atol=1e-12):
            raise InvalidInput(
                "correlation matrix must be symmetric with a unit diagonal",
                code="bad_correlation",
                field="correlation",
            )
    if np.any(np.abs(r) > 1.0 + 1e-12):
        raise InvalidInput(
            "correlation coefficients must lie in [-1, 1]", code="bad_correlation", field="correlation"
        )
    eig = np.linalg.eigvalsh(r)
    if eig.min() < -1e-10:
        raise InvalidInput(
            "correlation matrix is not positive semi-definite",
            code="correlation_not_psd",
            field="correlation",
            value=float(eig.min()),
        )
    return r


def gum(
    model: Callable[..., Any],
    inputs: Sequence[Input] | Mapping[str, tuple[float, float] | tuple[float, float, float]],
    *,
    correlation: Mapping[tuple[str, str], float]
    | NDArray[np.float64]
    | Sequence[Sequence[float]]
    | None = None,
    p: float = 0.95,
    k: float | None = None,
    truncate_dof: bool = False,
    derivative: str = "auto",
) -> GumResult:
    """Propagate the input uncertainties through ``model`` (JCGM 100:2008, clause 5).

    Args:
        model: ``f(**inputs) -> y``; NumPy operations, scalar output.
        inputs: :class:`Input` objects, or a mapping ``name -> (value, u[, dof])``.
        correlation: ``{(name_i, name_j): r_ij}`` or a full correlation matrix in the
            order of ``inputs``.
        p: coverage probability for ``k`` (ignored when ``k`` is given).
        k: fixed coverage factor (e.g. 2) instead of the Student-t one.
        truncate_dof: truncate ν_eff to an integer before looking up t (G.4.1 note 1).
        derivative: ``"auto"`` (complex step, verified), ``"complex"`` or ``"central"``.
    """
    _checks.choice(derivative, "derivative", ("auto", "complex", "central"))
    if not callable(model):
        raise InvalidType("model must be callable", code="model_not_callable", field="model")
    truncate_dof = _checks.flag(truncate_dof, "truncate_dof")
    pp_given = _checks.probability(p, "p")
    k_given = None if k is None else _checks.positive(k, "k")
    items: list[Input]
    if isinstance(inputs, Mapping):
        items = []
        for name, spec in inputs.items():
            if not isinstance(spec, tuple | list) or len(spec) not in (2, 3):
                raise InvalidInput(
                    f"input {name!r} must be (value, u) or (value, u, dof)",
                    code="bad_input_spec",
                    field=str(name),
                )
            items.append(Input(str(name), *spec))
    elif isinstance(inputs, str | bytes) or not isinstance(inputs, Sequence):
        raise InvalidType(
            "inputs must be a list of Input or a mapping name -> (value, u[, dof])",
            code="bad_input_spec",
            field="inputs",
        )
    else:
        items = list(inputs)
        for i, it in enumerate(items):
            if not isinstance(it, Input):
                raise InvalidType(
                    f"inputs[{i}] is not an Input", code="bad_input_spec", field="inputs", value=i
                )
    if not items:
        raise InvalidInput("at least one input quantity is required", code="no_inputs", field="inputs")
    names = [it.name for it in items]
    if len(set(names)) != len(names):
        raise InvalidInput("input names must be unique", code="duplicate_input", field="inputs")
    x = np.array([it.value for it in items])
    u = np.array([it.u for it in items])
    nus = [it.dof for it in items]
    r = _correlation_matrix(correlation, names)
    y = _scalar(_call(model, names, [float(v) for v in x]), "estimate").real
    if not math.isfinite(y):
        raise InvalidInput(
            "the model returns a non-finite value at the input estimates",
            code="model_not_finite",
            field="model",
            value=y,
        )
    c, how = _sensitivities(model, names, x, u, derivative)
    V = r * np.outer(u, u)
    var = float(c @ V @ c)
    if var < 0:  # only from rounding with a singular correlation matrix
        var = 0.0
    uc = math.sqrt(var)
    contrib = np.abs(c) * u
    nu_eff = welch_satterthwaite(uc, list(contrib), nus)
    notes: list[str] = []
    if np.any(r != np.eye(len(names))):
        notes.append(
            "inputs are correlated: the Welch-Satterthwaite formula was applied to the individual contributions "
            "(JCGM 100 gives no formula for this case)"
        )
    if k_given is None:
        pp = pp_given
        nu_k = nu_eff
        if nu_eff < 1:
            nu_k = 1.0
            notes.append(
                f"effective degrees of freedom {nu_eff:.3g} < 1; the coverage factor uses 1 degree of freedom"
            )
        kk = coverage_factor(pp, nu_k, truncate=truncate_dof)
    else:
        kk = k_given
        pp = None
    idx = (c * (V @ c)) / var if var > 0 else np.zeros_like(c)
    budget = tuple(
        BudgetRow(
            name=it.name,
            value=it.value,
            u=it.u,
            dof=it.dof,
            sensitivity=float(ci),
            contribution=float(cu),
            index=float(ix),
            unit=it.unit,
            description=it.description,
        )
        for it, ci, cu, ix in zip(items, c, contrib, idx, strict=True)
    )
    return GumResult(
        y=y,
        u=uc,
        dof=nu_eff,
        k=kk,
        U=kk * uc,
        p=pp,
        budget=budget,
        covariance=V,
        derivative_method=how,
        notes=tuple(notes),
    )
