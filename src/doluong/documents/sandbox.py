"""Templates written by users, rendered without running their code.

A user-supplied template (a provider's Word certificate, or any other text a user can make the server render)
may use only what its caller documents:

* **placeholders** — plain text values ``{{ number }}``, usable in ``{{ }}``, ``{% if %}``, comparisons and the
  filters below;
* **row lists** — ``{% for p in points %}`` … ``{% endfor %}`` over a documented list, reading only the
  documented keys of a row (``{{ p.label }}`` or ``{{ p["label"] }}``); one level of loop, no recursion;
  inside a loop ``loop.index``, ``loop.first``, ``loop.last`` and ``loop.length``; elsewhere a list may only
  be counted (``{{ points|length }}``) or tested (``{% if points %}``);
* **images** — a name such as ``qr`` written alone, ``{{ qr }}``;
* ``{% if %}`` / ``{% elif %}`` / ``{% else %}``, ``and`` / ``or`` / ``not``, the comparisons ``== != < <= > >=
  in``, ``a if b else c``, text joined with ``~``, and constants (text, numbers, true/false);
* the filters of :data:`FILTERS`, with at most the given number of constant arguments.

Everything else is refused: any other name (``cycler``, ``joiner``, ``namespace``, ``lipsum``, ``range``,
``self``, ``dict`` …), attribute or item access other than a row's documented keys, calls, arithmetic and ``%``
formatting, tests (``is``), list/dict literals, slices, keyword arguments, and the tags ``include``,
``import``, ``from``, ``extends``, ``macro``, ``call``, ``set``, ``with``, ``filter``, ``block``,
``autoescape``.

The check is done twice, on the same syntax tree Jinja compiles:

1. :func:`check_source` (at upload): every offending tag is reported as a :class:`Problem` whose ``tag`` is
   the tag written back (``{{ x.__class__ }}``), so the user sees which placeholder to fix;
2. :class:`TemplateEnvironment` (at render): an ``ImmutableSandboxedEnvironment`` with no globals, no tests,
   only the whitelisted filters, which checks every template it compiles (a template stored before the rules
   were tightened is refused with :class:`TemplateRefused`, never run); at run time attribute and item access
   is limited to the keys of plain dicts and the loop attributes above, and calls and arithmetic raise.

:func:`plain_context` turns the caller's data into plain values (text, numbers, booleans, lists of dicts of
text) so that nothing reachable from a template has a method worth calling.

:func:`check_format_pattern` and :func:`format_pattern` do the same for ``str.format`` patterns a user types
(document numbers such as ``{n} - {yy}``): only the named fields, no attribute access, no conversion, no
format spec.

No Django import: the messages a user sees are made by the caller from ``Problem.reason`` / ``Problem.name``.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jinja2 import nodes
from jinja2.defaults import DEFAULT_FILTERS
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment

__all__ = [
    "FILTERS",
    "LOOP_ATTRIBUTES",
    "Placeholders",
    "Problem",
    "TemplateEnvironment",
    "TemplateRefused",
    "TemplateSyntaxError",
    "check_format_pattern",
    "check_source",
    "environment",
    "format_pattern",
    "plain_context",
]

#: the filters a user template may use -> the largest number of (constant, positional) arguments
FILTERS: dict[str, int] = {
    "upper": 0,  # CHỮ HOA
    "lower": 0,  # chữ thường
    "capitalize": 0,  # Viết hoa chữ đầu
    "title": 0,  # Viết Hoa Mỗi Từ
    "trim": 0,  # bỏ khoảng trắng đầu và cuối
    "default": 2,  # {{ x|default("—") }}, {{ x|default("—", true) }} (also when x is empty)
    "join": 1,  # {{ x|join(", ") }}
    "length": 0,  # {{ points|length }}: number of rows, or of characters
}

#: what a template may read of Jinja's ``loop`` inside a ``{% for %}``
LOOP_ATTRIBUTES = frozenset({"index", "first", "last", "length"})

_COMPARISONS = frozenset({"eq", "ne", "lt", "lteq", "gt", "gteq", "in", "notin"})
_CONST_TYPES = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class Placeholders:
    """What a family of templates may use: plain ``text`` names, ``rows`` (list name -> keys of a row), and
    ``images`` (names usable only alone, ``{{ qr }}``)."""

    text: frozenset[str]
    rows: Mapping[str, frozenset[str]] = field(default_factory=dict)
    images: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        text: Iterable[str],
        rows: Mapping[str, Iterable[str]] | None = None,
        images: Iterable[str] = (),
    ) -> Placeholders:
        return cls(
            text=frozenset(text),
            rows={name: frozenset(keys) for name, keys in (rows or {}).items()},
            images=frozenset(images),
        )

    @property
    def names(self) -> frozenset[str]:
        return self.text | frozenset(self.rows) | self.images


@dataclass(frozen=True)
class Problem:
    """One refused tag: ``tag`` as written back from the syntax tree, ``reason`` a stable code, ``name`` the
    offending name, filter or attribute (when there is one)."""

    tag: str
    reason: str
    name: str = ""
    lineno: int = 0


class TemplateRefused(SecurityError):
    """The template uses something outside its whitelist (``problems`` says what)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.tag}: {p.reason}" for p in problems))


