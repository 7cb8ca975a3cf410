#!/usr/bin/env python3
"""cloud_jet_shapes.py: jet shapes of a jet-cloud sample beside the truth's.

Usage: cloud_jet_shapes.py TRUTH.npy MODEL.npy   (long jet-cloud layouts as
`evgen datasets export` writes them, each with its .columns list; run by
scripts/cloud-results.sh)

Each jet is the massless sum of its constituents (as W1M measures it). For
truth and model, prints the 1/5/10/25/50/75/90/95/99% quantiles of the jet
mass, the jet pT, the leading constituent's share of the pT, the
pT-weighted mean distance of the constituents from the axis
(sqrt(eta_rel^2 + phi_rel^2)) and the multiplicity; the jet masses in
10 GeV bins from 60 to 260 GeV; and the fraction of constituents beyond
Delta R 0.8 (the jet radius) and beyond 1 of the axis. Last, where the
substructure differs: for the width and three energy flow polynomials
(z_i the constituents' pT fractions, theta_ij their Delta R: one edge
sum z_i z_j theta_ij, the two-edge chain sum z_i z_j z_k theta_ij theta_jk
and the three-edge triangle sum z_i z_j z_k theta_ij theta_jk theta_ki),
the Delta R between the two hardest constituents (within one prong or
across two; also as the share of jets below 0.05), the leading share and
the hard-pair angle A_3 (below; also its correlation with that Delta R
on the truth), the truth's and the
model's medians and the AUC of that one observable alone (the rank
statistic, folded above 0.5). Then the constituents' own quantiles (log pT_rel, eta_rel, phi_rel), for
the soft ones the pT-weighted observables above barely see. Last, the
jets' logs of the 8 EFPs of the
connected graphs with 1 to 3 edges (efp_1,2,3,5,6,7,8,9 of
`-m ks -O features=efp`), standardised and rotated onto the truth's
principal directions: for each, its variance on the truth, the model's
mean and sd in the truth's sd along it, and the AUC along it alone. A
classifier on correlated EFPs finds a shift along a direction of small
variance that each EFP alone and a fixed-width kernel on the
standardised EFPs hide. Needs numpy (/usr/bin/python3 on Debian).
"""
import sys

import numpy as np

QUANTILES = [1, 5, 10, 25, 50, 75, 90, 95, 99]


def load(path):
    table = np.load(path)
    names = open(path + ".columns").read().split()
    return {name: table[:, k] for k, name in enumerate(names)}


def jets(path):
    c = load(path)
    pt = np.exp(c["log_pt"].astype(np.float64))
    eta, phi = c["eta_rel"].astype(np.float64), c["phi_rel"].astype(np.float64)
    _, jet = np.unique(c["jet"], return_inverse=True)  # rows of a jet are consecutive
    total = lambda v: np.bincount(jet, weights=v)
    px, py = total(pt * np.cos(phi)), total(pt * np.sin(phi))
    pz, e = total(pt * np.sinh(eta)), total(pt * np.cosh(eta))
    jet_pt = np.hypot(px, py)
    radius = np.hypot(eta, phi)
    leading = np.zeros(jet_pt.size)
    np.maximum.at(leading, jet, pt)
    return {
        "mass": np.sqrt(np.maximum(e * e - px * px - py * py - pz * pz, 0)),
        "pt": jet_pt,
        "leading share": leading / jet_pt,
        "width": total(pt * radius) / total(pt),
        "multiplicity": np.bincount(jet).astype(np.float64),
        "radius": radius,
        # per constituent, for their quantiles
        "log pT_rel": np.log(pt / jet_pt[jet]),
        "eta_rel": eta,
        "phi_rel": phi,
        **flow_polynomials(pt, eta, phi, jet),
    }


def flow_polynomials(pt, eta, phi, jet):
    """The one-edge, chain and triangle EFPs of every jet (rows consecutive),
    the Delta R between its two hardest constituents (one prong or two; 0
    for a jet of one constituent) and
    the pair angle A_3 = sum_{i != j} (z_i z_j)^3 theta_ij / sum_{i != j}
    (z_i z_j)^3, the smooth version of that Delta R a discriminator may see
    (config.pair_angles, core/models/cloud/pair_angles.h)."""
    starts = np.flatnonzero(np.r_[True, jet[1:] != jet[:-1]])
    ends = np.r_[starts[1:], jet.size]
    keys = ("efp edge", "efp chain", "efp triangle", "dr hardest two", "pair angle A3")
    out = {key: np.zeros(starts.size) for key in keys}
    out["efps"] = np.zeros((starts.size, 8))
    for k, (a, b) in enumerate(zip(starts, ends)):
        z = pt[a:b] / pt[a:b].sum()
        theta = np.hypot(eta[a:b, None] - eta[None, a:b], phi[a:b, None] - phi[None, a:b])
        # A jet of one constituent has no pair: its angles stay 0.
        if b - a > 1:
            first, second = np.argsort(-z)[:2]
            out["dr hardest two"][k] = theta[first, second]
        pairs = np.outer(z, z) ** 3
        np.fill_diagonal(pairs, 0)
        out["pair angle A3"][k] = (pairs * theta).sum() / pairs.sum() if b - a > 1 else 0
        weighted = theta * z[None, :]  # theta_ij z_j
        out["efp edge"][k] = z @ weighted.sum(1)
        out["efp chain"][k] = z @ (weighted.sum(1) ** 2)
        out["efp triangle"][k] = np.einsum("i,ij,ji->", z, weighted, weighted @ theta)
        out["efps"][k] = small_efps(z, theta)
    return out


