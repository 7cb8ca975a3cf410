// conditions_stage.h: the seed label of a model drawing the conditions of
// another model's rows: a stored conditions model in a sample plan
// (core/sampling/sample_plan.h) and a jet-cloud model's own jet stage
// (core/models/cloud/jet_stage.h).
#pragma once

#include <cstdint>

namespace evgen {

// kConditionsStageLabel is the DeriveSeed label (core/random/counter_rng.h;
// "cond") of the conditions' seed: their noise is then independent of the
// main model's (row i of both would otherwise take the same normal
// deviates), and one label makes the same two networks give the same
// sample either way.
inline constexpr uint64_t kConditionsStageLabel = 0x636f6e64;

}  // namespace evgen
