"""Maximum permissible errors (MPE) and verification verdicts, driven by rule tables.

The rules live in ``doluong/metrology/data/mpe_*.csv``; this module only interprets
rule *kinds*.  A new instrument type, accuracy class or a changed law is a new or
changed row, not new code.  Every row carries the ``clause`` it implements and the
``legal_basis`` it rests on, and both are returned with every verdict.

Columns of a rule table
-----------------------
``rule_id``
    Unique identifier of the row.
``instrument_type``, ``accuracy_class``, ``stage``
    What the row applies to; ``stage`` is ``initial`` (initial verification) or
    ``in_service`` (subsequent verification / inspection in use).
``dimension``, ``unit``
    Dimension of the verified quantity (``mass``, ``volume`` …, see
    :mod:`doluong.metrology.units`) and the unit in which absolute numbers of the row
    (minimum MPE, parameters such as ``MMQ``) are expressed.  ``*`` means "any unit of
    the dimension": readings and parameters are then taken in the caller's unit.
``zone_variable``, ``zone_lower``, ``zone_lower_inclusive``, ``zone_upper``, ``zone_upper_inclusive``
    The band of the row.  ``zone_variable`` is ``value`` (the conventional true value
    of the test point, e.g. the test load of a balance) or the name of an operating
    condition supplied by the caller (``flow_rate``, ``current`` …).  Limits are
    arithmetic expressions over the instrument parameters (``500*e``, ``Q3/R``,
    ``0.05*Ib``); an empty limit is unbounded.
``condition``
    Further conditions, ``;``-separated, all of which must hold: numeric comparisons
    (``temperature<=30``, ``value<=Max``, ``MMQ>=2``) or membership tests
    (``power_factor in 0.5L|0.8C``).
``mpe_kind``, ``mpe_value``, ``mpe_basis``, ``mpe_minimum``
    The rule kind: ``e`` (MPE = value × e, OIML R 76), ``percent`` (MPE = value % of
    ``mpe_basis``, by default of the conventional true value) or ``absolute``
    (MPE = value, in ``unit``); ``mpe_minimum`` is an optional floor on the magnitude
    (e.g. the minimum specified volume deviation Emin of OIML R 117).

All arithmetic of a verdict is done in :class:`decimal.Decimal` on the decimal
representation of the inputs, so a reading exactly on the limit is judged exactly
(``|E| <= MPE`` passes), never by a binary rounding accident.
"""

from __future__ import annotations

import ast
import csv
import io
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from functools import cache
from typing import Any

import numpy as np

from . import _checks
from ._data import data_files, read_csv
from .errors import DataError, InvalidInput, InvalidType, OutOfRange, RuleNotFound, UnitMismatch
from .units import DIMENSIONS, canonical_unit, dimension_of
from .units import ratio as unit_ratio

__all__ = [
    "REQUIRED_COLUMNS",
    "MpeRule",
    "RuleTable",
    "VerificationResult",
    "accuracy_classes",
    "default_table",
    "evaluate",
    "instrument_types",
    "maximum_permissible_error",
    "rules",
]

_STAGES = ("initial", "in_service")
_KINDS = ("e", "percent", "absolute")
_CTX_PREC = 34


def _dec(x: Any, field: str) -> Decimal:
    """Exact decimal of a number: floats through their shortest round-trip repr (10.03 -> 10.03)."""
    if isinstance(x, Decimal):
        if not x.is_finite():
            raise InvalidInput(f"{field} is not finite", code="nan_value", field=field, value=str(x))
        return x
    v = _checks.finite(x, field)
    if isinstance(x, int | np.integer):
        return Decimal(int(x))
    return Decimal(repr(v))