# ------------------------------------------------------------------------------------------------ checker


class _Bad(Exception):
    def __init__(self, reason: str, name: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.name = name


@dataclass
class _Scope:
    rows: dict[str, frozenset[str]] = field(default_factory=dict)  # loop variable -> keys of its row
    in_loop: bool = False


_STATEMENT_WORDS = {
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from",
    nodes.Extends: "extends",
    nodes.Macro: "macro",
    nodes.CallBlock: "call",
    nodes.Assign: "set",
    nodes.AssignBlock: "set",
    nodes.With: "with",
    nodes.FilterBlock: "filter",
    nodes.Block: "block",
    nodes.ScopedEvalContextModifier: "autoescape",
    nodes.EvalContextModifier: "autoescape",
    nodes.ExprStmt: "do",
    nodes.Break: "break",
    nodes.Continue: "continue",
    nodes.Scope: "autoescape",  # {% autoescape %} parses as a Scope around a ScopedEvalContextModifier
    nodes.OverlayScope: "scope",
}


class _Checker:
    def __init__(self, allowed: Placeholders) -> None:
        self.allowed = allowed
        self.problems: list[Problem] = []

    # statements --------------------------------------------------------------------------------------
    def body(self, body: Iterable[nodes.Node], scope: _Scope) -> None:
        for node in body:
            self.stmt(node, scope)

    def _record(self, tag: str, bad: _Bad, node: nodes.Node) -> None:
        self.problems.append(Problem(tag=tag, reason=bad.reason, name=bad.name, lineno=node.lineno or 0))

    def stmt(self, node: nodes.Node, scope: _Scope) -> None:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    continue
                try:
                    self.expr(child, scope, image=True)
                except _Bad as bad:
                    self._record("{{ " + unparse(child) + " }}", bad, child)
        elif isinstance(node, nodes.If):
            try:
                self.expr(node.test, scope, rows=True)  # {% if points %}: is the list empty
            except _Bad as bad:
                self._record("{% if " + unparse(node.test) + " %}", bad, node)
            self.body(node.body, scope)
            for elif_ in node.elif_:
                self.stmt(elif_, scope)
            self.body(node.else_, scope)
        elif isinstance(node, nodes.For):
            self.for_(node, scope)
        else:
            word = _STATEMENT_WORDS.get(type(node), type(node).__name__.lower())
            self.problems.append(
                Problem(tag=_statement_tag(node, word), reason="tag", name=word, lineno=node.lineno or 0)
            )

    def for_(self, node: nodes.For, scope: _Scope) -> None:
        tag = "{% for " + unparse(node.target) + " in " + unparse(node.iter) + " %}"
        try:
            if scope.in_loop:
                raise _Bad("nested_loop")
            if node.recursive:
                raise _Bad("recursive_loop")
            target = node.target
            if not isinstance(target, nodes.Name):
                raise _Bad("loop_target", unparse(target))
            if target.name in self.allowed.names or target.name == "loop":
                raise _Bad("loop_target", target.name)
            if not (isinstance(node.iter, nodes.Name) and node.iter.name in self.allowed.rows):
                raise _Bad("loop_over", unparse(node.iter))
            inner = _Scope(rows={**scope.rows, target.name: self.allowed.rows[node.iter.name]}, in_loop=True)
            if node.test is not None:
                self.expr(node.test, _Scope(rows=inner.rows, in_loop=False))
        except _Bad as bad:
            self._record(tag, bad, node)
            return
        self.body(node.body, inner)
        self.body(node.else_, scope)

    # expressions -------------------------------------------------------------------------------------
    def expr(self, node: nodes.Node, scope: _Scope, *, image: bool = False, rows: bool = False) -> None:
        if isinstance(node, nodes.Const):
            if not isinstance(node.value, _CONST_TYPES):
                raise _Bad("constant", repr(node.value))
        elif isinstance(node, nodes.Name):
            self.name(node, scope, image=image, rows=rows)
        elif isinstance(node, nodes.Getattr):
            self.lookup(node.node, node.attr, scope)
        elif isinstance(node, nodes.Getitem):
            if not (isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str)):
                raise _Bad("item", unparse(node.arg))
            self.lookup(node.node, node.arg.value, scope)
        elif isinstance(node, nodes.Filter):
            self.filter(node, scope)
        elif isinstance(node, nodes.Compare):
            self.expr(node.expr, scope)
            for op in node.ops:
                if op.op not in _COMPARISONS:
                    raise _Bad("operator", op.op)
                self.expr(op.expr, scope)
        elif isinstance(node, nodes.And | nodes.Or):
            self.expr(node.left, scope, rows=rows)
            self.expr(node.right, scope, rows=rows)
        elif isinstance(node, nodes.Not):
            self.expr(node.node, scope, rows=rows)
        elif isinstance(node, nodes.CondExpr):
            self.expr(node.test, scope)
            self.expr(node.expr1, scope)
            if node.expr2 is not None:
                self.expr(node.expr2, scope)
        elif isinstance(node, nodes.Concat):
            for child in node.nodes:
                self.expr(child, scope)
        elif isinstance(node, nodes.Call):
            raise _Bad("call", unparse(node.node))
        elif isinstance(node, nodes.Test):
            raise _Bad("test", node.name)
        elif isinstance(node, nodes.BinExpr | nodes.UnaryExpr):
            raise _Bad("operator", node.operator)
        else:
            raise _Bad("expression", type(node).__name__)

    def name(self, node: nodes.Name, scope: _Scope, *, image: bool, rows: bool) -> None:
        name = node.name
        if node.ctx != "load":
            raise _Bad("expression", name)
        if name in scope.rows or (name == "loop" and scope.in_loop):
            raise _Bad("row_alone", name)
        if name in self.allowed.text:
            return
        if name in self.allowed.rows:
            if rows:
                return
            raise _Bad("list_outside_loop", name)
        if name in self.allowed.images:
            if image:
                return
            raise _Bad("image_alone", name)
        raise _Bad("unknown_name", name)

    def lookup(self, target: nodes.Node, key: str, scope: _Scope) -> None:
        if isinstance(target, nodes.Name) and target.ctx == "load":
            if target.name in scope.rows:
                if key in scope.rows[target.name]:
                    return
                raise _Bad("row_key", key)
            if target.name == "loop" and scope.in_loop:
                if key in LOOP_ATTRIBUTES:
                    return
                raise _Bad("loop_attribute", key)
        raise _Bad("attribute", key)

    def filter(self, node: nodes.Filter, scope: _Scope) -> None:
        if node.name not in FILTERS:
            raise _Bad("filter", node.name)
        if node.kwargs or node.dyn_args is not None or node.dyn_kwargs is not None:
            raise _Bad("filter_arguments", node.name)
        if len(node.args) > FILTERS[node.name]:
            raise _Bad("filter_arguments", node.name)
        for arg in node.args:
            if not (isinstance(arg, nodes.Const) and isinstance(arg.value, _CONST_TYPES)):
                raise _Bad("filter_arguments", node.name)
        if node.node is None:
            raise _Bad("tag", "filter")
        self.expr(node.node, scope, rows=node.name == "length")


