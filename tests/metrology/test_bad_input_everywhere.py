"""Every public callable of the metrology library refuses bad input with the library's own errors.

The entry points are found by introspection: each name in a module's ``__all__`` that is a function, the
constructor of each input class, and each public method or class method that takes arguments. Every one
must have a row in ``SPECS`` (a valid call and which arguments are numbers, arrays, counts, switches, texts or
models), so a new function without its row — and hence without its validation — fails
``test_every_public_callable_has_a_spec``.

From each row the test derives the bad calls: NaN, ±inf (where a finite number is expected), a numeric string,
a boolean and ``None`` for numbers; a NaN / inf / string / boolean element, an empty array and a string for
arrays; a shorter partner for arrays that must have the same length; a model that raises (its exception must
be chained), returns NaN or returns a string. Each must raise a :class:`MetrologyError`; a string or a boolean
where a number is expected must raise :class:`InvalidType` (also a ``TypeError``). Each valid call is run
first, so a refusal is never the baseline failing.

Plain tests: no Django (run with ``-p no:django`` too).
"""

from __future__ import annotations

import importlib
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from doluong.metrology import (
    conformity,
    intervals,
    montecarlo,
    mpe,
    prepackage,
    uncertainty,
    units,
)
from doluong.metrology.errors import InvalidType, MetrologyError, ModelError

MODULES = ("units", "mpe", "conformity", "uncertainty", "montecarlo", "intervals", "prepackage")

#: classes the library builds and returns (their constructors are not an input interface); their methods
#: that take arguments are still walked
RESULT_TYPES = {
    mpe.MpeRule,
    mpe.VerificationResult,
    mpe.RuleTable,  # built by RuleTable.from_rows / from_csv, which are walked
    conformity.AcceptanceZone,
    conformity.Decision,
    conformity.GlobalRisk,
    uncertainty.BudgetRow,
    uncertainty.GumResult,
    montecarlo.Distribution,  # abstract base
    montecarlo.McResult,
    intervals.A3Result,
    intervals.ReliabilityModel,
    intervals.S2ModelFit,
    intervals.S2Result,
    prepackage.CriterionResult,
    prepackage.LotVerdict,
    prepackage.SamplingPlan,
    prepackage.Tolerance,
}


#: abstract methods (each subclass's own is walked)
ABSTRACT = {"montecarlo.Distribution.sample"}


def _takes_arguments(fn: Callable[..., Any], *, bound: bool) -> bool:
    params = list(inspect.signature(fn).parameters.values())
    if bound:
        params = params[1:]
    return bool(params)


def entry_points() -> dict[str, Callable[..., Any]]:
    """``"module.name"`` / ``"module.Class"`` / ``"module.Class.method"`` → the object, for every public
    callable that takes input."""
    found: dict[str, Callable[..., Any]] = {}
    for modname in MODULES:
        module = importlib.import_module(f"doluong.metrology.{modname}")
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj) and not inspect.isclass(obj):  # functions, also cached ones (default_table)
                found[f"{modname}.{name}"] = obj
            elif inspect.isclass(obj) and not issubclass(obj, BaseException):
                key = f"{modname}.{obj.__name__}"  # an alias (Uniform = Rectangular) is the same class
                if obj not in RESULT_TYPES:
                    found[key] = obj
                for attr, raw in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    if isinstance(raw, classmethod | staticmethod):
                        fn, bound = raw.__func__, isinstance(raw, classmethod)
                    elif inspect.isfunction(raw):
                        fn, bound = raw, True
                    else:
                        continue  # properties, constants
                    if _takes_arguments(fn, bound=bound) and f"{key}.{attr}" not in ABSTRACT:
                        found[f"{key}.{attr}"] = getattr(obj, attr)
    return found


# ----------------------------------------------------------------------------------------------- specs


@dataclass
class Spec:
    """A valid call and the kind of each argument."""

    make: Callable[[], Callable[..., Any]]
    base: dict[str, Any]
    numbers: tuple[str, ...] = ()  # finite numbers
    extended: tuple[str, ...] = ()  # numbers that may be ±inf (one-sided limits, dof)
    optional: tuple[str, ...] = ()  # numbers for which None means "not given"
    texts: tuple[str, ...] = ()  # str arguments (unit, instrument type …)
    counts: tuple[str, ...] = ()  # integers
    flags: tuple[str, ...] = ()  # True / False
    arrays: tuple[str, ...] = ()  # finite numbers, one or more
    arrays_inf: tuple[str, ...] = ()  # numbers, ±inf allowed
    count_arrays: tuple[str, ...] = ()  # integers
    flag_arrays: tuple[str, ...] = ()  # booleans
    mappings: tuple[str, ...] = ()  # name -> finite number
    same_length: tuple[tuple[str, ...], ...] = ()  # arrays that must have the same length
    models: tuple[str, ...] = ()  # measurement models
    extra: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # further bad calls


