// pair_frame.h: the "pair-frame" transform, a change of variables that writes
// two particles as the pair they make and the decay in its rest frame.
//
// Why: for Z -> mu mu, pair-mass (pair_mass.h) makes the peak one coordinate
// but leaves the second pT to be solved from the mass and four angles; a
// slightly wrong small opening angle then needs an enormous pT (a flow on
// the CMS 2011 table gave 1% of pairs above anything in the data, up to
// 7 TeV). In the pair's own coordinates a muon's pT is bounded by the
// pair's mass, pT and rapidity, all of which a density model learns as
// smooth one-dimensional distributions, and the decay angles are bounded.
//
// Coordinates: Forward replaces the six columns (pT, eta, phi of each
// particle) by these, at the place of the first of them; each name gets the
// spec's "prefix" in front (default "pair_"):
//   m_gev, pt_gev, y, phi   the pair's mass, pT, rapidity and azimuth (lab)
//   cos_theta, phi_star     the first particle's direction in the pair's
//                           rest frame, in helicity axes (rest_frames.h):
//                           z along the pair's lab momentum, x towards the beam
//
// Density: d^3p1 d^3p2 = E1 E2 q pT_pair dm dpT dy dphi dcos(theta) dphi*
// (two-body phase space, q the momentum in the rest frame), and d^3p =
// pT |p| dpT deta dphi, so
//   ln|det| = ln(pT1 |p1| pT2 |p2|) - ln(E1 E2 q pT_pair).
// Forward refuses a row (naming it) with a non-finite value, a pT that is
// not positive, a pair at its threshold (m <= m1 + m2) or with pT = 0,
// where the coordinates have no density.
//
// Inverse rebuilds both particles on their mass shells from any finite
// coordinates and writes their six columns, in the order first, second, at
// the place of the pair's first coordinate; phi and phi* are periodic. Values outside the ranges (a
// mass below m1 + m2, pT below 1e-6 GeV, |cos theta| > 1) are clamped ("out_of_range": "clamp", for
// generated samples) or refused ("refuse").
//
// JSON: {"kind": "pair-frame", "first": ["pt1", "eta1", "phi1"],
//        "second": ["pt2", "eta2", "phi2"], "masses_gev": [0.1056583755, 0.1056583755],
//        "prefix": "pair_", "out_of_range": "clamp"}
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "core/data/transforms.h"
#include "nlohmann/json.hpp"

namespace evgen {

// MakePairFrame builds the transform from its JSON; InvalidArgument names
// the bad field.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Transform>> MakePairFrame(const nlohmann::json& spec);

}  // namespace evgen