def small_efps(z, theta):
    """The EFPs of the 8 connected graphs with 1 to 3 edges, in efp.h's
    order: 0-1 | 0-1 0-1 | 0-1 0-2 | 0-1 0-1 0-1 | 0-1 0-1 0-2 | triangle |
    star 0-1 0-2 0-3 | chain 0-1 0-2 1-3."""
    t1, t2, t3 = theta @ z, (theta ** 2) @ z, (theta ** 3) @ z
    w = z * t1
    triangle = np.einsum("i,ij,ji->", z, theta * z[None, :], (theta * z[None, :]) @ theta)
    return [z @ t1, z @ t2, z @ t1 ** 2, z @ t3, z @ (t2 * t1), triangle, z @ t1 ** 3, w @ theta @ w]


def principal_directions(truth, model):
    """The 8 small EFPs' logs on the truth's principal directions (above)."""
    t, m = np.log(truth["efps"] + 1e-6), np.log(model["efps"] + 1e-6)
    mean, sd = t.mean(0), t.std(0)
    t, m = (t - mean) / sd, (m - mean) / sd
    variances, axes = np.linalg.eigh(np.cov(t.T))
    t, m = t @ axes / np.sqrt(variances), m @ axes / np.sqrt(variances)
    print("the 8 small EFPs' logs on the truth's principal directions (smallest variance first):")
    print("direction  truth variance  model mean  model sd  AUC alone")
    for k, variance in enumerate(variances):
        print("%9d %15.4f %11.2f %9.2f %10.3f" % (
            k + 1, variance, m[:, k].mean(), m[:, k].std(), folded_auc(t[:, k], m[:, k])))


def folded_auc(a, b):
    """The AUC of telling b from a by one observable, folded above 0.5."""
    ranks = np.argsort(np.argsort(np.concatenate([a, b]))) + 1
    auc = (ranks[a.size:].sum() - b.size * (b.size + 1) / 2) / (a.size * b.size)
    return max(auc, 1 - auc)


def main():
    truth, model = jets(sys.argv[1]), jets(sys.argv[2])
    for key in ["mass", "pt", "leading share", "width", "multiplicity"]:
        for label, j in (("truth", truth), ("model", model)):
            q = " ".join("%8.3f" % v for v in np.percentile(j[key], QUANTILES))
            print("%-13s %-5s quantiles %s" % (key, label, q))
    edges = np.arange(60, 270, 10)
    counts = [np.histogram(j["mass"], bins=edges)[0] for j in (truth, model)]
    print("mass bin (GeV)  truth  model")
    for low, t, m in zip(edges[:-1], *counts):
        print("%4d-%-4d       %5d  %5d" % (low, low + 10, t, m))
    for label, j in (("truth", truth), ("model", model)):
        print("%-5s constituents beyond Delta R 0.8: %.4f%%, beyond 1: %.4f%%" % (
            label, 100 * np.mean(j["radius"] > 0.8), 100 * np.mean(j["radius"] > 1)))
    for label, j in (("truth", truth), ("model", model)):
        print("%-5s jets whose two hardest constituents lie within Delta R 0.05: %.1f%%" % (
            label, 100 * np.mean(j["dr hardest two"] < 0.05)))
    print("truth: correlation of the pair angle A3 with the Delta R of the two hardest: %.2f" % (
        np.corrcoef(truth["pair angle A3"], truth["dr hardest two"])[0, 1]))
    print("observable     truth median  model median  AUC alone")
    for key in ["width", "leading share", "efp edge", "efp chain", "efp triangle", "dr hardest two", "pair angle A3"]:
        print("%-13s %13.5f %13.5f %10.3f" % (
            key, np.median(truth[key]), np.median(model[key]), folded_auc(truth[key], model[key])))
    constituent_quantiles(truth, model)
    principal_directions(truth, model)


def constituent_quantiles(truth, model):
    """The 1/10/25/50/75/90/99% quantiles of each constituent's log pT_rel
    (pT over the jet's massless-sum pT), eta_rel and phi_rel."""
    for label, j in (("truth", truth), ("model", model)):
        for name in ("log pT_rel", "eta_rel", "phi_rel"):
            q = " ".join("%8.3f" % x for x in np.percentile(j[name], [1, 10, 25, 50, 75, 90, 99]))
            print("constituent %-10s %-5s quantiles 1-99%% %s" % (name, label, q))


if __name__ == "__main__":
    main()
