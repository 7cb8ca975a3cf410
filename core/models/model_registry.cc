#include "core/models/model_registry.h"

#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/models/gan_config.h"
#include "core/models/gan_model.h"
#include "core/models/histogram_template.h"
#include "core/status_macros.h"
#include "nlohmann/json.hpp"

namespace evgen {
namespace {

using Factory = std::function<absl::StatusOr<std::unique_ptr<Model>>(const nlohmann::json&)>;

absl::StatusOr<std::unique_ptr<Model>> MakeTemplate(const nlohmann::json& config) {
  EVGEN_ASSIGN_OR_RETURN(HistogramTemplateConfig cfg, HistogramTemplateConfig::FromJson(config));
  return std::unique_ptr<Model>(std::make_unique<HistogramTemplate>(cfg));
}

const std::map<std::string, Factory>& Factories() {
  static const auto* factories = [] {
    auto* f = new std::map<std::string, Factory>{{"template", MakeTemplate}};
    for (const std::string& kind : GanKinds()) {
      (*f)[kind] = [kind](const nlohmann::json& config) { return CreateGanModel(kind, config); };
    }
    return f;
  }();
  return *factories;
}

}  // namespace

std::vector<std::string> ModelKinds() {
  std::vector<std::string> kinds;
  for (const auto& [kind, factory] : Factories()) kinds.push_back(kind);
  return kinds;
}

absl::StatusOr<std::unique_ptr<Model>> CreateModel(const std::string& kind,
                                                   const nlohmann::json& config) {
  auto it = Factories().find(kind);
  if (it == Factories().end()) {
    return absl::InvalidArgumentError(absl::StrCat("kind: unknown model kind '", kind,
                                                   "'; allowed: ", absl::StrJoin(ModelKinds(), ", ")));
  }
  return it->second(config.is_null() ? nlohmann::json::object() : config);
}

}  // namespace evgen