def fn(f: Callable[..., Any]) -> Callable[[], Callable[..., Any]]:
    return lambda: f


RNG = np.random.Generator(np.random.PCG64(1))
WATER = dict(
    instrument_type="water_meter",
    accuracy_class="2",
    stage="initial",
    reference=100.0,
    indicated=101.0,
    unit="L",
    params={"Q3": 2.5, "R": 100.0},
    conditions={"flow_rate": 1.0, "temperature": 20.0},
)
MPE_ROW = {c: "" for c in mpe.REQUIRED_COLUMNS} | {
    "rule_id": "x1",
    "instrument_type": "gas_meter",
    "accuracy_class": "1.5",
    "stage": "initial",
    "dimension": "volume",
    "unit": "*",
    "zone_variable": "value",
    "mpe_kind": "percent",
    "mpe_value": "1.5",
    "clause": "test",
    "legal_basis": "test",
}
MPE_CSV = ",".join(MPE_ROW) + "\n" + ",".join(MPE_ROW.values()) + "\n"
S2 = dict(
    times=[100.0, 200.0, 300.0, 400.0],
    in_tolerance=[19, 17, 14, 12],
    totals=[20, 20, 20, 20],
    target=0.9,
    models=["exponential"],
    significance=0.05,
)
MC_INPUTS = {"a": montecarlo.Normal(0.0, 1.0), "b": montecarlo.Rectangular(0.0, 1.0)}


def _dist_sample(make_dist: Callable[[], Any]) -> Spec:
    return Spec(
        lambda: make_dist().sample,
        {"rng": RNG, "n": 10},
        counts=("n",),
        extra=[("rng not a generator", {"rng": 3})],
    )