# --------------------------------------------------------------------------- expressions
_BINOPS: dict[type, Callable[[Decimal, Decimal], Decimal]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


class _Expr:
    """A tiny arithmetic expression (+ - * / and parentheses) over named parameters."""

    def __init__(self, text: str, where: str) -> None:
        self.text = text
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError as exc:
            raise DataError(
                f"{where}: cannot parse expression {text!r}",
                code="data_bad_expression",
                field=where,
                value=text,
            ) from exc
        self._check(tree.body, where)
        self.tree = tree.body
        self.names = frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))

    def _check(self, node: ast.AST, where: str) -> None:
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            self._check(node.left, where)
            self._check(node.right, where)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            self._check(node.operand, where)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int | float)
            and not isinstance(node.value, bool)
        ):
            pass
        elif isinstance(node, ast.Name):
            pass
        else:
            raise DataError(
                f"{where}: only numbers, names and + - * / are allowed in {self.text!r}",
                code="data_bad_expression",
                field=where,
                value=self.text,
            )

    def __call__(self, env: Mapping[str, Decimal]) -> Decimal:
        with localcontext() as ctx:
            ctx.prec = _CTX_PREC
            return self._eval(self.tree, env)

    def _eval(self, node: ast.AST, env: Mapping[str, Decimal]) -> Decimal:
        if isinstance(node, ast.BinOp):
            return _BINOPS[type(node.op)](self._eval(node.left, env), self._eval(node.right, env))
        if isinstance(node, ast.UnaryOp):
            v = self._eval(node.operand, env)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.Constant):
            return Decimal(repr(node.value))
        assert isinstance(node, ast.Name)
        try:
            return env[node.id]
        except KeyError:
            raise InvalidInput(
                f"parameter {node.id!r} is required by this rule (expression {self.text!r})",
                code="missing_parameter",
                field=node.id,
            ) from None


_CMP: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
    "==": operator.eq,
}


@dataclass(frozen=True)
class _Clause:
    text: str
    name: str
    op: str
    rhs: _Expr | None
    tokens: frozenset[str]


def _parse_condition(text: str, where: str) -> tuple[_Clause, ...]:
    out = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        if " in " in part:
            name, _, toks = part.partition(" in ")
            tokens = frozenset(t.strip() for t in toks.split("|") if t.strip())
            if not name.strip().isidentifier() or not tokens:
                raise DataError(
                    f"{where}: bad condition {part!r}", code="data_bad_condition", field=where, value=part
                )
            out.append(_Clause(part, name.strip(), "in", None, tokens))
            continue
        for op in ("<=", ">=", "==", "<", ">"):
            if op in part:
                name, _, rhs = part.partition(op)
                if not name.strip().isidentifier():
                    raise DataError(
                        f"{where}: bad condition {part!r}", code="data_bad_condition", field=where, value=part
                    )
                out.append(_Clause(part, name.strip(), op, _Expr(rhs.strip(), where), frozenset()))
                break
        else:
            raise DataError(
                f"{where}: bad condition {part!r}", code="data_bad_condition", field=where, value=part
            )
    return tuple(out)


# --------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class MpeRule:
    """One row of a rule table (see the module docstring for the meaning of each field)."""

    rule_id: str
    instrument_type: str
    accuracy_class: str
    stage: str
    dimension: str
    unit: str
    zone_variable: str
    zone_lower: str
    zone_lower_inclusive: bool
    zone_upper: str
    zone_upper_inclusive: bool
    condition: str
    mpe_kind: str
    mpe_value: Decimal
    mpe_basis: str
    mpe_minimum: str
    clause: str
    legal_basis: str
    source_note: str
    source_file: str

    def describe_zone(self) -> str:
        lo = f"{self.zone_lower} {'<=' if self.zone_lower_inclusive else '<'} " if self.zone_lower else ""
        hi = f" {'<=' if self.zone_upper_inclusive else '<'} {self.zone_upper}" if self.zone_upper else ""
        z = f"{lo}{self.zone_variable}{hi}"
        return f"{z}; {self.condition}" if self.condition else z


@dataclass(frozen=True)
class _Compiled:
    rule: MpeRule
    lower: _Expr | None
    upper: _Expr | None
    conditions: tuple[_Clause, ...]
    basis: _Expr | None
    minimum: _Expr | None


