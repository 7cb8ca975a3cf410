// gan_trainer.h: GanTrainer, the adversarial training loop shared by every
// GAN kind: n_critic discriminator steps per generator step, the kind's loss
// and penalties, optional MMD terms, validation with early stopping, and
// checkpoints that resume exactly. optimizer.lr_decay_to decays both learning
// rates exponentially over the run; optimizer.generator_ema validates and
// keeps a moving average of the generator's weights.
//
// Exact resume: everything random in step s (batch order, noise, dropout
// masks, gradient-penalty interpolates) is drawn from generators seeded by
// (seed, s) or (seed, epoch), never from LibTorch's global generator. So the
// state after step s is a pure function of the state after step s-1 and the
// seed; a checkpoint stores that state (both networks with buffers, both
// optimisers' moments, the step, the early-stopping state and the best
// generator), and a run resumed from it reaches bit-identical parameters.
//
// Validation: every validation.every steps the generator (eval mode, fixed
// noise) dresses the held-out conditions and the metric is the mean 1-D
// Wasserstein distance between generated and held-out targets in model space
// (standardized units), over all rows and within 4 quantile bins of each
// condition column, so it also sees conditional mismodelling.
// validation.tail_quantiles adds to each of those W1 terms the mean
// |difference| of the targets' quantiles at the given q, so that a short
// upper tail counts. It adds validation.correlation_weight times the largest
// difference of the targets' correlation matrices, and with MMD terms
// lambda_g times the MMD loss between held-out and generated events. The
// generator with the best metric is kept; with patience > 0 training stops
// after that many evaluations without improvement.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <torch/torch.h>

#include "absl/status/status.h"
#include "core/models/gan/gan_config.h"
#include "core/models/gan/mmd_terms.h"
#include "core/models/model.h"
#include "core/models/nn/mlp.h"
#include "core/models/nn/noise.h"

namespace evgen {

// Network is a module plus its forward function (an Mlp or a CircleMlp).
struct Network {
  std::shared_ptr<torch::nn::Module> module;
  std::function<torch::Tensor(const torch::Tensor&)> forward;
  std::shared_ptr<MlpImpl> mlp;  // set when the network is an Mlp (dropout generator)
};

// GanTrainingData: model-space float32 tensors; conditions may have 0 columns.
struct GanTrainingData {
  torch::Tensor train_targets, train_conditions;
  torch::Tensor validation_targets, validation_conditions;  // may have 0 rows
};

struct GanTrainingResult {
  int64_t steps_done = 0;
  double best_validation_metric = -1;
  int64_t best_step = -1;
  bool stopped_early = false;
};

class GanTrainer {
 public:
  GanTrainer(const GanConfig& config, NoiseSpec noise, Network generator, Network discriminator,
             const MmdTerms* mmd, torch::Device device);
  ~GanTrainer();

  // Run trains until config.steps (or early stop), resuming from
  // ctx.checkpoint_path when that file exists; on return the generator holds
  // the best validated parameters. Cancelled when ctx.cancelled() turned true,
  // after saving a checkpoint of the step reached (a cancel or a server stop
  // loses no step).
  [[nodiscard]] absl::StatusOr<GanTrainingResult> Run(const GanTrainingData& data,
                                                      const FitContext& ctx);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// RunGenerator runs the generator without gradients on noise and
// standardized conditions: [rows, noise dim + conditions] -> [rows, targets].
// With `dropout`, an Mlp generator keeps its dropout on, masks drawn from it.
torch::Tensor RunGenerator(const Network& generator, const torch::Tensor& noise,
                           const torch::Tensor& conditions, torch::Device device,
                           c10::optional<at::Generator> dropout = c10::nullopt);

}  // namespace evgen