SPECS: dict[str, Spec] = {
    # units
    "units.canonical_unit": Spec(fn(units.canonical_unit), {"unit": "kg"}, texts=("unit",)),
    "units.dimension_of": Spec(fn(units.dimension_of), {"unit": "kg"}, texts=("unit",)),
    "units.ratio": Spec(fn(units.ratio), {"from_unit": "kg", "to_unit": "g"}, texts=("from_unit", "to_unit")),
    "units.same_dimension": Spec(fn(units.same_dimension), {"a": "kg", "b": "g"}, texts=("a", "b")),
    "units.convert": Spec(
        fn(units.convert),
        {"value": 1.5, "from_unit": "kg", "to_unit": "g"},
        numbers=("value",),
        texts=("from_unit", "to_unit"),
        extra=[("overflow", {"value": 1e308, "from_unit": "t", "to_unit": "mg"})],
    ),
    # mpe
    "mpe.rules": Spec(fn(mpe.rules), {}),
    "mpe.instrument_types": Spec(fn(mpe.instrument_types), {}),
    "mpe.default_table": Spec(fn(mpe.default_table), {}),
    "mpe.accuracy_classes": Spec(
        fn(mpe.accuracy_classes), {"instrument_type": "nawi"}, texts=("instrument_type",)
    ),
    "mpe.RuleTable.accuracy_classes": Spec(
        lambda: mpe.default_table().accuracy_classes, {"instrument_type": "nawi"}, texts=("instrument_type",)
    ),
    "mpe.RuleTable.from_rows": Spec(
        fn(mpe.RuleTable.from_rows),
        {"rows": [MPE_ROW]},
        texts=("source",),
        extra=[
            ("rows a string", {"rows": "rows"}),
            ("rows of numbers", {"rows": [1, 2]}),
            ("no rows", {"rows": []}),
            ("NaN mpe_value", {"rows": [MPE_ROW | {"mpe_value": float("nan")}]}),
        ],
    ),
    "mpe.RuleTable.from_csv": Spec(fn(mpe.RuleTable.from_csv), {"text": MPE_CSV}, texts=("text", "source")),
    "mpe.maximum_permissible_error": Spec(
        fn(mpe.maximum_permissible_error),
        {k: v for k, v in WATER.items() if k != "indicated"},
        numbers=("reference",),
        mappings=("params", "conditions"),
        extra=[("params a list", {"params": [2.5, 100.0]}), ("table not a table", {"table": "nawi"})],
    ),
    "mpe.evaluate": Spec(
        fn(mpe.evaluate),
        dict(WATER),
        numbers=("reference", "indicated"),
        mappings=("params", "conditions"),
        extra=[
            ("params a list", {"params": [2.5, 100.0]}),
            ("conditions a list", {"conditions": [1.0]}),
            (
                "NaN as numpy float32 condition",
                {"conditions": {"flow_rate": np.float32("nan"), "temperature": 20.0}},
            ),
        ],
    ),
    # conformity
    "conformity.test_uncertainty_ratio": Spec(
        fn(conformity.test_uncertainty_ratio),
        {"lower": -1.0, "upper": 1.0, "u": 0.1},
        numbers=("lower", "upper", "u"),
    ),
    "conformity.sigma_process_from_itp": Spec(
        fn(conformity.sigma_process_from_itp), {"itp": 0.9}, arrays=("itp",)
    ),
    "conformity.probability_of_conformance": Spec(
        fn(conformity.probability_of_conformance),
        {"measured": 0.5, "u": 0.1, "lower": -1.0, "upper": 1.0, "prior_mean": 0.0, "prior_sd": 1.0},
        numbers=("measured", "u", "prior_mean", "prior_sd"),
        extended=("lower", "upper"),
        optional=("prior_mean", "prior_sd"),
    ),
    "conformity.specific_risk": Spec(
        fn(conformity.specific_risk),
        {"measured": 0.5, "u": 0.1, "lower": -1.0, "upper": 1.0, "prior_mean": 0.0, "prior_sd": 1.0},
        numbers=("measured", "u", "prior_mean", "prior_sd"),
        extended=("lower", "upper"),
        optional=("prior_mean", "prior_sd"),
    ),
    "conformity.acceptance_zone": Spec(
        fn(conformity.acceptance_zone),
        {
            "lower": -1.0,
            "upper": 1.0,
            "method": "u95",
            "u": 0.1,
            "k": 2.0,
            "tur": 4.0,
            "fraction": 0.1,
            "itp": 0.9,
            "target": 0.02,
        },
        numbers=("u", "k", "tur", "fraction", "itp", "target"),
        extended=("lower", "upper"),
        optional=("u", "tur", "fraction", "itp", "target"),
    ),
    "conformity.AcceptanceZone.accepts": Spec(
        lambda: conformity.acceptance_zone(-1.0, 1.0).accepts, {"measured": 0.5}, numbers=("measured",)
    ),
    "conformity.decide": Spec(
        fn(conformity.decide),
        {"measured": 0.5, "lower": -1.0, "upper": 1.0, "u": 0.1, "method": "u95", "k": 2.0},
        numbers=("measured", "u", "k"),
        extended=("lower", "upper"),
    ),
    "conformity.global_risk_normal": Spec(
        fn(conformity.global_risk_normal),
        {
            "lower": [-1.0, -1.0, -2.0],
            "upper": [1.0, 1.0, 2.0],
            "accept_lower": [-0.9, -0.8, -1.5],
            "accept_upper": [0.9, 0.8, 1.5],
            "process_mean": [0.0, 0.1, 0.0],
            "process_sd": [0.5, 0.5, 1.0],
            "measurement_sd": [0.1, 0.2, 0.1],
            "measurement_bias": [0.0, 0.0, 0.05],
        },
        arrays=("process_mean", "process_sd", "measurement_sd", "measurement_bias"),
        arrays_inf=("lower", "upper", "accept_lower", "accept_upper"),
        same_length=(("lower", "upper"), ("process_sd", "measurement_sd")),
    ),
    "conformity.global_risk": Spec(
        fn(conformity.global_risk),
        {
            "tur": [4.0, 2.0, 8.0],
            "itp": [0.9, 0.95, 0.8],
            "guard_band_factor": [1.0, 0.9, 0.8],
            "process_bias": [0.0, 0.0, 0.1],
            "measurement_bias": [0.0, 0.0, 0.0],
        },
        arrays=("tur", "itp", "guard_band_factor", "process_bias", "measurement_bias"),
        same_length=(("tur", "itp"), ("guard_band_factor", "tur")),
    ),
    "conformity.guard_band_factor_for_pfa": Spec(
        fn(conformity.guard_band_factor_for_pfa),
        {"tur": 2.0, "itp": 0.9, "target": 0.02, "conditional": False},
        numbers=("tur", "itp", "target"),
        flags=("conditional",),
    ),
    # uncertainty
    "uncertainty.Input": Spec(
        fn(uncertainty.Input),
        {"name": "a", "value": 1.0, "u": 0.1, "dof": 10.0},
        numbers=("value", "u"),
        extended=("dof",),
        texts=("name",),
    ),
    "uncertainty.coverage_factor": Spec(
        fn(uncertainty.coverage_factor),
        {"p": 0.95, "dof": 10.0, "truncate": False},
        numbers=("p",),
        extended=("dof",),
        flags=("truncate",),
    ),
    "uncertainty.welch_satterthwaite": Spec(
        fn(uncertainty.welch_satterthwaite),
        {"u_c": 0.1, "contributions": [0.05, 0.07], "dofs": [10.0, 20.0]},
        numbers=("u_c",),
        arrays=("contributions",),
        arrays_inf=("dofs",),
        same_length=(("contributions", "dofs"),),
    ),
    "uncertainty.gum": Spec(
        fn(uncertainty.gum),
        {
            "model": lambda a, b: a * b,
            "inputs": {"a": (1.0, 0.1), "b": (2.0, 0.2, 10.0)},
            "correlation": [[1.0, 0.2], [0.2, 1.0]],
            "p": 0.95,
            "truncate_dof": False,
        },
        numbers=("p",),
        arrays=("correlation",),
        flags=("truncate_dof",),
        models=("model",),
        extra=[
            ("NaN estimate", {"inputs": {"a": (math.nan, 0.1), "b": (2.0, 0.2)}}),
            ("string estimate", {"inputs": {"a": ("1.0", 0.1), "b": (2.0, 0.2)}}),
            ("inf uncertainty", {"inputs": {"a": (1.0, math.inf), "b": (2.0, 0.2)}}),
            ("inputs a string", {"inputs": "ab"}),
            ("inputs not Input", {"inputs": [(1.0, 0.1)]}),
            ("no inputs", {"inputs": {}}),
            ("correlation of the wrong shape", {"correlation": [[1.0]]}),
            ("k NaN", {"k": math.nan}),
            ("k a string", {"k": "2"}),
            ("k a bool", {"k": True}),
        ],
    ),
    "uncertainty.GumResult.table": Spec(
        lambda: uncertainty.gum(lambda a: 2 * a, {"a": (1.0, 0.1)}).table, {"digits": 4}, counts=("digits",)
    ),
    # montecarlo: distributions
    "montecarlo.Normal": Spec(fn(montecarlo.Normal), {"mu": 0.0, "sd": 1.0}, numbers=("mu", "sd")),
    "montecarlo.Rectangular": Spec(
        fn(montecarlo.Rectangular), {"lower": -1.0, "upper": 1.0}, numbers=("lower", "upper")
    ),
    "montecarlo.Rectangular.centered": Spec(
        fn(montecarlo.Rectangular.centered),
        {"center": 0.0, "half_width": 1.0},
        numbers=("center", "half_width"),
    ),
    "montecarlo.Triangular": Spec(
        fn(montecarlo.Triangular),
        {"lower": -1.0, "upper": 1.0, "mode": 0.2},
        numbers=("lower", "upper", "mode"),
        optional=("mode",),
    ),
    "montecarlo.Triangular.centered": Spec(
        fn(montecarlo.Triangular.centered),
        {"center": 0.0, "half_width": 1.0},
        numbers=("center", "half_width"),
    ),
    "montecarlo.Trapezoidal": Spec(
        fn(montecarlo.Trapezoidal),
        {"lower": -1.0, "upper": 1.0, "beta": 0.5},
        numbers=("lower", "upper", "beta"),
    ),
    "montecarlo.StudentT": Spec(
        fn(montecarlo.StudentT), {"loc": 0.0, "scale": 1.0, "dof": 5.0}, numbers=("loc", "scale", "dof")
    ),
    "montecarlo.Arcsine": Spec(
        fn(montecarlo.Arcsine), {"lower": -1.0, "upper": 1.0}, numbers=("lower", "upper")
    ),
    "montecarlo.Constant": Spec(fn(montecarlo.Constant), {"value": 1.0}, numbers=("value",)),
    "montecarlo.CorrelatedNormal": Spec(
        fn(montecarlo.CorrelatedNormal),
        {"names": ["a", "b"], "means": [0.0, 1.0], "sds": [1.0, 2.0], "corr": [[1.0, 0.5], [0.5, 1.0]]},
        arrays=("means", "sds", "corr"),
        same_length=(("means", "names"), ("sds", "names")),
        extra=[
            ("names a string", {"names": "ab"}),
            ("names not identifiers", {"names": [1, 2]}),
            ("cov with NaN", {"sds": None, "corr": None, "cov": [[1.0, math.nan], [math.nan, 1.0]]}),
            ("cov with a string", {"sds": None, "corr": None, "cov": [["1", 0.0], [0.0, 1.0]]}),
            ("cov of the wrong shape", {"sds": None, "corr": None, "cov": [[1.0, 0.0, 0.0]]}),
        ],
    ),
    "montecarlo.Normal.sample": _dist_sample(lambda: montecarlo.Normal(0.0, 1.0)),
    "montecarlo.Rectangular.sample": _dist_sample(lambda: montecarlo.Rectangular(0.0, 1.0)),
    "montecarlo.Triangular.sample": _dist_sample(lambda: montecarlo.Triangular(0.0, 1.0, 0.3)),
    "montecarlo.Trapezoidal.sample": _dist_sample(lambda: montecarlo.Trapezoidal(0.0, 1.0, 0.5)),
    "montecarlo.StudentT.sample": _dist_sample(lambda: montecarlo.StudentT(0.0, 1.0, 5.0)),
    "montecarlo.Arcsine.sample": _dist_sample(lambda: montecarlo.Arcsine(0.0, 1.0)),
    "montecarlo.Constant.sample": _dist_sample(lambda: montecarlo.Constant(1.0)),
    "montecarlo.CorrelatedNormal.sample": _dist_sample(
        lambda: montecarlo.CorrelatedNormal(["a", "b"], [0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]])
    ),
    "montecarlo.coverage_intervals": Spec(
        fn(montecarlo.coverage_intervals),
        {"y": [float(i) for i in range(100)], "p": 0.9},
        numbers=("p",),
        arrays=("y",),
    ),
    "montecarlo.monte_carlo": Spec(
        fn(montecarlo.monte_carlo),
        {
            "model": lambda a, b: a + b,
            "inputs": MC_INPUTS,
            "trials": 1000,
            "p": 0.95,
            "seed": 1,
            "workers": 1,
            "keep_samples": False,
        },
        numbers=("p",),
        counts=("trials", "seed", "workers"),
        flags=("keep_samples",),
        models=("model",),
        extra=[
            ("no inputs", {"inputs": {}}),
            ("input a string", {"inputs": {"a": "1.5", "b": montecarlo.Normal(0.0, 1.0)}}),
            ("input NaN", {"inputs": {"a": math.nan, "b": montecarlo.Normal(0.0, 1.0)}}),
            ("model returns booleans", {"model": lambda a, b: a > b}),
        ],
    ),
    "montecarlo.monte_carlo_adaptive": Spec(
        fn(montecarlo.monte_carlo_adaptive),
        {
            "model": lambda a, b: a + b,
            "inputs": MC_INPUTS,
            "ndigits": 1,
            "p": 0.95,
            "seed": 1,
            "batch": 1000,
            "max_trials": 200_000,
            "workers": 1,
            "keep_samples": False,
        },
        numbers=("p",),
        counts=("ndigits", "seed", "batch", "max_trials", "workers"),
        flags=("keep_samples",),
        models=("model",),
        extra=[("no inputs", {"inputs": {}})],
    ),
    # intervals
    "intervals.a3_interval": Spec(
        fn(intervals.a3_interval),
        {
            "in_tolerance": 15,
            "total": 20,
            "current_interval": 365.0,
            "target": 0.9,
            "max_change": 2.0,
            "confidence": 0.5,
            "min_change": 5.0,
            "min_interval": 14.0,
            "max_interval": 1826.0,
        },
        counts=("in_tolerance", "total"),
        numbers=(
            "current_interval",
            "target",
            "max_change",
            "confidence",
            "min_change",
            "min_interval",
            "max_interval",
        ),
    ),
    "intervals.CalibrationRecord": Spec(
        fn(intervals.CalibrationRecord),
        {"start": 0.0, "end": 365.0, "in_tolerance": True},
        numbers=("start", "end"),
        flags=("in_tolerance",),
    ),
    "intervals.a3_from_history": Spec(
        fn(intervals.a3_from_history),
        {
            "records": [intervals.CalibrationRecord(0.0, 365.0, i % 4 != 0) for i in range(12)],
            "current_interval": 365.0,
            "target": 0.9,
            "window": 56.0,
            "window_fraction": 0.5,
        },
        numbers=("current_interval", "target", "window", "window_fraction"),
        extra=[
            ("records a string", {"records": "ab"}),
            ("records of numbers", {"records": [1, 2]}),
            ("records a number", {"records": 5}),
        ],
    ),
    "intervals.s2_interval": Spec(
        fn(intervals.s2_interval),
        dict(S2),
        arrays=("times",),
        count_arrays=("in_tolerance", "totals"),
        numbers=("target", "significance"),
        same_length=(("times", "in_tolerance", "totals"), ("in_tolerance", "times"), ("totals", "times")),
        extra=[("models a string", {"models": "exponential"}), ("models of numbers", {"models": [1]})],
    ),
    "intervals.S2ModelFit.reliability": Spec(
        lambda: intervals.s2_interval(**S2).fits[0].reliability, {"t": [100.0, 200.0]}, arrays=("t",)
    ),
    "intervals.S2Result.fit": Spec(
        lambda: intervals.s2_interval(**S2).fit, {"name": "exponential"}, texts=("name",)
    ),
    "intervals.bin_history": Spec(
        fn(intervals.bin_history),
        {
            "durations": [50.0, 150.0, 250.0, 350.0],
            "in_tolerance": [True, True, False, True],
            "edges": [0.0, 200.0, 400.0],
        },
        arrays=("durations", "edges"),
        flag_arrays=("in_tolerance",),
        same_length=(("durations", "in_tolerance"), ("in_tolerance", "durations")),
    ),
    # prepackage
    "prepackage.tolerable_deficiency": Spec(
        fn(prepackage.tolerable_deficiency),
        {"nominal": 500.0, "kind": "mass", "unit": "g"},
        numbers=("nominal",),
        texts=("kind", "unit"),
    ),
    "prepackage.sampling_plan": Spec(fn(prepackage.sampling_plan), {"lot_size": 500}, counts=("lot_size",)),
    "prepackage.inspect_lot": Spec(
        fn(prepackage.inspect_lot),
        {"nominal": 500.0, "kind": "mass", "unit": "g", "lot_size": 50, "actual": [500.5] * 50},
        numbers=("nominal",),
        texts=("kind", "unit"),
        counts=("lot_size",),
        arrays=("actual",),
    ),
}


