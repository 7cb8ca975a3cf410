#include "core/models/flow/flow_family.h"

#include "core/models/flow/flow_config.h"
#include "core/models/flow/flow_model.h"
#include "core/models/flow/flow_presets.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

class FlowFamily final : public ModelFamily {
 public:
  std::string name() const override { return "flow"; }
  std::vector<std::string> kinds() const override { return FlowKinds(); }
  bool config_names_columns() const override { return true; }

  // ResolveConfig is the model's own config: the preset applied, the
  // subnet spec resolved and the default transforms filled in.
  absl::StatusOr<nlohmann::json> ResolveConfig(const std::string& kind,
                                               const nlohmann::json& config) const override {
    EVGEN_ASSIGN_OR_RETURN(std::unique_ptr<Model> model, CreateFlowModel(kind, config));
    const nlohmann::json description = model->Describe();
    nlohmann::json j = description.at("config");
    const std::string preset = description.value("preset", "");
    if (!preset.empty()) j["preset"] = preset;
    return j;
  }

  absl::StatusOr<std::unique_ptr<Model>> Create(const std::string& kind,
                                                const nlohmann::json& config) const override {
    return CreateFlowModel(kind, config);
  }

  std::vector<ModelPreset> presets() const override { return FlowPresets(); }
};

}  // namespace

std::unique_ptr<ModelFamily> MakeFlowFamily() { return std::make_unique<FlowFamily>(); }

}  // namespace evgen