def _yes(text: str, where: str) -> bool:
    t = text.lower()
    if t in ("yes", "true", "1"):
        return True
    if t in ("no", "false", "0", ""):
        return False
    raise DataError(
        f"{where}: expected yes/no, got {text!r}", code="data_bad_boolean", field=where, value=text
    )


REQUIRED_COLUMNS = (
    "rule_id",
    "instrument_type",
    "accuracy_class",
    "stage",
    "dimension",
    "unit",
    "zone_variable",
    "zone_lower",
    "zone_lower_inclusive",
    "zone_upper",
    "zone_upper_inclusive",
    "condition",
    "mpe_kind",
    "mpe_value",
    "mpe_basis",
    "mpe_minimum",
    "clause",
    "legal_basis",
)


def _compile_rows(sources: Iterable[tuple[str, Iterable[Mapping[str, str]]]]) -> tuple[_Compiled, ...]:
    out: list[_Compiled] = []
    seen: set[str] = set()
    for name, rows in sources:
        for i, raw in enumerate(rows, start=1):
            where = f"{name} row {i} ({raw.get('rule_id', '?')})"
            missing = [c for c in REQUIRED_COLUMNS if c not in raw]
            if missing:
                raise DataError(
                    f"{where}: missing column(s) {', '.join(missing)}", code="data_missing_column", field=name
                )
            row = {k: ("" if v is None else str(v).strip()) for k, v in raw.items()}
            rid = row["rule_id"]
            if not rid or rid in seen:
                raise DataError(
                    f"{where}: missing or duplicate rule_id",
                    code="data_duplicate_rule",
                    field=name,
                    value=rid,
                )
            seen.add(rid)
            if row["stage"] not in _STAGES:
                raise DataError(
                    f"{where}: unknown stage {row['stage']!r}",
                    code="data_bad_stage",
                    field=name,
                    value=row["stage"],
                )
            if row["mpe_kind"] not in _KINDS:
                raise DataError(
                    f"{where}: unknown mpe_kind {row['mpe_kind']!r}",
                    code="data_bad_kind",
                    field=name,
                    value=row["mpe_kind"],
                )
            if row["dimension"] not in DIMENSIONS:
                raise DataError(
                    f"{where}: unknown dimension {row['dimension']!r}", code="data_bad_dimension", field=name
                )
            if row["unit"] != "*" and dimension_of(row["unit"]) != row["dimension"]:
                raise DataError(
                    f"{where}: unit {row['unit']!r} is not a {row['dimension']} unit",
                    code="data_bad_unit",
                    field=name,
                )
            if row["mpe_kind"] == "absolute" and row["unit"] == "*":
                raise DataError(
                    f"{where}: an absolute MPE needs a definite unit", code="data_bad_unit", field=name
                )
            if not row["clause"] or not row["legal_basis"]:
                raise DataError(
                    f"{where}: every rule must cite its clause and legal basis",
                    code="data_missing_clause",
                    field=name,
                )
            try:
                value = Decimal(row["mpe_value"])
            except ArithmeticError as exc:
                raise DataError(
                    f"{where}: bad mpe_value {row['mpe_value']!r}", code="data_bad_number", field=name
                ) from exc
            if not value.is_finite() or value < 0:
                raise DataError(
                    f"{where}: bad mpe_value {row['mpe_value']!r}", code="data_bad_number", field=name
                )
            rule = MpeRule(
                rule_id=rid,
                instrument_type=row["instrument_type"],
                accuracy_class=row["accuracy_class"],
                stage=row["stage"],
                dimension=row["dimension"],
                unit=row["unit"],
                zone_variable=row["zone_variable"] or "value",
                zone_lower=row["zone_lower"],
                zone_lower_inclusive=_yes(row["zone_lower_inclusive"], where),
                zone_upper=row["zone_upper"],
                zone_upper_inclusive=_yes(row["zone_upper_inclusive"], where),
                condition=row["condition"],
                mpe_kind=row["mpe_kind"],
                mpe_value=value,
                mpe_basis=row["mpe_basis"] or "value",
                mpe_minimum=row["mpe_minimum"],
                clause=row["clause"],
                legal_basis=row["legal_basis"],
                source_note=row.get("source_note", ""),
                source_file=name,
            )
            out.append(
                _Compiled(
                    rule=rule,
                    lower=_Expr(rule.zone_lower, where) if rule.zone_lower else None,
                    upper=_Expr(rule.zone_upper, where) if rule.zone_upper else None,
                    conditions=_parse_condition(rule.condition, where),
                    basis=_Expr(rule.mpe_basis, where) if rule.mpe_kind == "percent" else None,
                    minimum=_Expr(rule.mpe_minimum, where) if rule.mpe_minimum else None,
                )
            )
    return tuple(out)


