#include "core/models/cloud/cloud_family.h"

#include "absl/strings/str_cat.h"
#include "core/models/cloud/cloud_config.h"
#include "core/models/cloud/cloud_constants.h"
#include "core/models/cloud/cloud_model.h"
#include "core/models/cloud/cloud_presets.h"
#include "core/models/cloud/jet_stage.h"
#include "core/models/nn/mlp.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

absl::Status CheckKind(const std::string& kind) {
  if (kind == cloud::kKind) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("kind: '", kind, "' is not a jet-cloud kind; allowed: ", cloud::kKind));
}

class CloudFamily final : public ModelFamily {
 public:
  std::string name() const override { return "cloud"; }
  std::vector<std::string> kinds() const override { return {cloud::kKind}; }
  bool config_names_columns() const override { return true; }

  // ResolveConfig also resolves the sizes networks' MLP specs and the jet
  // stage's config, which the config keeps as given, so that every default
  // shows.
  absl::StatusOr<nlohmann::json> ResolveConfig(const std::string& kind, const nlohmann::json& config) const override {
    EVGEN_RETURN_IF_ERROR(CheckKind(kind));
    EVGEN_ASSIGN_OR_RETURN(CloudConfig c, CloudConfig::FromJson(config));
    nlohmann::json j = c.ToJson();
    EVGEN_ASSIGN_OR_RETURN(MlpSpec g, MlpSpec::FromJson(c.sizes_generator, "config.sizes_generator"));
    EVGEN_ASSIGN_OR_RETURN(MlpSpec d, MlpSpec::FromJson(c.sizes_discriminator, "config.sizes_discriminator"));
    j["sizes_generator"] = g.ToJson();
    j["sizes_discriminator"] = d.ToJson();
    EVGEN_RETURN_IF_ERROR(JetStage::Make(c).status());  // its columns, checked as Create does
    EVGEN_ASSIGN_OR_RETURN(nlohmann::json stage, JetStage::ResolvedConfig(c));
    if (!stage.empty()) j["jet_stage"] = std::move(stage);
    if (!c.preset.empty()) j["preset"] = c.preset;
    return j;
  }

  absl::StatusOr<std::unique_ptr<Model>> Create(const std::string& kind, const nlohmann::json& config) const override {
    EVGEN_RETURN_IF_ERROR(CheckKind(kind));
    return CreateCloudModel(config);
  }

  std::vector<ModelPreset> presets() const override { return CloudPresets(); }
};

}  // namespace

std::unique_ptr<ModelFamily> MakeCloudFamily() { return std::make_unique<CloudFamily>(); }

}  // namespace evgen
