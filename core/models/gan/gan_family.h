// gan_family.h: the GAN family: every adversarial kind of gan_config.h (gan,
// wgan-clip, wgan-gp, wgan-u1, lsgan, rjs-gan, each optionally with MMD
// terms), its presets (gan_presets.h), GanModel and GanTrainer.
#pragma once

#include <memory>

#include "core/models/model_family.h"

namespace evgen {

std::unique_ptr<ModelFamily> MakeGanFamily();

}  // namespace evgen
