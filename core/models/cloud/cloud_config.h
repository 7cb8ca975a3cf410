// cloud_config.h: CloudConfig, the JSON configuration of the jet-cloud set
// GAN (kind "jet-cloud-gan"), read and checked in one place so that a bad
// config is refused before a job starts.
//
// JSON (every key optional; "preset" starts from a named preset in
// cloud_presets.h and the other keys override it):
//   {"preset": "jet-cloud-gan-small",
//    "target_columns": ["log_pt", "log_e", "eta_rel", "phi_rel"],  // per constituent
//    "condition_columns": ["is_top"],       // jet-level, constant within a jet
//    "max_constituents": 100,               // N_max: sizes are 1..N_max
//    "noise": {"global_dim": 16, "member_dim": 8},
//    "tau": 1,                              // Gumbel-softmax temperature
//    "sizes_generator": {MlpSpec},          // global noise -> N_max logits
//    "sizes_discriminator": {MlpSpec},      // one-hot size -> score
//    "set_generator": {"blocks": [128, 128, 64, 64, 64], "heads": 4, "inducing": 16},
//    "set_discriminator": {"blocks": [128, 128, 128, 128], "heads": 4, "inducing": 16,
//                          "head": [128]},   // MLP after the pooling
//    "spectral_norm": true,                 // on both discriminators
//    "jet_features": false,                 // the set discriminator also sees jet pT and mass
//    "jet_shapes": false,                   // and/or jet girth and pT dispersion
//    "local_density": [],                   // and each member's pT density at these angles
//    "pair_angles": [],                     // and the (z_i z_j)^p-weighted pair angle, these p
//    "jet_efps": false,                     // and the logs of the jet's 8 connected d <= 3 EFPs
//    "efp_mmd": {"weight": 0, "widths": [1, 2, 4], "edges": 3,  // generator loss: MMD^2 of those EFPs
//                "shapes": false, "whiten": false},  // (edges 4: and the 12 of 4 edges; shapes: and girth,
//                                           // pT_D; whiten: decorrelated; weight 0: off)
//    "pt_shares": false,                    // constituents share the jet pT given as jet_pt_gev
//    "mass_given": false,                   // and make the jet mass given as jet_mass_gev
//    "jet_radius": 0,                       // and keep members within this Delta R (0: off)
//    "jet_stage": {"kind": "flow-rqs", "config": {...}},  // draws those jets itself (kind "": off)
//    "loss": {"a": 0, "b": 1, "c": 1},      // LSGAN
//    "optimizer": {"lr_g": 2e-4, "lr_d": 2e-4, "alpha": 0.99,  // RMSprop
//                  "generator_ema": 0},   // keep the set generator's moving average
//    "schedule": {"discriminator": 3, "generator": 2},
//    "batch_size": 128, "sizes_batch_size": 0,  // 0: the sizes stage sees the jet batch
//    "steps": 20000, "evaluate_every": 200, "checkpoint_every": 1000}
// A step is one discriminator update; the generators update on `generator`
// of every `discriminator` steps (3 : 2 in the thesis).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace evgen {

// SetNetSpec: a stack of ISAB blocks (core/models/nn/isab.h), one width per
// block, and for a discriminator the hidden widths of the MLP after pooling.
struct SetNetSpec {
  std::vector<int64_t> blocks = {128, 128, 64, 64, 64};
  int64_t heads = 4;
  int64_t inducing = 16;
  double leaky_slope = 0.2;
  std::vector<int64_t> head;  // discriminator only
};

// ColumnPosition: where `name` sits in `columns` (a config's targets or
// conditions), -1 when absent.
int64_t ColumnPosition(const std::vector<std::string>& columns, const std::string& name);

// JetStageSpec: the jet stage (jet_stage.h) as configured, a model kind of
// another family and its config; an empty kind is no stage.
struct JetStageSpec {
  std::string kind;
  nlohmann::json config = nlohmann::json::object();
};

