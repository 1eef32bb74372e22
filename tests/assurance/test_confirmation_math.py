"""metrology.confirmation against independent hand calculations (no database)."""

import math

import pytest

from doluong.metrology.confirmation import confirm_point, derive_requirement, worst
from doluong.metrology.errors import InvalidInput


def test_issue_example_by_hand():
    # guard band w = U: accept when |e| <= MPE − U.  By hand: 0.012 + 0.010 = 0.022 ≤ 0.05, but > 0.02
    e, big_u = 0.012, 0.010
    wide = confirm_point(e, big_u, derive_requirement(mpe=0.05), rule="guard_band")
    assert abs(e) + big_u <= 0.05 and wide.verdict == "conforming"
    assert wide.acceptance_limit == pytest.approx(0.05 - 0.010)
    narrow = confirm_point(e, big_u, derive_requirement(mpe=0.02), rule="guard_band")
    assert abs(e) + big_u > 0.02 and narrow.verdict == "nonconforming"
    # specific false-accept risk by hand: u = 0.005; P(|X| > 0.02) for X ~ N(0.012, 0.005²)
    phi = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
    by_hand = 1 - (phi((0.02 - 0.012) / 0.005) - phi((-0.02 - 0.012) / 0.005))
    assert narrow.pfa == pytest.approx(by_hand, rel=1e-9)
    assert by_hand == pytest.approx(0.0548, abs=1e-4)  # 1 − Φ(1.6) = 0.0548


def test_simple_acceptance_and_capability():
    req = derive_requirement(mpe=0.02, tur=4)  # U max = 0.02 / 4 = 0.005
    assert req.u_max == pytest.approx(0.005)
    result = confirm_point(0.012, 0.010, req, rule="simple")
    assert result.verdict == "conditional"  # in tolerance, but U = 0.010 > U max = 0.005
    assert confirm_point(0.012, 0.004, req, rule="simple").verdict == "conforming"
    assert confirm_point(0.021, 0.004, req, rule="simple").verdict == "nonconforming"


def test_target_pfa_rule_is_between_simple_and_guard_band():
    req = derive_requirement(mpe=0.02)
    # TUR = 0.02 / 0.010 = 2; a 0.1 % global PFA target at ITP 0.80 needs a guard band: the acceptance limit is
    # MPE × the library's guard-band factor for that TUR, ITP and target
    from doluong.metrology.conformity import guard_band_factor_for_pfa

    r = confirm_point(0.0, 0.010, req, rule="target_pfa", itp=0.80, pfa_target=0.001)
    gbf = guard_band_factor_for_pfa(2.0, 0.80, 0.001)
    assert gbf < 1 and r.acceptance_limit == pytest.approx(0.02 * gbf)
    assert 0 < r.acceptance_limit < 0.02


def test_derivations_and_refusals():
    assert derive_requirement(tolerance=0.1, u_max=0.025).tur == pytest.approx(4)
    assert derive_requirement(u_max=0.01, tur=3).mpe == pytest.approx(0.03)
    with pytest.raises(InvalidInput) as exc:
        derive_requirement()
    assert exc.value.code == "missing_requirement"
    with pytest.raises(InvalidInput) as exc:
        derive_requirement(tolerance=0.01, u_max=0.02)
    assert exc.value.code == "uncertainty_too_large"
    assert worst(["conforming", "nonconforming", "conditional"]) == "nonconforming"
    assert worst([]) is None
