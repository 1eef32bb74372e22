"""Coverage of the verification demand: the formulas, in pure Python (no Django), so that a report can be
recomputed from its stored inputs and parameters alone.

Capability coverage (version "capability-1")
    demand of a type      D_t = Σ_instruments 12 ÷ cycle_t  (+ survey estimates n ± u, same formula)
    capacity of a type    C_t = Σ declared annual capacity of the scope lines of the province's providers that hold
                               a valid registered scope for t (a line without a declared capacity counts as
                               unlimited or as zero, by the parameter `undeclaredCapacity`)
    covered of a type     V_t = min(D_t, C_t)   (0 where no provider holds a scope for t)
    coverage              Σ V_t ÷ Σ D_t
    allocation            a type's covered share V_t ÷ D_t is spread over its communes in proportion to their
                               demand (pro rata); a commune's or a field's coverage is the sum of its types' shares
    fee value             the same sums weighted by the fee of one verification of the type (parameter `fees`);
                               given only when every type with demand has a fee

Realised coverage (version "realised-1")
    services of the province's instruments in the period (certificates of verification or calibration, revoked
    ones excluded) issued by providers of the province ÷ all such services, whoever issued them.

What-if: a provider designated for a type with a capacity is added to the capacities (capability), and takes
over up to its capacity of the services of that type done by providers from elsewhere (realised).

Types whose cycle is unknown give no demand; they are listed as a data-quality flag, never guessed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

UNLIMITED = "unlimited"
NONE = "none"
FORMULAS = ("capability-1", "realised-1")

_CENT = Decimal("0.01")
_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Population:
    """Instruments of one type in one commune (registered, or a survey estimate with its uncertainty ± count)."""

    type_code: str
    type_name: str
    field: str
    commune: str
    count: int
    cycle_months: int | None
    source: str = "registry"
    uncertainty: int = 0


@dataclass(frozen=True)
class Capacity:
    """A provider's scope line for a type, with the annual capacity it declared (None: not declared)."""

    provider: str
    type_code: str
    annual: int | None = None


@dataclass(frozen=True)
class Service:
    """Services (certificates) of the province's instruments: how many, and whether a provider of the province
    issued them."""

    type_code: str
    type_name: str
    field: str
    commune: str
    local: bool
    count: int = 1


@dataclass(frozen=True)
class Parameters:
    undeclared_capacity: str = UNLIMITED
    include_surveys: bool = True
    fees: dict = field(default_factory=dict)  # type code -> fee of one verification (VND)

    @classmethod
    def from_dict(cls, data: dict | None) -> Parameters:
        data = dict(data or {})
        policy = data.get("undeclaredCapacity", UNLIMITED)
        if policy not in (UNLIMITED, NONE):
            raise ValueError(f"undeclaredCapacity must be {UNLIMITED!r} or {NONE!r}, not {policy!r}")
        fees = {str(k): Decimal(str(v)) for k, v in (data.get("fees") or {}).items()}
        if any(v < 0 for v in fees.values()):
            raise ValueError("a fee is negative")
        return cls(policy, bool(data.get("includeSurveys", True)), fees)


def annual_demand(count: int, cycle_months: int) -> Decimal:
    """Verifications a year of `count` instruments verified every `cycle_months` months: count × 12 ÷ cycle."""
    if cycle_months <= 0:
        raise ValueError("a verification cycle is a positive number of months")
    return Decimal(count) * 12 / Decimal(cycle_months)


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(_TENTH, ROUND_HALF_UP)


def _q(value: Decimal) -> Decimal:
    return Decimal(value).quantize(_CENT, ROUND_HALF_UP)


@dataclass
class Line:
    """One row of a breakdown (a type, a field or a commune)."""

    key: str
    label: str
    demand: Decimal = Decimal(0)
    covered: Decimal = Decimal(0)
    demand_fee: Decimal | None = Decimal(0)
    covered_fee: Decimal | None = Decimal(0)
    uncertainty: Decimal = Decimal(0)
    capacity: Decimal | None = None
    providers: int = 0

    @property
    def percent(self) -> Decimal | None:
        return percent(self.covered, self.demand)

    @property
    def gap(self) -> Decimal:
        return self.demand - self.covered

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "demand": str(_q(self.demand)),
            "covered": str(_q(self.covered)),
            "gap": str(_q(self.gap)),
            "percent": None if self.percent is None else str(self.percent),
            "uncertainty": str(_q(self.uncertainty)),
            "capacity": None if self.capacity is None else str(_q(self.capacity)),
            "providers": self.providers,
            "demand_fee": None if self.demand_fee is None else str(_q(self.demand_fee)),
            "covered_fee": None if self.covered_fee is None else str(_q(self.covered_fee)),
        }