# ------------------------------------------------------------------------------------------ bad calls

NAN, INF = math.nan, math.inf
TYPE_ERRORS = ("numeric string", "boolean", "None")


def _raising_model(**_kw):
    return 1 / 0


def _nan_model(**_kw):
    return math.nan


def _text_model(**_kw):
    return "1.5"


def _element(base: Any, value: Any) -> Any:
    """``base`` with its first element (first cell of a matrix) replaced; a scalar becomes [base, value]."""
    if isinstance(base, list | tuple) and base and isinstance(base[0], list | tuple):
        return [[value, *base[0][1:]], *base[1:]]
    if isinstance(base, list | tuple):
        return [value, *base[1:]]
    return [base, value]


def bad_calls(key: str, spec: Spec):
    """(case id, kwargs, what is expected: "error" / "type" / an exception class the cause must be)."""
    b = spec.base
    for name in spec.numbers:
        for label, value in (("NaN", NAN), ("inf", INF), ("-inf", -INF)):
            yield f"{name}={label}", {name: value}, "error"
    for name in spec.numbers + spec.extended:
        if name in spec.extended:
            yield f"{name}=NaN", {name: NAN}, "error"
        yield f"{name}=numeric string", {name: "1.5"}, "type"
        yield f"{name}=boolean", {name: True}, "type"
        if name not in spec.optional:
            yield f"{name}=None", {name: None}, "type"
    for name in spec.texts:
        for label, value in (("NaN", NAN), ("number", 1.5), ("boolean", True), ("None", None)):
            yield f"{name}={label}", {name: value}, "error"
    for name in spec.counts:
        for label, value in (("fraction", 2.5), ("NaN", NAN)):
            yield f"{name}={label}", {name: value}, "error"
        yield f"{name}=numeric string", {name: "3"}, "type"
        yield f"{name}=boolean", {name: True}, "type"
    for name in spec.flags:
        yield f"{name}=string", {name: "no"}, "type"
        yield f"{name}=number", {name: 1}, "type"
    for name in spec.arrays + spec.arrays_inf:
        if name in spec.arrays:
            yield f"{name}[0]=inf", {name: _element(b[name], INF)}, "error"
        yield f"{name}[0]=NaN", {name: _element(b[name], NAN)}, "error"
        yield f"{name}[0]=numeric string", {name: _element(b[name], "1.5")}, "type"
        yield f"{name}[0]=boolean", {name: _element(b[name], True)}, "type"
        yield f"{name}=empty", {name: []}, "error"
        yield f"{name}=string", {name: "1.5"}, "type"
    for name in spec.count_arrays:
        for label, value in (("fraction", 2.5), ("NaN", NAN)):
            yield f"{name}[0]={label}", {name: _element(b[name], value)}, "error"
        yield f"{name}[0]=numeric string", {name: _element(b[name], "3")}, "type"
        yield f"{name}[0]=boolean", {name: _element(b[name], True)}, "type"
        yield f"{name}=string", {name: "12"}, "type"
    for name in spec.flag_arrays:
        yield f"{name}[0]=string", {name: _element(b[name], "no")}, "type"
        yield f"{name}[0]=None", {name: _element(b[name], None)}, "type"
        yield f"{name}=string", {name: "yes"}, "type"
    for name in spec.mappings:
        first = next(iter(b[name]))
        for label, value in (("NaN", NAN), ("inf", INF)):
            yield f"{name}[{first}]={label}", {name: {**b[name], first: value}}, "error"
        if name == "params":  # conditions may be text (power_factor in 0.5L|0.8C)
            yield f"{name}[{first}]=numeric string", {name: {**b[name], first: "1.5"}}, "type"
            yield f"{name}[{first}]=boolean", {name: {**b[name], first: True}}, "type"
    for group in spec.same_length:
        first = group[0]
        shorter = list(b[first])[:-1]
        yield f"{first} shorter than {', '.join(group[1:])}", {first: shorter}, "error"
    for name in spec.models:
        yield f"{name} raises ZeroDivisionError", {name: _raising_model}, ZeroDivisionError
        yield f"{name} returns NaN", {name: _nan_model}, "error"
        yield f"{name} returns text", {name: _text_model}, "error"
    for label, kwargs in spec.extra:
        yield label, kwargs, "error"