class RuleTable:
    """A validated set of rule rows.

    :func:`default_table` holds the rows shipped in ``data/mpe_*.csv``; the web layer can
    build its own table (e.g. from versioned rows stored in its database, with the same
    columns) with :meth:`from_rows` or :meth:`from_csv` and pass it to :func:`evaluate`.
    """

    def __init__(self, compiled: tuple[_Compiled, ...]) -> None:
        self._rows = compiled

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, str]], source: str = "rows") -> RuleTable:
        """Validate and compile rows (mappings with the columns of :data:`REQUIRED_COLUMNS`)."""
        if isinstance(rows, str | bytes | Mapping) or not isinstance(rows, Iterable):
            raise InvalidType("rows must be a sequence of mappings", code="not_a_sequence", field="rows")
        rows = list(rows)
        for i, row in enumerate(rows):
            if not isinstance(row, Mapping):
                raise InvalidType(f"rows[{i}] is not a mapping", code="bad_row", field="rows", value=i)
        if not rows:
            raise InvalidInput("a rule table needs at least one row", code="no_rows", field="rows")
        return cls(_compile_rows([(_checks.text(source, "source"), rows)]))

    @classmethod
    def from_csv(cls, text: str, source: str = "csv") -> RuleTable:
        """Validate and compile CSV text (``#`` comment lines allowed)."""
        _checks.text(text, "text")
        lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        return cls.from_rows(csv.DictReader(io.StringIO("\n".join(lines))), source)

    def rules(self) -> tuple[MpeRule, ...]:
        return tuple(c.rule for c in self._rows)

    def instrument_types(self) -> tuple[str, ...]:
        return tuple(sorted({c.rule.instrument_type for c in self._rows}))

    def accuracy_classes(self, instrument_type: str) -> tuple[str, ...]:
        _checks.text(instrument_type, "instrument_type")
        return tuple(
            sorted({c.rule.accuracy_class for c in self._rows if c.rule.instrument_type == instrument_type})
        )


@cache
def default_table() -> RuleTable:
    """The rules shipped with the package (``data/mpe_*.csv``)."""
    return RuleTable(_compile_rows((name, read_csv(name)) for name in data_files("mpe_")))


def rules() -> tuple[MpeRule, ...]:
    """Every rule row shipped with the package."""
    return default_table().rules()


def instrument_types() -> tuple[str, ...]:
    """Instrument types that have at least one shipped rule."""
    return default_table().instrument_types()


def accuracy_classes(instrument_type: str) -> tuple[str, ...]:
    """Accuracy classes known for ``instrument_type`` (``""`` when the type has no classes)."""
    return default_table().accuracy_classes(instrument_type)


# --------------------------------------------------------------------------- evaluation
@dataclass(frozen=True)
class VerificationResult:
    """Outcome of one test point (frozen; all numbers in the caller's unit).

    ``error = indicated - reference``; ``passed`` is ``abs(error) <= mpe`` (OIML
    convention: the MPE is a bound on the magnitude of the error, limits included).
    """

    instrument_type: str
    accuracy_class: str
    stage: str
    reference: float
    indicated: float
    unit: str
    error: float
    relative_error_percent: float | None
    mpe: float
    mpe_relative_percent: float | None
    passed: bool
    verdict: str
    margin: float
    rule_id: str
    zone: str
    clause: str
    legal_basis: str

    def explain(self) -> str:
        sign = "within" if self.passed else "outside"
        return (
            f"{self.instrument_type} {self.accuracy_class or ''} ({self.stage}): error {self.error:+.6g} {self.unit} "
            f"is {sign} the MPE ±{self.mpe:.6g} {self.unit} (rule {self.rule_id}, zone {self.zone}; {self.clause})"
        ).replace("  ", " ")


