// jet_sets.h: JetSets, a long jet-cloud table (core/physics/jet_clouds.h:
// one row per constituent, jets consecutive) checked and turned into the
// padded tensors the set GAN trains on.
//
// ReadJetSets refuses, with InvalidArgument naming the column and the jet:
// a missing column; a value that is not finite; a jet id that reappears
// after another jet (jets must be consecutive); a condition column (or
// n_constituents, when the table has it) that varies within a jet or
// disagrees with the jet's row count; a jet with more constituents than
// config.max_constituents; fewer than kMinTrainingJets jets.
//
// Targets are standardised per column over all constituents, conditions
// per column over jets (a constant column keeps scale 1); Scaling holds
// both so that sampling maps back.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "core/models/cloud/cloud_config.h"
#include "core/models/model.h"

namespace evgen {

// Scaling: x_model = (x - mean) / scale, per target and per condition.
struct Scaling {
  std::vector<double> target_mean, target_scale;
  std::vector<double> condition_mean, condition_scale;
  std::vector<Model::ConditionRange> condition_range;
};

struct JetSets {
  torch::Tensor members;     // [J, N_max, targets] float32, standardised, padding 0
  torch::Tensor sizes;       // [J] int64, in [1, N_max]
  torch::Tensor conditions;  // [J, conditions] float32, standardised
  std::vector<int64_t> first_rows;  // [J] each jet's first row in the table read
  Scaling scaling;
};

[[nodiscard]] absl::StatusOr<JetSets> ReadJetSets(const Table& table, const CloudConfig& config);

// StandardizedConditions returns the condition columns of the first `rows`
// rows of `table` in model space [rows, C] ([rows, 0] without conditions).
torch::Tensor StandardizedConditions(const Table& table, int64_t rows, const CloudConfig& config,
                                     const Scaling& scaling);

}  // namespace evgen