struct CloudConfig {
  std::string preset;
  std::vector<std::string> target_columns = {"log_pt", "log_e", "eta_rel", "phi_rel"};
  std::vector<std::string> condition_columns;
  int64_t max_constituents = 100;
  int64_t global_noise_dim = 16;
  int64_t member_noise_dim = 8;
  double tau = 1;
  nlohmann::json sizes_generator = {{"hidden", {128, 128}}, {"activation", "leaky-relu"}};
  nlohmann::json sizes_discriminator = {{"hidden", {128, 128, 64, 32}}, {"activation", "swish"}, {"norm", "layer"}};
  SetNetSpec set_generator;
  SetNetSpec set_discriminator = {{128, 128, 128, 128}, 4, 16, 0.2, {128}};
  bool spectral_norm = true;
  // jet_features: the set discriminator also sees each jet's log pT and log
  // mass summed from its constituents (jet_features.h); needs the targets
  // log_pt, eta_rel and phi_rel.
  bool jet_features = false;
  // jet_shapes: the set discriminator also sees each jet's girth and pT
  // dispersion (jet_features.h); needs the same targets.
  bool jet_shapes = false;
  // local_density: angular scales (rad); for each, the set discriminator
  // also sees the share of its jet's pT near every member
  // (member_density.h); empty: off. Needs the same targets.
  std::vector<double> local_density;
  // pair_angles: weight powers p in [1, 4]; for each, the set discriminator
  // also sees its jet's mean angle between two members weighted by
  // (z_i z_j)^p, which follows the hardest pair's Delta R as p grows
  // (pair_angles.h); empty: off. Needs the same targets.
  std::vector<double> pair_angles;
  // jet_efps: the set discriminator also sees the logs of its jet's
  // energy-flow polynomials of the 8 connected graphs with 1 to 3 edges
  // (jet_efps.h). Needs the same targets.
  bool jet_efps = false;
  // efp_mmd_weight > 0: the set generator's loss also has this weight times
  // the MMD^2 between the batch's real and generated jets in the space of
  // those 8 standardised log EFPs (with efp_mmd_edges 4 also the 12 of the
  // connected graphs with 4 edges), a Gaussian kernel summed over
  // efp_mmd_widths (standardised units): the ttbar paper's MMD term, on the
  // joint distribution a classifier on the EFPs told apart when the
  // discriminator saw the EFPs one by one (docs/results.md, issue 17).
  // Needs the same targets. efp_mmd_shapes: the MMD's points also hold
  // the jet's girth and pT dispersion (jet_features.h), standardised the
  // same way, because with the EFPs alone the term made the jets wider than
  // the truth's: the girth is no EFP, and the generator traded it away.
  double efp_mmd_weight = 0;
  std::vector<double> efp_mmd_widths = {1, 2, 4};
  // efp_mmd_whiten: the points are whitened with the training jets'
  // covariance (nn/whitening.h) instead of standardised one by one: the
  // EFPs are so correlated that a classifier told the jets apart along
  // directions of variance 0.0002, which kernels of width 1 do not see.
  int64_t efp_mmd_edges = 3;
  bool efp_mmd_shapes = false;
  bool efp_mmd_whiten = false;
  // pt_shares: the generated constituents share the jet pT given as the
  // condition jet_pt_gev along the jet axis (given_jet.h); needs the targets
  // log_pt and phi_rel and that condition. mass_given (with pt_shares): their
  // positions are scaled so that the jet has the mass given as jet_mass_gev;
  // needs eta_rel and that condition too.
  bool pt_shares = false;
  bool mass_given = false;
  // jet_radius (with mass_given): members lie within this Delta R of the
  // axis (given_jet.h); 0: anywhere within pi/2 of it.
  double jet_radius = 0;
  // jet_stage: a model of another family, trained on one row per jet, that
  // draws the condition columns it makes (its target columns, the jet pT and
  // mass) for every jet, so that the model generates jets from nothing and
  // asks only for its other conditions (jet_stage.h). jet_stage.config
  // merges over a preset's key by key, as every object of the config does;
  // "kind": "" turns a preset's stage off.
  JetStageSpec jet_stage;
  double lsgan_a = 0, lsgan_b = 1, lsgan_c = 1;
  double lr_g = 2e-4, lr_d = 2e-4, rmsprop_alpha = 0.99;
  // generator_ema > 0: the set generator kept at the end of training is the
  // moving average of its weights with this decay per generator update (Polyak
  // averaging, weight_average.h), not the last weights. Adversarial
  // training oscillates around an equilibrium; the last weights carry
  // whatever the last few hundred steps pushed them to, and three training
  // seeds of the same recipe gave EFP classifier AUCs 0.62-0.66.
  double generator_ema = 0;
  int discriminator_updates = 3, generator_updates = 2;
  int64_t batch_size = 128;
  // sizes_batch_size > 0 gives the sizes stage its own batch of that many
  // real and generated sizes each step, drawn with replacement. The sizes
  // discriminator must learn a density over N_max classes; a jet batch of 64
  // puts less than one jet in each class, and the small preset's sizes stage
  // then stayed at the untrained model's W1. Sizes cost almost nothing
  // beside the set stage, so the thesis' recipe is kept for the sets.
  int64_t sizes_batch_size = 0;
  int64_t steps = 20000;
  int64_t evaluate_every = 200;
  int64_t checkpoint_every = 1000;

  // GeneratorStep: whether step `step` also updates the generators.
  bool GeneratorStep(int64_t step) const { return step % discriminator_updates < generator_updates; }

  // FromJson applies the preset (if any), then the keys of `j`, and checks
  // everything, the network specs included; InvalidArgument names
  // "config.<key>" and the allowed values.
  [[nodiscard]] static absl::StatusOr<CloudConfig> FromJson(const nlohmann::json& j);
  nlohmann::json ToJson() const;
};

}  // namespace evgen