def _scale(x: Decimal, from_unit: str, to_unit: str) -> Decimal:
    if to_unit == "*" or from_unit == "*" or from_unit == to_unit:
        return x
    f = unit_ratio(from_unit, to_unit)
    with localcontext() as ctx:
        ctx.prec = _CTX_PREC
        return x * Decimal(f.numerator) / Decimal(f.denominator)


def _select(
    table: RuleTable, instrument_type: str, accuracy_class: str | None, stage: str, unit: str
) -> list[_Compiled]:
    rows = [c for c in table._rows if c.rule.instrument_type == instrument_type]
    if not rows:
        raise RuleNotFound(
            f"no MPE rule for instrument type {instrument_type!r}; known types: {', '.join(table.instrument_types())}",
            code="unknown_instrument_type",
            field="instrument_type",
            value=instrument_type,
        )
    cls = accuracy_class or ""
    by_class = [c for c in rows if c.rule.accuracy_class == cls]
    if not by_class:
        known = ", ".join(repr(k) for k in sorted({c.rule.accuracy_class for c in rows}))
        raise RuleNotFound(
            f"no MPE rule for accuracy class {cls!r} of {instrument_type}; known classes: {known}",
            code="unknown_accuracy_class",
            field="accuracy_class",
            value=cls,
        )
    by_stage = [c for c in by_class if c.rule.stage == stage]
    if not by_stage:
        known = ", ".join(sorted({c.rule.stage for c in by_class}))
        raise RuleNotFound(
            f"no MPE rule for stage {stage!r} of {instrument_type} class {cls!r}; the tables define: {known}",
            code="unknown_stage",
            field="stage",
            value=stage,
        )
    dim = dimension_of(unit)
    by_dim = [c for c in by_stage if c.rule.dimension == dim]
    if not by_dim:
        known = ", ".join(sorted({c.rule.dimension for c in by_stage}))
        raise UnitMismatch(
            f"unit {unit!r} measures {dim}, but {instrument_type} rules are for: {known}",
            code="unit_dimension_mismatch",
            field="unit",
            value=unit,
            expected=known,
        )
    units = {c.rule.unit for c in by_dim}
    if unit in units:
        # a row written in the caller's unit wins (R 16: ±3 mmHg *or* ±0.4 kPa, not a conversion of one another)
        return [c for c in by_dim if c.rule.unit in (unit, "*")]
    specific = sorted(units - {"*"})
    if len(specific) > 1:
        raise UnitMismatch(
            f"{instrument_type} rules are written in {', '.join(specific)}; give the readings in one of these units",
            code="unit_not_in_rule_table",
            field="unit",
            value=unit,
            expected=", ".join(specific),
        )
    return by_dim


