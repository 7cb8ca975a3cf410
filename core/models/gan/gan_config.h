// gan_config.h: GanConfig, the JSON configuration of every GAN kind, parsed
// and validated in one place so a bad config is refused before a job starts.
//
// Kinds (the adversarial loss; see core/models/gan/gan_losses.h):
//   gan        non-saturating BCE GAN               loss: {}
//   wgan-clip  WGAN, critic weights clipped to [-c, c]   loss: {"clip": 0.01}
//   wgan-gp    WGAN with gradient penalty           loss: {"lambda": 10}
//   wgan-u1    WGAN whose critic is a U(1) circle network (Lin et al. eq. 2.2)
//   lsgan      least squares                        loss: {"a": 0, "b": 1, "c": 1}
//   rjs-gan    regularized Jensen-Shannon           loss: {"lambda_d": 1e-3}
// Every kind may add MMD^2 terms on derived quantities to the generator loss
// (Butter, Plehn, Winterhalder eq. 17), weighted by "lambda_g".
//
// JSON (every key optional except target_columns; "preset" starts from a
// named preset in gan_presets.h and the other keys override it):
//   {"preset": "jetmass-gan-small",
//    "condition_columns": ["pt_gev", "eta", "n_track"], "target_columns": ["mass_gev"],
//    "transforms": [...],          // TransformChain spec for the targets;
//                                  // default: standardize all targets
//    "noise": {"kind": "skew-normal", "alpha": 5, "dim": 8},
//    "generator": {MlpSpec}, "discriminator": {MlpSpec; for wgan-u1 only
//                  "hidden" and "activation" apply},
//    "loss": {...as above}, "mmd": [{"particles": ["p1", "p2"], "kernel": "breit-wigner",
//             "widths": [2.085], "weight": 1}], "lambda_g": 1,
//    "lambda_g_ramp": {"from": 0, "to": 0},  // lambda_g is 0 before step "from"
//                                  // and rises linearly to full by step "to"
//    "optimizer": {"name": "adam", "lr_g": 2e-4, "lr_d": 2e-4, "beta1": 0.5, "beta2": 0.999,
//                  "lr_decay_to": 1, "generator_ema": 0}
//                 or {"name": "rmsprop", "lr_g": 5e-5, "lr_d": 5e-5, "alpha": 0.99},
//    "n_critic": 1, "batch_size": 256, "steps": 5000 (or "epochs": 20),
//    "validation": {"fraction": 0.1, "every": 200, "patience": 0, "rows": 20000,
//                   "correlation_weight": 1, "tail_quantiles": []},
//    "checkpoint_every": 500, "sampling_dropout": true,
//    "sample_block_rows": 1024}   // rows per sampling pass (power of two)
// Conditions are standardized with the training means and widths inside the
// model; "transforms" act on the targets only (e.g. on-shell drops energies).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace evgen {

// GanKinds lists the kind names, sorted.
const std::vector<std::string>& GanKinds();
bool IsGanKind(const std::string& kind);

// MmdTermSpec: an MMD^2 term on the invariant mass of a group of particles,
// each given by the prefix of its <prefix>_{e,px,py,pz}_gev columns.
struct MmdTermSpec {
  std::vector<std::string> particles;
  std::string kernel = "breit-wigner";  // or "gaussian"
  std::vector<double> widths;           // GeV, > 0
  double weight = 1;
  std::string Name() const;  // e.g. "mmd_m(p1+p2)"
};

struct OptimizerSpec {
  std::string name = "adam";
  double lr_g = 2e-4, lr_d = 2e-4;
  double beta1 = 0.5, beta2 = 0.999;  // adam
  double alpha = 0.99;                // rmsprop smoothing
  // Both learning rates fall exponentially to this fraction of their start
  // value by the last step (1: constant). Late small steps let the generator
  // settle on fine structure, such as a resonance's width, that large steps
  // keep jittering around.
  double lr_decay_to = 1;
  // > 0: the generator that is validated, kept and stored is the exponential
  // moving average of the trained one's weights with this decay per step
  // (Polyak averaging): it averages out the step-to-step jitter that
  // adversarial training leaves in means, correlations and peak widths.
  double generator_ema = 0;
};

struct ValidationSpec {
  double fraction = 0.1;  // of the training rows held out
  int64_t every = 200;    // steps between evaluations
  int64_t patience = 0;   // evaluations without improvement before stopping; 0: never stop early
  int64_t rows = 20000;   // at most this many validation rows are used
  // Weight of the largest |difference| of the targets' Pearson correlation
  // matrices in the validation metric (models with two or more targets):
  // marginal distances alone pick generators whose features are right one by
  // one but wrongly correlated.
  double correlation_weight = 1;
  // Quantiles q in (0, 1) whose |difference| between generated and held-out
  // targets (model-space units, mean over targets and q) is added to each
  // W1 term of the metric, overall and in every condition bin. W1 weighs a
  // distribution's bulk; a generator whose upper tail is too short scores
  // almost as well, and early stopping may keep it (docs/physics.md).
  std::vector<double> tail_quantiles;
};

struct GanConfig {
  std::string kind;
  std::string preset;
  std::vector<std::string> condition_columns;
  std::vector<std::string> target_columns;
  nlohmann::json transforms = nlohmann::json::array();
  nlohmann::json noise = nlohmann::json::object();          // NoiseSpec JSON
  nlohmann::json generator = nlohmann::json::object();      // MlpSpec JSON
  nlohmann::json discriminator = nlohmann::json::object();  // MlpSpec JSON
  double clip = 0.01;
  double gp_lambda = 10;
  double lsgan_a = 0, lsgan_b = 1, lsgan_c = 1;
  double rjs_lambda = 1e-3;
  std::vector<MmdTermSpec> mmd;
  double mmd_lambda = 1;
  // The MMD weight is off before step mmd_ramp_from and reaches mmd_lambda
  // at mmd_ramp_to. A freshly initialised generator puts out nearly one
  // event; a strong MMD from step 0 fixes its masses there, and the critic's
  // bounded gradient cannot spread it out again. Switched on after the
  // critic has spread the momenta, the MMD moves events onto the mass shell
  // instead.
  int64_t mmd_ramp_from = 0, mmd_ramp_to = 0;
  double MmdLambdaAt(int64_t step) const;
  OptimizerSpec optimizer;
  int n_critic = 1;
  int64_t batch_size = 256;
  int64_t steps = 2000;
  int64_t epochs = 0;  // > 0: steps = epochs * ceil(train rows / batch_size)
  ValidationSpec validation;
  int64_t checkpoint_every = 500;
  // Keep the generator's dropout on when sampling (and validating): the
  // discriminator only ever saw the generator with dropout, so that is the
  // distribution it learnt; without it samples are too narrow.
  bool sampling_dropout = true;
  // Sampling runs the generator on passes of exactly this many rows
  // (gan_model.cc says why). 1024 is both networks' fastest forward on the
  // 2-core machines and pads a small request least (docs/results.md, issue
  // 15); models saved before the key existed sampled with 4096 and keep it.
  int64_t sample_block_rows = 1024;

  // FromJson applies the preset (if any), then the keys of `j`, and checks
  // everything; InvalidArgument names "config.<key>" and the allowed values.
  [[nodiscard]] static absl::StatusOr<GanConfig> FromJson(const std::string& kind,
                                                          const nlohmann::json& j);
  nlohmann::json ToJson() const;
};

}  // namespace evgen
