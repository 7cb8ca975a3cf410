// camel.h: the camel-back toy density (two Gaussians) in one or n
// dimensions, the standard test of generative models' multi-modality.
// Columns x0, x1, ..., x<d-1>. Documented in docs/physics.md.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "core/physics/simulator_options.h"

namespace evgen {

// Options: dimensions (1..64, default 1), and the shape parameters documented
// in docs/physics.md.
[[nodiscard]] absl::StatusOr<Table> GenerateCamel(int64_t n_events, uint64_t seed,
                                                  const SimulatorOptions& options);

}  // namespace evgen
