// flow_family.h: the normalizing-flow family: kinds flow-affine, flow-rqs
// and cinn (flow_config.h), their presets (flow_presets.h), FlowModel and
// FlowTrainer. The only family whose models have a density (LogDensity).
#pragma once

#include <memory>

#include "core/models/model_family.h"

namespace evgen {

std::unique_ptr<ModelFamily> MakeFlowFamily();

}  // namespace evgen
