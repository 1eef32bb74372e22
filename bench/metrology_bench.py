"""Benchmark of doluong.metrology: printed figures, no assertions.

Run:  .venv/bin/python bench/metrology_bench.py [--repeats N]

1. Monte Carlo of y = a·b/c with 10^6 trials (a normal, b rectangular, c triangular):
   mean, standard uncertainty and 95 % coverage interval, measured side by side in one run
   (interleaved, so background load hits all three alike) for
   * doluong.metrology.montecarlo.monte_carlo (also computes the shortest interval),
   * a plain vectorised NumPy script of the same model (same PCG64 generator, same M),
   * Sandia suncal 1.7.1 (ModelCallable.monte_carlo + expand), a dev dependency only.
2. Global PFA / PFR / conditional PFA for 10^4 (TUR, ITP) pairs with
   doluong.metrology.conformity.global_risk, and suncal's PFA_norm/PFR_norm on a subset
   (timed and extrapolated; suncal has no vectorised form).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from doluong.metrology import conformity, montecarlo

M = 1_000_000
A_MEAN, A_SD = 10.0, 0.1
B_LO, B_HI = 1.95, 2.05
C_LO, C_HI = 3.8, 4.2


def abc(a: Any, b: Any, c: Any) -> Any:
    return a * b / c


def run_doluong(seed: int) -> tuple[float, float, float, float]:
    r = montecarlo.monte_carlo(
        abc,
        {
            "a": montecarlo.Normal(A_MEAN, A_SD),
            "b": montecarlo.Rectangular(B_LO, B_HI),
            "c": montecarlo.Triangular(C_LO, C_HI),
        },
        trials=M,
        seed=seed,
    )
    return r.y, r.u, r.low, r.high


TIMES_NP: dict[str, list[float]] = {"sampling": [], "interval": []}


def run_numpy(seed: int) -> tuple[float, float, float, float]:
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    a = rng.normal(A_MEAN, A_SD, M)
    b = rng.uniform(B_LO, B_HI, M)
    c = rng.triangular(C_LO, (C_LO + C_HI) / 2, C_HI, M)
    t1 = time.perf_counter()
    y = a * b / c
    mean, sd = y.mean(), y.std(ddof=1)
    t2 = time.perf_counter()
    lo, hi = np.percentile(y, [2.5, 97.5])
    t3 = time.perf_counter()
    TIMES_NP["sampling"].append(t1 - t0)
    TIMES_NP["interval"].append(t3 - t2)
    return float(mean), float(sd), float(lo), float(hi)


def make_suncal() -> Callable[[int], tuple[float, float, float, float]] | None:
    try:
        import suncal
    except ImportError:  # pragma: no cover - suncal is a dev dependency
        return None
    model = suncal.ModelCallable(abc)
    model.var("a").measure(A_MEAN).typeb(dist="normal", std=A_SD)
    model.var("b").measure((B_LO + B_HI) / 2).typeb(dist="uniform", a=(B_HI - B_LO) / 2)
    model.var("c").measure((C_LO + C_HI) / 2).typeb(dist="triangular", a=(C_HI - C_LO) / 2)

    def run(seed: int) -> tuple[float, float, float, float]:
        np.random.seed(seed)
        r = model.monte_carlo(samples=M)
        e = r.expand(conf=0.95)
        return float(r.expected["abc"]), float(r.uncertainty["abc"]), float(e.low), float(e.high)

    return run


def bench_monte_carlo(repeats: int) -> None:
    runners: dict[str, Callable[[int], tuple[float, float, float, float]]] = {
        "doluong": run_doluong,
        "numpy script": run_numpy,
    }
    sun = make_suncal()
    if sun is not None:
        runners["suncal 1.7.1"] = sun
    for f in runners.values():  # warm-up (imports, thread pool, first-touch of memory)
        f(0)
    TIMES_NP["sampling"].clear()
    TIMES_NP["interval"].clear()
    times: dict[str, list[float]] = {k: [] for k in runners}
    results: dict[str, tuple[float, float, float, float]] = {}
    for i in range(repeats):
        for name, f in runners.items():
            t0 = time.perf_counter()
            results[name] = f(1000 + i)
            times[name].append(time.perf_counter() - t0)

    print(
        f"1. Monte Carlo y = a*b/c, M = {M:,} trials, {repeats} interleaved repeats (a normal, b rectangular, c triangular)"
    )
    print(
        f"   {'implementation':<16}{'median ms':>11}{'min ms':>9}   {'mean':>9} {'u(y)':>8} {'95 % interval':>22}"
    )
    for name in runners:
        y, u, lo, hi = results[name]
        print(
            f"   {name:<16}{1e3 * statistics.median(times[name]):>11.1f}{1e3 * min(times[name]):>9.1f}"
            f"   {y:>9.5f} {u:>8.5f}   [{lo:.5f}, {hi:.5f}]"
        )
    print(
        f"   numpy script split: sampling {1e3 * statistics.median(TIMES_NP['sampling']):.1f} ms, "
        f"interval (np.percentile) {1e3 * statistics.median(TIMES_NP['interval']):.1f} ms (medians)"
    )
    ours_med, ours_min = statistics.median(times["doluong"]), min(times["doluong"])
    for name in runners:
        if name == "doluong":
            continue
        print(
            f"   ratio {name} / doluong: {statistics.median(times[name]) / ours_med:.2f}x (medians), "
            f"{min(times[name]) / ours_min:.2f}x (minima)"
        )
    print("   (doluong also returns the shortest coverage interval; the others only the symmetric one)")


def bench_global_risk() -> None:
    rng = np.random.default_rng(7)
    n = 10_000
    tur = rng.uniform(0.5, 10.0, n)
    itp = rng.uniform(0.5, 0.999, n)
    conformity.global_risk(tur[:10], itp[:10])  # warm-up
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        r = conformity.global_risk(tur, itp)
        best = min(best, time.perf_counter() - t0)
    print(f"\n2. Global risk (PFA, PFR, conditional PFA), {n:,} (TUR, ITP) pairs")
    print(f"   doluong conformity.global_risk: {1e3 * best:.1f} ms for all {n:,} pairs (best of 5)")
    try:
        from suncal import risk
    except ImportError:  # pragma: no cover
        return
    k = 100
    t0 = time.perf_counter()
    diffs = []
    for i in range(k):
        pfa = risk.PFA_norm(float(itp[i]), float(tur[i]))
        pfr = risk.PFR_norm(float(itp[i]), float(tur[i]))
        diffs.append(max(abs(pfa - r.pfa[i]), abs(pfr - r.pfr[i])))
    dt = time.perf_counter() - t0
    print(
        f"   suncal PFA_norm + PFR_norm: {1e3 * dt:.0f} ms for {k} pairs -> about {dt * n / k:.1f} s for {n:,} "
        f"(extrapolated); ratio about {dt * n / k / best:.0f}x"
    )
    print(f"   largest |doluong - suncal| over those {k} pairs: {max(diffs):.1e}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--repeats", type=int, default=9, help="interleaved repeats of the Monte Carlo comparison"
    )
    args = ap.parse_args()
    print(f"doluong.metrology benchmark — Python {sys.version.split()[0]}, NumPy {np.__version__}")
    bench_monte_carlo(max(1, args.repeats))
    bench_global_risk()


if __name__ == "__main__":
    main()
