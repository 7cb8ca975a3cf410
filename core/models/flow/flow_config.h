// flow_config.h: FlowConfig, the JSON configuration of the flow kinds,
// parsed and validated in one place so a bad config is refused before a job
// starts.
//
// Kinds:
//   flow-affine  unconditional flow of affine (RealNVP) coupling blocks
//   flow-rqs     unconditional flow of rational-quadratic spline couplings
//   cinn         conditional invertible network: the subnetworks also read
//                the standardized condition_columns (required); "coupling"
//                chooses affine (default) or rqs blocks
//
// JSON (every key optional except target_columns, and condition_columns for
// cinn; "preset" starts from a named preset in flow_presets.h):
//   {"preset": "camel-flow-small",
//    "condition_columns": [...], "target_columns": [...],
//    "transforms": [...],           // TransformChain on the targets only;
//                                   // default: standardize all targets
//    "coupling": "affine" | "rqs",  // fixed by flow-affine and flow-rqs
//    "blocks": 6,                   // coupling blocks
//    "subnet": {MlpSpec; default {"hidden": [64, 64], "activation": "relu"};
//               no dropout or batch norm: a density must not depend on the batch},
//    "clamp": 2,                    // affine soft clamp alpha of the log-scale
//    "spline": {"bins": 8, "tail_bound": 4, "min_bin_width": 1e-3,
//               "min_bin_height": 1e-3, "min_derivative": 1e-3},
//    "mixing": "rotation" | "permutation",  // between blocks, seeded
//    "actnorm": true,               // an ActNorm before each coupling
//    "optimizer": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "lr_decay_to": 1,
//                  "max_grad_norm": 10, "weight_average": 0},
//    "batch_size": 256, "steps": 2000 (or "epochs": 20),
//    "validation": {"fraction": 0.1, "every": 200, "patience": 0, "rows": 20000},
//    "checkpoint_every": 500}
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/models/flow/rq_spline.h"
#include "core/models/nn/mlp.h"
#include "nlohmann/json.hpp"

namespace evgen {

// FlowKinds lists the kind names, sorted.
const std::vector<std::string>& FlowKinds();
bool IsFlowKind(const std::string& kind);

// FlowNetworkSpec is the shape of the network: its blocks and subnetworks.
struct FlowNetworkSpec {
  std::string coupling = "affine";
  int64_t blocks = 6;
  MlpSpec subnet;  // FlowConfig sets hidden {64, 64}, relu
  double clamp = 2;
  RqSplineOptions spline;
  std::string mixing = "rotation";
  bool actnorm = true;
};

struct FlowOptimizerSpec {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;
  // The learning rate falls exponentially to this fraction by the last step.
  double lr_decay_to = 1;
  // Gradients are rescaled to at most this norm (0: never): one batch with
  // an outlier must not throw a flow's scales far off.
  double max_grad_norm = 10;
  // Decay of the weights' moving average (weight_average.h), which is
  // validated and kept instead of the last weights; 0: no averaging.
  double weight_average = 0;
};

struct FlowValidationSpec {
  double fraction = 0.1;  // of the training rows held out
  int64_t every = 200;    // steps between evaluations
  int64_t patience = 0;   // evaluations without improvement before stopping; 0: never
  int64_t rows = 20000;   // at most this many validation rows
};

struct FlowConfig {
  std::string kind;
  std::string preset;
  std::vector<std::string> condition_columns;
  std::vector<std::string> target_columns;
  nlohmann::json transforms = nlohmann::json::array();
  FlowNetworkSpec network;
  FlowOptimizerSpec optimizer;
  int64_t batch_size = 256;
  int64_t steps = 2000;
  int64_t epochs = 0;  // > 0: steps = epochs * max(1, train rows / batch_size)
  FlowValidationSpec validation;
  int64_t checkpoint_every = 500;

  // FromJson applies the preset (if any), then the keys of `j`, and checks
  // everything; InvalidArgument names "config.<key>" and the allowed values.
  [[nodiscard]] static absl::StatusOr<FlowConfig> FromJson(const std::string& kind,
                                                           const nlohmann::json& j);
  // ToJson shows every value, defaults included.
  nlohmann::json ToJson() const;
};

}  // namespace evgen
