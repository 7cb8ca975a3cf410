// pair_mass.h: the "pair-mass" transform, a change of variables that makes
// a resonance one coordinate. Two particles given by (pT, eta, phi) columns
// and masses; Forward replaces the second particle's pT column, in place,
// by the pair's invariant mass, and Inverse solves the second pT back from
// the mass and the other five coordinates.
//
// Why: a Z -> mu mu peak a few GeV wide is a thin ridge in the six muon
// coordinates, which a flow or GAN smears; as its own coordinate it is a
// one-dimensional bump any density model learns. At fixed angles the mass
// grows with the second pT above a turning point (a small fraction of a GeV
// for muons; below it a massive particle nearly at rest makes the mass fall
// first), so the map is a bijection there and has a density:
//   ln|det| = ln(dm/dpT2) = ln((E1 pT2 cosh^2(eta2) / E2 - p1 . u2) / m),
// u2 = (cos phi2, sin phi2, sinh eta2). Rows below the turning point are
// refused, naming the row; a generated mass below the pair's minimum at
// its angles gives the turning point's pT.
//
// JSON: {"kind": "pair-mass", "first": ["pt1", "eta1", "phi1"],
//        "second": ["pt2", "eta2", "phi2"], "masses_gev": [0.1056583755, 0.1056583755],
//        "column": "m_mumu"}
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "core/data/transforms.h"
#include "nlohmann/json.hpp"

namespace evgen {

// MakePairMass builds the transform from its JSON; InvalidArgument names
// the bad field.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Transform>> MakePairMass(const nlohmann::json& spec);

}  // namespace evgen
