// template_family.h: the histogram-template family (kind "template"): the
// jet-mass templates of Lin, Bhimji, Nachman, binned in |eta| and log pT
// (histogram_template.h).
#pragma once

#include <memory>

#include "core/models/model_family.h"

namespace evgen {

std::unique_ptr<ModelFamily> MakeTemplateFamily();

}  // namespace evgen