def check_tree(tree: nodes.Template, allowed: Placeholders) -> list[Problem]:
    """Problems of a parsed template (``[]``: the template uses only what ``allowed`` documents)."""
    checker = _Checker(allowed)
    checker.body(tree.body, _Scope())
    return checker.problems


def check_source(source: str, allowed: Placeholders) -> list[Problem]:
    """Problems of template text; raises ``jinja2.TemplateSyntaxError`` if it is not a template at all."""
    return check_tree(environment(allowed).parse(source), allowed)


# ------------------------------------------------------------------------------------------- write-back

_BINARY = {
    "Add": "+",
    "Sub": "-",
    "Mul": "*",
    "Div": "/",
    "FloorDiv": "//",
    "Pow": "**",
    "Mod": "%",
    "And": "and",
    "Or": "or",
}
_COMPARE_WORDS = {
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "lteq": "<=",
    "gt": ">",
    "gteq": ">=",
    "in": "in",
    "notin": "not in",
}


def _const(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if value is True or value is False:
        return "true" if value else "false"
    if value is None:
        return "none"
    return repr(value)


def _args(node: Any) -> str:
    parts = [unparse(a) for a in getattr(node, "args", []) or []]
    parts += [f"{k.key}={unparse(k.value)}" for k in getattr(node, "kwargs", []) or []]
    if getattr(node, "dyn_args", None) is not None:
        parts.append("*" + unparse(node.dyn_args))
    if getattr(node, "dyn_kwargs", None) is not None:
        parts.append("**" + unparse(node.dyn_kwargs))
    return ", ".join(parts)


def unparse(node: Any) -> str:
    """Jinja source for an expression node (for messages; close to what the user wrote)."""
    if node is None:
        return ""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Const):
        return _const(node.value)
    if isinstance(node, nodes.Getattr):
        return f"{unparse(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        return f"{unparse(node.node)}[{unparse(node.arg)}]"
    if isinstance(node, nodes.Slice):
        return f"{unparse(node.start)}:{unparse(node.stop)}" + (f":{unparse(node.step)}" if node.step else "")
    if isinstance(node, nodes.Call):
        return f"{unparse(node.node)}({_args(node)})"
    if isinstance(node, nodes.Filter):
        args = _args(node)
        return f"{unparse(node.node)}|{node.name}" + (f"({args})" if args else "")
    if isinstance(node, nodes.Test):
        args = _args(node)
        return f"{unparse(node.node)} is {node.name}" + (f"({args})" if args else "")
    if isinstance(node, nodes.BinExpr):
        return f"{unparse(node.left)} {_BINARY.get(type(node).__name__, node.operator)} {unparse(node.right)}"
    if isinstance(node, nodes.Not):
        return f"not {unparse(node.node)}"
    if isinstance(node, nodes.UnaryExpr):
        return f"{node.operator}{unparse(node.node)}"
    if isinstance(node, nodes.Compare):
        return " ".join(
            [unparse(node.expr)] + [f"{_COMPARE_WORDS.get(o.op, o.op)} {unparse(o.expr)}" for o in node.ops]
        )
    if isinstance(node, nodes.CondExpr):
        tail = f" else {unparse(node.expr2)}" if node.expr2 is not None else ""
        return f"{unparse(node.expr1)} if {unparse(node.test)}{tail}"
    if isinstance(node, nodes.Concat):
        return " ~ ".join(unparse(n) for n in node.nodes)
    if isinstance(node, nodes.Tuple):
        return "(" + ", ".join(unparse(n) for n in node.items) + ("," if len(node.items) == 1 else "") + ")"
    if isinstance(node, nodes.List):
        return "[" + ", ".join(unparse(n) for n in node.items) + "]"
    if isinstance(node, nodes.Dict):
        return "{" + ", ".join(f"{unparse(p.key)}: {unparse(p.value)}" for p in node.items) + "}"
    if isinstance(node, nodes.Keyword):
        return f"{node.key}={unparse(node.value)}"
    return "…"


