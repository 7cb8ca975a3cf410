// cloud_family.h: the jet-cloud family (kind "jet-cloud-gan"): jets as
// variable-size particle clouds from a two-stage set GAN (cloud_model.h).
#pragma once

#include <memory>

#include "core/models/model_family.h"

namespace evgen {

std::unique_ptr<ModelFamily> MakeCloudFamily();

}  // namespace evgen
