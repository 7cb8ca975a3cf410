// flow_model.h: FlowModel, the normalizing-flow kinds (flow-affine,
// flow-rqs, cinn) behind the Model interface.
//
// Fit: the targets go through the configured TransformChain (fitted on the
// training rows; targets only), the conditions are standardized, a seeded
// validation fraction is held out, and FlowTrainer maximises the likelihood.
// Sample: row r's latent vector is BlockNoise(seed, first_row + r), the
// network's inverse runs on fixed passes of sample_block_rows() rows aligned
// to absolute row numbers (row r at position r mod B, zero padding
// elsewhere), and the chain's inverse brings the targets back to physical
// units; so a row does not depend on how a request is chunked. LogDensity:
// log p(x | c) = log N(z) + ln|det dz/dy| + ln|det dy/dx| with y = chain(x),
// evaluated on passes of the same size. Saved as flow.json (resolved
// config, fitted transforms, condition scaling, fit summary) and weights.pt.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/models/model.h"
#include "nlohmann/json.hpp"

namespace evgen {

// CreateFlowModel returns an unfitted model of a flow kind; InvalidArgument
// naming the config field for an invalid config.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Model>> CreateFlowModel(const std::string& kind,
                                                                      const nlohmann::json& config);

}  // namespace evgen
