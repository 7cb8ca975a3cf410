// gan_presets.h: named GAN configurations that reproduce the papers' setups,
// each with a "-small" variant that trains on 2 CPU cores in minutes.
// docs/physics.md lists each preset with the paper's numbers and every
// deviation. A training config names one with {"preset": NAME} and may
// override any key.
//
//   jetmass-gan        gan      Lin, Bhimji, Nachman 2019: m | (pT, eta, N_track),
//                               160/80/40, generator dropout 0.5, skew-normal noise alpha 5
//   jetmass-wgan-u1    wgan-u1  the same with a U(1) circle-layer critic
//   dilepton-wgan-gp   wgan-gp  Lebese, Ruan: 8 dilepton features on [0, 1], latent 128,
//                               trainable Swish, sigmoid output, lambda 10, Adam 2e-4 (0.5, 0.999), batch 1024
//   ttbar-mmd-gan      rjs-gan  Butter, Plehn, Winterhalder 2019: six on-shell quarks,
//                               10 x 512, batch 1024, lambda_D 1e-3, lambda_G 1, MMD on W and top masses
//   ttbar-gan          rjs-gan  the same without the MMD terms (the comparison of their Fig. 7)
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/models/model_family.h"
#include "nlohmann/json.hpp"

namespace evgen {

using GanPreset = ModelPreset;

const std::vector<GanPreset>& GanPresets();

// FindGanPreset: InvalidArgument naming config.preset and listing the names.
[[nodiscard]] absl::StatusOr<GanPreset> FindGanPreset(const std::string& name);

}  // namespace evgen
