// flow_trainer.h: FlowTrainer, maximum-likelihood training of a FlowNetwork:
// Adam on the mean negative log-likelihood of batches, validation NLL with
// early stopping (the best weights are kept), checkpoints that resume
// exactly, and cancellation between steps.
//
// Exact resume: the only randomness in a step is the batch, drawn from a
// permutation seeded by (seed, epoch), never from LibTorch's global
// generator; ActNorm initialises from the first batch, a function of the
// seed too. So the state after step s is a pure function of the state after
// step s - 1 and the seed; a checkpoint stores that state (network with
// buffers, Adam's moments, the step, the early-stopping state and the best
// weights) and a resumed run reaches bit-identical parameters.
//
// Progress reports the NLL per event in physical units: the model-space NLL
// minus the mean log-Jacobian of the transform chain over the rows
// (FlowTrainingData::*_log_jacobian), so the figures compare with any other
// density fitted to the same columns. losses: "nll" (mean over the steps
// since the last report) and "validation_nll"; validation_metric is the
// validation NLL (it can be negative, for a density above 1).
#pragma once

#include <torch/torch.h>

#include <memory>

#include "absl/status/statusor.h"
#include "core/models/flow/flow_config.h"
#include "core/models/flow/flow_network.h"
#include "core/models/model.h"

namespace evgen {

// FlowTrainingData: model-space float32 tensors; conditions may have 0
// columns and the validation rows may be none.
struct FlowTrainingData {
  torch::Tensor train_targets, train_conditions;
  torch::Tensor validation_targets, validation_conditions;
  // Mean ln|det| of the transform chain over the training and validation
  // rows, to report NLLs in physical units.
  double train_log_jacobian = 0, validation_log_jacobian = 0;
};

struct FlowTrainingResult {
  int64_t steps_done = 0;
  double best_validation_nll = 0;
  int64_t best_step = -1;  // -1: never validated
  double last_train_nll = 0;
  bool stopped_early = false;
};

class FlowTrainer {
 public:
  FlowTrainer(const FlowConfig& config, FlowNetwork network, torch::Device device);
  ~FlowTrainer();

  // Run trains until config.steps (or an early stop), resuming from
  // ctx.checkpoint_path when that file exists; on return the network holds
  // the best validated weights (the last ones without validation rows).
  // Cancelled when ctx.cancelled() turned true, after a checkpoint of the
  // step reached.
  [[nodiscard]] absl::StatusOr<FlowTrainingResult> Run(const FlowTrainingData& data, const FitContext& ctx);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// FlowMeanNll is the mean model-space NLL of rows under `network` (eval, no
// gradients), in chunks so a large validation set needs little memory.
double FlowMeanNll(FlowNetwork& network, const torch::Tensor& x, const torch::Tensor& cond, torch::Device device);

}  // namespace evgen