def _statement_tag(node: nodes.Node, word: str) -> str:
    if isinstance(node, nodes.Include | nodes.Extends):
        return "{% " + word + " " + unparse(node.template) + " %}"
    if isinstance(node, nodes.Import):
        return "{% import " + unparse(node.template) + " as " + node.target + " %}"
    if isinstance(node, nodes.FromImport):
        names = ", ".join(n if isinstance(n, str) else f"{n[0]} as {n[1]}" for n in node.names)
        return "{% from " + unparse(node.template) + " import " + names + " %}"
    if isinstance(node, nodes.Assign):
        return "{% set " + unparse(node.target) + " = " + unparse(node.node) + " %}"
    if isinstance(node, nodes.AssignBlock):
        return "{% set " + unparse(node.target) + " %}"
    if isinstance(node, nodes.Macro):
        return "{% macro " + node.name + "(" + ", ".join(a.name for a in node.args) + ") %}"
    if isinstance(node, nodes.CallBlock):
        return "{% call " + unparse(node.call) + " %}"
    if isinstance(node, nodes.FilterBlock):
        return "{% filter " + (unparse(node.filter)[1:] if node.filter is not None else "") + " %}"
    if isinstance(node, nodes.Block):
        return "{% block " + node.name + " %}"
    if isinstance(node, nodes.With):
        pairs = ", ".join(
            f"{unparse(t)} = {unparse(v)}" for t, v in zip(node.targets, node.values, strict=False)
        )
        return "{% with " + pairs + " %}"
    if isinstance(node, nodes.Scope | nodes.ScopedEvalContextModifier | nodes.EvalContextModifier):
        inner = node.body[0] if isinstance(node, nodes.Scope) and node.body else node
        options = getattr(inner, "options", None) or []
        value = " ".join(unparse(k.value) for k in options if k.key == "autoescape")
        return "{% autoescape " + (value or "…") + " %}"
    if isinstance(node, nodes.ExprStmt):
        return "{% do " + unparse(node.node) + " %}"
    return "{% " + word + " … %}"


