// model_registry.h: creates Models by kind name ("template" and the GAN kinds of
// gan_config.h), so the server and the job runner never name a concrete
// model class.
//
// Example:
//   EVGEN_ASSIGN_OR_RETURN(std::unique_ptr<Model> m, CreateModel("template", config));
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/models/model.h"
#include "nlohmann/json_fwd.hpp"

namespace evgen {

// ModelKinds lists the kinds CreateModel accepts, sorted.
std::vector<std::string> ModelKinds();

// CreateModel returns an unfitted model. InvalidArgument for an unknown kind
// (the message lists the known ones) or an invalid config.
[[nodiscard]] absl::StatusOr<std::unique_ptr<Model>> CreateModel(const std::string& kind,
                                                                  const nlohmann::json& config);

}  // namespace evgen
