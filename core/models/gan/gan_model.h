// gan_model.h: GanModel, every GAN kind (gan, wgan-clip, wgan-gp, wgan-u1,
// lsgan, rjs-gan, each optionally with MMD terms) behind the Model interface.
//
// Fit: the targets go through the configured TransformChain (fitted on the
// training rows), the conditions are standardized, a seeded validation
// fraction is held out, and GanTrainer trains (core/models/gan/gan_trainer.h).
// Only the generator is kept. Sample: row r's latent vector comes from
// CounterRng(seed, first_row + r), the generator runs in eval mode, and the
// chain's inverse brings the targets back to physical units (for the ttbar
// presets, on-shell energies from the 3-momenta). Saved as model.json (the
// resolved config, fitted transforms, condition scaling, fit summary) and
// generator.pt.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/models/model.h"
#include "nlohmann/json.hpp"

namespace evgen {

// CreateGanModel returns an unfitted model of a GAN kind; InvalidArgument
// naming the config field for an invalid config.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Model>> CreateGanModel(const std::string& kind,
                                                                     const nlohmann::json& config);

}  // namespace evgen