def _match(
    cands: list[_Compiled],
    value: Decimal,
    unit: str,
    params: Mapping[str, Decimal],
    conditions: Mapping[str, Any],
) -> tuple[_Compiled, dict[str, Decimal]]:
    matches: list[tuple[_Compiled, dict[str, Decimal]]] = []
    zone_values: dict[str, str] = {}
    for c in cands:
        r = c.rule
        env: dict[str, Decimal] = dict(params)
        env["value"] = abs(_scale(value, unit, r.unit))
        for k, v in conditions.items():
            if isinstance(v, int | float | Decimal) and not isinstance(v, bool):
                env[k] = _dec(v, k)
        if r.zone_variable not in env:
            raise InvalidInput(
                f"operating condition {r.zone_variable!r} is required to choose the band of {r.instrument_type}",
                code="missing_condition",
                field=r.zone_variable,
            )
        z = env[r.zone_variable]
        zone_values[r.zone_variable] = str(z)
        # membership conditions first (they select e.g. the connection type, whose
        # parameters differ), then the band, then numeric conditions
        ok = True
        for cl in c.conditions:
            if cl.op == "in":
                if cl.name not in conditions:
                    raise InvalidInput(
                        f"operating condition {cl.name!r} is required by rule {r.rule_id} ({cl.text})",
                        code="missing_condition",
                        field=cl.name,
                    )
                ok = str(conditions[cl.name]).strip() in cl.tokens
                if not ok:
                    break
        if ok and c.lower is not None:
            lo = c.lower(env)
            ok = z >= lo if r.zone_lower_inclusive else z > lo
        if ok and c.upper is not None:
            hi = c.upper(env)
            ok = z <= hi if r.zone_upper_inclusive else z < hi
        if ok:
            for cl in c.conditions:
                if cl.op == "in":
                    continue
                if cl.name not in env:
                    raise InvalidInput(
                        f"value {cl.name!r} is required by rule {r.rule_id} ({cl.text})",
                        code="missing_condition",
                        field=cl.name,
                    )
                assert cl.rhs is not None
                ok = _CMP[cl.op](env[cl.name], cl.rhs(env))
                if not ok:
                    break
        if ok:
            matches.append((c, env))
    if not matches:
        zones = "; ".join(sorted({c.rule.describe_zone() for c in cands}))
        where = ", ".join(f"{k} = {v}" for k, v in zone_values.items())
        raise OutOfRange(
            f"no band of the rule table covers this test point ({where}); bands: {zones}",
            code="test_point_out_of_range",
            field="reference",
            value=str(value),
        )
    if len(matches) > 1:
        ids = ", ".join(m[0].rule.rule_id for m in matches)
        raise DataError(f"ambiguous rule table: rows {ids} all match", code="data_ambiguous_rules", value=ids)
    return matches[0]


def _mpe_in_rule_unit(c: _Compiled, env: Mapping[str, Decimal]) -> Decimal:
    r = c.rule
    with localcontext() as ctx:
        ctx.prec = _CTX_PREC
        if r.mpe_kind == "e":
            if "e" not in env:
                raise InvalidInput(
                    "parameter 'e' (verification scale interval) is required",
                    code="missing_parameter",
                    field="e",
                )
            mpe = r.mpe_value * env["e"]
        elif r.mpe_kind == "percent":
            assert c.basis is not None
            mpe = r.mpe_value / 100 * abs(c.basis(env))
        else:
            mpe = r.mpe_value
        if c.minimum is not None:
            mpe = max(mpe, c.minimum(env))
    return mpe


def _params(params: Mapping[str, Any] | None) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    if params is not None and not isinstance(params, Mapping):
        raise InvalidType("params must be a mapping name -> number", code="not_a_mapping", field="params")
    for k, v in (params or {}).items():
        d = _dec(v, k)
        if d <= 0:
            raise InvalidInput(
                f"instrument parameter {k} must be positive, got {v!r}", code="not_positive", field=k, value=v
            )
        out[k] = d
    return out


def maximum_permissible_error(
    instrument_type: str,
    accuracy_class: str | None,
    stage: str,
    reference: float,
    unit: str,
    params: Mapping[str, float] | None = None,
    conditions: Mapping[str, Any] | None = None,
    *,
    table: RuleTable | None = None,
) -> tuple[float, MpeRule]:
    """MPE (magnitude, in ``unit``) applicable at a test point, and the rule row used."""
    tbl = table or default_table()
    res = evaluate(
        instrument_type, accuracy_class, stage, reference, reference, unit, params, conditions, table=tbl
    )
    rule = next(r for r in tbl.rules() if r.rule_id == res.rule_id)
    return res.mpe, rule


