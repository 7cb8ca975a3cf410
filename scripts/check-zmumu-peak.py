#!/usr/bin/env python3
"""Independent check of evgen's Z peak on the CMS Run2011A Z->mumu table.

Computes the dimuon mass of the opposite-charge pairs of Zmumu_Run2011A.csv
with numpy (its own formula, not evgen's four-vector code), fits the model
that evgen's mass-peak fits (core/metrics/physics_checks.cc: a relativistic
Breit-Wigner, binned in `bins` equal bins over [lower, upper), Poisson
likelihood with the normalisation free, errors from the inverse Hessian of
-ln L) with its own minimiser (successive grid refinement, not Nelder-Mead),
and prints the result beside evgen's.

    python3 scripts/check-zmumu-peak.py CSV [--evgen-json FILE]
        [--lower 70 --upper 110 --bins 200 --muon-mass 0.1057]

FILE is the output of
    evgen --json metrics compare cms-os cms-os -m mass-peak -O column=m_mumu \
        -O lower_gev=70 -O upper_gev=110
and the script exits 1 when the two positions differ by 0.05 GeV or more.
"""
import argparse
import csv
import json
import sys

import numpy as np


def dimuon_masses(path, muon_mass):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    # evgen stores float32 columns; read them the same way, compute in double.
    col = {k: np.array([float(r[k]) for r in rows], dtype=np.float32).astype(np.float64) for k in rows[0]}
    opposite = col["Q1"] * col["Q2"] < 0
    pt1, eta1, phi1 = col["pt1"][opposite], col["eta1"][opposite], col["phi1"][opposite]
    pt2, eta2, phi2 = col["pt2"][opposite], col["eta2"][opposite], col["phi2"][opposite]
    e1 = np.sqrt((pt1 * np.cosh(eta1)) ** 2 + muon_mass ** 2)
    e2 = np.sqrt((pt2 * np.cosh(eta2)) ** 2 + muon_mass ** 2)
    # m^2 = m1^2 + m2^2 + 2 (E1 E2 - p1.p2), p1.p2 = pt1 pt2 (cos dphi + sinh eta1 sinh eta2)
    dot = pt1 * pt2 * (np.cos(phi1 - phi2) + np.sinh(eta1) * np.sinh(eta2))
    m2 = 2 * muon_mass ** 2 + 2 * (e1 * e2 - dot)
    m = np.sign(m2) * np.sqrt(np.abs(m2))
    # The derived column is stored as float32 before mass-peak reads it.
    return m.astype(np.float32).astype(np.float64), int(opposite.sum()), len(rows)


def bw_cdf(x, mass, width):
    """Integral of 1/((t^2-M^2)^2 + M^2 G^2) from 0 to x, times M G (closed form)."""
    r = np.sqrt(complex(mass * mass, mass * width))
    return np.imag(-np.arctanh(x / r) / r)


def nll(params, counts, edges):
    mass, width = params
    if not (width > 0) or not np.isfinite(mass):
        return np.inf
    cdf = bw_cdf(edges.astype(complex), mass, width)
    prob = np.diff(cdf) / (cdf[-1] - cdf[0])
    used = counts > 0
    if np.any(prob[used] <= 0):
        return np.inf
    return -np.sum(counts[used] * np.log(prob[used]))


def minimise(f, x0, step):
    """Successive 2-D grid refinement: evaluate a 21x21 grid, recentre, shrink."""
    x = np.array(x0, dtype=float)
    step = np.array(step, dtype=float)
    while step.max() > 1e-7:
        grid = np.linspace(-10, 10, 21)
        best = (f(x), 0.0, 0.0)
        for a in grid:
            for b in grid:
                v = f(x + step * np.array([a, b]))
                if v < best[0]:
                    best = (v, a, b)
        moved = np.array(best[1:])
        x = x + step * moved
        if np.all(np.abs(moved) < 10):  # the minimum is inside the grid: zoom in
            step = step / 5
    return x


def hessian(f, x):
    h = 1e-3 * x[1] * np.ones(2)
    out = np.zeros((2, 2))
    f0 = f(x)
    for i in range(2):
        ei = np.eye(2)[i] * h[i]
        out[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / h[i] ** 2
        for j in range(i):
            ej = np.eye(2)[j] * h[j]
            out[i, j] = out[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h[i] * h[j])
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv")
    parser.add_argument("--evgen-json", help="output of evgen --json metrics compare ... -m mass-peak")
    parser.add_argument("--lower", type=float, default=70.0)
    parser.add_argument("--upper", type=float, default=110.0)
    parser.add_argument("--bins", type=int, default=200)
    parser.add_argument("--muon-mass", type=float, default=0.1057)
    args = parser.parse_args()

    m, selected, total = dimuon_masses(args.csv, args.muon_mass)
    in_range = m[(m >= args.lower) & (m < args.upper)]
    step = (args.upper - args.lower) / args.bins
    index = np.minimum(((in_range - args.lower) / step).astype(int), args.bins - 1)
    counts = np.bincount(index, minlength=args.bins).astype(float)
    edges = args.lower + step * np.arange(args.bins + 1)
    edges[-1] = args.upper
    f = lambda p: nll(p, counts, edges)
    q25, q50, q75 = np.percentile(in_range, [25, 50, 75])
    fit = minimise(f, [q50, q75 - q25], [0.2, 0.2])
    cov = np.linalg.inv(hessian(f, fit))
    print(f"numpy: {selected} of {total} pairs opposite-charge, {len(in_range)} in [{args.lower}, {args.upper}) GeV")
    print(f"numpy: M = {fit[0]:.6f} +- {np.sqrt(cov[0, 0]):.4f} GeV, width = {fit[1]:.6f} +- {np.sqrt(cov[1, 1]):.4f} GeV")
    if not args.evgen_json:
        return 0
    with open(args.evgen_json) as fh:
        result = json.load(fh)["results"][0]
    details = result.get("details", result.get("details_json"))
    if isinstance(details, str):
        details = json.loads(details)
    ev = details["candidate"]
    print(f"evgen: M = {ev['position_gev']:.6f} +- {ev['position_error_gev']:.4f} GeV, "
          f"width = {ev['width_gev']:.6f} +- {ev['width_error_gev']:.4f} GeV, {ev['entries']:.0f} entries")
    diff = ev["position_gev"] - fit[0]
    print(f"difference evgen - numpy: {diff:+.6f} GeV (must be below 0.05)")
    return 0 if abs(diff) < 0.05 and int(ev["entries"]) == len(in_range) else 1


if __name__ == "__main__":
    sys.exit(main())