@dataclass
class Result:
    formula: str
    demand: Decimal
    covered: Decimal
    uncertainty: Decimal
    by_type: list[Line]
    by_field: list[Line]
    by_commune: list[Line]
    gaps: list[Line]
    demand_fee: Decimal | None
    covered_fee: Decimal | None
    flags: list[dict]  # {"code": "unknown_cycle" | "no_fee", "count": …, "type": …}

    @property
    def percent(self) -> Decimal | None:
        return percent(self.covered, self.demand)

    @property
    def fee_percent(self) -> Decimal | None:
        if self.demand_fee is None or self.covered_fee is None:
            return None
        return percent(self.covered_fee, self.demand_fee)

    def as_dict(self) -> dict:
        return {
            "formula": self.formula,
            "demand": str(_q(self.demand)),
            "covered": str(_q(self.covered)),
            "uncertainty": str(_q(self.uncertainty)),
            "percent": None if self.percent is None else str(self.percent),
            "demand_fee": None if self.demand_fee is None else str(_q(self.demand_fee)),
            "covered_fee": None if self.covered_fee is None else str(_q(self.covered_fee)),
            "fee_percent": None if self.fee_percent is None else str(self.fee_percent),
            "by_type": [x.as_dict() for x in self.by_type],
            "by_field": [x.as_dict() for x in self.by_field],
            "by_commune": [x.as_dict() for x in self.by_commune],
            "gaps": [x.as_dict() for x in self.gaps],
            "flags": list(self.flags),
        }


def _group(lines: dict, key: str, label: str) -> Line:
    if key not in lines:
        lines[key] = Line(key, label)
    return lines[key]


def _fees_complete(types: Iterable[str], fees: dict) -> list[str]:
    return sorted(t for t in types if t not in fees)


def capability(
    populations: Iterable[Population],
    capacities: Iterable[Capacity],
    parameters: Parameters | None = None,
) -> Result:
    """Capability coverage of the demand by the capacities (see the module's formula)."""
    params = parameters or Parameters()
    flags: list[dict] = []
    demand_tc: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    unc_t: dict[str, Decimal] = defaultdict(Decimal)
    names: dict[str, tuple[str, str]] = {}
    unknown: dict[str, int] = defaultdict(int)
    for pop in populations:
        if pop.source == "survey" and not params.include_surveys:
            continue
        names[pop.type_code] = (pop.type_name, pop.field)
        if not pop.cycle_months:
            unknown[pop.type_name] += pop.count
            continue
        demand_tc[(pop.type_code, pop.commune)] += annual_demand(pop.count, pop.cycle_months)
        if pop.uncertainty:
            unc_t[pop.type_code] += annual_demand(pop.uncertainty, pop.cycle_months)
    for name, count in sorted(unknown.items()):
        flags.append({"code": "unknown_cycle", "count": count, "type": name})

    cap_t: dict[str, Decimal | None] = {}
    providers_t: dict[str, set] = defaultdict(set)
    for cap in capacities:
        providers_t[cap.type_code].add(cap.provider)
        if cap.annual is None:
            if params.undeclared_capacity == UNLIMITED:
                cap_t[cap.type_code] = None  # unlimited wins
                continue
            amount = Decimal(0)
        else:
            amount = Decimal(cap.annual)
        if cap.type_code in cap_t and cap_t[cap.type_code] is None:
            continue
        cap_t[cap.type_code] = cap_t.get(cap.type_code, Decimal(0)) + amount

    demand_t: dict[str, Decimal] = defaultdict(Decimal)
    for (t, _c), d in demand_tc.items():
        demand_t[t] += d
    share_t: dict[str, Decimal] = {}
    by_type: dict[str, Line] = {}
    missing_fees = _fees_complete(demand_t, params.fees)
    fees_ok = not missing_fees
    if missing_fees:
        flags.append({"code": "no_fee", "count": len(missing_fees)})
    for t, d in demand_t.items():
        line = _group(by_type, t, names[t][0])
        line.demand = d
        line.uncertainty = unc_t.get(t, Decimal(0))
        line.providers = len(providers_t.get(t, ()))
        if t not in providers_t:
            covered = Decimal(0)
        elif cap_t.get(t) is None:
            covered = d
        else:
            line.capacity = cap_t[t]
            covered = min(d, cap_t[t])
        line.covered = covered
        share_t[t] = covered / d if d else Decimal(0)
        if fees_ok:
            line.demand_fee = d * params.fees[t]
            line.covered_fee = covered * params.fees[t]
        else:
            line.demand_fee = line.covered_fee = None

    by_field: dict[str, Line] = {}
    by_commune: dict[str, Line] = {}
    for (t, c), d in demand_tc.items():
        covered = d * share_t[t]
        for lines, key in ((by_field, names[t][1]), (by_commune, c)):
            line = _group(lines, key, key)
            line.demand += d
            line.covered += covered
            if fees_ok:
                line.demand_fee += d * params.fees[t]
                line.covered_fee += covered * params.fees[t]
            else:
                line.demand_fee = line.covered_fee = None
    for t, u in unc_t.items():
        _group(by_field, names[t][1], names[t][1]).uncertainty += u

    demand = sum(demand_t.values(), Decimal(0))
    covered = sum((line.covered for line in by_type.values()), Decimal(0))
    types = sorted(by_type.values(), key=lambda x: x.key)
    return Result(
        formula="capability-1",
        demand=demand,
        covered=covered,
        # independent survey errors add in quadrature; registered counts carry none
        uncertainty=sum((u * u for u in unc_t.values()), Decimal(0)).sqrt() if unc_t else Decimal(0),
        by_type=types,
        by_field=sorted(by_field.values(), key=lambda x: x.key),
        by_commune=sorted(by_commune.values(), key=lambda x: x.key),
        gaps=sorted((x for x in types if x.gap > 0), key=lambda x: (-x.gap, x.key)),
        demand_fee=sum((x.demand_fee for x in types), Decimal(0)) if fees_ok else None,
        covered_fee=sum((x.covered_fee for x in types), Decimal(0)) if fees_ok else None,
        flags=flags,
    )