def evaluate(
    instrument_type: str,
    accuracy_class: str | None,
    stage: str,
    reference: float,
    indicated: float,
    unit: str,
    params: Mapping[str, float] | None = None,
    conditions: Mapping[str, Any] | None = None,
    *,
    table: RuleTable | None = None,
) -> VerificationResult:
    """Error, MPE and verdict at one test point.

    Args:
        instrument_type: e.g. ``"nawi"``, ``"fuel_dispenser"``, ``"water_meter"``,
            ``"electricity_meter_active"``, ``"electricity_meter_reactive"``,
            ``"taximeter"``, ``"sphygmomanometer"`` (see :func:`instrument_types`).
        accuracy_class: e.g. ``"III"``, ``"0.5"``, ``"2"``, ``"0.2S"``; ``None`` or
            ``""`` for types without classes.
        stage: ``"initial"`` or ``"in_service"``.
        reference: conventional true value of the test point (test load, volume of the
            standard measure, true energy …).
        indicated: indication of the instrument (already corrected for rounding where
            the procedure requires it, e.g. OIML R 76-2 A.4.4.3).
        unit: unit of ``reference`` and ``indicated``; it selects the quantity when an
            instrument verifies several (taximeter: ``m`` or ``s``).
        params: instrument parameters used by the rule (``e``, ``Max``, ``MMQ``,
            ``Q3``, ``R``, ``Ib``, ``In``, ``Imax`` …) in the rule's unit, or in the unit
            of the readings when the rule's unit is ``*``.
        conditions: operating conditions (``flow_rate``, ``temperature`` in °C,
            ``current``, ``connection``, ``power_factor``, ``sin_phi`` …).
        table: the rules to use (default: :func:`default_table`).

    Raises:
        RuleNotFound: unknown type, class or stage.
        UnitMismatch: unknown unit, or a unit of another dimension than the rules.
        OutOfRange: the test point is outside every band (e.g. a load above Max,
            a flow rate below Q1, a volume below the MMQ).
        InvalidInput: NaN/inf readings, missing or non-positive parameters,
            missing operating conditions.
    """
    _checks.choice(stage, "stage", _STAGES)
    if not isinstance(unit, str):
        raise UnitMismatch(
            f"unit must be a string, got {unit!r}", code="unknown_unit", field="unit", value=unit
        )
    unit_c = canonical_unit(unit)
    dimension_of(unit_c)
    ref = _dec(reference, "reference")
    ind = _dec(indicated, "indicated")
    p = _params(params)
    if conditions is not None and not isinstance(conditions, Mapping):
        raise InvalidType(
            "conditions must be a mapping name -> value", code="not_a_mapping", field="conditions"
        )
    if table is not None and not isinstance(table, RuleTable):
        raise InvalidType("table must be a RuleTable", code="not_a_rule_table", field="table")
    conds = dict(conditions or {})
    for k, v in conds.items():
        if isinstance(v, Decimal):
            _dec(v, k)
        elif _checks.is_number(v) and not math.isfinite(float(v)):
            raise InvalidInput(f"operating condition {k} is not finite", code="nan_value", field=k, value=v)
    cands = _select(table or default_table(), instrument_type, accuracy_class, stage, unit_c)
    comp, env = _match(cands, ref, unit_c, p, conds)
    rule = comp.rule
    mpe_r = _mpe_in_rule_unit(comp, env)
    with localcontext() as ctx:
        ctx.prec = _CTX_PREC
        mpe = _scale(mpe_r, rule.unit, unit_c)
        err = ind - ref
        passed = abs(err) <= mpe
        rel = (err / ref * 100) if ref != 0 else None
        mpe_rel = (mpe / abs(ref) * 100) if ref != 0 else None
        margin = mpe - abs(err)
    return VerificationResult(
        instrument_type=instrument_type,
        accuracy_class=rule.accuracy_class,
        stage=stage,
        reference=float(ref),
        indicated=float(ind),
        unit=unit,
        error=float(err),
        relative_error_percent=None if rel is None else float(rel),
        mpe=float(mpe),
        mpe_relative_percent=None if mpe_rel is None else float(mpe_rel),
        passed=bool(passed),
        verdict="pass" if passed else "fail",
        margin=float(margin),
        rule_id=rule.rule_id,
        zone=rule.describe_zone(),
        clause=rule.clause,
        legal_basis=rule.legal_basis,
    )
