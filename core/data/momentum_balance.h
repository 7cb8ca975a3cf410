// momentum_balance.h: the "momentum-balance" transform, for events whose
// particles carry no transverse momentum in sum (partons at leading order:
// sum px = sum py = 0). Such momenta lie on a plane and have no density in
// all their coordinates; Forward drops one particle's px and py, which the
// balance fixes, and Inverse puts them back as minus the others' sum, so a
// model's density is a proper one per unit of the remaining momenta
// (ln|det| = 0, as for on-shell's energies).
//
// Fit and Forward refuse a row that does not balance (|sum px| or |sum py|
// above 1e-4 of the sum of |px| plus 1e-3 GeV, float32 rounding), naming
// the row: a density there would be meaningless.
//
// JSON: {"kind": "momentum-balance", "particles": ["p1", ..., "p6"], "drop": "p6"}
// with columns <particle>_px_gev and <particle>_py_gev.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "core/data/transforms.h"
#include "nlohmann/json.hpp"

namespace evgen {

// MakeMomentumBalance builds the transform from its JSON; InvalidArgument
// names the bad field.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Transform>> MakeMomentumBalance(const nlohmann::json& spec);

}  // namespace evgen
