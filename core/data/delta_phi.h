// delta_phi.h: the "delta-phi" transform: an azimuth replaced, in place, by
// its angle to another one, wrap(phi - phi_ref - offset) in [-pi, pi), so
// that a pair's relative orientation is one coordinate. Two back-to-back
// muons of a Z decay have phi2 = phi1 +- pi: as raw angles a two-sheeted
// relation a flow smears into collinear pairs (where a pair-mass inverse
// then needs an enormous pT); with offset pi their angle is a bump at 0
// and collinear pairs are its far tails.
//
// The map is a shift at fixed phi_ref, cut where the wrap jumps, so its
// Jacobian is 1 (ln|det| = 0). Inverse: phi = wrap(phi_ref + dphi + offset).
//
// JSON: {"kind": "delta-phi", "column": "phi2", "reference": "phi1",
//        "offset": 3.14159265, "name": "dphi12"}
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "core/data/transforms.h"
#include "nlohmann/json.hpp"

namespace evgen {

// MakeDeltaPhi builds the transform from its JSON; InvalidArgument names
// the bad field.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Transform>> MakeDeltaPhi(const nlohmann::json& spec);

}  // namespace evgen
