// cloud_trainer.h: CloudTrainer, the training loop of the jet-cloud GAN.
//
// Each step updates both discriminators once; the generators update on
// config.schedule.generator of every config.schedule.discriminator steps
// (the thesis' 3 : 2). Losses are LSGAN's with (a, b, c), summed over the
// two stages, RMSprop for both pairs.
//
// The two stages train side by side: the sizes generator learns p(n | c)
// against the sizes discriminator on one-hot sizes (fake ones through
// Gumbel-softmax with the straight-through estimator); the set generator
// learns p(members | n, c) against the set discriminator, given the real
// sizes of the batch (teacher forcing), so that a poor sizes generator
// early on does not also mislead the particle stage. This is why the set
// generator gets its own global noise, independent of the sizes
// generator's: at sampling the size then carries no information about it,
// exactly as in training.
//
// Exact resume: every random draw of step s (batch order per epoch, all
// noise and Gumbel uniforms) comes from generators seeded by (seed, s) or
// (seed, epoch), never from LibTorch's global one; a checkpoint holds both
// pairs of networks with their buffers (spectral-norm vectors, batch-norm
// statistics), both optimisers' moments, the step, the last metric and the
// set stage's average, so a resumed run reaches bit-identical parameters.
//
// Progress: every config.evaluate_every steps the multiplicity W1 (between
// the sizes the generator draws for kEvaluationJets training jets' conditions
// and those jets' true sizes) is reported as the validation metric. The
// sizes stage with the best W1 is kept (the small preset reached a W1 of 4
// after 200 steps and drifted to 9 by step 800 as its discriminator
// sharpened), the set stage's last weights, or with config.generator_ema
// their moving average (checkpointed with them); there is no early
// stopping.
#pragma once

#include <memory>

#include <torch/torch.h>

#include "absl/status/statusor.h"
#include "core/models/cloud/cloud_config.h"
#include "core/models/cloud/cloud_networks.h"
#include "core/models/cloud/jet_sets.h"
#include "core/models/model.h"

namespace evgen {

struct CloudTrainingResult {
  int64_t steps_done = 0;
  double multiplicity_w1 = -1;  // of the kept sizes stage (the best evaluation)
  int64_t best_step = -1;       // the step of that evaluation
};

class CloudTrainer {
 public:
  CloudTrainer(const CloudConfig& config, CloudGenerator generator, CloudDiscriminator discriminator,
               torch::Device device);
  ~CloudTrainer();

  // Run trains until config.steps, resuming from ctx.checkpoint_path when
  // that file exists; Cancelled when ctx.cancelled() turned true, after
  // saving a checkpoint of the step reached. The generator ends in eval mode
  // on `device`.
  [[nodiscard]] absl::StatusOr<CloudTrainingResult> Run(const JetSets& data, const FitContext& ctx);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// MultiplicityW1 is the 1-D Wasserstein distance between the distributions
// of two samples of integer sizes (int64 tensors): the sum over k of
// |F_a(k) - F_b(k)|, exact for integers.
double MultiplicityW1(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace evgen