def what_if(
    populations: Iterable[Population],
    capacities: Iterable[Capacity],
    added: Iterable[Capacity],
    parameters: Parameters | None = None,
) -> Result:
    """Capability coverage were the `added` providers designated for their types with their capacities."""
    return capability(list(populations), [*capacities, *added], parameters)


def what_if_realised(services: Iterable[Service], added: Iterable[Capacity]) -> list[Service]:
    """The services as they would have been had the `added` providers been of the province: for each, up to its
    capacity (all, if none is given) of the services of its type done by providers from elsewhere become local,
    the largest groups first."""
    rows = [Service(**vars(s)) for s in services]
    for cap in added:
        left = None if cap.annual is None else Decimal(cap.annual)
        order = sorted(
            (i for i, s in enumerate(rows) if s.type_code == cap.type_code and not s.local),
            key=lambda i: (-rows[i].count, rows[i].commune),
        )
        for i in order:
            s = rows[i]
            moved = s.count if left is None else int(min(Decimal(s.count), left))
            if moved <= 0:
                break
            rows[i] = Service(s.type_code, s.type_name, s.field, s.commune, False, s.count - moved)
            rows.append(Service(s.type_code, s.type_name, s.field, s.commune, True, moved))
            if left is not None:
                left -= moved
    return [s for s in rows if s.count]


def realised(services: Iterable[Service], parameters: Parameters | None = None) -> Result:
    """Realised coverage: services by the province's providers ÷ all services of the province's instruments."""
    params = parameters or Parameters()
    services = list(services)
    types = {s.type_code for s in services}
    missing_fees = _fees_complete(types, params.fees)
    fees_ok = not missing_fees
    flags = [{"code": "no_fee", "count": len(missing_fees)}] if missing_fees else []
    groups = ({}, {}, {})
    for s in services:
        n = Decimal(s.count)
        for lines, key, label in zip(
            groups, (s.type_code, s.field, s.commune), (s.type_name, s.field, s.commune), strict=True
        ):
            line = _group(lines, key, label)
            line.demand += n
            line.covered += n if s.local else 0
            if fees_ok:
                line.demand_fee += n * params.fees[s.type_code]
                line.covered_fee += (n if s.local else 0) * params.fees[s.type_code]
            else:
                line.demand_fee = line.covered_fee = None
    by_type, by_field, by_commune = (sorted(g.values(), key=lambda x: x.key) for g in groups)
    return Result(
        formula="realised-1",
        demand=sum((x.demand for x in by_type), Decimal(0)),
        covered=sum((x.covered for x in by_type), Decimal(0)),
        uncertainty=Decimal(0),
        by_type=by_type,
        by_field=by_field,
        by_commune=by_commune,
        gaps=sorted((x for x in by_type if x.gap > 0), key=lambda x: (-x.gap, x.key)),
        demand_fee=sum((x.demand_fee for x in by_type), Decimal(0)) if fees_ok else None,
        covered_fee=sum((x.covered_fee for x in by_type), Decimal(0)) if fees_ok else None,
        flags=flags,
    )


def populations_from(data: list[dict]) -> list[Population]:
    return [Population(**row) for row in data]


def capacities_from(data: list[dict]) -> list[Capacity]:
    return [Capacity(**row) for row in data]


def services_from(data: list[dict]) -> list[Service]:
    return [Service(**row) for row in data]