# ------------------------------------------------------------------------------------------- rendering


class TemplateEnvironment(ImmutableSandboxedEnvironment):
    """A sandbox that compiles only templates passing :func:`check_tree` for its ``allowed`` placeholders;
    no globals, no tests, only :data:`FILTERS`; at run time only dict keys and the loop attributes are
    readable, and calls, arithmetic and formatting raise ``SecurityError``."""

    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})
    intercepted_unops = frozenset({"+", "-"})

    def __init__(self, allowed: Placeholders, *, autoescape: bool = True) -> None:
        super().__init__(autoescape=autoescape)
        self.allowed = allowed
        self.globals.clear()
        self.filters = {name: DEFAULT_FILTERS[name] for name in FILTERS}
        self.tests = {}

    def _generate(self, source, name, filename, defer_init=False):
        problems = check_tree(source, self.allowed)
        if problems:
            raise TemplateRefused(problems)
        return super()._generate(source, name, filename, defer_init=defer_init)

    def _lookup(self, obj: Any, key: Any) -> Any:
        if isinstance(obj, LoopContext) and key in LOOP_ATTRIBUTES:
            return getattr(obj, key)
        if type(obj) is dict and isinstance(key, str) and key in obj:
            return obj[key]
        raise SecurityError(f"reading {key!r} is not allowed in this template")

    def getattr(self, obj: Any, attribute: str) -> Any:
        return self._lookup(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        return self._lookup(obj, argument)

    def call(__self, __context, __obj, *args, **kwargs):
        raise SecurityError("calls are not allowed in this template")

    def call_binop(self, context, operator, left, right):
        raise SecurityError("arithmetic is not allowed in this template")

    def call_unop(self, context, operator, arg):
        raise SecurityError("arithmetic is not allowed in this template")

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return False

    def is_safe_callable(self, obj: Any) -> bool:
        return False


def environment(allowed: Placeholders, *, autoescape: bool = True) -> TemplateEnvironment:
    """A fresh :class:`TemplateEnvironment` (cheap; one per render keeps renders independent)."""
    return TemplateEnvironment(allowed, autoescape=autoescape)


def _plain(value: Any) -> str | int | float | bool:
    """Text, a number or a boolean: a value of any other type (a lazy translation, a Decimal, a model)
    becomes its text, so no object with methods reaches a template."""
    if value is None:
        return ""
    if type(value) in (str, bool, int, float):
        return value
    text = value if isinstance(value, str) else str(value)
    return str.__str__(text)  # an exact str: never a "safe" subclass (Markup) that would skip XML escaping


def plain_context(context: Mapping[str, Any], allowed: Placeholders) -> dict[str, Any]:
    """Only the documented names of ``context``, as plain values: text, numbers and booleans for text
    placeholders, lists of ``{key: text}`` for row lists (other keys dropped). Images are added by the
    caller."""
    out: dict[str, Any] = {}
    for name in allowed.text:
        out[name] = _plain(context.get(name))
    for name, keys in allowed.rows.items():
        rows = context.get(name) or []
        out[name] = [{key: _plain(row.get(key)) for key in keys} for row in rows if isinstance(row, Mapping)]
    return out


# ---------------------------------------------------------------------------------- str.format patterns


def check_format_pattern(pattern: str, names: Iterable[str]) -> list[str]:
    """The fields of a ``str.format`` pattern that are not plain ``{name}`` for one of ``names`` (written
    back, e.g. ``"{n.__class__}"``, ``"{n:>999999}"``, ``"{0}"``); raises ``ValueError`` for unbalanced
    braces."""
    allowed = set(names)
    bad = []
    for _literal, field_name, spec, conversion in string.Formatter().parse(pattern):
        if field_name is None:
            continue
        if field_name not in allowed or spec or conversion:
            text = (
                "{"
                + field_name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
            bad.append(text)
    return bad


def format_pattern(pattern: str, values: Mapping[str, str]) -> str:
    """``pattern`` with each ``{name}`` replaced by ``values[name]`` (text); any other field raises
    ``ValueError`` (checked before anything is formatted)."""
    bad = check_format_pattern(pattern, values)
    if bad:
        raise ValueError(f"fields not allowed: {', '.join(bad)}")
    out = []
    for literal, field_name, _spec, _conversion in string.Formatter().parse(pattern):
        out.append(literal)
        if field_name is not None:
            out.append(str(values[field_name]))
    return "".join(out)