CASES = [
    pytest.param(key, kwargs, expect, id=f"{key}: {label}")
    for key, spec in SPECS.items()
    for label, kwargs, expect in bad_calls(key, spec)
]


def test_every_public_callable_has_a_spec():
    found = set(entry_points())
    missing = sorted(found - set(SPECS))
    stale = sorted(set(SPECS) - found)
    assert not missing, f"public callables without a row in SPECS (add one, with their validation): {missing}"
    assert not stale, f"rows in SPECS for callables that are gone: {stale}"


@pytest.mark.parametrize("key", sorted(SPECS))
def test_the_valid_call_works(key):
    spec = SPECS[key]
    spec.make()(**spec.base)


@pytest.mark.parametrize(("key", "kwargs", "expect"), CASES)
def test_bad_input_raises_the_library_error(key, kwargs, expect):
    spec = SPECS[key]
    target = spec.make()
    with pytest.raises(MetrologyError) as info:
        target(**{**spec.base, **kwargs})
    if expect == "type":
        assert isinstance(info.value, InvalidType) and isinstance(info.value, TypeError), repr(info.value)
    elif isinstance(expect, type):
        assert isinstance(info.value, ModelError), repr(info.value)
        assert isinstance(info.value.__cause__, expect), repr(info.value.__cause__)


def test_the_walk_is_wide():
    """The figures of the walk (reported in the issue): every module's public callables, hundreds of cases."""
    assert len(SPECS) >= 60
    assert len(CASES) >= 500
