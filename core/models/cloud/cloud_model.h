// cloud_model.h: CloudModel, the jet-cloud set GAN (kind "jet-cloud-gan")
// behind the Model interface: jets as variable-size sets of constituents.
//
// Fit reads a long jet-cloud table (jet_sets.h checks it), standardises the
// targets and conditions, and trains with CloudTrainer (cloud_trainer.h).
// Only the generators are kept.
//
// Sample: samples_sets() is true. Sample(conditions, n, seed, first)
// returns the jets first, ..., first + n - 1 in the long layout, one row per
// constituent, jets consecutive, columns
//   jet, constituent, <target_columns...>, n_constituents, <condition_columns...>
// with jet the absolute jet index (also kept exactly as an int64 column),
// constituent 0..size-1 in decreasing log_pt when log_pt is a target (the
// generator's order otherwise), and the jet-level columns repeated on every
// row. A conditional model takes one conditions row per jet; their values
// are copied as given. Each jet is a pure function of (weights, seed,
// absolute jet index, its conditions): its size from the sizes generator
// with noise and Gumbel uniforms keyed by (seed, jet), its members from the
// set generator with noise keyed the same way, computed in a fixed-shape
// pass of kSampleBlockJets jets padded to max_constituents
// (cloud_constants.h), so requests can be cut anywhere without changing a
// byte. sample_block_rows() reports that block size in jets.
//
// Saved as cloud.json (the resolved config, scalings, fit summary) and
// weights.pt (both generators).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "core/models/model.h"
#include "nlohmann/json.hpp"

namespace evgen {

// CreateCloudModel returns an unfitted jet-cloud model; InvalidArgument
// naming the config field for an invalid config.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Model>> CreateCloudModel(const nlohmann::json& config);

}  // namespace evgen
