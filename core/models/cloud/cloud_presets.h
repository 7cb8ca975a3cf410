// cloud_presets.h: named configurations of the jet-cloud set GAN. A training
// config names one with {"preset": NAME} and may override any key.
//
//   jet-cloud-gan        Bardhan 2023 (thesis ch. 7): set generator of 5 ISAB
//                        blocks 128,128,64,64,64 with 4 heads, set discriminator
//                        of 4 blocks of 128, sizes discriminator 6x128, 4x64, 32
//                        with Swish and batch norm, LSGAN (0, 1, 1), spectral
//                        norm on both discriminators, RMSprop 2e-4, 3 : 2 updates,
//                        N_max 100.
//   jet-cloud-gan-small  the same recipe at widths that train on 2 CPU cores in
//                        minutes (two ISAB blocks of 32, 2 heads, 8 inducing points).
//   jet-cloud-gan-given-small  the small recipe given each jet's pT and mass,
//                        within R = 0.8, local pT densities in the discriminator.
//   jet-cloud-gan-jets-small   the given-jet recipe with a jet stage, a spline
//                        flow that draws each jet's pT and mass: jets from nothing.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/models/model_family.h"

namespace evgen {

const std::vector<ModelPreset>& CloudPresets();

// FindCloudPreset: InvalidArgument naming config.preset and listing the names.
[[nodiscard]] absl::StatusOr<ModelPreset> FindCloudPreset(const std::string& name);

}  // namespace evgen
